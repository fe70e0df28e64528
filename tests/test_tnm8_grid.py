"""TNM 8th stage groups against the published table (Rusch 2016) and the SEER machine-readable table."""

from __future__ import annotations

import itertools

import pytest

from mesostage import load_system, stage_group
from tests.factories import oracle_rows

TNM8 = load_system("tnm8")

# Rusch VW et al. J Thorac Oncol 2016;11:2112-2119, abstract: IA T1N0; IB T2-3N0; II T1-2N1; IIIA T3N1;
# IIIB T1-3N2 or any T4; IV any M1. Written out here as the published grid, not derived from the data file.
PUBLISHED_M0 = {
    ("T1", "N0"): "IA", ("T1", "N1"): "II", ("T1", "N2"): "IIIB",
    ("T2", "N0"): "IB", ("T2", "N1"): "II", ("T2", "N2"): "IIIB",
    ("T3", "N0"): "IB", ("T3", "N1"): "IIIA", ("T3", "N2"): "IIIB",
    ("T4", "N0"): "IIIB", ("T4", "N1"): "IIIB", ("T4", "N2"): "IIIB",
}  # fmt: skip


@pytest.mark.parametrize(("t", "n"), sorted(PUBLISHED_M0))
def test_published_grid_m0(t: str, n: str) -> None:
    assert stage_group(TNM8, {"T": t, "N": n, "M": "M0"}) == PUBLISHED_M0[(t, n)]


@pytest.mark.parametrize(
    ("t", "n"), list(itertools.product(["T0", "T1", "T2", "T3", "T4", "TX"], ["N0", "N1", "N2", "NX"]))
)
def test_any_m1_is_iv(t: str, n: str) -> None:
    assert stage_group(TNM8, {"T": t, "N": n, "M": "M1"}) == "IV"


@pytest.mark.parametrize(
    ("t", "n", "expected"),
    [
        # still determined with an open category (CASE_FORMAT §3)
        ("TX", "N2", "IIIB"),
        ("T0", "N2", "IIIB"),
        ("T4", "NX", "IIIB"),
        # not determined
        ("TX", "N0", None),
        ("TX", "N1", None),
        ("TX", "NX", None),
        ("T0", "N0", None),
        ("T0", "N1", None),
        ("T1", "NX", None),
        ("T2", "NX", None),
        ("T3", "NX", None),
    ],
)
def test_open_categories(t: str, n: str, expected: str | None) -> None:
    assert stage_group(TNM8, {"T": t, "N": n, "M": "M0"}) == expected


def test_matches_every_cell_of_the_seer_table() -> None:
    rows = oracle_rows("ajcc8_pleural_mesothelioma_stage.csv")
    assert len(rows) == 48
    for row in rows:
        expected = None if row["stage"] == "UNK" else row["stage"]
        assert stage_group(TNM8, {"T": row["t"], "N": row["n"], "M": row["m"]}) == expected, row


def test_unknown_category_is_rejected() -> None:
    with pytest.raises(ValueError, match="T1a"):
        stage_group(TNM8, {"T": "T1a", "N": "N0", "M": "M0"})
