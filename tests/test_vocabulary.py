"""Each tumour, node and metastasis finding alone gives its published category, in every system.

The expected tables are written from the published descriptors (shared/reference/staging.md §1-4, with the
decisions recorded in each system's data file), not read back from the data files.
"""

from __future__ import annotations

import pytest

import mesostage
from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, TUMOR_FINDINGS
from tests.factories import oracle_rows, pleural_case

# ---------------------------------------------------------------- T
T8 = {
    "parietal_pleura": "T1", "visceral_pleura": "T1", "mediastinal_pleura": "T1", "diaphragmatic_pleura": "T1",
    "diaphragm_muscle": "T2", "lung_parenchyma": "T2", "fissure": "T2",
    "endothoracic_fascia": "T3", "mediastinal_fat": "T3", "chest_wall_solitary": "T3",
    "pericardium_nontransmural": "T3",
    "chest_wall_diffuse": "T4", "rib": "T4", "pericardium_through": "T4", "pericardial_effusion_malignant": "T4",
    "myocardium": "T4", "transdiaphragmatic": "T4", "contralateral_pleura_direct": "T4", "mediastinal_organs": "T4",
    "spine": "T4", "brachial_plexus": "T4",
}  # fmt: skip
# 9th pT keeps the 8th-edition descriptors (Gill 2024).
T9_PATHOLOGICAL = T8
# 9th cT with Psum 5 mm and Fmax 2 mm: only the cT list counts (NDRS sheet).
T9_CLINICAL = {f: "T1" for f in T8} | {
    "fissure": "T2", "mediastinal_fat": "T2", "chest_wall_solitary": "T2",
} | {f: "T4" for f, t in T8.items() if t == "T4"}  # fmt: skip
T7 = T8 | {
    "parietal_pleura": "T1a", "mediastinal_pleura": "T1a", "diaphragmatic_pleura": "T1a", "visceral_pleura": "T1b",
}  # fmt: skip
BUTCHART_T = {f: "I" for f in ("parietal_pleura", "visceral_pleura", "mediastinal_pleura", "diaphragmatic_pleura",
                               "diaphragm_muscle", "lung_parenchyma", "fissure", "pericardium_nontransmural")} | {
    f: "II" for f in ("endothoracic_fascia", "chest_wall_solitary", "chest_wall_diffuse", "rib", "spine",
                      "brachial_plexus", "mediastinal_fat", "mediastinal_organs", "pericardium_through",
                      "pericardial_effusion_malignant", "myocardium", "contralateral_pleura_direct")
} | {"transdiaphragmatic": "III"}  # fmt: skip
BRIGHAM_T = {f: ("I" if s == "I" else "III") for f, s in BUTCHART_T.items()}

# ---------------------------------------------------------------- N
N8 = {
    "ipsilateral_bronchopulmonary": "N1", "ipsilateral_hilar": "N1", "subcarinal": "N1",
    "ipsilateral_mediastinal": "N1", "ipsilateral_internal_mammary": "N1", "peridiaphragmatic": "N1",
    "pericardial_fat_pad": "N1", "intercostal": "N1",
    "contralateral_mediastinal": "N2", "contralateral_internal_mammary": "N2", "contralateral_hilar": "N2",
    "ipsilateral_supraclavicular": "N2", "contralateral_supraclavicular": "N2", "scalene": "N2",
}  # fmt: skip
N7 = {f: ("N3" if n == "N2" else "N2") for f, n in N8.items()} | {
    "ipsilateral_bronchopulmonary": "N1", "ipsilateral_hilar": "N1",
}  # fmt: skip
BUTCHART_N = {f: "II" for f in N8} | {
    "ipsilateral_supraclavicular": "III", "contralateral_supraclavicular": "III", "scalene": "III",
}  # fmt: skip
BRIGHAM_N = {f: "III" for f in N8} | {"ipsilateral_bronchopulmonary": "II", "ipsilateral_hilar": "II"}

