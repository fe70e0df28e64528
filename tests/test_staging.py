"""What a user sees from stage(): categories, stage, range, determinants, unknowns, review notes, sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mesostage
from mesostage import CaseError
from tests.factories import ALL_SURFACES, pleural_case

EXAMPLE = json.loads((Path(mesostage.__file__).parent / "examples" / "example-1.json").read_text())


def test_contract_example() -> None:
    result = mesostage.stage(EXAMPLE)
    assert result.id == "example-1"
    assert result.default_system == "tnm8"  # diagnosed 2024-03-01
    r = result.result("tnm8")
    assert (r.t, r.n, r.m, r.prefix, r.stage, r.stage_range) == ("T3", "N1", "M0", "c", "IIIA", ["IIIA", "IIIA"])
    assert {"component": "T", "finding": "mediastinal_fat", "category": "T3"}.items() <= r.determinants[
        0
    ].model_dump().items()
    assert r.evidence == "official"
    assert any("Rusch VW" in s and "2112-2119" in s for s in r.sources)
    # endothoracic fascia (T3) cannot raise a T3 tumour: it does not matter here
    assert r.unknowns_that_matter == []


def test_unknown_finding_takes_lower_category_and_widens_range() -> None:
    r = mesostage.stage(pleural_case(["parietal_pleura"], tumor_unknown=["rib"]), systems=["tnm8"]).results[0]
    assert (r.t, r.stage, r.stage_range) == ("T1", "IA", ["IA", "IIIB"])
    assert r.unknowns_that_matter == ["tumor.rib"]


def test_unknowns_that_matter_is_exact() -> None:
    case = pleural_case(
        [*ALL_SURFACES, "rib"],
        tumor_unknown=["mediastinal_fat"],  # T3 below a known T4: cannot matter
        nodes_unknown=["subcarinal", "scalene"],  # T4 M0 is IIIB whatever N: cannot matter in the 8th
        metastases_unknown=["liver"],  # M1 would make it IV: matters
    )
    r = mesostage.stage(case, systems=["tnm8"]).results[0]
    assert (r.stage, r.stage_range) == ("IIIB", ["IIIB", "IV"])
    assert r.unknowns_that_matter == ["metastases.liver"]
    # In the 7th edition T4 is IV whatever N and M: nothing matters
    seven = mesostage.stage(case, systems=["tnm7"]).results[0]
    assert (seven.stage, seven.stage_range, seven.unknowns_that_matter) == ("IV", ["IV", "IV"], [])


def test_nodes_not_assessed_gives_nx() -> None:
    case = pleural_case(ALL_SURFACES)
    case["nodes"] = {"assessed": False}
    r = mesostage.stage(case, systems=["tnm8"]).results[0]
    assert (r.t, r.n, r.stage, r.stage_range) == ("T1", "NX", None, ["IA", "IIIB"])
    assert r.unknowns_that_matter == ["nodes"]
    assert r.reason
    assert "cannot be determined" in r.reason


def test_missing_section_is_not_assessed() -> None:
    case = pleural_case(["rib"])
    del case["nodes"]
    r = mesostage.stage(case, systems=["tnm8"]).results[0]
    assert (r.n, r.stage) == ("NX", "IIIB")  # T4 M0 is IIIB whatever N
    assert "nodes" not in r.unknowns_that_matter


def test_metastases_not_assessed_stages_m0_and_says_it_could_be_iv() -> None:
    case = pleural_case(["parietal_pleura"])
    del case["metastases"]
    result = mesostage.stage(case)
    r = result.result("tnm8")
    assert (r.m, r.stage, r.stage_range) == ("M0", "IA", ["IA", "IV"])
    assert "metastases" in r.unknowns_that_matter
    note = next(n for n in result.review if n.code == "m_not_assessed")
    assert note.severity == "warning"
    assert {"tnm8", "tnm9", "tnm7"} <= set(note.systems)


def test_t0_is_staged_only_where_n_and_m_decide() -> None:
    case = pleural_case(nodes=["contralateral_mediastinal"])
    case["tumor"] = {"no_evidence": True}
    r = mesostage.stage(case, systems=["tnm8"]).results[0]
    assert (r.t, r.n, r.stage) == ("T0", "N2", "IIIB")
    case["nodes"] = {"findings": ["subcarinal"]}
    r = mesostage.stage(case, systems=["tnm8"]).results[0]
    assert (r.t, r.stage, r.stage_range) == ("T0", None, ["II", "IIIB"])


def test_tumour_not_assessed_with_m1_is_iv() -> None:
    case = {"site": "pleura", "nodes": {"assessed": False}, "metastases": {"findings": ["liver"]}}
    for system in ("tnm8", "tnm9", "tnm7"):
        r = mesostage.stage(case, systems=[system]).results[0]
        assert (r.t, r.n, r.m, r.stage, r.stage_range) == ("TX", "NX", "M1", "IV", ["IV", "IV"])
        assert r.unknowns_that_matter == []


# Vignettes V1-V8 of staging.md §5 (derived by the reference authors from the published definitions).
@pytest.mark.parametrize(
    ("tumor", "nodes", "mets", "tnm8", "tnm9"),
    [
        (["parietal_pleura", "diaphragmatic_pleura"], [], [], ("T1", "IA"), ("T1", "I")),
        ([*ALL_SURFACES, "diaphragm_muscle"], [], [], ("T2", "IB"), ("T2", "II")),
        ([*ALL_SURFACES, "mediastinal_fat"], [], [], ("T3", "IB"), ("T3", "IIIA")),
        ([*ALL_SURFACES, "chest_wall_solitary"], ["subcarinal"], [], ("T3", "IIIA"), ("T3", "IIIA")),
        (ALL_SURFACES, ["contralateral_mediastinal"], [], ("T1", "IIIB"), ("T1", "IIIA")),
        ([*ALL_SURFACES, "contralateral_pleura_direct"], [], [], ("T4", "IIIB"), ("T4", "IIIB")),
        ([*ALL_SURFACES, "lung_parenchyma"], [], ["pleura_contralateral_discontinuous"], ("T2", "IV"), ("T2", "IV")),
    ],
)
def test_vignettes_pathological(
    tumor: list[str], nodes: list[str], mets: list[str], tnm8: tuple[str, str], tnm9: tuple[str, str]
) -> None:
    result = mesostage.stage(pleural_case(tumor, nodes, mets))
    assert (result.result("tnm8").t, result.result("tnm8").stage) == tnm8
    assert (result.result("tnm9").t, result.result("tnm9").stage) == tnm9


@pytest.mark.parametrize(
    ("psum", "fmax", "extra", "nodes", "t", "stage"),
    [
        (10.0, 3.0, [], [], "T1", "I"),  # V10
        (10.0, 7.0, [], [], "T2", "II"),  # V11
        (25.0, None, [], ["ipsilateral_hilar"], "T2", "IIIA"),  # V12
        (31.0, None, [], [], "T3", "IIIA"),  # V13
        (None, None, ["rib"], [], "T4", "IIIB"),  # V14: cT4 needs no Psum
        (12.0, 5.0, [], [], "T1", "I"),  # boundaries: Psum <= 12 and Fmax <= 5 stay cT1
        (12.1, None, [], [], "T2", "II"),
        (30.0, None, [], [], "T2", "II"),
        (30.5, None, [], [], "T3", "IIIA"),
        (8.0, None, ["mediastinal_fat"], [], "T2", "II"),
        (8.0, None, ["diaphragm_muscle"], [], "T1", "I"),  # not a cT descriptor
    ],
)
def test_tnm9_clinical_t(
    psum: float | None, fmax: float | None, extra: list[str], nodes: list[str], t: str, stage: str
) -> None:
    case = pleural_case(["parietal_pleura", *extra], nodes, basis="clinical")
    case["tumor"] |= {"psum_mm": psum, "fmax_mm": fmax}
    r = mesostage.stage(case, systems=["tnm9"]).results[0]
    assert (r.prefix, r.t, r.stage) == ("c", t, stage)


def test_tnm9_clinical_without_psum_is_tx_with_range() -> None:
    case = pleural_case(["parietal_pleura", "mediastinal_fat"], basis="clinical")
    r = mesostage.stage(case, systems=["tnm9"]).results[0]
    assert (r.t, r.stage, r.stage_range) == ("TX", None, ["II", "IIIA"])
    assert "tumor.psum_mm" in r.unknowns_that_matter


def test_tnm9_pathological_ignores_psum() -> None:
    case = pleural_case(["parietal_pleura"], basis="pathological")
    case["tumor"] |= {"psum_mm": 45.0}
    r = mesostage.stage(case, systems=["tnm9"]).results[0]
    assert (r.prefix, r.t, r.stage) == ("p", "T1", "I")
    post = mesostage.stage(case | {"basis": "post_therapy"}, systems=["tnm9"]).results[0]
    assert post.prefix == "yp"


def test_all_surfaces_note() -> None:
    partial = mesostage.stage(pleural_case(["parietal_pleura", "mediastinal_fat"]))
    assert "all_surfaces_not_documented" in {n.code for n in partial.review}
    assert partial.result("tnm8").t == "T3"
    full = mesostage.stage(pleural_case([*ALL_SURFACES, "mediastinal_fat"]))
    assert "all_surfaces_not_documented" not in {n.code for n in full.review}


def test_brigham_needs_resection() -> None:
    case = pleural_case(ALL_SURFACES, ["ipsilateral_hilar"])
    r = mesostage.stage(case, systems=["brigham"]).results[0]
    assert (r.stage, r.categories, r.evidence) == (None, {"stage": "II"}, "historical")
    assert r.reason
    assert "resection" in r.reason
    resected = case | {"resection": {"performed": True, "margins_positive": False}}
    assert mesostage.stage(resected, systems=["brigham"]).results[0].stage == "II"
    clean = pleural_case(ALL_SURFACES) | {"resection": {"performed": True, "margins_positive": False}}
    assert mesostage.stage(clean, systems=["brigham"]).results[0].stage == "I"
    margins = pleural_case(ALL_SURFACES) | {"resection": {"performed": True, "margins_positive": True}}
    assert mesostage.stage(margins, systems=["brigham"]).results[0].stage == "II"
    unknown_margins = pleural_case(ALL_SURFACES) | {"resection": {"performed": True}}
    r = mesostage.stage(unknown_margins, systems=["brigham"]).results[0]
    assert (r.stage, r.stage_range, r.unknowns_that_matter) == ("I", ["I", "II"], ["resection.margins_positive"])


def test_historical_systems_are_marked() -> None:
    result = mesostage.stage(pleural_case(ALL_SURFACES))
    for system in ("butchart", "brigham"):
        assert result.result(system).evidence == "historical"
    assert result.result("butchart").stage == "I"


@pytest.mark.parametrize("site", ["pericardium", "tunica_vaginalis"])
def test_no_formal_system_sites(site: str) -> None:
    result = mesostage.stage({"site": site})
    assert result.formal_staging_system is False
    assert result.default_system is None
    assert all(not r.applicable and r.stage is None and r.reason for r in result.results)
    note = result.review[0]
    assert note.code == "no_formal_staging_system"
    assert "No formal staging system" in note.message


def test_pleural_systems_do_not_apply_to_peritoneum() -> None:
    result = mesostage.stage({"site": "peritoneum", "peritoneal": {"pci": 5}})
    for system in ("tnm8", "tnm9", "tnm7", "butchart", "brigham"):
        r = result.result(system)
        assert not r.applicable
        assert r.reason
        assert "peritoneum" in r.reason
    assert result.result("peritoneal_tnm").applicable
    assert mesostage.stage(pleural_case(ALL_SURFACES)).result("peritoneal_tnm").applicable is False


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2017-12-31", "tnm7"), ("2018-01-01", "tnm8"), ("2024-12-31", "tnm8"), ("2025-01-01", "tnm9"), (None, "tnm9")],
)
def test_default_system_by_diagnosis_date(date: str | None, expected: str) -> None:
    assert mesostage.stage({"site": "pleura", "diagnosis_date": date}).default_system == expected


def test_systems_selection_and_order() -> None:
    result = mesostage.stage(pleural_case(ALL_SURFACES), systems=["tnm7", "tnm8"])
    assert [r.system for r in result.results] == ["tnm7", "tnm8"]
    with pytest.raises(CaseError) as err:
        mesostage.stage(pleural_case(ALL_SURFACES), systems=["tnm6"])
    assert err.value.errors[0].path == "systems[0]"
    assert "tnm8" in err.value.errors[0].allowed


def test_every_determinant_of_a_rule_carries_its_source() -> None:
    case = pleural_case([*ALL_SURFACES, "rib"], ["peridiaphragmatic"], ["liver"])
    for r in mesostage.stage(case).results:
        if r.applicable:
            assert r.sources
            assert all(d.source for d in r.determinants if d.finding and d.component != "stage_group")


def test_historical_systems_name_the_section_that_was_not_assessed() -> None:
    case = pleural_case(ALL_SURFACES)
    del case["nodes"]
    r = mesostage.stage(case, systems=["butchart"]).results[0]
    reasons = [d.reason or "" for d in r.determinants]
    assert any(x.startswith("nodes not assessed") for x in reasons)
    assert not any("primary tumour not assessed" in x for x in reasons)
