"""SEER EOD 2018 codes (schema 00370) to AJCC 8th T, N, M and stage: every code combination against SEER's tables.

The expected values come from the SEER tables in ``../shared`` (EOD public v2.1: the code tables and the TNM 8 stage
table), not from mesostage's data file; the tests are skipped where ``../shared`` is absent. A few published
combinations are also written out here from the stage grid of Rusch et al. 2016.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest

from mesostage.batch.frame import stage_frame
from mesostage.batch.rows import eod_outcome
from mesostage.batch.run import run_batch
from mesostage.batch.tables import eod_table
from tests.factories import oracle_rows

COMPONENT_TABLE = {"T": "primary_tumor", "N": "regional_nodes", "M": "mets"}
COLUMN = {"T": "eodPrimaryTumor", "N": "eodRegionalNodes", "M": "eodMets"}


def seer_codes() -> dict[str, dict[str, str]]:
    """SEER's code -> AJCC 8th category per component, from the extracted EOD 2018 tables."""
    out: dict[str, dict[str, str]] = {"T": {}, "N": {}, "M": {}}
    for row in oracle_rows("eod2018_pleural_mesothelioma_findings_ajcc8.csv"):
        seen = out[row["component"]].setdefault(row["eod_code"], row["ajcc8_category"])
        assert seen == row["ajcc8_category"], f"SEER table gives two categories for {row}"
    return out


def seer_stage() -> dict[tuple[str, str, str], str | None]:
    rows = oracle_rows("ajcc8_pleural_mesothelioma_stage.csv")
    return {(r["t"], r["n"], r["m"]): (None if r["stage"] == "UNK" else r["stage"]) for r in rows}


def record(t: str, n: str, m: str, **extra: str) -> dict[str, str]:
    base = {
        "schemaId": "00370",
        "primarySite": "C384",
        "histologicTypeIcdO3": "9052",
        "behaviorCodeIcdO3": "3",
        "dateOfDiagnosis": "20210615",
    }
    return base | {"eodPrimaryTumor": t, "eodRegionalNodes": n, "eodMets": m} | extra


def test_code_tables_match_seer() -> None:
    codes = seer_codes()
    table = eod_table()
    for comp, name in COMPONENT_TABLE.items():
        ours = {code: entry.category for code, entry in getattr(table, name).items()}
        assert ours == codes[comp], comp


def test_every_code_combination_gives_the_published_derived_stage() -> None:
    codes, grid = seer_codes(), seer_stage()
    combos = list(itertools.product(codes["T"], codes["N"], codes["M"]))
    assert len(combos) == 7 * 5 * 5
    frame = pl.DataFrame([record(t, n, m) for t, n, m in combos])
    vectorised = stage_frame(frame, "eod").to_dicts()
    for (t, n, m), fast in zip(combos, vectorised, strict=True):
        cats = (codes["T"][t], codes["N"][n], codes["M"][m])
        expected = {"system": "tnm8", "t": cats[0], "n": cats[1], "m": cats[2], "stage": grid[cats]}
        slow = eod_outcome(record(t, n, m))
        assert {k: getattr(slow, k) for k in expected} == expected, (t, n, m)
        assert {k: fast[k] for k in expected} == expected, (t, n, m)
        assert slow.error is None


# Rusch VW et al. J Thorac Oncol 2016;11:2112-2119 grid, with SEER's code meanings (100 T1, 300 T2, 500 T3, 600/700
# T4; nodes 000 N0, 300 N1, 700 N2; mets 00/05 M0, 10/70 M1).
@pytest.mark.parametrize(
    ("t", "n", "m", "stage"),
    [
        ("100", "000", "00", "IA"),
        ("300", "000", "00", "IB"),
        ("500", "000", "00", "IB"),
        ("100", "300", "00", "II"),
        ("500", "300", "00", "IIIA"),
        ("300", "700", "00", "IIIB"),
        ("600", "000", "00", "IIIB"),
        ("700", "300", "05", "IIIB"),
        ("100", "000", "10", "IV"),
        ("999", "300", "70", "IV"),
        ("999", "700", "00", "IIIB"),
        ("999", "000", "00", None),
    ],
)
def test_published_stages(t: str, n: str, m: str, stage: str | None) -> None:
    assert eod_outcome(record(t, n, m)).stage == stage


def test_malignant_pleural_effusion_stays_m0() -> None:
    out = eod_outcome(record("100", "000", "05"))
    assert (out.m, out.stage) == ("M0", "IA")
    assert out.review_codes == "pleural_effusion_not_m1"
    ssdi = eod_outcome(record("100", "000", "00", pleuralEffusion="2"))
    assert (ssdi.m, ssdi.stage, ssdi.review_codes) == ("M0", "IA", "pleural_effusion_not_m1")


def test_peridiaphragmatic_decision_follows_seer_and_shows_the_ajcc_text_in_the_range() -> None:
    # Code 700 lumps ipsilateral peridiaphragmatic nodes (AJCC 8th text: N1) with N2 nodes: stage as SEER (N2),
    # range down to the N1 stage, and a review note where the difference changes the stage.
    t1 = eod_outcome(record("100", "700", "00"))
    assert (t1.n, t1.stage, t1.stage_range_low, t1.stage_range_high) == ("N2", "IIIB", "II", "IIIB")
    assert t1.review_codes == "eod_nodes_700_peridiaphragmatic"
    t4 = eod_outcome(record("600", "700", "00"))  # T4 is IIIB with N1 or N2: nothing to review
    assert (t4.stage, t4.stage_range_low, t4.review_codes) == ("IIIB", "IIIB", None)
    m1 = eod_outcome(record("100", "700", "70"))
    assert (m1.stage, m1.review_codes) == ("IV", None)