# ---------------------------------------------------------------- M
M_TNM = dict.fromkeys(METASTASIS_FINDINGS, "M1")
BUTCHART_M = dict.fromkeys(METASTASIS_FINDINGS, "IV") | {
    "distant_nodes": "III", "peritoneum_discontinuous": "III", "pleura_contralateral_discontinuous": "III",
    "pericardial_effusion_discontinuous": "II",
}  # fmt: skip
BRIGHAM_M = dict.fromkeys(METASTASIS_FINDINGS, "IV")


def _category(system: str, case: dict[str, object], component: str) -> str:
    return mesostage.stage(case, systems=[system]).results[0].categories[component]


@pytest.mark.parametrize(
    "table", [T8, T7, T9_CLINICAL, BUTCHART_T, BRIGHAM_T, N8, N7, BUTCHART_N, BRIGHAM_N, BUTCHART_M, BRIGHAM_M]
)
def test_tables_cover_the_whole_vocabulary(table: dict[str, str]) -> None:
    vocabularies = (set(TUMOR_FINDINGS), set(NODE_FINDINGS), set(METASTASIS_FINDINGS))
    assert set(table) in vocabularies


TUMOR_CASES = [
    ("tnm8", "pathological", T8, "T"),
    ("tnm7", "pathological", T7, "T"),
    ("tnm9", "pathological", T9_PATHOLOGICAL, "T"),
    ("tnm9", "post_therapy", T9_PATHOLOGICAL, "T"),
    ("tnm9", "clinical", T9_CLINICAL, "T"),
    ("butchart", "clinical", BUTCHART_T, "stage"),
    ("brigham", "pathological", BRIGHAM_T, "stage"),
]


@pytest.mark.parametrize(
    ("system", "basis", "finding", "expected", "component"),
    [(s, b, f, table[f], c) for s, b, table, c in TUMOR_CASES for f in TUMOR_FINDINGS],
)
def test_tumour_finding_alone(system: str, basis: str, finding: str, expected: str, component: str) -> None:
    case = pleural_case([finding], basis=basis)
    if basis == "clinical":
        # A measured Fmax replaces the fissure finding in the 9th edition (Gill 2024; NDRS TNM 9): leave it unmeasured
        # for the fissure so the finding itself is tested.
        case["tumor"] |= {"psum_mm": 5.0, "fmax_mm": None if finding == "fissure" else 2.0}
    assert _category(system, case, component) == expected


# (section, system, expected table, component)
SPREAD_CASES = [
    ("nodes", "tnm8", N8, "N"),
    ("nodes", "tnm9", N8, "N"),
    ("nodes", "tnm7", N7, "N"),
    ("nodes", "butchart", BUTCHART_N, "stage"),
    ("nodes", "brigham", BRIGHAM_N, "stage"),
    ("metastases", "tnm8", M_TNM, "M"),
    ("metastases", "tnm9", M_TNM, "M"),
    ("metastases", "tnm7", M_TNM, "M"),
    ("metastases", "butchart", BUTCHART_M, "stage"),
    ("metastases", "brigham", BRIGHAM_M, "stage"),
]


@pytest.mark.parametrize(
    ("section", "system", "finding", "expected", "component"),
    [(sec, s, f, table[f], c) for sec, s, table, c in SPREAD_CASES for f in table],
)
def test_node_and_metastasis_finding_alone(
    section: str, system: str, finding: str, expected: str, component: str
) -> None:
    case = pleural_case(["parietal_pleura"])
    case[section]["findings"] = [finding]
    assert _category(system, case, component) == expected


