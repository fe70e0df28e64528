"""Prognostic scores against the published weights, cut-offs, groups, outcomes and worked examples.

EORTC: Curran 1998 (abstract) with the weights and the 1.27 cut-off printed in NCI PDQ. LENT: Clive 2014 (group
outcomes from the abstract; points as transcribed by independent sources). NLR: Kao 2010. Ki-67/PCI: Kusamura 2016.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mesostage
from mesostage import CaseError, ScoreResult
from mesostage.prognosis.definitions import load_data
from tests.factories import peritoneal_case, pleural_case


def _pleural(histology: str | None = "epithelioid", effusion: bool | None = None, **patient: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"patient": patient}
    if histology is not None:
        extra["histology"] = histology
    if effusion is not None:
        extra["pleural_effusion_malignant"] = effusion
    return pleural_case(["parietal_pleura"], **extra)


def _score(case: dict[str, Any], model: str, **options: Any) -> ScoreResult:
    return mesostage.prognosis(case, **options).score(model)


def _eortc_case(male: bool, ps1: bool, wbc_high: bool, probable: bool, sarcomatoid: bool) -> dict[str, Any]:
    return _pleural(
        "sarcomatoid" if sarcomatoid else "epithelioid",
        sex="male" if male else "female",
        ecog=1 if ps1 else 0,
        wbc_10e9_per_l=9.0 if wbc_high else 7.0,
        histology_confirmed=not probable,
    )


# --- EORTC -----------------------------------------------------------------------------------------------------


def test_eortc_weights_and_cutoff_as_printed_in_pdq() -> None:
    model = load_data().models["eortc"]
    weights = {f.key: f.weight for f in model.factors}
    assert weights == {
        "wbc_high": 0.55,
        "performance_status": 0.60,
        "diagnosis_not_definite": 0.52,
        "male": 0.60,
        "histology": None,  # printed in no readable source
    }
    low, high = model.groups
    assert (low.score_at_most, high.score_above) == (1.27, 1.27)
    assert (low.factors_at_most, high.factors_above) == (2, 2)


@pytest.mark.parametrize(
    ("male", "ps1", "wbc_high", "probable", "score", "group", "one_year"),
    [
        # prognosis.md §8.2 worked examples (the sarcomatoid rows are tested below)
        (False, False, False, False, 0.00, "low risk (good prognosis)", 40),
        (True, False, False, False, 0.60, "low risk (good prognosis)", 40),
        (True, True, False, False, 1.20, "low risk (good prognosis)", 40),
        (True, True, True, False, 1.75, "high risk (poor prognosis)", 12),
        (False, False, True, True, 1.07, "low risk (good prognosis)", 40),
    ],
)
def test_eortc_worked_examples(
    male: bool, ps1: bool, wbc_high: bool, probable: bool, score: float, group: str, one_year: int
) -> None:
    r = _score(_eortc_case(male, ps1, wbc_high, probable, sarcomatoid=False), "eortc")
    assert r.status == "computed"
    assert r.score == score
    assert r.group is not None
    assert r.group.name == group
    # Curran 1998: 1-year survival 40% (95% CI 30-50) good, 12% (4-20) poor.
    (one,) = r.group.outcome.survival
    assert (one.at, one.unit, one.percent) == (1, "years", one_year)
    assert one.interval == ((30, 50) if one_year == 40 else (4, 20))
    assert r.evidence == "secondary"  # the weights rest on NCI PDQ


def test_eortc_exactly_at_the_cutoff_is_low_risk() -> None:
    """Male + sarcomatoid = 0.60 + 0.67 = 1.27, and 1.27 or lower is low risk (PDQ). Only with the flagged weight."""
    case = _eortc_case(True, False, False, False, sarcomatoid=True)
    r = _score(case, "eortc", unverified_weights=True)
    assert r.score == 1.27
    assert r.group is not None
    assert r.group.name == "low risk (good prognosis)"
    assert r.evidence == "unverified"
    assert any("UNVERIFIED" in n for n in r.notes)


def test_eortc_unverified_histology_weight_is_not_used_by_default() -> None:
    two = _score(_eortc_case(True, False, False, False, sarcomatoid=True), "eortc")
    assert two.status == "computed"
    assert two.score is None
    assert two.group is not None
    assert two.group.name.startswith("low risk")
    assert "unverified" in two.message
    three = _score(_eortc_case(True, True, False, False, sarcomatoid=True), "eortc")
    assert three.score is None
    assert three.group is not None
    assert three.group.name.startswith("high risk")
    histology = next(i for i in three.items if i.key == "histology")
    assert histology.present is True
    assert histology.contribution is None


def test_eortc_all_32_combinations_match_the_factor_count_rule() -> None:
    """PDQ: <= 1.27 is 0-2 factors, > 1.27 is 3-5 factors. With the inferred 0.67 this holds for every pattern;
    without it the group still follows the count, and the score is the sum of the printed weights."""
    weights = {"male": 0.60, "ps1": 0.60, "wbc_high": 0.55, "probable": 0.52, "sarcomatoid": 0.67}
    for combo in itertools.product([False, True], repeat=5):
        flags = dict(zip(["male", "ps1", "wbc_high", "probable", "sarcomatoid"], combo, strict=True))
        count = sum(combo)
        expected_group = "low" if count <= 2 else "high"
        case = _eortc_case(**flags)
        flagged = _score(case, "eortc", unverified_weights=True)
        assert flagged.score == round(sum(w for k, w in weights.items() if flags[k]), 2)
        assert (flagged.score <= 1.27) == (count <= 2)
        default = _score(case, "eortc")
        for r in (flagged, default):
            assert r.group is not None, (flags, r.message)
            assert r.group.name.startswith(expected_group), (flags, r.message)
        assert (default.score is None) == flags["sarcomatoid"]


def test_eortc_histology_reading_switch() -> None:
    case = _pleural("biphasic", sex="female", ecog=0, wbc_10e9_per_l=7.0, histology_confirmed=True)
    primary = _score(case, "eortc")
    assert primary.score == 0.0  # sarcomatous only (primary abstract): biphasic is not a factor
    assert any("Biphasic" in n for n in primary.notes)
    pdq = _score(case, "eortc", eortc_histology="non_epithelioid")
    assert pdq.score is None
    assert next(i for i in pdq.items if i.key == "histology").present is True
    with pytest.raises(CaseError) as err:
        mesostage.prognosis(case, eortc_histology="mixed")
    assert err.value.errors[0].path == "eortc_histology"


def test_eortc_wbc_exactly_8_3_follows_pdq_and_says_so() -> None:
    r = _score(_pleural(sex="female", ecog=0, wbc_10e9_per_l=8.3, histology_confirmed=True), "eortc")
    assert r.score == 0.0  # PDQ: above 8.3
    assert any("exactly 8.3" in n for n in r.notes)
    assert _score(_pleural(sex="female", ecog=0, wbc_10e9_per_l=8.31, histology_confirmed=True), "eortc").score == 0.55


def test_eortc_missing_inputs_are_named() -> None:
    r = _score(_pleural(ecog=0, wbc_10e9_per_l=7.0, histology_confirmed=True), "eortc")
    assert r.status == "cannot_compute"
    assert r.group is None
    assert r.score is None
    assert r.missing == ("patient.sex",)
    assert r.message == "cannot be computed: needs patient.sex"
    other = _score(_pleural("other", sex="male", ecog=0, wbc_10e9_per_l=7.0, histology_confirmed=True), "eortc")
    assert other.status == "cannot_compute"
    assert "histology 'other'" in other.message
    assert _score(peritoneal_case(pci=5), "eortc").status == "not_applicable"


def test_eortc_outside_the_derivation_population_is_flagged() -> None:
    r = _score(_pleural(sex="female", ecog=3, wbc_10e9_per_l=7.0, histology_confirmed=True), "eortc")
    assert any("outside the trial population" in n for n in r.notes)


# --- LENT ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ldh", "ecog", "neutrophils", "lymphocytes", "score", "group", "median", "iqr"),
    [
        # prognosis.md §8.5 mesothelioma rows; medians (IQR) in days from the Clive 2014 validation cohort
        (800, 1, 4.0, 1.0, 1, "low risk", 319, (228, 549)),
        (2000, 3, 12.0, 1.0, 5, "high risk", 44, (22, 77)),
        (2000, 4, 3.0, 1.0, 4, "moderate risk", 130, (47, 467)),
    ],
)
def test_lent_worked_examples(
    ldh: float,
    ecog: int,
    neutrophils: float,
    lymphocytes: float,
    score: int,
    group: str,
    median: float,
    iqr: tuple[float, float],
) -> None:
    case = _pleural(
        effusion=True,
        pleural_fluid_ldh_u_per_l=ldh,
        ecog=ecog,
        neutrophils_10e9_per_l=neutrophils,
        lymphocytes_10e9_per_l=lymphocytes,
    )
    r = _score(case, "lent")
    assert (r.status, r.score) == ("computed", score)
    assert r.group is not None
    assert r.group.name == group
    assert (r.group.outcome.median, r.group.outcome.median_unit) == (median, "days")
    assert (r.group.outcome.median_interval, r.group.outcome.median_interval_kind) == (iqr, "IQR")
    assert next(i for i in r.items if i.key == "T").contribution == 0  # mesothelioma: 0 tumour-type points


def test_lent_high_risk_survival_at_one_and_six_months() -> None:
    """Clive 2014 abstract: 65% (20/31) of high-risk patients alive at 1 month, 3% (1/31) at 6 months."""
    high = next(g for g in load_data().models["lent"].groups if g.name == "high risk")
    assert [(s.at, s.unit, s.percent) for s in high.survival] == [(1, "months", 65), (6, "months", 3)]


def test_lent_bands_as_published() -> None:
    model = load_data().models["lent"]
    groups = [(g.name, g.score_above, g.score_at_most) for g in model.groups]
    assert groups == [("low risk", None, 1), ("moderate risk", 1, 4), ("high risk", 4, None)]  # 0-1, 2-4, 5-7


def test_lent_ldh_exactly_1500_is_reported_as_ambiguous() -> None:
    base = {"effusion": True, "neutrophils_10e9_per_l": 4.0, "lymphocytes_10e9_per_l": 1.0}
    split = _score(_pleural(pleural_fluid_ldh_u_per_l=1500, ecog=1, **base), "lent")
    assert split.status == "ambiguous"
    assert split.score is None
    assert split.score_range == (1.0, 2.0)
    assert split.group is None
    assert any("exactly 1500" in n for n in split.notes)
    same = _score(_pleural(pleural_fluid_ldh_u_per_l=1500, ecog=2, **base), "lent")
    assert same.score_range == (2.0, 3.0)
    assert same.group is not None
    assert same.group.name == "moderate risk"
    assert _score(_pleural(pleural_fluid_ldh_u_per_l=1501, ecog=1, **base), "lent").score == 2


def test_lent_nlr_exactly_9_is_reported_as_ambiguous() -> None:
    r = _score(
        _pleural(
            effusion=True, pleural_fluid_ldh_u_per_l=800, ecog=0, neutrophils_10e9_per_l=9.0, lymphocytes_10e9_per_l=1.0
        ),
        "lent",
    )
    assert r.status == "ambiguous"
    assert r.score_range == (0.0, 1.0)
    assert r.group is not None
    assert r.group.name == "low risk"


def test_lent_needs_a_malignant_effusion() -> None:
    inputs = {
        "pleural_fluid_ldh_u_per_l": 800.0,
        "ecog": 1,
        "neutrophils_10e9_per_l": 4.0,
        "lymphocytes_10e9_per_l": 1.0,
    }
    unknown = _score(_pleural(**inputs), "lent")
    assert unknown.status == "cannot_compute"
    assert unknown.missing == ("pleural_effusion_malignant",)
    assert _score(_pleural(effusion=False, **inputs), "lent").status == "not_applicable"
    assert _score(peritoneal_case(pci=5), "lent").status == "not_applicable"
    missing = _score(_pleural(effusion=True, ecog=1), "lent")
    assert missing.status == "cannot_compute"
    assert "patient.pleural_fluid_ldh_u_per_l" in missing.missing


@given(
    ldh=st.floats(10, 100000),
    ecog=st.integers(0, 4),
    neutrophils=st.floats(0, 200),
    lymphocytes=st.floats(0.01, 200),
)
def test_lent_mesothelioma_never_scores_above_5(ldh: float, ecog: int, neutrophils: float, lymphocytes: float) -> None:
    case = _pleural(
        effusion=True,
        pleural_fluid_ldh_u_per_l=ldh,
        ecog=ecog,
        neutrophils_10e9_per_l=neutrophils,
        lymphocytes_10e9_per_l=lymphocytes,
    )
    r = _score(case, "lent")
    assert r.status in ("computed", "ambiguous")
    assert (r.score if r.score is not None else r.score_range[1]) <= 5  # type: ignore[index]


# --- NLR -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("neutrophils", "lymphocytes", "nlr", "group", "rates"),
    [
        # Kao 2010: 1-year 60% vs 26%, 2-year 34% vs 10% for NLR < 5 vs >= 5 (prognosis.md §8.8)
        (4.9, 1.0, 4.9, "NLR below 5", (60, 34)),
        (6.0, 1.2, 5.0, "NLR 5 or more", (26, 10)),
        (10.0, 1.0, 10.0, "NLR 5 or more", (26, 10)),
    ],
)
def test_nlr_groups(neutrophils: float, lymphocytes: float, nlr: float, group: str, rates: tuple[int, int]) -> None:
    r = _score(_pleural(neutrophils_10e9_per_l=neutrophils, lymphocytes_10e9_per_l=lymphocytes), "nlr")
    assert r.score == nlr
    assert r.group is not None
    assert r.group.name == group
    assert [(s.at, s.percent) for s in r.group.outcome.survival] == [(1, rates[0]), (2, rates[1])]
    assert r.time_zero == "from the start of systemic therapy"
    assert r.limits is not None
    assert "not an independent factor" in r.limits


def test_nlr_exactly_5_says_the_source_prints_two_boundaries() -> None:
    r = _score(_pleural(neutrophils_10e9_per_l=5.0, lymphocytes_10e9_per_l=1.0), "nlr")
    assert any("exactly 5" in n for n in r.notes)
    assert not _score(_pleural(neutrophils_10e9_per_l=4.0, lymphocytes_10e9_per_l=1.0), "nlr").notes


def test_nlr_needs_both_counts_and_lymphocytes_above_zero() -> None:
    r = _score(_pleural(neutrophils_10e9_per_l=5.0), "nlr")
    assert r.status == "cannot_compute"
    assert "lymphocytes" in r.message
    zero = _score(_pleural(neutrophils_10e9_per_l=5.0, lymphocytes_10e9_per_l=0.0), "nlr")
    assert zero.status == "cannot_compute"
    assert "ratio is undefined" in zero.message


# --- Ki-67 / PCI (Kusamura 2016) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ki67", "pci", "subset", "median"),
    [
        # Kusamura 2016: I Ki-67 <= 9%; II Ki-67 > 9% and PCI <= 17; III Ki-67 > 9% and PCI > 17; 86.6/63.2/10.3 mo
        (5, 30, "subset I", 86.6),
        (9, 30, "subset I", 86.6),
        (12, 15, "subset II", 63.2),
        (12, 17, "subset II", 63.2),
        (12, 18, "subset III", 10.3),
        (12, 20, "subset III", 10.3),
    ],
)
def test_ki67_pci_subsets(ki67: float, pci: int, subset: str, median: float) -> None:
    case = peritoneal_case(pci=pci, nodes_positive=False, extra_abdominal_metastases=False)
    case["patient"] = {"ki67_percent": ki67}
    r = _score(case, "ki67_pci")
    assert r.group is not None
    assert r.group.name.startswith(subset + " ")
    assert (r.group.outcome.median, r.group.outcome.median_unit) == (median, "months")


def test_ki67_low_needs_no_pci_and_high_needs_it() -> None:
    low = {"site": "peritoneum", "patient": {"ki67_percent": 4}}
    assert _score(low, "ki67_pci").group is not None
    high = {"site": "peritoneum", "patient": {"ki67_percent": 20}}
    r = _score(high, "ki67_pci")
    assert r.status == "cannot_compute"
    assert r.missing == ("peritoneal.pci (or pci_regions)",)
    assert _score(_pleural(ki67_percent=4), "ki67_pci").status == "not_applicable"


# --- every model ----------------------------------------------------------------------------------------------


def test_every_score_output_carries_its_sources_and_population() -> None:
    cases = [
        _eortc_case(True, True, True, True, True),
        _pleural(
            effusion=True,
            sex="female",
            ecog=2,
            wbc_10e9_per_l=9.0,
            histology_confirmed=True,
            pleural_fluid_ldh_u_per_l=1500,
            neutrophils_10e9_per_l=9.0,
            lymphocytes_10e9_per_l=1.0,
        ),
        {"site": "peritoneum", "peritoneal": {"pci": 20}, "patient": {"ki67_percent": 15}},
        {"site": "pericardium"},
    ]
    for case in cases:
        for r in mesostage.prognosis(case).scores:
            assert r.sources, r.model
            assert all(s.strip() for s in r.sources), r.model
            assert r.population
            if r.group is not None:
                assert r.group.source in r.sources
                assert all(v.source for v in r.group.validation)
            assert all(i.source for i in r.items)


def test_out_of_range_patient_inputs_are_input_errors() -> None:
    with pytest.raises(CaseError) as err:
        mesostage.prognosis(_pleural(ki67_percent=150))
    assert err.value.errors[0].path == "patient.ki67_percent"
    with pytest.raises(CaseError) as err:
        mesostage.prognosis(_pleural(wbc_10e9_per_l=-1))
    assert err.value.errors[0].path == "patient.wbc_10e9_per_l"
