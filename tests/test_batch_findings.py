"""Finding-level batch without the review (``--no-review``): the same outcome as the per-case engine, row for row.

``findings.findings_frame`` stages a batch of cases with polars expressions over the system files instead of calling
the engine per case; every test here compares it with ``rows.finding_outcome(..., review=False)`` (the engine,
``mesostage.staging.stage``) or with published stage-table cells. ``benchmarks/batch_bench.py`` repeats the
comparison on 100,000 random cases (``--only findings``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mesostage import SYSTEM_IDS
from mesostage.batch.findings import findings_frame
from mesostage.batch.frame import outcome_frame
from mesostage.batch.rows import RowOutcome, finding_outcome
from mesostage.batch.run import run_batch
from mesostage.cli import app
from tests.factories import ALL_SURFACES, pleural_case, random_case
from tests.test_properties import peritoneal_cases, pleural_cases

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _engine(cases: list[dict[str, Any]], system: str | None = None) -> list[tuple[str | None, ...]]:
    return outcome_frame([finding_outcome(c, system=system, review=False) for c in cases]).rows()


def _fast(cases: list[dict[str, Any]], system: str | None = None) -> list[tuple[str | None, ...]]:
    return findings_frame(cases, system=system).rows()


def test_random_cases_in_every_system_match_the_engine() -> None:
    # 3,000 seeded random cases (every site, basis and tumour type; sections missing, not assessed or with
    # unknowns; T0; Psum and Fmax; resection flags; PCI), in their default systems and in every system.
    rng = random.Random(20261201)
    cases = [random_case(rng, i) for i in range(3_000)]
    for system in (None, *SYSTEM_IDS):
        fast, engine = _fast(cases, system), _engine(cases, system)
        assert sum(a != b for a, b in zip(fast, engine, strict=True)) == 0, system
    # most rows are staged by the vectorised path: the engine is called only for the rows it does not take
    staged = findings_frame(cases)
    assert staged.filter(pl.col("error_kind").is_null()).height > 2_000


@SETTINGS
@given(st.lists(st.one_of(pleural_cases(), pleural_cases(), peritoneal_cases()), min_size=1, max_size=20))
def test_hypothesis_cases_match_the_engine(cases: list[dict[str, Any]]) -> None:
    for system in (None, *SYSTEM_IDS):
        assert _fast(cases, system) == _engine(cases, system)


def test_published_stage_cells_without_the_review() -> None:
    # AJCC 8th pleural mesothelioma: T2 (lung parenchyma) N0 M0 is IB; T3 (mediastinal fat) N1 M0 is IIIA;
    # any M1 is IV. Pathological basis: prefix p.
    cases = [
        pleural_case([*ALL_SURFACES, "lung_parenchyma"], diagnosis_date="2020-01-01"),
        pleural_case([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"], diagnosis_date="2020-01-01"),
        pleural_case(["parietal_pleura"], [], ["liver"], diagnosis_date="2020-01-01"),
    ]
    got = findings_frame(cases)
    assert got.select("system", "prefix", "t", "n", "m", "stage").rows() == [
        ("tnm8", "p", "T2", "N0", "M0", "IB"),
        ("tnm8", "p", "T3", "N1", "M0", "IIIA"),
        ("tnm8", "p", "T1", "N0", "M1", "IV"),
    ]
    assert got["review_codes"].null_count() == got["error"].null_count() == 3


def test_invalid_rows_keep_their_error_between_valid_ones() -> None:
    bad = {"site": "pleura", "tumor": {"findings": ["ribs"]}}
    cases = [pleural_case(["rib"], diagnosis_date="2020-01-01"), bad, pleural_case(["spine"])]
    out = findings_frame(cases)
    assert out["error_kind"].to_list() == [None, "invalid_case", None]
    assert out["error"][1].startswith("tumor.findings[0]: 'ribs' is not an allowed value")
    assert out.rows() == _engine(cases)
    # an outcome already decided (a row that could not be read as a case) is kept in its place
    decided = RowOutcome(error_kind="invalid_case", error="case: not valid JSON")
    mixed = findings_frame([cases[0], decided, cases[2]])
    assert mixed.row(1) == decided.as_tuple()
    assert mixed.row(0) == out.row(0)


def _write(path: Path, cases: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")


def test_run_without_review_has_no_review_column_and_the_same_rows(tmp_path: Path) -> None:
    rng = random.Random(7)
    cases = [random_case(rng, i) for i in range(300)]
    source = tmp_path / "cases.jsonl"
    _write(source, cases)
    with source.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    fast = run_batch(source, tmp_path / "fast.parquet", review=False)
    full = run_batch(source, tmp_path / "full.parquet")
    out, reviewed = pl.read_parquet(tmp_path / "fast.parquet"), pl.read_parquet(tmp_path / "full.parquet")
    assert "review_codes" not in out.columns
    assert "review_codes" in reviewed.columns
    assert out.columns == [c for c in reviewed.columns if c != "review_codes"]
    expected = [finding_outcome(c, review=False) for c in cases]
    assert out["stage"].to_list()[:-1] == [e.stage for e in expected]
    assert out["error_kind"].to_list()[:-1] == [e.error_kind for e in expected]
    assert out["error_kind"][-1] == "malformed_row"
    assert fast.staged == sum(e.error_kind is None for e in expected)
    assert full.rows == fast.rows == 301


def test_cli_no_review(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    _write(source, [pleural_case([*ALL_SURFACES, "lung_parenchyma"], id="a", diagnosis_date="2020-01-01")])
    result = CliRunner().invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--no-review"])
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "out.csv")
    assert "review_codes" not in out.columns
    assert out.select("id", "system", "stage").row(0) == ("a", "tnm8", "IB")