# SEER EOD 2018 descriptors (registrar view of AJCC 8th) for the findings this tool names. Peridiaphragmatic nodes
# are N1 here (AJCC 8th text) but N2 in SEER code 700: the one documented disagreement.
SEER_DESCRIPTOR_TO_FINDING = {
    ("T", "[all ipsilateral pleural surfaces involved] Diaphragm (Diaphragmatic muscle)"): "diaphragm_muscle",
    ("T", "[all ipsilateral pleural surfaces involved] Lung parenchyma (direct extension)"): "lung_parenchyma",
    ("T", "[all ipsilateral pleural surfaces involved] Confluent visceral pleural tumor (including any involvement "
          "of interlobar fissure)"): "fissure",
    ("T", "[all ipsilateral pleural surfaces involved] Endothoracic fascia"): "endothoracic_fascia",
    ("T", "[all ipsilateral pleural surfaces involved] Mediastinal fat (mediastinal tissues)"): "mediastinal_fat",
    ("T", "[all ipsilateral pleural surfaces involved] Solitary focus of tumor extending into the chest wall"):
        "chest_wall_solitary",
    ("T", "[all ipsilateral pleural surfaces involved] Pericardium, non-transmural or NOS"): "pericardium_nontransmural",
    ("T", "[all ipsilateral pleural surfaces involved] Rib"): "rib",
    ("T", "[all ipsilateral pleural surfaces involved] Mediastinal organs (direct extension)"): "mediastinal_organs",
    ("T", "[all ipsilateral pleural surfaces involved] Brachial plexus"): "brachial_plexus",
    ("T", "[all ipsilateral pleural surfaces involved] Contralateral pleura (direct contiguous extension)"):
        "contralateral_pleura_direct",
    ("T", "[all ipsilateral pleural surfaces involved] Myocardium"): "myocardium",
    ("T", "[all ipsilateral pleural surfaces involved] Peritoneum (direct transdiaphragmatic extension of tumor)"):
        "transdiaphragmatic",
    ("T", "[all ipsilateral pleural surfaces involved] Spine"): "spine",
    ("N", "Subcarinal"): "subcarinal",
    ("N", "Hilar (ipsilateral): Bronchopulmonary"): "ipsilateral_bronchopulmonary",
    ("N", "Hilar (ipsilateral)"): "ipsilateral_hilar",
    ("N", "Internal mammary (parasternal)"): "ipsilateral_internal_mammary",
    ("N", "Intercostal"): "intercostal",
    ("N", "Pericardial"): "pericardial_fat_pad",
    ("N", "Mediastinal, NOS (ipsilateral)"): "ipsilateral_mediastinal",
    ("N", "Mediastinal (contralateral, bilateral)"): "contralateral_mediastinal",
    ("N", "Hilar (contralateral, bilateral)"): "contralateral_hilar",
    ("N", "Scalene (ipsilateral, contralateral)"): "scalene",
    ("N", "Supraclavicular (ipsilateral or contralateral)"): "ipsilateral_supraclavicular",
    ("N", "Peridiaphragmatic (ipsilateral, contralateral)"): "peridiaphragmatic",
    ("M", "Contralateral lung"): "lung_contralateral",
    ("M", "Lung (discontinuous ipsilateral lung tumors)"): "lung_ipsilateral_discontinuous",
    ("M", "Contralateral pleura/chest wall (discontinuous involvement)"): "pleura_contralateral_discontinuous",
    ("M", "Peritoneum (discontinuous extension of tumor)"): "peritoneum_discontinuous",
    ("M", "Pericardial effusion, malignant (discontinuous involvement)"): "pericardial_effusion_discontinuous",
    ("M", "Distant lymph node"): "distant_nodes",
}  # fmt: skip


def test_tnm8_agrees_with_seer_eod_descriptors() -> None:
    rows = {
        (r["component"], r["finding"]): r["ajcc8_category"]
        for r in oracle_rows("eod2018_pleural_mesothelioma_findings_ajcc8.csv")
    }
    disagreements = {}
    for (component, descriptor), finding in SEER_DESCRIPTOR_TO_FINDING.items():
        seer = rows[(component, descriptor)]
        table = {"T": T8, "N": N8, "M": M_TNM}[component]
        assert table[finding] is not None
        ours = _category(
            "tnm8",
            pleural_case(
                ["parietal_pleura"] if component != "T" else [finding],
                [finding] if component == "N" else [],
                [finding] if component == "M" else [],
            ),
            component,
        )
        if ours != seer:
            disagreements[finding] = (seer, ours)
    assert disagreements == {"peridiaphragmatic": ("N2", "N1")}
