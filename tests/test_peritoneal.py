"""PCI-based TNM for peritoneal mesothelioma (Yan et al. Cancer 2011;117:1855-1863)."""

from __future__ import annotations

import pytest

import mesostage
from mesostage import CaseError
from tests.factories import peritoneal_case


def _yan(**peritoneal: object) -> mesostage.SystemResult:
    return mesostage.stage(peritoneal_case(**peritoneal), systems=["peritoneal_tnm"]).results[0]


# Yan 2011 abstract: T1 PCI 1-10, T2 11-20, T3 21-30, T4 30-39 (30 decided as T3); I T1N0M0; II T2-3N0M0;
# III T4 and/or N1 and/or M1. V16 of staging.md §5.
@pytest.mark.parametrize(
    ("pci", "t", "stage"),
    [
        (1, "T1", "I"),
        (8, "T1", "I"),
        (10, "T1", "I"),
        (11, "T2", "II"),
        (15, "T2", "II"),
        (20, "T2", "II"),
        (21, "T3", "II"),
        (25, "T3", "II"),
        (30, "T3", "II"),
        (31, "T4", "III"),
        (35, "T4", "III"),
        (39, "T4", "III"),
    ],
)
def test_pci_bands(pci: int, t: str, stage: str) -> None:
    r = _yan(pci=pci, nodes_positive=False, extra_abdominal_metastases=False)
    assert (r.t, r.n, r.m, r.stage, r.pci) == (t, "N0", "M0", stage, pci)


def test_pci_30_boundary_is_flagged() -> None:
    result = mesostage.stage(peritoneal_case(pci=30, nodes_positive=False, extra_abdominal_metastases=False))
    note = next(n for n in result.review if n.code == "pci_30_boundary")
    assert note.severity == "warning"
    assert "stage III" in note.message
    assert "pci_30_boundary" not in {
        n.code for n in mesostage.stage(peritoneal_case(pci=29, nodes_positive=False)).review
    }


def test_nodes_or_extra_abdominal_spread_is_stage_iii() -> None:
    assert _yan(pci=5, nodes_positive=True, extra_abdominal_metastases=False).stage == "III"
    assert _yan(pci=5, nodes_positive=False, extra_abdominal_metastases=True).stage == "III"


def test_pci_0_has_no_t() -> None:
    r = _yan(pci=0, nodes_positive=False, extra_abdominal_metastases=False)
    assert (r.t, r.stage) == ("T0", None)
    assert _yan(pci=0, nodes_positive=True, extra_abdominal_metastases=False).stage == "III"


def test_pci_from_regions_with_names_in_the_trace() -> None:
    regions = [0, 1, 2, 0, 0, 3, 2, 1, 0, 0, 1, 0, 0]
    r = _yan(pci_regions=regions, nodes_positive=False, extra_abdominal_metastases=False)
    assert (r.pci, r.t, r.stage) == (10, "T1", "I")
    assert r.pci_regions is not None
    assert [(p.region, p.name, p.score) for p in r.pci_regions][:3] == [
        (0, "central", 0),
        (1, "right upper", 1),
        (2, "epigastrium", 2),
    ]
    assert r.pci_regions[12].name == "lower ileum"
    trace = next(d for d in r.determinants if d.finding == "pci")
    assert trace.reason is not None
    assert "left lower 3" in trace.reason
    assert "right upper 1" in trace.reason
    assert "central" not in trace.reason  # scored 0


def test_unknown_pci_is_tx_with_full_range() -> None:
    r = _yan(nodes_positive=False, extra_abdominal_metastases=False)
    assert (r.t, r.stage, r.stage_range) == ("TX", None, ["I", "III"])
    assert r.unknowns_that_matter == ["peritoneal.pci"]


def test_unknown_nodes_take_n0_and_widen_the_range() -> None:
    r = _yan(pci=12)
    assert (r.n, r.m, r.stage, r.stage_range) == ("N0", "M0", "II", ["II", "III"])
    assert r.unknowns_that_matter == ["peritoneal.nodes_positive", "peritoneal.extra_abdominal_metastases"]


def test_regions_and_total_must_agree() -> None:
    with pytest.raises(CaseError) as err:
        mesostage.stage(peritoneal_case(pci_regions=[1] * 13, pci=12))
    assert err.value.errors[0].path == "peritoneal.pci"
    assert "13" in err.value.errors[0].message


def test_site_note_says_it_is_a_proposal() -> None:
    result = mesostage.stage(peritoneal_case(pci=5))
    assert result.default_system == "peritoneal_tnm"
    assert result.site_note is not None
    assert "research proposal" in result.site_note
    r = result.result("peritoneal_tnm")
    assert r.evidence_note is not None
    assert "not AJCC/UICC" in r.evidence_note
