"""TNM 9th stage groups against the NHS England NDRS TNM 9 sheet (the one source found; evidence: secondary)."""

from __future__ import annotations

import itertools

import pytest

import mesostage
from mesostage import load_system, stage_group

TNM9 = load_system("tnm9")

# NDRS "Cancer staging guidance sheets - TNM 9 - Pleural mesothelioma" (citing UICC TNM 9, pp. 114-117):
# I T1N0; II T1N1, T2N0; IIIA T1N2, T2N1-2, T3 any N; IIIB T4 any N; IV any M1.
PUBLISHED_M0 = {
    ("T1", "N0"): "I", ("T1", "N1"): "II", ("T1", "N2"): "IIIA",
    ("T2", "N0"): "II", ("T2", "N1"): "IIIA", ("T2", "N2"): "IIIA",
    ("T3", "N0"): "IIIA", ("T3", "N1"): "IIIA", ("T3", "N2"): "IIIA",
    ("T4", "N0"): "IIIB", ("T4", "N1"): "IIIB", ("T4", "N2"): "IIIB",
}  # fmt: skip


@pytest.mark.parametrize(("t", "n"), sorted(PUBLISHED_M0))
def test_published_grid_m0(t: str, n: str) -> None:
    assert stage_group(TNM9, {"T": t, "N": n, "M": "M0"}) == PUBLISHED_M0[(t, n)]


@pytest.mark.parametrize(
    ("t", "n"), list(itertools.product(["T0", "T1", "T2", "T3", "T4", "TX"], ["N0", "N1", "N2", "NX"]))
)
def test_any_m1_is_iv(t: str, n: str) -> None:
    assert stage_group(TNM9, {"T": t, "N": n, "M": "M1"}) == "IV"


@pytest.mark.parametrize(
    ("t", "n", "expected"),
    [
        ("T3", "NX", "IIIA"),
        ("T4", "NX", "IIIB"),
        ("TX", "N2", None),  # T1-T3 N2 IIIA, T4 N2 IIIB
        ("TX", "N0", None),
        ("T0", "N2", None),
        ("T1", "NX", None),
        ("T2", "NX", None),
    ],
)
def test_open_categories(t: str, n: str, expected: str | None) -> None:
    assert stage_group(TNM9, {"T": t, "N": n, "M": "M0"}) == expected


def test_stage_table_is_marked_secondary() -> None:
    assert TNM9.evidence == "secondary"
    result = mesostage.stage({"site": "pleura", "tumor": {"findings": ["rib"]}, "nodes": {}, "metastases": {}})
    tnm9 = result.result("tnm9")
    assert tnm9.evidence == "secondary"
    assert tnm9.evidence_note
    assert "secondary" in tnm9.evidence_note
    assert any("[secondary source]" in s for s in tnm9.sources)


def test_eighth_and_ninth_labels_are_not_interchangeable() -> None:
    # T2 N0 M0: 8th IB, 9th II; T3 N0 M0: 8th IB, 9th IIIA (staging.md P1)
    tnm8 = load_system("tnm8")
    assert stage_group(tnm8, {"T": "T2", "N": "N0", "M": "M0"}) == "IB"
    assert stage_group(TNM9, {"T": "T2", "N": "N0", "M": "M0"}) == "II"
    assert stage_group(tnm8, {"T": "T3", "N": "N0", "M": "M0"}) == "IB"
    assert stage_group(TNM9, {"T": "T3", "N": "N0", "M": "M0"}) == "IIIA"
