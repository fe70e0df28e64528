"""EOD 2025+ (schema 09370, "Pleural Mesothelioma [V9: 2025+]") to TNM 9th, and Summary Stage 2018 for both schemas.

SEER derives no AJCC stage for the V9 schema, so the TNM 9th expectations here are written from the 9th-edition stage
table (NDRS TNM 9 sheet, ../shared/reference/staging.md §2.4: T1N0 I; T1N1, T2N0 II; T1N2, T2N1-2, T3 any N IIIA;
T4 any N IIIB; M1 IV) and the cT rules (Psum 12/30 mm, Fmax 5 mm), read against SEER's code descriptors. Summary
Stage 2018 is checked against the ss2018 column of SEER's tables in ../shared (skipped where it is absent) and SEER's
combination table summary_stage_rpa (EOD public v1.7 and v3.3, restated below as SEER publishes it).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest

from mesostage.batch.frame import stage_frame
from mesostage.batch.rows import eod_outcome
from mesostage.batch.run import run_batch
from tests.factories import oracle_rows

COLUMN = {"T": "eodPrimaryTumor", "N": "eodRegionalNodes", "M": "eodMets"}
ORACLE = {
    "00370": "eod2018_pleural_mesothelioma_findings_ajcc8.csv",
    "09370": "eod_v9_2025_pleural_mesothelioma_codes.csv",
}
DATE = {"00370": "20210615", "09370": "20250615"}

# SEER's summary_stage_rpa rows (T, N, M component values -> Summary Stage 2018); first match wins, "*" is any.
SEER_RPA = [
    ("IS", "NONE,U,NA", "NONE,U,NA", "0"),
    ("IS", "D", "*", "7"),
    ("IS", "NONE,RN,U,NA", "D", "7"),
    ("IS", "RN", "NONE,U,NA", "3"),
    ("L", "NONE,U,NA", "NONE,U,NA", "1"),
    ("RE", "NONE,U,NA", "NONE,U,NA", "2"),
    ("L,U", "RN", "NONE,U,NA", "3"),
    ("RE", "RN", "NONE,U,NA", "4"),
    ("D", "*", "*", "7"),
    ("L,RE,U", "D", "*", "7"),
    ("L,RE,U", "NONE,RN,U,NA", "D", "7"),
    ("U", "NONE,U,NA", "NONE,U,NA", "9"),
]


def seer_ss2018(t: str, n: str, m: str) -> str | None:
    for rt, rn, rm, stage in SEER_RPA:
        if all(v in allowed.split(",") or allowed == "*" for v, allowed in ((t, rt), (n, rn), (m, rm))):
            return stage
    return None


def seer_components(schema: str) -> dict[str, dict[str, str]]:
    """SEER's Summary Stage component of every code, per EOD item, from the extracted SEER tables."""
    out: dict[str, dict[str, str]] = {"T": {}, "N": {}, "M": {}}
    for row in oracle_rows(ORACLE[schema]):
        seen = out[row["component"]].setdefault(row["eod_code"], row["ss2018"])
        assert seen == row["ss2018"], row
    return out


def record(schema: str, t: str, n: str, m: str, **extra: str) -> dict[str, str]:
    base = {
        "schemaId": schema,
        "primarySite": "C384",
        "histologicTypeIcdO3": "9052",
        "behaviorCodeIcdO3": "3",
        "dateOfDiagnosis": DATE[schema],
    }
    return base | {"eodPrimaryTumor": t, "eodRegionalNodes": n, "eodMets": m} | extra


@pytest.mark.parametrize("schema", ["00370", "09370"])
def test_summary_stage_2018_equals_seers_on_every_code_combination(schema: str) -> None:
    codes = seer_components(schema)
    combos = list(itertools.product(codes["T"], codes["N"], codes["M"]))
    fast = stage_frame(pl.DataFrame([record(schema, *c) for c in combos]), "eod")["summary_stage_2018"].to_list()
    for combo, vectorised in zip(combos, fast, strict=True):
        expected = seer_ss2018(codes["T"][combo[0]], codes["N"][combo[1]], codes["M"][combo[2]])
        assert expected is not None, combo
        assert eod_outcome(record(schema, *combo)).summary_stage_2018 == expected, combo
        assert vectorised == expected, combo


