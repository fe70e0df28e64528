"""Treatment options: the acceptance situations of issue 4, written from the guidelines and trials, with the options
expected present AND absent; the knowledge base's sources; readability of patient texts; behaviour on missing input.

Expected options come from the published recommendations (shared/reference/treatment.md §1-4): CheckMate 743 and
KEYNOTE-483 enrolled untreated PS 0-1 patients (and excluded autoimmune disease); ASCO 2025 puts nivolumab plus
ipilimumab ("should be offered") before chemo-immunotherapy and chemotherapy ("may be offered"); ASCO 2018 excludes
maximal cytoreduction for sarcomatoid histology, N3 nodes and extrathoracic disease; NCCN v1.2025 recommends best
supportive care at PS 3-4; CONFIRM (nivolumab) is for immunotherapy-naive patients after platinum; Kusamura 2016:
Ki-67 > 9% with PCI > 17 gives a median OS of 10.3 months after CRS-HIPEC.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mesostage import CaseError, TreatmentOptions, options
from mesostage.treatment.knowledge import KnowledgeBase, load_knowledge_base
from tests.factories import pleural_case
from tests.readability import fk_grade

SYSTEMIC_FIRST_LINE = [
    "pleura_nivolumab_ipilimumab",
    "pleura_pembrolizumab_chemotherapy",
    "pleura_platinum_pemetrexed",
    "pleura_platinum_pemetrexed_bevacizumab",
]
IMMUNOTHERAPY = [
    "pleura_nivolumab_ipilimumab",
    "pleura_pembrolizumab_chemotherapy",
    "pleura_nivolumab_second_line",
    "pleura_pembrolizumab_second_line",
    "pleura_nivolumab_ipilimumab_later_line",
]


def stage_iv(histology: str, **patient: Any) -> dict[str, Any]:
    """Clinical stage IV (liver metastasis) pleural mesothelioma."""
    return pleural_case(
        ["parietal_pleura", "visceral_pleura"], [], ["liver"], basis="clinical", histology=histology, patient=patient
    )


def early_stage(histology: str = "epithelioid", nodes: list[str] | None = None, **patient: Any) -> dict[str, Any]:
    """Clinical T1 N0 M0, stage I in the 9th edition (Psum 8 mm, Fmax 2 mm: cT1), unless nodes are given."""
    case = pleural_case(["parietal_pleura"], nodes or [], [], basis="clinical", histology=histology, patient=patient)
    case["tumor"] |= {"psum_mm": 8.0, "fmax_mm": 2.0}
    return case


def peritoneal(pci: int, histology: str = "epithelioid", **patient: Any) -> dict[str, Any]:
    return {"site": "peritoneum", "histology": histology, "peritoneal": {"pci": pci}, "patient": patient}


def offered(result: TreatmentOptions) -> list[str]:
    return result.offered_ids()


def set_aside(result: TreatmentOptions) -> list[str]:
    return [o.id for o in result.not_suitable]


# ------------------------------------------------------------------ acceptance: stage IV sarcomatoid, PS 1, untreated
def test_stage_iv_sarcomatoid_ps1_untreated() -> None:
    r = options(stage_iv("sarcomatoid", ecog=1, prior_systemic_lines=0))
    ids = offered(r)
    for expected in ("pleura_nivolumab_ipilimumab", "pleura_pembrolizumab_chemotherapy", "clinical_trials"):
        assert r.option(expected).status == "applies"
    assert "palliative_care" in ids
    # ASCO 2025: nivolumab plus ipilimumab "should be offered", before the "may be offered" regimens.
    assert ids.index("pleura_nivolumab_ipilimumab") < ids.index("pleura_pembrolizumab_chemotherapy")
    assert ids.index("pleura_pembrolizumab_chemotherapy") < ids.index("pleura_platinum_pemetrexed")
    # Absent: surgery (sarcomatoid, extrathoracic disease), later lines, IMRT for stage I, best supportive care alone.
    for absent in (
        "pleura_surgery_multimodality",
        "pleura_nivolumab_second_line",
        "pleura_systemic_with_pleural_imrt",
        "pleura_observation",
        "best_supportive_care",
    ):
        assert absent in set_aside(r), absent
    surgery = r.option("pleura_surgery_multimodality")
    failed = " ".join(surgery.does_not_apply_because)
    assert "sarcomatoid" in failed
    assert "distant" in failed
    # Systemic therapy in advanced disease is not curative (all guidelines; ESMO-MCBS non-curative score).
    assert {r.option(i).goal for i in SYSTEMIC_FIRST_LINE} == {"life-prolonging"}


def test_stage_iv_nivolumab_ipilimumab_evidence_is_checkmate_743() -> None:
    o = options(stage_iv("sarcomatoid", ecog=1, prior_systemic_lines=0), audience="clinician").option(
        "pleura_nivolumab_ipilimumab"
    )
    cm743 = next(e for e in o.evidence if e.trial == "CheckMate 743")
    assert cm743.median_os_months == [18.1, 14.1]
    assert cm743.hr == 0.74
    assert cm743.source.year == 2021
    assert "HR 0.46" in (cm743.result or "")  # non-epithelioid subgroup, Baas 2021
    assert any(g.source.key == "asco_2025" and g.source.status == "secondary" for g in o.guidelines)


def test_stage_iv_view_goals_symptoms_and_published_survival() -> None:
    r = options(stage_iv("sarcomatoid", ecog=1, prior_systemic_lines=0, chest_pain=True))
    s4 = r.stage4
    assert s4 is not None
    assert "cannot be cured" in s4.goals_of_care
    assert {s.symptom for s in s4.symptom_control} == {"pain", "breathlessness", "effusion"}
    medians = {(f.source.key, f.median_months) for f in s4.survival_context}
    assert ("rusch2016", 9.7) in medians  # 8th-edition cM1 median (Rusch 2016)
    assert ("kindler2024", 10.5) in medians  # 9th-edition M1 median (Kindler 2024)
    one_year = [f.one_year_percent for f in s4.survival_context if f.source.key == "kindler2024"]
    assert one_year == [46]
    assert all(f.source.year for f in s4.survival_context)
    assert "not tell what will happen to you" in s4.survival_caveat.replace("cannot tell", "not tell")
    pain = next(s for s in s4.symptom_control if s.symptom == "pain")
    assert "pleura_palliative_radiotherapy" in pain.options
    offered_groups = [i for g in s4.offered for i in g.options]
    assert "pleura_nivolumab_ipilimumab" in offered_groups
    assert "best_supportive_care" not in offered_groups


def test_no_stage_iv_view_before_metastasis_is_confirmed() -> None:
    case = pleural_case(["parietal_pleura"], [], None, basis="clinical", histology="epithelioid")
    del case["metastases"]  # not assessed: cM0 by the AJCC rule, but the range reaches IV
    r = options(case)
    assert r.stage4 is None
    assert any("could be IV" in n for n in r.notes)
    assert r.option("pleura_surgery_multimodality").status == "may_apply"


# ------------------------------------------------------------------ acceptance: stage IV epithelioid, PS 1, untreated
def test_stage_iv_epithelioid_ps1_untreated() -> None:
    r = options(stage_iv("epithelioid", ecog=1, prior_systemic_lines=0))
    for expected in SYSTEMIC_FIRST_LINE:
        assert r.option(expected).status == "applies", expected
    # ASCO 2025: for epithelioid disease the choice is individualised; the smaller nivo-ipi effect is shown.
    nivo = r.option("pleura_nivolumab_ipilimumab")
    assert any(c.source.key == "asco_2025" for c in nivo.cautions)
    for absent in ("pleura_surgery_multimodality", "pleura_observation", "pleura_systemic_with_pleural_imrt"):
        assert absent in set_aside(r)
    assert r.stage4 is not None


def test_epithelioid_caveat_not_shown_for_non_epithelioid() -> None:
    r = options(stage_iv("biphasic", ecog=0, prior_systemic_lines=0))
    assert r.option("pleura_nivolumab_ipilimumab").cautions == []


# ------------------------------------------------------------------ acceptance: ECOG 3
def test_ecog_3_best_supportive_care_no_combination_immunotherapy() -> None:
    r = options(
        stage_iv("epithelioid", ecog=3, prior_systemic_lines=0, chest_pain=True) | {"pleural_effusion_malignant": True}
    )
    for expected in ("best_supportive_care", "pleura_palliative_radiotherapy", "pleura_effusion_control"):
        assert r.option(expected).status == "applies", expected
    for absent in [*SYSTEMIC_FIRST_LINE, "pleura_tumour_treating_fields", "pleura_single_agent_chemotherapy"]:
        assert absent in set_aside(r), absent
    assert r.stage4 is not None
    groups = [i for g in r.stage4.offered for i in g.options]
    assert "best_supportive_care" in groups
    assert "pleura_nivolumab_ipilimumab" not in groups


def test_ecog_2_single_agent_chemotherapy_not_doublets() -> None:
    r = options(stage_iv("epithelioid", ecog=2, prior_systemic_lines=0))
    assert r.option("pleura_single_agent_chemotherapy").status == "applies"  # ASCO 2018, PS 2
    assert "pleura_nivolumab_ipilimumab" in set_aside(r)
    assert "best_supportive_care" in set_aside(r)


# ------------------------------------------------------------------ acceptance: second line after nivolumab + ipilimumab
def test_second_line_after_nivolumab_ipilimumab() -> None:
    r = options(stage_iv("epithelioid", ecog=1, prior_systemic_lines=1, prior_agents=["nivolumab", "ipilimumab"]))
    assert r.option("pleura_platinum_pemetrexed_after_immunotherapy").status == "applies"
    assert {"clinical_trials", "palliative_care"} <= set(offered(r))
    # Immunotherapy-naive options (CONFIRM, ESMO 2022) and first-line options are out.
    for absent in [*IMMUNOTHERAPY, "pleura_platinum_pemetrexed"]:
        assert absent in set_aside(r), absent
    assert "immune" in " ".join(r.option("pleura_nivolumab_second_line").does_not_apply_because)
    # RAMES and VIM enrolled patients after platinum chemotherapy: not yet, for a chemotherapy-naive patient.
    assert "pleura_gemcitabine_ramucirumab" in set_aside(r)
    assert "pleura_vinorelbine" in set_aside(r)


def test_second_line_after_platinum_pemetrexed_immunotherapy_naive() -> None:
    r = options(
        stage_iv("epithelioid", ecog=1, prior_systemic_lines=1, prior_agents=["cisplatin", "pemetrexed"]),
        audience="clinician",
    )
    nivo = r.option("pleura_nivolumab_second_line")
    assert nivo.status == "applies"
    confirm = nivo.evidence[0]
    assert confirm.trial == "CONFIRM"
    assert confirm.median_os_months == [10.2, 6.9]
    assert r.option("pleura_gemcitabine_ramucirumab").status == "applies"
    assert r.option("pleura_pemetrexed_rechallenge").status == "applies"
    assert any("6 months" in t for t in r.option("pleura_pemetrexed_rechallenge").team_decides)
    assert "pleura_platinum_pemetrexed_after_immunotherapy" in set_aside(r)


# ------------------------------------------------------------------ acceptance: early-stage epithelioid, resectable
def test_early_stage_epithelioid_resectable_surgery_with_mars2_caveat() -> None:
    r = options(early_stage(ecog=0, prior_systemic_lines=0, resectable=True), audience="clinician")
    assert r.stage == "I"
    surgery = r.option("pleura_surgery_multimodality")
    assert surgery.status == "applies"
    # NCCN v1.2025 footnote g: the benefit of resection is unclear; MARS 2: shorter survival with surgery.
    assert surgery.goal == "benefit uncertain"
    decided = " ".join(surgery.team_decides)
    assert "specialist centre" in decided
    assert "combined treatment" in decided
    mars2 = [c for c in surgery.cautions if c.source.key == "lim2024"]
    assert mars2, "the MARS 2 caveat must be shown"
    assert "19.3 vs 24.8" in mars2[0].text  # median OS, surgery vs no surgery (Lim 2024)
    assert mars2[0].source.year == 2024
    guideline_keys = {g.source.key for g in surgery.guidelines}
    assert {"asco_2025", "asco_2018", "nccn_pm_2025"} <= guideline_keys
    # NCCN v1.2025 prefers systemic therapy with pleural IMRT for stage I epithelioid; observation is listed too.
    ids = offered(r)
    assert ids.index("pleura_systemic_with_pleural_imrt") < ids.index("pleura_surgery_multimodality")
    assert "pleura_observation" in ids
    assert "pleura_nivolumab_ipilimumab" in ids
    assert "best_supportive_care" not in ids


def test_early_stage_surgery_patient_text_states_mars2() -> None:
    surgery = options(early_stage(ecog=0, prior_systemic_lines=0, resectable=True)).option(
        "pleura_surgery_multimodality"
    )
    assert "MARS 2" in surgery.text
    # Lim 2024: median OS 19.3 months with surgery vs 24.8 months with chemotherapy alone, given as medians.
    assert "19 months" in surgery.text
    assert "25 months" in surgery.text
    assert "cure" not in surgery.text.lower()


@pytest.mark.parametrize(
    ("case", "reason_word"),
    [
        (early_stage("sarcomatoid", ecog=0, resectable=True), "sarcomatoid"),
        (early_stage("biphasic", ecog=0, resectable=True), "epithelioid"),
        (early_stage(nodes=["contralateral_mediastinal"], ecog=0, resectable=True), "other side of the chest"),
        (early_stage(nodes=["ipsilateral_supraclavicular"], ecog=0, resectable=True), "collarbone"),
        (early_stage(ecog=2, resectable=True), "activity score 0 or 1"),
        (early_stage(ecog=0, resectable=False), "taken out"),
    ],
)
def test_surgery_set_aside_by_asco_contraindications(case: dict[str, Any], reason_word: str) -> None:
    surgery = options(case).option("pleura_surgery_multimodality")
    assert surgery.status == "not_applicable"
    assert reason_word in " ".join(surgery.does_not_apply_because)


def test_surgery_may_apply_until_a_specialist_judges_resectability() -> None:
    surgery = options(early_stage(ecog=0, prior_systemic_lines=0)).option("pleura_surgery_multimodality")
    assert surgery.status == "may_apply"
    assert any("taken out" in w for w in surgery.would_apply_if)


# ------------------------------------------------------------------ acceptance: peritoneal PCI 12 vs PCI 30 with Ki-67 > 9%
def test_peritoneal_pci_12_epithelioid_crs_hipec_evaluation() -> None:
    r = options(peritoneal(12, ecog=0, prior_systemic_lines=0, ki67_percent=5))
    crs = r.option("peritoneum_crs_hipec")
    assert crs.status == "may_apply"  # until a specialist team judges complete cytoreduction feasible
    assert crs.goal == "curative intent"
    assert any(g.source.key == "psogi_2024" for g in crs.guidelines)
    assert r.offered_ids().index("peritoneum_crs_hipec") < r.offered_ids().index("peritoneum_platinum_pemetrexed")
    resectable = options(peritoneal(12, ecog=0, prior_systemic_lines=0, ki67_percent=5, resectable=True))
    assert resectable.option("peritoneum_crs_hipec").status == "applies"
    # Pleural-only options never appear for a peritoneal primary.
    assert not [i for i in r.offered_ids() + set_aside(r) if i.startswith("pleura_")]


def test_peritoneal_pci_30_ki67_high_crs_is_a_caution_not_an_exclusion() -> None:
    """Kusamura 2016 (one centre, n=117): Ki-67 > 9% with PCI > 17 gave a median OS of 10.3 months after CRS-HIPEC and
    its authors only suggest other treatment; PSOGI 2024 keeps assessment at an expert centre for selected patients.
    So the option may apply, with the finding as a caution, and systemic therapy applies too (issue 12, item 2)."""
    r = options(peritoneal(30, ecog=0, prior_systemic_lines=0, ki67_percent=12, resectable=True), audience="clinician")
    crs = r.option("peritoneum_crs_hipec")
    assert crs.status == "may_apply"
    assert not crs.does_not_apply_because
    assert "10.3 months" in " ".join(crs.would_apply_if)
    caution = [c for c in crs.cautions if c.source.key == "kusamura2016"]
    assert caution
    assert "not an exclusion" in caution[0].text
    check = next(c for c in crs.conditions if c.condition == "not_ki67_high_and_pci_high")
    assert check.result == "team_decides"
    assert r.option("peritoneum_platinum_pemetrexed").status == "applies"


@pytest.mark.parametrize(
    ("pci", "ki67", "status", "cautioned"),
    [
        (17, 12, "applies", False),  # Ki-67 > 9% and PCI <= 17: median OS 63.2 months (Kusamura 2016)
        (18, 12, "may_apply", True),  # Ki-67 > 9% and PCI > 17: 10.3 months, a caution for the expert centre
        (30, 9, "applies", False),  # Ki-67 <= 9%: 86.6 months whatever the PCI
        (30, 9.5, "may_apply", True),
    ],
)
def test_peritoneal_ki67_pci_cut_offs(pci: int, ki67: float, status: str, cautioned: bool) -> None:
    crs = options(peritoneal(pci, ecog=0, ki67_percent=ki67, resectable=True)).option("peritoneum_crs_hipec")
    assert crs.status == status
    assert any(c.source.key == "kusamura2016" for c in crs.cautions) == cautioned


def test_peritoneal_pci_30_ki67_unknown_leaves_crs_open() -> None:
    crs = options(peritoneal(30, ecog=0, resectable=True)).option("peritoneum_crs_hipec")
    assert crs.status == "may_apply"
    assert crs.would_apply_if


def test_peritoneal_sarcomatoid_no_crs_biphasic_caveat() -> None:
    assert options(peritoneal(8, "sarcomatoid", ecog=0)).option("peritoneum_crs_hipec").status == "not_applicable"
    biphasic = options(peritoneal(8, "biphasic", ecog=0)).option("peritoneum_crs_hipec")
    assert biphasic.status != "not_applicable"
    assert any(c.source.key == "votanopoulos2018" for c in biphasic.cautions)


# ------------------------------------------------------------------ acceptance: autoimmune contraindication
def test_autoimmune_disease_sets_immunotherapy_aside() -> None:
    r = options(
        stage_iv("sarcomatoid", ecog=1, prior_systemic_lines=0, contraindications=["autoimmune_disease"]),
        audience="clinician",
    )
    for absent in ("pleura_nivolumab_ipilimumab", "pleura_pembrolizumab_chemotherapy"):
        o = r.option(absent)
        assert o.status == "not_applicable"
        assert "autoimmune" in " ".join(o.does_not_apply_because)
    assert r.option("pleura_platinum_pemetrexed").status == "applies"
    second = options(
        stage_iv(
            "epithelioid",
            ecog=1,
            prior_systemic_lines=1,
            prior_agents=["carboplatin", "pemetrexed"],
            contraindications=["autoimmune_disease"],
        )
    )
    assert "pleura_nivolumab_second_line" in set_aside(second)


def test_unused_contraindication_is_reported_not_dropped() -> None:
    r = options(stage_iv("epithelioid", ecog=1, prior_systemic_lines=0, contraindications=["organ_transplant"]))
    assert any("organ_transplant" in n for n in r.notes)


def test_cisplatin_caution_for_renal_impairment() -> None:
    r = options(stage_iv("epithelioid", ecog=1, prior_systemic_lines=0, contraindications=["renal_impairment"]))
    assert any("carboplatin" in c.text for c in r.option("pleura_platinum_pemetrexed").cautions)
    plain = options(stage_iv("epithelioid", ecog=1, prior_systemic_lines=0))
    assert plain.option("pleura_platinum_pemetrexed").cautions == []


# ------------------------------------------------------------------ other sites
def test_tunica_vaginalis_localised_vs_metastatic() -> None:
    local = options({"site": "tunica_vaginalis", "metastases": {"findings": []}, "patient": {"ecog": 0}})
    assert local.option("tunica_vaginalis_radical_orchiectomy").status == "applies"
    assert "tunica_vaginalis_systemic" in set_aside(local)
    spread = options(
        {"site": "tunica_vaginalis", "metastases": {"findings": ["distant_nodes"]}, "patient": {"ecog": 0}}
    )
    assert spread.option("tunica_vaginalis_systemic").status == "applies"
    assert "tunica_vaginalis_radical_orchiectomy" in set_aside(spread)
    assert spread.stage is None
    assert any("No guideline" in n for n in spread.notes)


def test_pericardial_options() -> None:
    r = options({"site": "pericardium", "patient": {"ecog": 1, "prior_systemic_lines": 0}})
    assert r.option("pericardium_chemotherapy").status == "applies"
    assert r.option("pericardium_drainage").goal == "symptom relief"
    assert {"palliative_care", "clinical_trials"} <= set(offered(r))


# ------------------------------------------------------------------ sources
def _raw(name: str) -> dict[str, Any]:
    text = resources.files("mesostage.treatment").joinpath("data", f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_every_entry_has_a_source_with_a_year() -> None:
    """Read the raw files (not the loader) so an entry without a dated source fails here."""
    sources = _raw("sources")
    for key, src in sources.items():
        assert isinstance(src.get("year"), int), f"source {key} has no year"
        assert 1950 <= src["year"] <= 2100
    for name in ("pleura", "peritoneum", "pericardium", "tunica_vaginalis", "supportive"):
        for entry in _raw(name)["options"]:
            keys = [x["source"] for x in entry.get("guidelines", []) + entry.get("evidence", [])]
            dated = [k for k in keys if isinstance(sources.get(k, {}).get("year"), int)]
            assert dated, f"{name}: option {entry['id']} has no source with a year"
    for group in ("survival", "offered", "symptoms"):
        for item in _raw("stage4")[group]:
            for k in item.get("sources", [item.get("source")]):
                assert isinstance(sources[k]["year"], int)


def test_loader_rejects_a_source_without_year() -> None:
    kb = load_knowledge_base()
    data = kb.model_dump(by_alias=True)
    del data["sources"]["baas2021"]["year"]
    with pytest.raises(ValidationError, match="year"):
        KnowledgeBase.model_validate(data)


def test_loader_rejects_an_unknown_source_key() -> None:
    data = load_knowledge_base().model_dump(by_alias=True)
    data["sites"][0]["options"][0]["evidence"][0]["source"] = "nobody2099"
    with pytest.raises(ValidationError, match="unknown source 'nobody2099'"):
        KnowledgeBase.model_validate(data)


ACCEPTANCE_CASES = [
    stage_iv("sarcomatoid", ecog=1, prior_systemic_lines=0),
    stage_iv("epithelioid", ecog=1, prior_systemic_lines=0),
    stage_iv("epithelioid", ecog=3, prior_systemic_lines=0, chest_pain=True),
    stage_iv("epithelioid", ecog=1, prior_systemic_lines=1, prior_agents=["nivolumab", "ipilimumab"]),
    early_stage(ecog=0, prior_systemic_lines=0, resectable=True),
    peritoneal(12, ecog=0, prior_systemic_lines=0, ki67_percent=5),
    peritoneal(30, ecog=0, prior_systemic_lines=0, ki67_percent=12),
    stage_iv("epithelioid", ecog=1, prior_systemic_lines=0, contraindications=["autoimmune_disease"]),
]


@pytest.mark.parametrize("case", ACCEPTANCE_CASES)
def test_every_option_shown_has_a_dated_source_and_palliative_care_and_trials(case: dict[str, Any]) -> None:
    r = options(case)
    assert {"palliative_care", "clinical_trials"} <= set(offered(r))
    for o in r.options:
        assert o.sources, o.id
        assert all(s.year for s in o.sources)
        assert o.guidelines or o.evidence, o.id
    assert len(r.questions) >= 5
    assert "does not replace" in r.disclaimer


# ------------------------------------------------------------------ readability (Flesch-Kincaid grade <= 8)
def _patient_texts() -> list[tuple[str, str]]:
    kb = load_knowledge_base()
    items = [(o.id, o.patient_text) for o in kb.options]
    items += [(f"{o.id} caution", c.plain) for o in kb.options for c in o.cautions]
    items += [(f"{o.id} question", q) for o in kb.options for q in o.questions]
    items += [("question", q.text) for f in kb.sites for q in f.questions]
    s4 = kb.stage4
    items += [("stage4 goals", s4.goals_patient), ("stage4 caveat", s4.survival_caveat_patient)]
    items += [("stage4 survival", f.plain) for f in s4.survival]
    items += [("stage4 offered", g.why_patient) for g in s4.offered]
    items += [(f"stage4 {s.symptom}", s.patient) for s in s4.symptoms]
    items += [("stage4 question", q.text) for q in s4.questions]
    items += [(f"condition {n}", f"It is {c.plain}.") for n, c in kb.criteria.items()]
    return items


@pytest.mark.parametrize(("where", "text"), _patient_texts())
def test_patient_text_reads_at_grade_8_or_below(where: str, text: str) -> None:
    grade = fk_grade(text)
    assert grade <= 8, f"{where}: Flesch-Kincaid grade {grade:.1f}: {text}"


@pytest.mark.parametrize("case", ACCEPTANCE_CASES)
def test_whole_patient_output_reads_at_grade_8_or_below(case: dict[str, Any]) -> None:
    """What a patient reads for a case: option texts, why each fits or not, cautions, questions, stage-4 view."""
    r = options(case)
    parts: list[str] = []
    for o in r.options + r.not_suitable:
        parts += [o.text, *(f"It is {w}." for w in o.why + o.would_apply_if + o.does_not_apply_because)]
        parts += [c.text for c in o.cautions]
    parts += r.questions
    if r.stage4:
        parts += [r.stage4.goals_of_care, r.stage4.survival_caveat, *(f.text for f in r.stage4.survival_context)]
        parts += [s.text for s in r.stage4.symptom_control]
    grade = fk_grade(" ".join(parts))
    assert grade <= 8, grade


def test_readability_check_can_fail() -> None:
    surgery = next(o for o in load_knowledge_base().options if o.id == "pleura_surgery_multimodality")
    assert fk_grade(surgery.clinician_text) > 8


# ------------------------------------------------------------------ missing input and bad input
def test_nothing_guessed_without_a_patient_block() -> None:
    r = options(pleural_case(["parietal_pleura"], [], ["bone"], basis="clinical", histology="epithelioid"))
    nivo = r.option("pleura_nivolumab_ipilimumab")
    assert nivo.status == "may_apply"
    assert len(nivo.would_apply_if) >= 2  # fitness and treatment history not recorded
    assert all(o.status != "applies" for o in r.options if o.section in ("first_line", "later_line"))


def test_agents_listed_without_line_count_count_as_treated() -> None:
    r = options(stage_iv("epithelioid", ecog=1, prior_agents=["carboplatin", "pemetrexed"]))
    assert r.option("pleura_nivolumab_ipilimumab").status == "not_applicable"
    assert r.option("pleura_nivolumab_second_line").status == "applies"


def test_contradictory_treatment_history_is_an_input_error() -> None:
    with pytest.raises(CaseError) as exc:
        options(stage_iv("epithelioid", prior_systemic_lines=0, prior_agents=["cisplatin"]))
    assert exc.value.errors[0].path == "patient.prior_agents"


def test_unknown_audience_and_bad_field_name_the_path() -> None:
    with pytest.raises(CaseError) as exc:
        options(stage_iv("epithelioid"), audience="family")
    assert exc.value.errors[0].path == "audience"
    with pytest.raises(CaseError) as exc:
        options(stage_iv("epithelioid", resectable="yes"))
    assert exc.value.errors[0].path == "patient.resectable"


# ------------------------------------------------------------------ properties
_patients = st.fixed_dictionaries(
    {},
    optional={
        "ecog": st.integers(0, 4),
        "prior_systemic_lines": st.integers(1, 3),
        "prior_agents": st.lists(st.sampled_from(["cisplatin", "pemetrexed", "nivolumab", "ipilimumab"]), unique=True),
        "contraindications": st.lists(st.sampled_from(["autoimmune_disease", "renal_impairment"]), unique=True),
        "resectable": st.booleans(),
        "chest_pain": st.booleans(),
        "ki67_percent": st.floats(0, 100),
    },
)
_cases = st.one_of(
    st.builds(
        lambda h, m, p: pleural_case(["parietal_pleura"], [], m, basis="clinical", histology=h, patient=p),
        st.sampled_from(["epithelioid", "biphasic", "sarcomatoid", "other"]),
        st.sampled_from([[], ["liver"]]),
        _patients,
    ),
    st.builds(lambda pci, p: peritoneal(pci) | {"patient": p}, st.integers(0, 39), _patients),
)


@settings(max_examples=60, deadline=None)
@given(_cases)
def test_status_follows_conditions_and_order_follows_guidelines(case: dict[str, Any]) -> None:
    r = options(case)
    assert {"palliative_care", "clinical_trials"} <= set(offered(r))
    for o in r.options + r.not_suitable:
        results = {c.result for c in o.conditions}
        # team_decides (a soft condition that failed) keeps the option open, as an unknown does.
        open_ = {"unknown", "team_decides"}
        expected = "not_applicable" if "not_met" in results else "may_apply" if results & open_ else "applies"
        assert o.status == expected, o.id
    ranks = {o.id: o.rank for o in load_knowledge_base().options}
    keys = [ranks[i] for i in offered(r)]
    assert keys == sorted(keys)
    ecog = case["patient"].get("ecog")
    if ecog is not None and ecog >= 3:
        assert not [o for o in r.options if o.category in ("systemic therapy", "surgery", "device")]