def test_death_certificate_only_mets_range_reaches_iv() -> None:
    out = eod_outcome(record("100", "000", "99"))
    assert (out.m, out.stage, out.stage_range_high, out.review_codes) == ("M0", "IA", "IV", "m_not_assessed")


@pytest.mark.parametrize(
    ("extra", "kind", "column"),
    [
        ({"eodPrimaryTumor": "400"}, "invalid_code", "eodPrimaryTumor"),
        ({"eodRegionalNodes": "0"}, "invalid_code", "eodRegionalNodes"),
        ({"eodMets": ""}, "missing_value", "eodMets"),
        ({"histologicTypeIcdO3": "8140"}, "not_mesothelioma", "histologicTypeIcdO3"),
        ({"behaviorCodeIcdO3": "0"}, "not_mesothelioma", "behaviorCodeIcdO3"),
        ({"schemaId": "00371"}, "wrong_schema", "schemaId"),
        ({"schemaId": "09370"}, "wrong_schema", "dateOfDiagnosis"),  # the V9 schema is for 2025 and later
        ({"dateOfDiagnosis": "20250102"}, "wrong_schema", "dateOfDiagnosis"),
        ({"dateOfDiagnosis": "20210231"}, "invalid_date", "dateOfDiagnosis"),
        ({"primarySite": "C481"}, "wrong_schema", "primarySite"),
        ({"primarySite": "C341"}, "not_ajcc_staged", "primarySite"),
        ({"schemaId": "", "dateOfDiagnosis": ""}, "missing_value", "schemaId"),
        ({"pleuralEffusion": "7"}, "invalid_code", "pleuralEffusion"),
    ],
)
def test_row_errors_name_the_column(extra: dict[str, str], kind: str, column: str) -> None:
    out = eod_outcome(record("500", "300", "00") | extra)
    assert out.error_kind == kind
    assert out.error is not None
    assert out.error.startswith(f"{column}: ")
    assert out.stage is None


def test_schema_selected_from_site_histology_and_date_when_not_given() -> None:
    out = eod_outcome(record("500", "300", "00", schemaId=""))
    assert (out.error, out.stage) == (None, "IIIA")
    for date in ("2021", "202106", "2021-06-15", "20180101", "20241231"):
        assert eod_outcome(record("500", "300", "00", schemaId="", dateOfDiagnosis=date)).stage == "IIIA", date


def test_integer_parquet_columns_are_zero_padded(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "schemaId": [370, 370],
            "eodPrimaryTumor": [100, 500],
            "eodRegionalNodes": [0, 300],
            "eodMets": [5, 0],
        }
    )
    frame.write_parquet(tmp_path / "in.parquet")
    run_batch(tmp_path / "in.parquet", tmp_path / "out.parquet")
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out["stage"].to_list() == ["IA", "IIIA"]
    assert out["eodRegionalNodes"].to_list() == [0, 300]  # the input is echoed as it was


def test_bad_rows_are_reported_and_the_others_staged(tmp_path: Path) -> None:
    source = tmp_path / "registry.csv"
    source.write_text(
        "id,schemaId,primarySite,histologicTypeIcdO3,behaviorCodeIcdO3,dateOfDiagnosis,eodPrimaryTumor,eodRegionalNodes,eodMets\n"
        "a,00370,C384,9052,3,20200105,500,300,00\n"
        "b,00370,C384,9052,3,20200105\n"  # malformed: too few fields
        "c,00370,C384,9052,3,20200105,450,300,00\n"  # unknown code
        "d,00370,C384,8140,3,20200105,100,000,00\n"  # not mesothelioma
        "e,00370,C384,9052,3,20250105,100,000,00\n"  # wrong schema for the year
        "f,,C384,9053,3,20190101,600,700,10\n",
        encoding="utf-8",
    )
    summary = run_batch(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["row"].to_list() == ["1", "2", "3", "4", "5", "6"]
    assert out["id"].to_list() == ["a", None, "c", "d", "e", "f"]
    assert out["stage"].to_list() == ["IIIA", None, None, None, None, "IV"]
    assert out["error_kind"].to_list() == [
        None,
        "malformed_row",
        "invalid_code",
        "not_mesothelioma",
        "wrong_schema",
        None,
    ]
    assert out["error"][1] == "line 3: 6 fields where the header has 9"
    assert (summary.rows, summary.staged, summary.failed) == (6, 2, 4)
    assert summary.errors_by_kind == {"malformed_row": 1, "invalid_code": 1, "not_mesothelioma": 1, "wrong_schema": 1}
    assert [e.row for e in summary.errors] == [2, 3, 4, 5]
    assert summary.by_stage == {"tnm8 IIIA": 1, "tnm8 IV": 1}
    text = summary.render()
    assert "row 3: eodPrimaryTumor: '450' is not an EOD Primary Tumor code" in text
