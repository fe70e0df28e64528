"""Recorded-stage checks: directly assigned AJCC T, N, M and stage group (NAACCR 1001-1004, 1011-1014) and the TNM
Edition Number (1060) against the stage derived from the EOD codes or findings.

The records in ``data/recorded_stage_records.csv`` and their expected discrepancy codes were written from the stage
tables (AJCC 8th as SEER publishes it; the 9th-edition NDRS table) before the checks were run, and committed first;
agreement cases must raise none.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from mesostage.batch.frame import stage_frame
from mesostage.batch.recorded import RECORDED_COLUMNS
from mesostage.batch.rows import eod_outcome, finding_outcome
from mesostage.batch.run import run_batch
from mesostage.cli import app

RECORDS = Path(__file__).parent / "data" / "recorded_stage_records.csv"
LABELS = ("id", "expected", "why")


def records() -> list[dict[str, str]]:
    with RECORDS.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _input(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if k not in LABELS}


def codes(text: str | None) -> set[str]:
    return set(text.split(";")) if text else set()


@pytest.mark.parametrize("row", records(), ids=lambda r: r["id"])
def test_recorded_stage_records_give_the_expected_discrepancies(row: dict[str, str]) -> None:
    out = eod_outcome({k: v or None for k, v in _input(row).items()})
    assert out.error is None, row["why"]
    assert codes(out.discrepancies) == codes(row["expected"]), row["why"]
    if out.discrepancies:
        assert out.discrepancy_detail is not None
        # every detail names the NAACCR item it is about
        for part in out.discrepancy_detail.split("; "):
            assert part.split(":")[0] in RECORDED_COLUMNS, part
    else:
        assert out.discrepancy_detail is None


def test_vectorised_checks_match_the_per_row_ones_on_the_records_and_random_mixes() -> None:
    rows = [_input(r) for r in records()]
    rng = random.Random(18)
    pools = {c: sorted({r[c] for r in rows}) for c in rows[0]}
    rows += [{c: rng.choice(pool) for c, pool in pools.items()} for _ in range(300)]
    frame = pl.DataFrame(rows).with_columns(pl.all().replace("", None))
    fast = stage_frame(frame, "eod").to_dicts()
    for row, vectorised in zip(frame.to_dicts(), fast, strict=True):
        slow = eod_outcome(row)
        assert vectorised == {k: getattr(slow, k) for k in vectorised}, row


def test_rows_without_recorded_items_raise_none() -> None:
    row = {k: v for k, v in _input(records()[0]).items() if k not in RECORDED_COLUMNS}
    out = eod_outcome(row)
    assert (out.stage, out.discrepancies) == ("IB", None)


def test_integer_edition_column_is_read_as_its_code() -> None:
    row: dict[str, Any] = _input(records()[0]) | {"tnmEditionNumber": 8}
    assert eod_outcome(row).discrepancies is None
    frame = pl.DataFrame([row])
    assert stage_frame(frame, "eod")["discrepancies"].to_list() == [None]


def test_findings_rows_are_checked_in_their_own_edition() -> None:
    case = {
        "site": "pleura",
        "basis": "pathological",
        "diagnosis_date": "2025-03-01",
        "tumor": {"findings": ["parietal_pleura", "mediastinal_fat"]},
        "nodes": {"assessed": True},
        "metastases": {"assessed": True},
    }
    # pathological T3 N0 M0 is IIIA in the 9th edition
    agree = {"tnmEditionNumber": "09", "ajccTnmPathT": "pT3", "ajccTnmPathN": "pN0", "ajccTnmPathStageGroup": "3A"}
    assert finding_outcome(case, record=agree).discrepancies is None
    wrong = agree | {"ajccTnmPathStageGroup": "2"}
    out = finding_outcome(case, record=wrong)
    assert codes(out.discrepancies) == {"recorded_stage_not_supported", "tnm_inconsistent_with_group"}


def test_findings_rows_without_the_review_are_checked_too(tmp_path: Path) -> None:
    # A CSV of findings with recorded-stage items, staged with --no-review: those rows go the per-row way, which
    # checks them (pathological T3 N0 M0 is IIIA in the 9th edition; a recorded 2 disagrees).
    case = {
        "site": "pleura",
        "basis": "pathological",
        "diagnosis_date": "2025-03-01",
        "tumor": {"findings": ["parietal_pleura", "mediastinal_fat"]},
        "nodes": {"assessed": True},
        "metastases": {"assessed": True},
    }
    recorded = {"tnmEditionNumber": "09", "ajccTnmPathT": "pT3", "ajccTnmPathN": "pN0"}
    source = tmp_path / "cases.csv"
    pl.DataFrame(
        [
            {"case": json.dumps(case), **recorded, "ajccTnmPathStageGroup": "3A"},
            {"case": json.dumps(case), **recorded, "ajccTnmPathStageGroup": "2"},
        ]
    ).write_csv(source)
    run_batch(source, tmp_path / "out.csv", review=False)
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["stage"].to_list() == ["IIIA", "IIIA"]
    assert out["discrepancies"][0] is None
    assert codes(out["discrepancies"][1]) == {"recorded_stage_not_supported", "tnm_inconsistent_with_group"}


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "registry.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[c for c in records()[0] if c not in ("expected", "why")])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k not in ("expected", "why")} for r in records())
    return path


def test_summary_counts_discrepancies_by_kind(tmp_path: Path) -> None:
    summary = run_batch(_write(tmp_path), tmp_path / "out.csv")
    expected: dict[str, int] = {}
    for row in records():
        for code in codes(row["expected"]):
            expected[code] = expected.get(code, 0) + 1
    assert summary.discrepancies_by_kind == expected
    assert summary.rows_with_discrepancies == sum(1 for r in records() if r["expected"])
    text = summary.render()
    assert "Discrepancies by kind" in text
    assert "edition not valid for the diagnosis year" in text
    assert summary.as_dict()["discrepancies_by_kind"]["edition_not_valid_for_year"] == 3


def test_discrepancies_only_writes_the_registrars_worklist(tmp_path: Path) -> None:
    source = _write(tmp_path)
    result = CliRunner().invoke(app, ["batch", str(source), "-o", str(tmp_path / "work.csv"), "--discrepancies-only"])
    assert result.exit_code == 0, result.output
    work = pl.read_csv(tmp_path / "work.csv", infer_schema=False)
    flagged = [r["id"] for r in records() if r["expected"]]
    assert work["id"].to_list() == flagged
    # row numbers are those of the input file, so the registrar can find each record
    assert work["row"].to_list() == [str(i + 1) for i, r in enumerate(records()) if r["expected"]]
    assert work["discrepancies"].null_count() == 0
    assert "Discrepancies by kind" in result.output


def test_naaccr_xml_recorded_items_are_read_and_checked(tmp_path: Path) -> None:
    items = {
        "schemaId": "09370",
        "primarySite": "C384",
        "histologicTypeIcdO3": "9052",
        "behaviorCodeIcdO3": "3",
        "dateOfDiagnosis": "20250615",
        "eodPrimaryTumor": "600",
        "eodRegionalNodes": "000",
        "eodMets": "00",
        "tnmEditionNumber": "08",
        "ajccTnmPathT": "pT4",
        "ajccTnmPathN": "pN0",
        "ajccTnmPathM": "cM0",
        "ajccTnmPathStageGroup": "3B",
    }
    body = "".join(f'<Item naaccrId="{k}">{v}</Item>' for k, v in items.items())
    source = tmp_path / "registry.xml"
    source.write_text(
        '<?xml version="1.0"?>\n<NaaccrData xmlns="http://naaccr.org/naaccrxml" recordType="I">'
        f'<Patient><Item naaccrId="patientIdNumber">1</Item><Tumor>{body}</Tumor></Patient></NaaccrData>\n',
        encoding="utf-8",
    )
    summary = run_batch(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    # a 2025 pleural diagnosis needs Version 9 (09); T4 N0 M0 is IIIB in the 8th edition too, so only the edition
    assert out["discrepancies"].to_list() == ["edition_not_valid_for_year"]
    assert out["ajccTnmPathStageGroup"].to_list() == ["3B"]
    assert summary.discrepancies_by_kind == {"edition_not_valid_for_year": 1}


def test_discrepancies_only_is_refused_with_dask(tmp_path: Path) -> None:
    args = ["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--dask", "--discrepancies-only"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "--discrepancies-only" in result.output
    assert not (tmp_path / "out").exists()