def _ss_cases() -> list[tuple[str, str, str]]:
    """One case per (schema, component, code): the code with the other two items at their 'none' codes."""
    cases = []
    for schema, components in (
        ("00370", {"T": ["100", "300", "500", "600", "700", "800", "999"], "N": ["000", "300", "700", "800", "999"]}),
        ("09370", {"T": ["000", "050", "100", "200", "300", "400", "500", "600", "700", "800", "999"]}),
    ):
        components.setdefault("N", ["000", "300", "700", "800", "999"])
        components["M"] = ["00", "05", "10", "70", "99"]
        for comp, values in components.items():
            cases += [(schema, comp, code) for code in values]
    return cases


@pytest.mark.parametrize(("schema", "component", "code"), _ss_cases())
def test_summary_stage_component_of_each_code_is_seers(schema: str, component: str, code: str) -> None:
    seer = seer_components(schema)[component][code]
    other = {"T": "100", "N": "000", "M": "00"}
    codes = other | {component: code}
    expected = seer_ss2018(
        seer if component == "T" else "L", seer if component == "N" else "NONE", seer if component == "M" else "NONE"
    )
    out = eod_outcome(record(schema, codes["T"], codes["N"], codes["M"]))
    assert out.error is None
    assert out.summary_stage_2018 == expected


@pytest.mark.parametrize(
    ("t", "n", "m", "ss"),
    [
        ("100", "000", "00", "1"),  # localised
        ("500", "000", "00", "2"),  # regional by direct extension
        ("100", "300", "00", "3"),  # regional nodes only
        ("500", "300", "00", "4"),  # both
        ("100", "700", "00", "7"),  # contralateral nodes count as distant for Summary Stage
        ("100", "000", "05", "7"),  # a malignant effusion is distant for Summary Stage (M0 in TNM)
        ("999", "999", "99", "9"),
    ],
)
def test_summary_stage_examples_2018(t: str, n: str, m: str, ss: str) -> None:
    assert eod_outcome(record("00370", t, n, m)).summary_stage_2018 == ss


# ------------------------------------------------------------------------------------------- EOD 2025 -> TNM 9th

# Per code: the TNM 9th category the descriptor gives, written from the cT table (Psum/Fmax) and pT descriptors.
V9_T = {
    "050": ("T1", "c"),  # Psum <= 12 mm, no fissure
    "100": ("T1", "p"),
    "200": ("T2", "c"),  # Psum <= 12 with fissure/fat/solitary chest wall, or Psum 12-30
    "300": ("T2", "p"),
    "400": ("T3", "c"),  # Psum > 30
    "500": ("T3", "p"),
    "600": ("T4", None),
    "700": ("T4", None),
    "800": ("T0", None),
    "999": ("TX", None),
}
V9_N = {"000": ["N0"], "300": ["N1"], "700": ["N1", "N2"], "800": ["N1", "N2"], "999": ["NX"]}
V9_M = {"00": ["M0"], "05": ["M0"], "10": ["M1"], "70": ["M1"], "99": ["M0", "M1"]}
GRID9 = {
    ("T1", "N0"): "I",
    ("T1", "N1"): "II",
    ("T2", "N0"): "II",
    ("T1", "N2"): "IIIA",
    ("T2", "N1"): "IIIA",
    ("T2", "N2"): "IIIA",
    **{("T3", n): "IIIA" for n in ("N0", "N1", "N2")},
    **{("T4", n): "IIIB" for n in ("N0", "N1", "N2")},
}
ORDER = ["I", "II", "IIIA", "IIIB", "IV"]


def expected_stages(t: str | None, n: list[str], m: list[str]) -> set[str]:
    ts = ["T1", "T2", "T3", "T4"] if t in (None, "TX", "T0") else [t]
    ns = ["N0", "N1", "N2"] if n == ["NX"] else n
    return {"IV" if mm == "M1" else GRID9[tt, nn] for tt in ts for nn in ns for mm in m}


