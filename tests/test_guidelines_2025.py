"""Issue 12: clinical content current to the 2025-2026 guidelines, every rule read in its own edition.

Each test is written from a published source named in its docstring, never from the code's own output:
NCCN Mesothelioma: Pleural v1.2025 Flash Update (clinical stage I-IIIA narrowed to clinical stage I; footnote g: the
benefit of resection is unclear); MARS 2 (Lim et al., Lancet Respir Med 2024;12:457-466: median OS 19.3 vs 24.8
months); ASCO 2025 (Kindler et al., J Clin Oncol 2025;43(8):1006-1038); Gill et al., J Thorac Oncol 2024 and the NDRS
TNM 9 sheet (cT1: Psum <= 12 mm and Fmax <= 5 mm); Rusch et al., J Thorac Oncol 2016;11:2112-2119 (8th-edition
stage groups; median OS 9.7 months cM1 vs 13.4 months T4 or N3 cM0); Chest 2004;125:2356-2360 (FDG uptake after
talc pleurodesis); WHO 2021 (Sauter et al., J Thorac Oncol 2022); IMIG (Husain et al., Arch Pathol Lab Med
2018;142:89-108).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

import mesostage
from mesostage import options
from mesostage.case import SYSTEM_IDS
from mesostage.review.catalog import catalog
from mesostage.treatment.knowledge import FACTS, KnowledgeBase, Source, load_knowledge_base
from tests.factories import ALL_SURFACES, REPO, pleural_case
from tests.readability import fk_grade

FIT_UNTREATED = {"ecog": 0, "prior_systemic_lines": 0, "resectable": True}


def clinical(tumor: list[str], nodes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return pleural_case(tumor, nodes or [], [], basis="clinical", **extra)


def _codes(case: dict[str, Any]) -> dict[str, mesostage.ReviewNote]:
    return {n.code: n for n in mesostage.review(case)}


# ------------------------------------------------------------------ item 1: surgery eligibility
@pytest.mark.parametrize(
    ("tumor", "nodes", "stage8"),
    [
        (["parietal_pleura", "lung_parenchyma"], ["ipsilateral_hilar"], "II"),  # T2 N1 (Rusch 2016: stage II)
        ([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"], "IIIA"),  # T3 N1 (Rusch 2016: stage IIIA)
    ],
)
def test_surgery_set_aside_for_8th_edition_stage_ii_and_iiia(tumor: list[str], nodes: list[str], stage8: str) -> None:
    """NCCN v1.2025 changed the surgical pathway from clinical stage I-IIIA to clinical stage I; stage II-IV
    epithelioid disease goes to systemic therapy."""
    case = clinical(tumor, nodes, diagnosis_date="2022-06-01", histology="epithelioid", patient=FIT_UNTREATED)
    assert mesostage.stage(case).result("tnm8").stage == stage8
    r = options(case, audience="clinician")
    surgery = r.option("pleura_surgery_multimodality")
    assert surgery.status == "not_applicable"
    assert any("stage I" in reason for reason in surgery.does_not_apply_because)
    assert r.option("pleura_nivolumab_ipilimumab").status == "applies"


def test_surgery_not_for_non_epithelioid_disease_even_at_stage_i() -> None:
    """ASCO 2025: surgery only for selected early-stage epithelioid disease; NCCN v1.2025: sarcomatoid or biphasic
    histology of any stage goes to systemic therapy."""
    case = clinical(["parietal_pleura"], diagnosis_date="2022-06-01", histology="biphasic", patient=FIT_UNTREATED)
    assert mesostage.stage(case).result("tnm8").stage == "IA"
    r = options(case)
    assert r.option("pleura_surgery_multimodality").status == "not_applicable"
    assert r.option("pleura_nivolumab_ipilimumab").status == "applies"


def test_surgery_wording_says_what_mars2_showed_not_cure() -> None:
    """MARS 2: median OS 19.3 months with extended P/D plus chemotherapy vs 24.8 months with chemotherapy alone;
    NCCN v1.2025 footnote g: no evidence that surgery added to systemic therapy improves survival."""
    case = clinical(["parietal_pleura"], diagnosis_date="2022-06-01", histology="epithelioid", patient=FIT_UNTREATED)
    for audience in ("patient", "clinician"):
        surgery = options(case, audience=audience).option("pleura_surgery_multimodality")
        assert surgery.status == "applies"
        assert surgery.goal != "curative intent"
        assert "curative" not in surgery.text.lower()
    clinician = options(case, audience="clinician").option("pleura_surgery_multimodality")
    assert "19.3 vs 24.8" in clinician.text
    assert "stage I" in clinician.text


# ------------------------------------------------------------------ item 3: every stage rule in its own edition
def test_stage_rules_read_in_the_8th_edition_when_8th_and_9th_differ() -> None:
    """A 2025 diagnosis with Psum 20 mm on the parietal pleura only, N0 M0: AJCC 8th T1 N0 is stage IA (Rusch 2016);
    9th-edition cT2 (Psum above 12 mm, Gill 2024) N0 is stage II (NDRS TNM 9). NCCN v1.2025's 'clinical stage I'
    was written against the 8th edition, so the stage I options apply although the 9th-edition stage is II."""
    case = clinical(["parietal_pleura"], diagnosis_date="2025-03-01", histology="epithelioid", patient=FIT_UNTREATED)
    case["tumor"] |= {"psum_mm": 20.0, "fmax_mm": 2.0}
    staged = mesostage.stage(case)
    assert (staged.result("tnm8").stage, staged.result("tnm9").stage) == ("IA", "II")
    r = options(case, audience="clinician")
    assert (r.stage_system, r.stage) == ("tnm9", "II")  # the header still shows the edition in use
    for option_id in ("pleura_systemic_with_pleural_imrt", "pleura_observation", "pleura_surgery_multimodality"):
        option = r.option(option_id)
        assert option.status == "applies", option_id
        check = next(c for c in option.conditions if c.condition == "stage_i")
        assert "tnm8" in check.case_value
    assert "stage@tnm8" in r.inputs


def test_every_stage_condition_names_its_edition() -> None:
    kb = load_knowledge_base()
    stage_conditions = [c for c in kb.criteria.values() if c.fact and FACTS[c.fact] == "stage"]
    assert stage_conditions
    assert all(c.edition in SYSTEM_IDS for c in stage_conditions)
    raw = kb.model_dump(by_alias=True, exclude_none=True)
    raw["criteria"]["stage_i"].pop("edition")
    with pytest.raises(ValidationError, match="names its edition"):
        KnowledgeBase.model_validate(raw)


# ------------------------------------------------------------------ item 4: TNM 9th fissure and Fmax
@pytest.mark.parametrize(
    ("fissure", "psum", "fmax", "t"),
    [
        ("finding", 10.0, 3.0, "T1"),  # measured Fmax <= 5 mm: the fissure does not count
        ("finding", 10.0, None, "T2"),  # no Fmax: the reported fissure involvement counts
        ("none", 10.0, 7.0, "T2"),  # Fmax above 5 mm is fissure involvement
        ("none", 10.0, 5.0, "T1"),  # boundary: Fmax 5 mm stays cT1
        ("finding", 13.0, 3.0, "T2"),  # cT1 also needs Psum <= 12 mm
        ("unknown", 10.0, 3.0, "T1"),  # a measured Fmax settles an unknown fissure
    ],
)
def test_tnm9_fissure_counts_only_as_fmax_above_5_mm(fissure: str, psum: float, fmax: float | None, t: str) -> None:
    """Gill 2024 and the NDRS TNM 9 sheet: cT1 needs Psum <= 12 mm and Fmax <= 5 mm; the fissure counts only as
    Fmax > 5 mm. The finding is used only when Fmax is not measured."""
    case = clinical(
        ["parietal_pleura", *(["fissure"] if fissure == "finding" else [])],
        tumor_unknown=["fissure"] if fissure == "unknown" else [],
    )
    case["tumor"] |= {"psum_mm": psum, "fmax_mm": fmax}
    r = mesostage.stage(case, systems=["tnm9"]).results[0]
    assert r.t == t
    assert "tumor.fissure" not in r.unknowns_that_matter


def test_fissure_finding_with_small_fmax_is_flagged() -> None:
    case = clinical(["parietal_pleura", "fissure"])
    case["tumor"] |= {"psum_mm": 10.0, "fmax_mm": 3.0}
    notes = _codes(case)
    assert notes["fissure_fmax_conflict"].severity == "warning"
    assert "Fmax" in notes["fissure_fmax_conflict"].message
    case["tumor"]["fmax_mm"] = 8.0
    assert "fissure_fmax_conflict" not in _codes(case)


# ------------------------------------------------------------------ item 5: stage-4 text by what made it stage 4
def _stage_four(case: dict[str, Any]) -> mesostage.Explanation:
    explanation = mesostage.explain(case)
    assert fk_grade(explanation.prose) <= 8.0
    return explanation


def test_7th_edition_stage_iv_from_local_growth_is_not_told_it_spread_far() -> None:
    """AJCC 7th: T4 N0 M0 is stage IV (IMIG 1995); Rusch 2016: T4 or N3 cM0 had a median OS of 13.4 months against
    9.7 months for cM1, which is why the 8th edition keeps only M1 in stage IV."""
    case = pleural_case([*ALL_SURFACES, "rib"], [], [], diagnosis_date="2015-03-01")
    r = mesostage.stage(case).result("tnm7")
    assert (r.t, r.m, r.stage) == ("T4", "M0", "IV")
    explanation = _stage_four(case)
    four = next(s for s in explanation.sections if s.heading.startswith("What stage 4 means"))
    text = " ".join(four.paragraphs)
    assert "10 months" not in text  # the M1 median
    assert "13 months" in text
    assert "grown deep into nearby parts of the chest" in text
    assert "lymph nodes" not in four.paragraphs[0]  # N0: the nodes did not make it stage 4
    assert any("13.4" in s for s in explanation.sources)


def test_stage_iv_from_distant_spread_keeps_the_m1_text() -> None:
    """Rusch 2016 / Kindler 2024: median OS 9.7 and 10.5 months for M1."""
    case = pleural_case(ALL_SURFACES, [], ["liver"], diagnosis_date="2015-03-01")
    four = next(s for s in _stage_four(case).sections if s.heading.startswith("What stage 4 means"))
    text = " ".join(four.paragraphs)
    assert "spread to places far" in text
    assert "10 months" in text


# ------------------------------------------------------------------ item 6: Brigham closed range
def test_brigham_distant_spread_is_stage_iv_without_resection() -> None:
    """Revised Brigham (Sugarbaker 1999): stage IV is distant metastatic disease; stages I-III rest on the
    resection margins and the nodes found at surgery."""
    r = mesostage.stage(pleural_case(ALL_SURFACES, [], ["bone"]), systems=["brigham"]).results[0]
    assert (r.stage, r.stage_range) == ("IV", ["IV", "IV"])
    assert r.reason
    assert "I to III" in r.reason
    assert "resection" in r.reason
    local = mesostage.stage(pleural_case(ALL_SURFACES, ["ipsilateral_hilar"]), systems=["brigham"]).results[0]
    assert local.stage is None  # stage II needs the resection


# ------------------------------------------------------------------ item 7: review gaps
def test_same_lung_nodule_or_direct_lung_invasion_gets_a_contiguity_prompt() -> None:
    """AJCC 8th: direct invasion of the lung parenchyma is T2 (Nowak 2016); a separate nodule in the same lung is
    M1 (SEER EOD Mets), stage IB vs IV (Rusch 2016)."""
    direct = _codes(pleural_case([*ALL_SURFACES, "lung_parenchyma"], diagnosis_date="2022-01-01"))
    assert "contiguity_check" in direct
    assert "IV rather than IB" in direct["contiguity_check"].message
    separate = _codes(pleural_case(ALL_SURFACES, [], ["lung_ipsilateral_discontinuous"], diagnosis_date="2022-01-01"))
    assert "IB rather than IV" in separate["contiguity_check"].message


def test_pet_after_talc_pleurodesis_is_prompted_and_pet_settling_says_so() -> None:
    """Chest 2004;125:2356-2360: talc pleurodesis gives pleural FDG uptake that stays unchanged on serial imaging."""
    case = pleural_case(ALL_SURFACES, metastases_unknown=["pleura_contralateral_discontinuous"])
    case["patient"] = {"talc_pleurodesis": True}
    notes = mesostage.review(case)
    assert any(n.code == "pet_after_talc_pleurodesis" for n in notes)
    pet_tests = [n.settled_by for n in notes if n.settled_by and "PET" in n.settled_by]
    assert pet_tests
    assert all("talc" in t for t in pet_tests)
    staged = mesostage.stage(pleural_case(ALL_SURFACES) | {"metastases": {"assessed": False}})
    assert "talc" in next(n for n in staged.review if n.code == "m_not_assessed").message
    assert "pet_after_talc_pleurodesis" not in _codes(pleural_case(ALL_SURFACES))


@pytest.mark.parametrize("tumor_type", ["in_situ", "well_differentiated_papillary", "localized"])
def test_non_diffuse_tumours_are_not_staged_as_diffuse(tumor_type: str) -> None:
    """WHO 2021 (Sauter 2022): localized mesothelioma, mesothelioma in situ and well-differentiated papillary
    mesothelial tumour are separate from diffuse mesothelioma, which the staging systems describe."""
    case = pleural_case([*ALL_SURFACES, "mediastinal_fat"], tumor_type=tumor_type, patient=FIT_UNTREATED)
    staged = mesostage.stage(case)
    assert all(not r.applicable and r.stage is None and r.reason for r in staged.results)
    assert "not_diffuse_mesothelioma" in {n.code for n in staged.review}
    r = options(case)
    assert r.option("pleura_nivolumab_ipilimumab").status == "not_applicable"
    assert {"palliative_care", "clinical_trials"} <= set(r.offered_ids())
    assert mesostage.explain(case).reading_grade <= 8.0
    assert "not_diffuse_mesothelioma" not in {n.code for n in mesostage.stage(pleural_case(ALL_SURFACES)).review}


def test_carcinoma_mimic_panel_and_germline_testing_are_raised() -> None:
    """IMIG (Husain 2018): panels with mesothelial and carcinoma markers, at least two of each; ASCO 2025:
    germline testing offered to all people with pleural mesothelioma."""
    notes = _codes(pleural_case(ALL_SURFACES, histology="epithelioid"))
    panel = notes["carcinoma_panel"].message
    assert "at least two mesothelial markers" in panel
    assert "at least two carcinoma markers" in panel
    assert "2018;142(1):89-108" in (notes["carcinoma_panel"].source or "")
    germline = notes["germline_testing"]
    assert "BAP1" in germline.message
    assert "ASCO" in (germline.source or "")


@pytest.mark.parametrize(
    ("node", "reaches"),
    [
        ("subcarinal", True),
        ("ipsilateral_mediastinal", True),
        ("ipsilateral_internal_mammary", False),
        ("peridiaphragmatic", False),
        ("ipsilateral_supraclavicular", False),
    ],
)
def test_the_settling_test_fits_the_node_group(node: str, reaches: bool) -> None:
    """EBUS-TBNA and mediastinoscopy sample mediastinal and hilar stations; internal mammary, peridiaphragmatic and
    supraclavicular nodes lie outside their reach."""
    case = pleural_case(ALL_SURFACES, nodes_unknown=[node], diagnosis_date="2022-01-01")
    note = next(n for n in mesostage.review(case) if n.item == f"nodes.{node}")
    assert note.settled_by
    if reaches:
        assert note.settled_by.startswith("EBUS-TBNA or mediastinoscopy")
    else:
        assert "do not reach" in note.settled_by


# ------------------------------------------------------------------ item 8: smaller corrections
def test_edition_mismatch_examples_follow_the_tables() -> None:
    """8th IB (T2-3 N0) can be 9th I when Psum <= 12 mm (Gill 2024); T4 N2 is IIIB in both (Rusch 2016, NDRS)."""
    why = catalog().codes["edition_mismatch"].why
    assert "9th-edition I" in why
    assert "T4 N2 stays IIIB" in why
    t4n2 = clinical([*ALL_SURFACES, "rib"], ["contralateral_mediastinal"])
    staged = mesostage.stage(t4n2)
    assert (staged.result("tnm8").stage, staged.result("tnm9").stage) == ("IIIB", "IIIB")


def test_9th_edition_iiia_patient_text_says_nodes_alone_can_make_it_iiia() -> None:
    """NDRS TNM 9: T1-2 N2 M0 is stage IIIA."""
    case = clinical(["parietal_pleura"], ["contralateral_mediastinal"], diagnosis_date="2025-02-01")
    case["tumor"] |= {"psum_mm": 8.0, "fmax_mm": 1.0}
    assert mesostage.stage(case).result("tnm9").stage == "IIIA"
    stage_section = next(s for s in mesostage.explain(case).sections if s.heading == "The stage")
    assert "nodes alone" in " ".join(stage_section.paragraphs)


def test_trial_differences_are_medians_not_averages() -> None:
    """Trials report median overall survival (CheckMate 743, KEYNOTE-483, MARS 2, CONFIRM): the texts say so."""
    kb = load_knowledge_base()
    for o in kb.options:
        assert "on average" not in o.patient_text, o.id
    assert "half of the people lived longer than 18 months" in next(
        o.patient_text for o in kb.options if o.id == "pleura_nivolumab_ipilimumab"
    )


def test_pembrolizumab_chemotherapy_is_the_preferred_chemo_based_regimen_not_gemcitabine() -> None:
    """NCCN v2.2024: (cisplatin or carboplatin) + pemetrexed + pembrolizumab added as a preferred option (category
    1); platinum-gemcitabine is a further option."""
    r = options(clinical(["parietal_pleura"], histology="epithelioid", patient=FIT_UNTREATED), audience="patient")
    ids = r.offered_ids()
    assert ids.index("pleura_pembrolizumab_chemotherapy") < ids.index("pleura_platinum_gemcitabine")
    gem = r.option("pleura_platinum_gemcitabine").text
    assert "not as a preferred one" in gem
    assert "first choice" not in gem


def test_peritoneal_system_is_not_a_formal_ajcc_uicc_system() -> None:
    """UICC TNM covers pleural mesothelioma only; Yan 2011's PCI-based TNM is a proposal (SEER TNM 2.1 note)."""
    staged = mesostage.stage({"site": "peritoneum", "peritoneal": {"pci": 12}})
    assert staged.formal_staging_system is False
    assert staged.result("peritoneal_tnm").formal_system is False
    assert staged.result("peritoneal_tnm").stage == "II"  # still computed, as a proposal
    assert "no_formal_staging_system" in {n.code for n in staged.review}
    pleural = mesostage.stage(pleural_case(ALL_SURFACES))
    assert [r.system for r in pleural.results if r.formal_system] == ["tnm8", "tnm9", "tnm7"]


