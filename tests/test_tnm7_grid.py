"""TNM 7th (IMIG) stage groups against the published table and the SEER TNM 2.1 table."""

from __future__ import annotations

import itertools

import pytest

from mesostage import load_system, stage_group
from tests.factories import oracle_rows

TNM7 = load_system("tnm7")

# AJCC 7th / IMIG 1995 (SEER TNM 2.1 = CS 02.05): I T1N0; IA T1aN0; IB T1bN0; II T2N0; III T1-2 N1-2, T3 N0-2;
# IV T4 any N, any N3, any M1.
PUBLISHED_M0 = {
    ("T1a", "N0"): "IA", ("T1b", "N0"): "IB", ("T1", "N0"): "I", ("T2", "N0"): "II", ("T3", "N0"): "III",
    ("T4", "N0"): "IV",
} | {(t, n): "III" for t in ("T1a", "T1b", "T1", "T2", "T3") for n in ("N1", "N2")} | {
    (t, n): "IV" for t in ("T1a", "T1b", "T1", "T2", "T3", "T4") for n in ("N3",)
} | {("T4", n): "IV" for n in ("N1", "N2")}  # fmt: skip


@pytest.mark.parametrize(("t", "n"), sorted(PUBLISHED_M0))
def test_published_grid_m0(t: str, n: str) -> None:
    assert stage_group(TNM7, {"T": t, "N": n, "M": "M0"}) == PUBLISHED_M0[(t, n)]


@pytest.mark.parametrize(
    ("t", "n"),
    list(itertools.product(["T0", "T1a", "T1b", "T1", "T2", "T3", "T4", "TX"], ["N0", "N1", "N2", "N3", "NX"])),
)
def test_any_m1_is_iv(t: str, n: str) -> None:
    assert stage_group(TNM7, {"T": t, "N": n, "M": "M1"}) == "IV"


@pytest.mark.parametrize(
    ("t", "n", "expected"),
    [
        ("TX", "N3", "IV"),
        ("T0", "N3", "IV"),
        ("T4", "NX", "IV"),
        ("T3", "NX", None),  # III for N0-N2, IV for N3
        ("TX", "N0", None),
        ("TX", "N1", None),  # T1-T3 N1 is III but T4 N1 is IV (SEER infers III: documented deviation)
        ("T0", "N2", None),
    ],
)
def test_open_categories(t: str, n: str, expected: str | None) -> None:
    assert stage_group(TNM7, {"T": t, "N": n, "M": "M0"}) == expected


def test_matches_seer_table_except_documented_deviations() -> None:
    rows = oracle_rows("ajcc7_pleural_mesothelioma_stage.csv")
    assert len(rows) == 80
    documented = {(d.t, d.n, d.m): d for d in TNM7.seer_deviations}
    differing = {}
    for row in rows:
        seer = None if row["stage"] == "UNK" else row["stage"]
        ours = stage_group(TNM7, {"T": row["t"], "N": row["n"], "M": row["m"]})
        if ours != seer:
            differing[(row["t"], row["n"], row["m"])] = (seer, ours)
    assert set(differing) == set(documented)
    for key, (seer, ours) in differing.items():
        assert documented[key].seer == (seer or "UNK")
        assert ours is None