def test_every_eod_2025_code_combination_gives_a_stage_or_range_with_its_source() -> None:
    tumor = ["000", *V9_T]
    combos = list(itertools.product(tumor, V9_N, V9_M))
    assert len(combos) == 11 * 5 * 5
    fast = stage_frame(pl.DataFrame([record("09370", *c) for c in combos]), "eod").to_dicts()
    for (t, n, m), vectorised in zip(combos, fast, strict=True):
        out = eod_outcome(record("09370", t, n, m))
        assert vectorised == {k: getattr(out, k) for k in vectorised}, (t, n, m)
        assert out.error is None, (t, n, m)
        assert out.system == "tnm9", (t, n, m)
        assert out.stage_source is not None
        assert out.stage_source.startswith("mesostage derivation from the EOD V9 code descriptors")
        assert "not SEER" in out.stage_source
        category, prefix = V9_T.get(t, (None, None))
        stages = expected_stages(category, V9_N[n], V9_M[m])
        if t == "000" and stages != {"IV"}:  # in situ: no TNM 9th T, so nothing but M1 decides
            assert (out.t, out.stage, out.stage_range_low) == (None, None, None), (t, n, m)
            assert out.review_codes is not None
            assert "eod_in_situ_no_tnm" in out.review_codes
            continue
        assert (out.t, out.n, out.m) == (category, "/".join(V9_N[n]), "/".join(V9_M[m])), (t, n, m)
        assert out.prefix == prefix
        if len(stages) == 1:
            assert out.stage == stages.pop(), (t, n, m)
        else:
            low, high = min(stages, key=ORDER.index), max(stages, key=ORDER.index)
            assert (out.stage, out.stage_range_low, out.stage_range_high) == (None, low, high), (t, n, m)


@pytest.mark.parametrize(
    ("t", "n", "m", "stage", "review"),
    [
        ("050", "000", "00", "I", None),  # staging.md V10: Psum 10 mm, Fmax 3 mm, N0 M0 -> cT1, I
        ("200", "000", "00", "II", None),  # V11: Psum 10 mm with Fmax 7 mm -> cT2, II
        ("200", "300", "00", "IIIA", None),  # V12: Psum 25 mm, N1 -> cT2, IIIA
        ("400", "000", "00", "IIIA", None),  # V13: Psum 31 mm, N0 -> cT3, IIIA
        ("600", "999", "00", "IIIB", None),  # T4 with any N is IIIB
        ("100", "700", "00", None, "eod_nodes_700_peridiaphragmatic"),  # T1 N1 (II) or T1 N2 (IIIA)
        ("300", "700", "00", "IIIA", None),  # T2 N1 and T2 N2 are both IIIA: no note
        ("100", "800", "00", None, "eod_nodes_nos"),
        ("500", "000", "99", None, "m_not_assessed"),  # IIIA or IV
        ("100", "000", "05", "I", "pleural_effusion_not_m1"),
        ("000", "300", "70", "IV", "eod_in_situ_no_tnm"),
    ],
)
def test_published_v9_examples(t: str, n: str, m: str, stage: str | None, review: str | None) -> None:
    out = eod_outcome(record("09370", t, n, m))
    assert out.stage == stage
    assert (out.review_codes or None) == review


def test_schema_chosen_by_year_when_no_schema_id() -> None:
    v9 = eod_outcome(record("09370", "400", "000", "00", schemaId=""))
    assert (v9.system, v9.stage) == ("tnm9", "IIIA")
    eighth = eod_outcome(record("09370", "500", "000", "00", schemaId="", dateOfDiagnosis="20241231"))
    assert (eighth.system, eighth.stage) == ("tnm8", "IB")
    wrong = eod_outcome(record("09370", "050", "000", "00", dateOfDiagnosis="20241231"))
    assert wrong.error_kind == "wrong_schema"
    assert wrong.error is not None
    assert wrong.error.startswith("dateOfDiagnosis: ")
    v9_code = eod_outcome(record("00370", "050", "000", "00"))  # 050 is a V9 code only
    assert v9_code.error_kind == "invalid_code"
    assert v9_code.error is not None
    assert v9_code.error.startswith("eodPrimaryTumor: ")


def test_mixed_schemas_in_one_file_keep_their_order(tmp_path: Path) -> None:
    rows = [
        record("00370", "500", "300", "00"),
        record("09370", "400", "300", "00"),
        record("09370", "100", "700", "00"),
        record("00370", "100", "000", "10"),
    ]
    pl.DataFrame(rows).write_csv(tmp_path / "in.csv")
    summary = run_batch(tmp_path / "in.csv", tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["system"].to_list() == ["tnm8", "tnm9", "tnm9", "tnm8"]
    assert out["stage"].to_list() == ["IIIA", "IIIA", None, "IV"]
    assert out["summary_stage_2018"].to_list() == ["4", "4", "7", "7"]
    assert summary.by_stage == {"tnm8 IIIA": 1, "tnm8 IV": 1, "tnm9 IIIA": 1, "tnm9 not determined": 1}