def test_beat_meso_and_dream3r_are_evidence_context_not_options() -> None:
    """BEAT-meso (atezolizumab added to bevacizumab-chemotherapy: no significant survival gain) and DREAM3R
    (stopped early, inconclusive) are not guideline options."""
    kb = load_knowledge_base()
    pleura = next(f for f in kb.sites if f.site == "pleura").options
    assert not [o.id for o in pleura if re.search("atezolizumab|durvalumab", o.option, re.I)]
    trials = {e.trial for o in kb.options for e in o.evidence}
    assert any(t.startswith("BEAT-meso") for t in trials)
    assert any(t.startswith("DREAM3R") for t in trials)
    assert {kb.sources[k].status for k in ("beat_meso2024", "dream3r2025")} == {"secondary"}


# ------------------------------------------------------------------ keep it current
def test_every_guideline_and_trial_source_carries_version_date_and_check() -> None:
    kb = load_knowledge_base()
    dated = [s for s in kb.sources.values() if s.kind in ("guideline", "trial")]
    assert len(dated) > 20
    for s in dated:
        assert s.version
        assert s.date
        assert s.checked
        assert s.newer
    with pytest.raises(ValidationError, match="needs version, date and checked"):
        Source(citation="A guideline without a version", year=2025, kind="guideline", status="verified")


def test_treatment_docs_show_every_guideline_with_its_version_and_check() -> None:
    doc = (REPO / "docs" / "treatment.md").read_text()
    table = doc.split("## Sources and how current they are", 1)[1].split("\n## ", 1)[0]
    for key, s in load_knowledge_base().sources.items():
        if s.kind == "guideline":
            row = next(line for line in table.splitlines() if f"`{key}`" in line)
            assert s.version in row
            assert s.checked in row
