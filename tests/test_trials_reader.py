"""The criteria reader on real ClinicalTrials.gov text: one test (or more) per failure class of issue 11.

Every text below is quoted from the registry record named by its NCT id (as kept in
``shared/reference/data/trials/real_excerpts`` and ``tests/data/trials_real``); the expected labels are what the
criterion means for the person described, read as a clinician would, not the reader's output copied back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import mesostage
from mesostage import parse_case
from mesostage.trials import import_records
from mesostage.trials.criteria import Criterion, Reading, parse_eligibility, parse_trial, split_criteria
from mesostage.trials.evaluate import PatientFacts, evaluate_criterion, patient_facts
from mesostage.trials.scope import SCOPE_BASKET, SCOPE_EFFUSION, mesothelioma_scope
from mesostage.trials.study import Trial

MET, NOT_MET, NA, NEI = "met", "not met", "not applicable", "not enough information"


def person(patient: dict[str, Any] | None = None, **case: Any) -> PatientFacts:
    data: dict[str, Any] = {
        "site": "pleura",
        "histology": "epithelioid",
        "diagnosis_date": "2023-06-01",
        "tumor": {"findings": ["parietal_pleura", "diaphragm_muscle"]},
        "nodes": {"findings": []},
        "metastases": {"findings": []},
        **case,
    }
    if patient is not None:
        data["patient"] = patient
    return patient_facts(parse_case(data))


def labels(text: str, p: PatientFacts, **kw: Any) -> list[tuple[str, str]]:
    """(type, label) of each criterion of a text."""
    return [(c.type, evaluate_criterion(c, p).label) for c in parse_eligibility(text, **kw)]


def label(c: Criterion, p: PatientFacts) -> str:
    return evaluate_criterion(c, p).label


# ------------------------------------------------------------------------------------------------------- layout

# NCT00030459, PDQ style, one line, complete
PDQ_RUN_ON = (
    "DISEASE CHARACTERISTICS: Immunohistochemically or cytologically confirmed malignant mesothelioma Epithelial "
    "and other histological types Symptomatic pleural effusion allowed if treated and controlled by drainage, "
    "pleurodesis, or pleurectomy Prior surgical resection allowed if stable or progressive disease by 2 CT scan "
    "measurements at least 6 weeks apart PATIENT CHARACTERISTICS: Age: Not specified Performance status: WHO 0-2 "
    "Life expectancy: Not specified Hematopoietic: WBC greater than 3,000/mm3 Neutrophil count greater than "
    "1,500/mm3 Platelet count greater than 100,000/mm3 Hepatic: Not specified Renal: Not specified Other: "
    "Considered medically fit to receive chemotherapy No other disease or prior malignancy that would preclude "
    "study No clinical evidence of infection PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified "
    "Chemotherapy: No prior chemotherapy for mesothelioma Endocrine therapy: Not specified Radiotherapy: Not "
    "specified Surgery: See Disease Characteristics"
)


def test_pdq_run_on_text_is_split_into_its_criteria() -> None:
    texts = [c.text for c in split_criteria(PDQ_RUN_ON)]
    assert "WHO 0-2" in texts
    assert "WBC greater than 3,000/mm3" in texts
    assert "Neutrophil count greater than 1,500/mm3" in texts
    assert "Platelet count greater than 100,000/mm3" in texts
    assert "No prior chemotherapy for mesothelioma" in texts
    assert "Immunohistochemically or cytologically confirmed malignant mesothelioma" in texts
    # "Not specified" and the sub-labels state nothing: they are not criteria
    assert not [t for t in texts if "Not specified" in t or t.rstrip(":") in ("Age", "Hepatic", "Renal")]


def test_pdq_criteria_are_checked() -> None:
    p = person({"ecog": 1, "neutrophils_10e9_per_l": 1.2, "prior_systemic_lines": 0})
    got = {c.text: label(c, p) for c in parse_eligibility(PDQ_RUN_ON)}
    assert got["WHO 0-2"] == MET
    assert got["Neutrophil count greater than 1,500/mm3"] == NOT_MET  # 1.2 x 10^9/L is below 1,500/mm3
    assert got["Platelet count greater than 100,000/mm3"] == NEI  # not given
    assert got["No prior chemotherapy for mesothelioma"] == MET
    assert got["Epithelial and other histological types"] == MET


def test_pdq_sub_labels_on_lines_of_their_own_give_context() -> None:
    # NCT00096486 (line-broken PDQ layout): "Age" / "- 18 and over", "Renal" / "- Creatinine ... OR" / "- ..."
    text = (
        "PATIENT CHARACTERISTICS:\n\nAge\n\n- 18 and over\n\nPerformance status\n\n- Karnofsky 70-100% OR\n\n"
        "- ECOG 0-2\n\nRenal\n\n- Creatinine ≤ 1.5 times ULN OR\n\n- Creatinine clearance ≥ 60 mL/min\n"
    )
    got = parse_eligibility(text)
    assert [c.text for c in got] == [
        "18 and over",
        "Karnofsky 70-100% OR ECOG 0-2",
        "Creatinine ≤ 1.5 times ULN OR Creatinine clearance ≥ 60 mL/min",
    ]
    assert got[0].type == "age"
    assert got[0].context == "Age:"
    # either threshold will do: clearance 75 mL/min meets it without the lab's upper limit of normal
    p = person({"creatinine_umol_per_l": 130.0, "creatinine_clearance_ml_per_min": 75.0})
    assert label(got[2], p) == MET


def test_inline_exclusion_heading_and_inline_numbers() -> None:
    # NCT04322136 (AMPLE-3), exclusion list with inline numbers after the first two dashes
    text = (
        "Inclusion Criteria:\n- Patients with a symptomatic MPE*\n- Predicted survival of more than 6 months\n"
        "Exclusion Criteria:\n- Age <18yrs;\n- Unfit to undergo a surgical procedure (American Society of "
        "Anaesthesiologists Score >/=4); 3. Pleural infection;\n4. Chylothorax; 5. Pregnancy or lactation; 6. "
        "Uncorrectable bleeding diathesis; 7. Previous ipsilateral lobectomy/pneumonectomy; 8. Inability to consent "
        "or comply with protocol."
    )
    got = split_criteria(text)
    exclusions = [c.text for c in got if c.kind == "exclusion"]
    assert "Pleural infection;" in exclusions
    assert "Chylothorax;" in exclusions
    assert "Previous ipsilateral lobectomy/pneumonectomy;" in exclusions
    assert len(exclusions) == 8
    # and a one-line text whose exclusion heading is inline (NCT00434135, mirror that collapses line breaks)
    one_line = (
        "Inclusion Criteria: 1. Patients with histologically or cytologically confirmed locally advanced (stage IIIB) "
        "or metastatic (stage IV) NSCLC 2. No previous adjuvant or palliative chemotherapy Exclusion Criteria: 1. "
        "Pregnancy"
    )
    kinds = [(c.kind, c.text) for c in split_criteria(one_line)]
    assert kinds[-1] == ("exclusion", "Pregnancy")


def test_collapsed_bullets() -> None:
    # NCT00859469: the mirror collapses line breaks into " * "
    text = (
        "Inclusion Criteria: * Patients must have histologically confirmed malignant pleural or peritoneal "
        "mesothelioma epithelial, sarcomatoid, or mixed subtype, not amenable to curative treatment with surgery. "
        "* Disease status must be that of measurable disease as defined by modified Southwest Oncology Group (SWOG) "
        "criteria."
    )
    got = split_criteria(text)
    assert len(got) == 2
    assert got[1].text.startswith("Disease status must be that of measurable disease")


def test_hard_wrapped_line_is_not_a_new_criterion() -> None:
    # NCT04577326, classic hard-wrapped layout: the second line starts with a number
    text = (
        "Inclusion Criteria:\n\n7. Chemotherapy, targeted therapy, or therapeutic radiotherapy must be completed at "
        "least\n14 days before administration of T cells."
    )
    (c,) = split_criteria(text)
    assert c.text.endswith("at least 14 days before administration of T cells.")


def test_restarted_numbering_nests_under_its_item() -> None:
    # NCT04577326: "3. Pathologically confirmed MPM" then "1. Epithelioid or biphasic ..." then "4. Previously ..."
    text = (
        "Inclusion Criteria:\n\n1. Aged ≥18 years\n\n2. Karnofsky performance status ≥70%\n\n3. Pathologically "
        "confirmed MPM\n\n1. Epithelioid or biphasic histologic diagnosis provided that ≥10% of the tumor\nexpresses "
        "MSLN by IHC analysis\n\n4. Previously treated with at least 1 treatment regimen"
    )
    got = split_criteria(text)
    assert [c.context for c in got] == [None, None, None, "Pathologically confirmed MPM", None]
    assert got[3].text.endswith("expresses MSLN by IHC analysis")


BASKET = (  # NCT02414269, the cohorts of a mesothelin CAR T-cell trial for malignant pleural disease
    "Inclusion Criteria:\n\n- Patients with malignant pleural disease (MPD), pathologically confirmed at MSKCC\n"
    "(radiographic confirmation is acceptable for screening phase eligibility), and defined\nas one of the following "
    "(patients who have not yet received treatment may enroll in\nthe screening portion only):\n\n1. Malignant pleural "
    "mesothelioma - previously treated with at least one prior\ntreatment regimen.\n\n2. Non-small cell lung cancer "
    "metastatic to the pleura-previously treated with at\nleast one prior treatment regimen (chemotherapy or targeted "
    "agent) and documented\nprogression of disease."
)


def test_lung_cancer_cohort_of_a_basket_trial_does_not_apply() -> None:
    got = parse_eligibility(BASKET)
    lung = next(c for c in got if c.text.startswith("Non-small cell lung cancer"))
    meso = next(c for c in got if c.text.startswith("Malignant pleural mesothelioma"))
    untreated = person({"prior_systemic_lines": 0})
    treated = person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})
    assert label(lung, treated) == NA
    assert label(lung, untreated) == NA
    assert label(meso, treated) == MET
    assert label(meso, untreated) == NOT_MET


# ------------------------------------------------------------------------------------------------------ meaning


def test_or_between_prior_therapies_is_not_and() -> None:
    # NCT00096486: "... regimen that included cisplatin or carboplatin and docetaxel"
    (c,) = parse_eligibility(
        "- Progressive disease after receiving ≥ 1 prior chemotherapy regimen that included cisplatin or carboplatin"
    )
    p = person(
        {"prior_systemic_lines": 1, "prior_agents": ["carboplatin", "pemetrexed"], "progressed_after_last_line": True}
    )
    assert label(c, p) == MET


@pytest.mark.parametrize(
    ("nct", "text"),
    [
        (
            "NCT04577326",
            "Chemotherapy, targeted therapy, or radiotherapy must be completed at least 7 days before leukapheresis.",
        ),
        ("NCT00629343", "At least 4 weeks since prior chemotherapy or at least 6 weeks since prior radiation therapy."),
        (
            "NCT02614456",
            "Patients who have had chemotherapy or radiotherapy within 2 weeks prior to entering the study.",
        ),
    ],
)
def test_a_washout_window_is_not_a_ban(nct: str, text: str) -> None:
    kind = "exclusion" if nct == "NCT02614456" else "inclusion"
    (c,) = parse_eligibility(f"{kind.title()} Criteria:\n- {text}")
    assert c.type == "washout", nct
    had = person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})
    # needs the date of the last dose, which the case does not hold: never "not met" / never an exclusion
    assert label(c, had) == NEI
    never = person({"prior_systemic_lines": 0, "prior_chest_radiotherapy": False, "prior_chest_surgery": False})
    # "at least 4 weeks since prior chemotherapy" does not concern someone who never had it; "had chemotherapy
    # within 2 weeks" (an exclusion) is simply not true of them
    assert label(c, never) == (NOT_MET if kind == "exclusion" else NA)


def test_washout_after_surgery() -> None:
    # NCT02397928: "At least 4 weeks since major surgery"
    (c,) = parse_eligibility("- At least 4 weeks since major surgery")
    assert label(c, person({"prior_chest_surgery": True})) == NEI
    assert label(c, person({"prior_chest_surgery": False, "prior_systemic_lines": 0})) == NA


def test_planned_treatment_is_not_prior_treatment() -> None:
    # NCT00700336: "... or would otherwise be eligible for cisplatin and pemetrexed as first-line therapy"
    (c,) = parse_eligibility("- Patient would otherwise be eligible for cisplatin and pemetrexed as first-line therapy")
    assert c.type == "lines"
    assert label(c, person({"prior_systemic_lines": 0})) == MET
    assert label(c, person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})) == NOT_MET
    # NCT01139775: "Eligible for a first line of palliative treatment with a platinum doublet"
    (c2,) = parse_eligibility("- Eligible for a first line of palliative treatment with a platinum doublet")
    assert label(c2, person({"prior_systemic_lines": 0})) == MET


def test_had_or_refused() -> None:
    # the wording, as written in second-line mesothelioma trials
    (c,) = parse_eligibility("- Must have had or refused first-line chemotherapy")
    assert c.type == "lines"
    assert label(c, person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})) == MET
    assert label(c, person({"prior_systemic_lines": 0})) == NEI  # may have refused it: ask, never exclude


def test_refractory_to_or_relapsed_after_needs_prior_therapy() -> None:
    (c,) = parse_eligibility("- Disease refractory to or relapsed after standard therapy")
    assert c.type == "lines"
    assert label(c, person({"prior_systemic_lines": 0})) == NOT_MET
    assert label(c, person({"prior_systemic_lines": 2, "progressed_after_last_line": True})) == MET


def test_embedded_requirement_must_hold_too() -> None:
    # NCT05001880: "... confirmed malignant peritoneal mesothelioma for which there has been no prior treatment."
    (c,) = parse_eligibility(
        "- Histologically or cytologically confirmed malignant peritoneal mesothelioma for which there has been no "
        "prior treatment."
    )
    peritoneal = {"site": "peritoneum", "tumor": None, "nodes": None, "metastases": None}
    assert label(c, person({"prior_systemic_lines": 0}, **peritoneal)) == MET
    assert label(c, person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin"]}, **peritoneal)) == NOT_MET
    assert label(c, person({"prior_systemic_lines": 0})) == NOT_MET  # pleural


def test_effusion_embedded_in_a_criterion() -> None:
    # NCT04322136 (AMPLE-3): "Patients with a symptomatic MPE*"
    (c,) = parse_eligibility("- Patients with a symptomatic MPE*")
    assert c.type == "effusion"
    assert label(c, person(pleural_effusion_malignant=False)) == NOT_MET
    assert label(c, person(pleural_effusion_malignant=True)) == NEI  # symptoms are not recorded
    assert label(c, person()) == NEI


@pytest.mark.parametrize(("histology", "expected"), [("epithelioid", MET), ("biphasic", MET), ("sarcomatoid", MET)])
def test_histology_synonyms_epithelial_and_mixed(histology: str, expected: str) -> None:
    # NCT00859469: "... mesothelioma epithelial, sarcomatoid, or mixed subtype ..."
    (c,) = parse_eligibility(
        "- Patients must have histologically confirmed malignant pleural or peritoneal mesothelioma epithelial, "
        "sarcomatoid, or mixed subtype"
    )
    assert label(c, person(histology=histology)) == expected


def test_epithelioid_or_biphasic_excludes_sarcomatoid() -> None:
    # NCT04158141: "confirmed diagnosis of epithelioid or biphasic malignant pleural mesothelioma (MPM)"
    (c,) = parse_eligibility(
        "- Pathologically confirmed diagnosis of epithelioid or biphasic malignant pleural mesothelioma (MPM)"
    )
    assert label(c, person(histology="sarcomatoid")) == NOT_MET
    assert label(c, person(histology="biphasic")) == MET


def test_mpm_is_read_in_the_trials_context() -> None:
    # "Pathologically confirmed MPM" (NCT04577326) means pleural in a pleural trial, peritoneal in a peritoneal one
    pleural_trial = parse_eligibility("- Pathologically confirmed MPM")
    peritoneal_trial = parse_eligibility("- Pathologically confirmed MPM", Reading(mpm_site="peritoneum"))
    pleural = person()
    peritoneal = person(site="peritoneum", tumor=None, nodes=None, metastases=None)
    assert label(pleural_trial[0], pleural) == MET
    assert label(pleural_trial[0], peritoneal) == NOT_MET
    assert label(peritoneal_trial[0], peritoneal) == MET
    assert label(peritoneal_trial[0], pleural) == NOT_MET


def test_titles_carry_the_line_of_treatment() -> None:
    # NCT02397928 (STELLAR): "... in Combination With TTFields (150 kHz) as First-line Treatment in Malignant
    # Pleural Mesothelioma"; its text has no line-of-treatment criterion
    got = parse_trial(
        "Inclusion Criteria:\n- Pathological or histological evidence of mesothelioma",
        official_title="A Phase II Trial of Pemetrexed and Cisplatin or Carboplatin in Combination With TTFields "
        "(150 kHz) as First-line Treatment in Malignant Pleural Mesothelioma",
    )
    title = got[-1]
    assert title.context == "the trial's title"
    assert title.type == "lines"
    assert label(title, person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin"]})) == NOT_MET
    assert label(title, person({"prior_systemic_lines": 0})) == MET
    # "Previously treated" in NCT04577326's criteria; a title saying it (NCT02414269 family) asks for >= 1 line
    (t2,) = parse_trial("", brief_title="Nivolumab in Previously Treated Malignant Mesothelioma")
    assert label(t2, person({"prior_systemic_lines": 0})) == NOT_MET


# ----------------------------------------------------------------------------------------------- stage editions

# 8th edition IIIB and 9th edition IIIA (and 7th edition IV): T1 N2 by the 8th edition's node map
IIIB_8TH = {"tumor": {"findings": ["parietal_pleura"]}, "nodes": {"findings": ["contralateral_mediastinal"]}}
STAGE_I_IIIA = (
    "- Imaging proof of clinical stage (American Joint Committee on Cancer [AJCC] 8th edition) I-IIIA MPM by PET/CT;"
)


def test_stage_in_the_edition_the_trial_names_8th() -> None:
    # NCT04158141: the person is IIIA in the 9th edition, but the criterion is in the 8th, where they are IIIB
    p = person(**IIIB_8TH, diagnosis_date="2025-03-01")  # the case's own edition is the 9th
    (c,) = parse_eligibility(STAGE_I_IIIA)
    out = evaluate_criterion(c, p)
    assert out.label == NOT_MET
    assert "8th edition" in out.reason
    assert "IIIB" in out.reason


def test_stage_in_the_9th_edition() -> None:
    p = person(**IIIB_8TH)
    (c,) = parse_eligibility("- Clinical stage I-IIIA according to the 9th edition of the TNM classification")
    assert label(c, p) == MET


def test_stage_imig_is_the_7th_edition() -> None:
    # "IMIG stage I-III" (issue 11): IMIG 1995 is the 7th edition's system, where T1 N2 is stage III
    p = person({}, tumor={"findings": ["parietal_pleura"]}, nodes={"findings": ["ipsilateral_mediastinal"]})
    (c,) = parse_eligibility("- IMIG stage I-III")
    assert label(c, p) == MET
    p4 = person(**IIIB_8TH)  # 7th edition N3: stage IV
    assert label(c, p4) == NOT_MET


def test_stage_without_edition_uses_the_edition_in_force_at_the_trials_start() -> None:
    (c,) = parse_trial("- Stage I-IIIA disease", start_date="2019-05")
    out = evaluate_criterion(c, person(**IIIB_8TH, diagnosis_date="2025-03-01"))
    assert out.label == NOT_MET  # 8th edition (in force in 2019): IIIB
    assert "edition in force when it started, 2019-05" in out.reason
    (c9,) = parse_trial("- Stage I-IIIA disease", start_date="2025-06")
    assert label(c9, person(**IIIB_8TH)) == MET  # 9th edition: IIIA


def test_effusion_misspelled_plural_is_read() -> None:
    # NCT02300883: "plural effusion" for "pleural effusion", in an inclusion and in its mirror exclusion
    no_effusion = person(pleural_effusion_malignant=False)
    (inc,) = parse_eligibility("- Availability of plural effusion and frozen and paraffin-embedded tumor specimens.")
    assert label(inc, no_effusion) == NOT_MET
    assert label(inc, person(pleural_effusion_malignant=True)) == MET
    (exc,) = parse_eligibility(
        "Exclusion Criteria:\n- Unavailability of plural effusion and frozen and paraffin-embedded tumor specimens."
    )
    assert exc.kind == "exclusion"
    assert label(exc, no_effusion) == MET


def test_effusion_without_the_word_pleural() -> None:
    # NCT00002872: "Drainage of effusion with chest tube or soft catheter required"
    (c,) = parse_eligibility("- Drainage of effusion with chest tube or soft catheter required")
    assert label(c, person(pleural_effusion_malignant=False)) == NOT_MET
    # "No chylous effusion" (NCT00002622): one kind of effusion is ruled out, not every effusion
    (chylous,) = parse_eligibility("- No chylous effusion")
    assert label(chylous, person(pleural_effusion_malignant=True)) != NOT_MET


def test_uncontrolled_pleural_effusion_after_ascites_is_an_effusion_exclusion() -> None:
    # NCT01139775: "ascites or pleural effusions that cannot be controlled by drainage or other procedures ..."
    (c,) = parse_eligibility(
        "Exclusion Criteria:\n- ascites or pleural effusions that cannot be controlled by drainage or other procedures "
        "prior to study entry"
    )
    assert c.type == "effusion"
    assert label(c, person(pleural_effusion_malignant=False)) == NOT_MET


def test_conditions_on_the_irradiated_lesion_do_not_require_measurable_disease() -> None:
    # NCT00004920, PDQ "Radiotherapy:" items: a condition on the lesion treated, not a requirement to have one
    not_measurable = person({"measurable_disease": False})
    texts = [c.text for c in split_criteria(PDQ_RADIOTHERAPY)]
    assert "At least 4 weeks since prior radiotherapy to target lesion and progression observed" in texts
    for c in parse_eligibility(PDQ_RADIOTHERAPY):
        assert "measurable" not in {f["type"] for f in c.facts}, c.text
        assert label(c, not_measurable) != NOT_MET, c.text


PDQ_RADIOTHERAPY = (
    "PRIOR CONCURRENT THERAPY: Radiotherapy: At least 4 weeks since prior radiotherapy to target lesion and "
    "progression observed Concurrent palliative radiotherapy to painful lesions allowed only if target lesion "
    "outside of irradiated field Surgery: Prior surgery allowed if followed by disease progression"
)


def test_a_drug_the_case_cannot_name_is_decided_from_a_list_of_named_drugs() -> None:
    # NCT00003034: "No prior doxorubicin"; NCT00629343: "Prior treatment with temozolomide or azacitidine"
    (ban,) = parse_eligibility("- No prior doxorubicin")
    (need,) = parse_eligibility("- Prior treatment with temozolomide or azacitidine")
    untreated = person({"prior_systemic_lines": 0})
    named = person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})
    unnamed = person({"prior_systemic_lines": 1, "prior_agents": ["other_chemotherapy"]})
    assert label(ban, untreated) == MET
    assert label(ban, named) == MET  # cisplatin is chemotherapy, but not doxorubicin
    assert label(ban, unnamed) == NEI
    assert label(need, named) == NOT_MET
    assert label(need, unnamed) == NEI
    assert label(ban, person()) == NEI  # no treatment history given


def test_basket_list_naming_mesothelioma_and_evidence_of_incurability() -> None:
    # NCT00002608: mesothelioma is one of the cancers listed; "evidence of incurability" rules out curative surgery
    (c,) = parse_eligibility(
        "- Histologically proven soft tissue sarcoma, glioma, mesothelioma, hepatoma, thyroid cancer, or adrenal "
        "cancer with clinical, radiological, or histologic evidence of incurability"
    )
    assert "cohort" not in {f["type"] for f in c.facts}
    assert label(c, person({"resectable": True})) == NOT_MET
    assert label(c, person({"resectable": False})) == MET


def test_no_distant_metastases_is_m0() -> None:
    # NCT00003263: "No distant metastases"
    (c,) = parse_eligibility("- No distant metastases")
    assert label(c, person(tumor={"findings": ["parietal_pleura"]})) == MET
    assert label(c, person(metastases={"findings": ["lung_contralateral"]})) == NOT_MET


def test_stage_of_the_mesothelioma_branch_of_a_multi_cancer_sentence() -> None:
    # NCT00003974: the first stage list and the TNM in brackets are the lung cancer's, the second is mesothelioma's
    (c,) = parse_eligibility(
        "- Histologically proven primary stage I (T2, N0), II, or IIIA non-small cell lung cancer (NSCLC) curatively "
        "resected by pneumonectomy, lobectomy, or wedge resection OR Stage I or II mesothelioma"
    )
    stage_iv = person(metastases={"findings": ["lung_contralateral"]})
    assert label(c, stage_iv) == NOT_MET
    stage_ia = person(tumor={"findings": ["parietal_pleura"]})
    assert label(c, stage_ia) == MET


def test_stage_naming_another_cancer_first_is_not_the_mesothelioma_stage() -> None:
    # NCT02555007: "stage IIIB or IV non-small cell lung cancer or malignant pleural mesothelioma"
    (c,) = parse_eligibility(
        "- Histologically or cytologically confirmed stage IIIB or IV non-small cell lung cancer or malignant pleural "
        "mesothelioma"
    )
    assert "stage" not in {f["type"] for f in c.facts}


def test_tnm_categories() -> None:
    # NCT00253409: "Resectable disease (T1-3, N0-1, M0) with no distant metastases"
    (c,) = parse_eligibility("- Resectable disease (T1-3, N0-1, M0) with no distant metastases")
    t2n0 = person({"resectable": True})
    assert label(c, t2n0) == MET
    n2 = person({"resectable": True}, **IIIB_8TH)  # N2 in the 8th and 9th editions
    assert label(c, n2) == NOT_MET


# ---------------------------------------------------------------------------------------------------- case data


@pytest.mark.parametrize(
    ("nct", "text", "patient", "expected"),
    [
        ("NCT05001880", "Absolute neutrophil count (ANC) >= 1,500/mm^3", {"neutrophils_10e9_per_l": 1.6}, MET),
        ("NCT05001880", "Absolute neutrophil count (ANC) >= 1,500/mm^3", {"neutrophils_10e9_per_l": 1.4}, NOT_MET),
        ("NCT05001880", "Platelet count >= 100,000/mm^3", {"platelets_10e9_per_l": 150}, MET),
        ("NCT00096486", "Hemoglobin ≥ 9.0 g/dL", {"haemoglobin_g_per_l": 85}, NOT_MET),
        ("NCT00096486", "Hemoglobin ≥ 9.0 g/dL", {"haemoglobin_g_per_l": 95}, MET),
        ("NCT01211275", "Hemoglobin => 6,0 mmol/l", {"haemoglobin_g_per_l": 100}, MET),
        (
            "NCT05001880",
            "Total bilirubin =< 1.5 x upper limit of normal (ULN)",
            {"bilirubin_umol_per_l": 20, "bilirubin_uln_umol_per_l": 21},
            MET,
        ),
        (
            "NCT05001880",
            "Total bilirubin =< 1.5 x upper limit of normal (ULN)",
            {"bilirubin_umol_per_l": 40, "bilirubin_uln_umol_per_l": 21},
            NOT_MET,
        ),
        ("NCT00434135", "absolute neutrophil count ≥ 2 x 109/L", {"neutrophils_10e9_per_l": 2.5}, MET),
    ],
)
def test_lab_thresholds_with_units(nct: str, text: str, patient: dict[str, Any], expected: str) -> None:
    (c,) = parse_eligibility(f"Inclusion Criteria:\n- {text}")
    assert c.type == "lab", nct
    assert label(c, person(patient)) == expected, nct


def test_lab_needs_says_which_value() -> None:
    (c,) = parse_eligibility("- Total bilirubin =< 1.5 x upper limit of normal (ULN)")  # NCT05001880
    out = evaluate_criterion(c, person({}))
    assert out.label == NEI
    assert "needs your bilirubin" in out.reason
    out = evaluate_criterion(c, person({"bilirubin_umol_per_l": 15}))
    assert out.label == NEI
    assert "upper limit of normal" in out.reason


def test_creatinine_in_mg_per_dl_exclusion() -> None:
    # NCT02397928 exclusion: "Significant renal impairment (serum creatinine > 1.7 mg/dL)" = 150 umol/L
    (c,) = parse_eligibility("Exclusion Criteria:\n- Significant renal impairment (serum creatinine > 1.7 mg/dL)")
    assert label(c, person({"creatinine_umol_per_l": 90})) == NOT_MET
    assert label(c, person({"creatinine_umol_per_l": 170})) == MET


def test_conditional_threshold_is_never_not_met() -> None:
    # NCT05001880: "Creatinine clearance >= 45 mL/min/1.73 m^2 for patients with creatinine levels above
    # institutional normal" - a person with a low clearance may still have a normal creatinine
    (c,) = parse_eligibility(
        "- Creatinine clearance >= 45 mL/min/1.73 m^2 for patients with creatinine levels above institutional normal"
    )
    assert label(c, person({"creatinine_clearance_ml_per_min": 40})) == NEI
    assert label(c, person({"creatinine_clearance_ml_per_min": 60})) == MET


def test_brain_metastases_treated_and_stable() -> None:
    # NCT00459862: "No symptomatic, untreated, or uncontrolled CNS metastases"
    (c,) = parse_eligibility("- No symptomatic, untreated, or uncontrolled CNS metastases")
    assert label(c, person({"brain_metastases": True, "brain_metastases_treated_stable": True})) == MET
    assert label(c, person({"brain_metastases": True, "brain_metastases_treated_stable": False})) == NOT_MET
    assert label(c, person({"brain_metastases": True})) == NEI
    assert label(c, person({"brain_metastases": False})) == MET


def test_prior_chest_surgery_and_radiotherapy() -> None:
    # NCT04322136 exclusion "Previous ipsilateral lobectomy/pneumonectomy"; NCT02397928 "Previous chemotherapy or
    # radiation"
    (s,) = parse_eligibility("Exclusion Criteria:\n- Previous ipsilateral lobectomy/pneumonectomy;")
    assert label(s, person({"prior_chest_surgery": False})) == NOT_MET
    assert label(s, person({})) == NEI
    (r,) = parse_eligibility("Exclusion Criteria:\n- Previous chemotherapy or radiation")
    assert label(r, person({"prior_systemic_lines": 0, "prior_chest_radiotherapy": True})) == MET
    assert label(r, person({"prior_systemic_lines": 0, "prior_chest_radiotherapy": False})) == NOT_MET


def test_mesothelin_selection() -> None:
    # NCT04577326: "Epithelioid or biphasic histologic diagnosis provided that >=10% of the tumor expresses MSLN"
    (c,) = parse_eligibility(
        "- Epithelioid or biphasic histologic diagnosis provided that ≥10% of the tumor expresses MSLN by IHC analysis"
    )
    assert label(c, person({"biomarkers": {"mesothelin": "negative"}})) == NOT_MET
    assert label(c, person({"biomarkers": {"mesothelin": "positive"}})) == NEI  # the share is not recorded
    out = evaluate_criterion(c, person({}))
    assert out.label == NEI
    assert "mesothelin" in out.reason


# --------------------------------------------------------------------------------------------------------- scope


def _trial(nct: str, **kw: Any) -> Trial:
    return Trial(nct_id=nct, brief_title=kw.pop("brief_title", nct), **kw)


def test_scope_effusion_trial_of_any_cause_is_kept_and_flagged() -> None:
    t = _trial(
        "NCT04322136",
        brief_title="AMPLE-3: IPC Plus Talc vs VATS in Management of Malignant Pleural Effusion (AMPLE-3)",
        conditions=("Malignant Pleural Effusion", "Respiratory Disease", "Cancer"),
    )
    assert mesothelioma_scope(t) == SCOPE_EFFUSION


def test_scope_lung_cancer_only_trial_is_not_a_mesothelioma_trial() -> None:
    t = _trial(
        "NCT00096486",
        brief_title="Gefitinib and Everolimus in Treating Patients With Stage IIIB or Stage IV or Recurrent Non-Small "
        "Cell Lung Cancer",
        eligibility_text="DISEASE CHARACTERISTICS:\n\n- Histologically confirmed non-small cell lung cancer (NSCLC)\n\n"
        "- Stage IIIB (unresectable, with malignant pleural or pericardial effusion)",
    )
    assert mesothelioma_scope(t) == ""


def test_scope_mesothelin_basket_is_kept() -> None:
    t = _trial(
        "NCT02414269",
        brief_title="Malignant Pleural Disease Treated With Autologous T Cells Genetically Engineered to Target the "
        "Cancer-Cell Surface Antigen Mesothelin",
        eligibility_text=BASKET,
    )
    assert mesothelioma_scope(t) == SCOPE_BASKET


def test_scope_exclusion_sentence_naming_mesothelioma_does_not_make_a_basket() -> None:
    # NCT01253681 (ovarian cancer): "... Subjects with pseudomyxoma, mesothelioma, adenocarcinoma of unknown primary
    # tumor, sarcoma ... are not eligible" inside an inclusion criterion
    t = _trial(
        "NCT01253681",
        conditions=("ovarian cancer",),
        eligibility_text="Inclusion Criteria:\n- Epithelial ovarian cancer. Subjects with pseudomyxoma, mesothelioma, "
        "adenocarcinoma of unknown primary tumor, sarcoma are not eligible.",
    )
    assert mesothelioma_scope(t) == ""


def test_scope_single_other_cancer_mesothelin_trial_is_not_kept() -> None:
    # NCT02465983 (pancreatic cancer): names mesothelin, but only as the target in pancreatic cancer
    t = _trial("NCT02465983", conditions=("pancreatic cancer",), interventions=("anti-mesothelin CAR T cells",))
    assert mesothelioma_scope(t) == ""


# ------------------------------------------------------------------------------------------------ whole records

REAL = Path(__file__).parent / "data" / "trials_real" / "studies.json"


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    studies = json.loads(REAL.read_text(encoding="utf-8"))["studies"]
    path = tmp_path_factory.mktemp("real") / "index.sqlite"
    import_records(((s["protocolSection"]["identificationModule"]["nctId"], s) for s in studies), path, source="t")
    return path


def _all(result: Any) -> dict[str, Any]:
    return {m.nct_id: m for m in (*result.matches, *result.excluded, *result.not_open)}


def test_real_records_lung_cancer_only_trials_are_never_offered(real_index: Path) -> None:
    case = {"site": "pleura", "histology": "epithelioid", "patient": {"age_years": 66, "ecog": 1}}
    listed = _all(mesostage.match_trials(case, index=real_index, include_closed=True))
    # NCT00096486, NCT00434135, NCT00998166, NCT03156868: NSCLC only; NCT01253681: ovarian cancer
    for nct in ("NCT00096486", "NCT00434135", "NCT00998166", "NCT03156868", "NCT01253681"):
        assert nct not in listed, nct
    # kept, and said to be not mesothelioma-specific: an effusion trial of any cause, a mesothelin basket
    assert listed["NCT04322136"].mesothelioma_specific is False
    assert "not mesothelioma-specific" in listed["NCT04322136"].filters[0].reason
    assert listed["NCT02414269"].mesothelioma_specific is False
    assert listed["NCT04577326"].mesothelioma_specific is True


def test_real_records_effusion_trials_are_for_the_pleura(real_index: Path) -> None:
    case = {"site": "peritoneum", "histology": "epithelioid", "patient": {"age_years": 66}}
    listed = _all(mesostage.match_trials(case, index=real_index, include_closed=True))
    assert "NCT04322136" not in listed
    assert "NCT05001880" in listed


def test_real_records_first_line_trial_excludes_a_treated_person(real_index: Path) -> None:
    # NCT05001880: "... peritoneal mesothelioma for which there has been no prior treatment"
    case = {
        "site": "peritoneum",
        "histology": "epithelioid",
        "patient": {"age_years": 60, "ecog": 1, "prior_systemic_lines": 1, "prior_agents": ["cisplatin"]},
    }
    result = mesostage.match_trials(case, index=real_index)
    m = next(m for m in result.excluded if m.nct_id == "NCT05001880")
    assert any("no prior systemic treatment" in w for w in m.why_not)


# ------------------------------------------------------------------ classes found on the labelled real corpus


def _record(nct: str) -> Trial:
    from mesostage.trials.study import parse_study

    studies = json.loads(REAL.read_text(encoding="utf-8"))["studies"]
    return parse_study(next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct))


def _outcomes(nct: str, p: PatientFacts) -> dict[str, str]:
    from mesostage.trials.evaluate import evaluate_all
    from mesostage.trials.importer import trial_criteria
    from mesostage.trials.scope import mesothelioma_scope as scope_of

    t = _record(nct)
    criteria = trial_criteria(t, scope_of(t))
    return {c.text: o.label for c, o in zip(criteria, evaluate_all(criteria, p), strict=True)}


def test_one_of_the_following_alternatives_one_is_enough() -> None:
    # NCT00354393: "Resectable disease is defined as any of the following: Epithelioid, mixed histology, ... with
    # clinical stage I-III (T1-3, N0-2, M0) disease Sarcomatoid histology with clinical stage I-III (T1-3, N0) ..."
    got = _outcomes("NCT00354393", person({"resectable": True}))
    sarcomatoid = next(v for k, v in got.items() if k.startswith("Sarcomatoid histology"))
    epithelioid = next(v for k, v in got.items() if k.startswith("Epithelioid, mixed histology"))
    assert epithelioid == MET
    assert sarcomatoid == NA  # another alternative applies


def test_phase_cohorts_are_alternatives() -> None:
    # NCT00700336: "Phase I: Histologically confirmed solid malignancy ..." / "Phase II: ... malignant pleural
    # mesothelioma (MPM) ..., who has not received previous chemotherapy"; a treated peritoneal patient may fit
    # phase I, so phase II's criteria do not exclude them
    peritoneal = person(
        {"prior_systemic_lines": 1, "prior_agents": ["carboplatin", "pemetrexed"]},
        site="peritoneum",
        tumor=None,
        nodes=None,
        metastases=None,
    )
    got = _outcomes("NCT00700336", peritoneal)
    phase2 = next(v for k, v in got.items() if k.startswith("Phase II: Histologically"))
    assert phase2 != NOT_MET
    assert "Phase II only: Mesothelioma originating outside the pleura (e.g.: peritoneum)" in got
    assert got["Phase II only: Mesothelioma originating outside the pleura (e.g.: peritoneum)"] != MET


def test_requirement_written_in_the_exclusion_list_is_a_requirement() -> None:
    # NCT00604461 repeats "Patient must have adequate renal function with a serum creatinine level of less than
    # 1.5 mg/dl ..." under "Exclusion Criteria:"
    got = split_criteria(_record("NCT00604461").eligibility_text)
    repeated = [c for c in got if c.text.startswith("Patient must have adequate renal function")]
    assert len(repeated) == 2
    assert {c.kind for c in repeated} == {"inclusion"}


def test_exemption_for_mesothelioma() -> None:
    # NCT00703638: "Must have failed or become intolerant to prior standard therapy ... except for patients
    # diagnosed with mesothelioma."
    got = _outcomes("NCT00703638", person({"prior_systemic_lines": 0}))
    failed = next(v for k, v in got.items() if k.startswith("Must have failed or become intolerant"))
    assert failed == MET


def test_a_rule_for_one_subtype_applies_to_that_subtype_only() -> None:
    # NCT01583686: "Bi-phasic mesotheliomas must express mesothelin on greater than 50% of the cells in the
    # epithelial component."
    (c,) = parse_eligibility(
        "- Bi-phasic mesotheliomas must express mesothelin on greater than 50% of the cells in the epithelial component."
    )
    assert label(c, person(histology="epithelioid")) == NA
    assert label(c, person({"biomarkers": {"mesothelin": "negative"}}, histology="biphasic")) == NOT_MET


def test_another_cancers_stage_is_not_the_persons() -> None:
    # NCT00039182: "No other prior malignancy within the past 5 years except ... or stage I or II cancer that is in
    # complete remission"
    (c,) = parse_eligibility(
        "- No other prior malignancy within the past 5 years except adequately treated basal cell or squamous cell "
        "skin cancer, carcinoma in situ of the cervix, or stage I or II cancer that is in complete remission"
    )
    assert "stage" not in {f["type"] for f in c.facts}


def test_pdq_section_hard_wrapped() -> None:
    # NCT00004254: PDQ headings with the section text hard-wrapped over several lines
    texts = [c.text for c in split_criteria(_record("NCT00004254").eligibility_text)]
    assert "No signs or symptoms of CNS metastases" in texts
    assert "Platelet count at least 100,000/mm3" in texts
    assert "Creatinine clearance at least 65 mL/min" in texts


def test_one_criterion_per_sentence() -> None:
    # NCT00629343: "Prior chemotherapy is allowed with the exception of prior treatment with Temozolomide or
    # Azacitidine. Patients must have received prior 1st line therapy. ..."
    texts = [c.text for c in split_criteria(_record("NCT00629343").eligibility_text)]
    assert "Patients must have received prior 1st line therapy." in texts


def test_advanced_in_the_title_excludes_a_resectable_person() -> None:
    # NCT02784171: "Pembrolizumab in Patients With Advanced Malignant Pleural Mesothelioma"
    (c,) = parse_trial("", brief_title="Pembrolizumab in Patients With Advanced Malignant Pleural Mesothelioma")
    assert c.type == "resectability"
    assert label(c, person({"resectable": True})) == NOT_MET
    assert label(c, person({"resectable": False})) == MET


def test_no_plans_for_surgery() -> None:
    # NCT02639767: "No plans for surgical resection"
    (c,) = parse_eligibility("- No plans for surgical resection")
    assert label(c, person({"resectable": True})) == NOT_MET
    assert label(c, person({"resectable": False})) == MET


def test_title_line_of_treatment_gives_way_to_the_trials_own_criteria() -> None:
    # NCT02397928 (STELLAR): first-line in the title, "Previous chemotherapy or radiation" in the exclusions; a
    # person whose only prior treatment was immunotherapy passes the criteria, so the title alone does not exclude
    immunotherapy_only = person(
        {
            "prior_systemic_lines": 1,
            "prior_agents": ["nivolumab", "ipilimumab"],
            "prior_chest_radiotherapy": False,
        }
    )
    got = _outcomes("NCT02397928", immunotherapy_only)
    title = next(v for k, v in got.items() if k.startswith("A Phase II Trial of Pemetrexed"))
    assert title == NEI
    chemo = person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]})
    assert _outcomes("NCT02397928", chemo)["Previous chemotherapy or radiation"] == MET


def test_well_differentiated_papillary_tumours_are_not_eligible() -> None:
    # NCT05001880: "Given the indolent nature of well-differentiated papillary mesothelioma and multicystic
    # mesothelioma, patients with these variants are not eligible for participation"
    (c,) = parse_eligibility(
        "- Given the indolent nature of well-differentiated papillary mesothelioma and multicystic mesothelioma, "
        "patients with these variants are not eligible for participation"
    )
    peritoneal = {"site": "peritoneum", "tumor": None, "nodes": None, "metastases": None}
    assert label(c, person(**peritoneal)) == MET
    assert label(c, person(**peritoneal, tumor_type="well_differentiated_papillary")) == NOT_MET


# ----------------------------------------------------------------------------------------------------------- sex


def test_a_one_sex_field_that_the_criteria_text_contradicts_is_left_to_the_trial_team() -> None:
    """NCT00002465 (megestrol for breast or endometrial carcinoma or mesothelioma): the registry's sex field says
    FEMALE, while its PDQ criteria read "PATIENT CHARACTERISTICS: Age: At least 18 Sex (breast cancer): Not
    specified". A man with mesothelioma must not lose the trial on the field alone; he is not told he qualifies either."""
    from mesostage.trials.match import _sex_filter

    text = "PATIENT CHARACTERISTICS: Age: At least 18 Sex (breast cancer): Not specified Menopausal status: Any status"
    trial = _trial("NCT00002465", sex="FEMALE", eligibility_text=text)
    man, woman = person({"sex": "male"}), person({"sex": "female"})
    assert _sex_filter(trial, man).passed is None
    assert "ask the team" in _sex_filter(trial, man).reason
    assert _sex_filter(trial, woman).passed is True
    # Without such a clause the registry field decides.
    plain = _trial("NCT00000001", sex="FEMALE", eligibility_text="Age: At least 18")
    assert _sex_filter(plain, man).passed is False
    both = _trial("NCT00000002", sex="MALE", eligibility_text="Men and women aged 18 or over")
    assert _sex_filter(both, woman).passed is None


# ------------------------------------------------- open questions: "check first", never shown as fitting


def _outcome(text: str, p: PatientFacts, kind: str = "inclusion") -> Any:
    heading = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    (c,) = parse_eligibility(f"{heading}\n* {text}")
    return evaluate_criterion(c, p)


def test_an_effusion_allowed_only_if_controlled_is_an_open_question_for_a_person_who_has_one() -> None:
    # NCT00030459: "Symptomatic pleural effusion allowed if treated and controlled by drainage, pleurodesis, or
    # pleurectomy"; NCT00075699: "Symptomatic pleural effusion must have been treated and brought under control by
    # drainage, pleurodesis, or pleurectomy". Whether an effusion is controlled is not in the case.
    for text in (
        "Symptomatic pleural effusion allowed if treated and controlled by drainage, pleurodesis, or pleurectomy",
        "Symptomatic pleural effusion must have been treated and brought under control by drainage, pleurodesis, "
        "or pleurectomy",
    ):
        with_effusion = _outcome(text, person(pleural_effusion_malignant=True))
        assert with_effusion.label == NEI
        assert with_effusion.open_question
        assert "under control" in with_effusion.reason
        without = _outcome(text, person(pleural_effusion_malignant=False))
        assert without.label == NA
        assert not without.open_question


def test_prior_pleurodesis_allowed_is_not_a_question_about_the_effusion() -> None:
    # NCT00004033: "Prior pleurodesis or chest surgery on the same side of the effusion is allowed as long as there
    # is a free flowing pleural effusion without loculations": a person with no prior pleurodesis or chest surgery
    # has nothing here to check
    o = _outcome(
        "Prior pleurodesis or chest surgery on the same side of the effusion is allowed as long as there is a free "
        "flowing pleural effusion without loculations",
        person({"prior_chest_surgery": False}, pleural_effusion_malignant=True),
    )
    assert not o.open_question
    assert o.label == NA


def test_brain_metastases_allowed_under_conditions_are_an_open_question_only_for_a_person_who_has_them() -> None:
    # NCT01139775: "Have central nervous system (CNS) metastases (unless the participant has completed successful
    # local therapy for CNS metastases ...)": with brain metastases whose treatment is not recorded, the team must
    # answer it; without brain metastases it is decided
    text = (
        "Have central nervous system (CNS) metastases (unless the participant has completed successful local "
        "therapy for CNS metastases and has been off corticosteroids for at least 4 weeks before starting study "
        "therapy)"
    )
    unknown_state = _outcome(text, person({"brain_metastases": True}), kind="exclusion")
    assert unknown_state.label == NEI
    assert unknown_state.open_question
    none = _outcome(text, person({"brain_metastases": False}), kind="exclusion")
    assert none.label == NOT_MET
    assert not none.open_question


def test_a_waiting_time_is_a_routine_unknown_not_an_open_question() -> None:
    # NCT00003034: "At least 6 weeks since prior chemotherapy": a waiting time delays the start, it does not bar the
    # person; the date of the last dose is asked for in "to check" but does not hold the trial back
    o = _outcome(
        "At least 6 weeks since prior chemotherapy",
        person({"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]}),
    )
    assert o.label == NEI
    assert not o.open_question
    assert "date of your last treatment" in o.reason


def test_a_marker_share_the_case_cannot_hold_is_an_open_question() -> None:
    # NCT04577326: "Epithelioid or biphasic histologic diagnosis provided that >=10% of the tumor expresses MSLN by
    # IHC analysis": "mesothelin positive" does not say in how much of the tumour
    o = _outcome(
        "Epithelioid or biphasic histologic diagnosis provided that ≥10% of the tumor expresses MSLN by IHC analysis",
        person({"biomarkers": {"mesothelin": "positive"}}),
    )
    assert o.label == NEI
    assert o.open_question
    negative = _outcome(
        "Epithelioid or biphasic histologic diagnosis provided that ≥10% of the tumor expresses MSLN by IHC analysis",
        person({"biomarkers": {"mesothelin": "negative"}}),
    )
    assert negative.label == NOT_MET


@pytest.fixture(scope="module")
def real_index_open(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real records, each imported as if it were recruiting (as the labelled evaluation judges them)."""
    studies = json.loads(REAL.read_text(encoding="utf-8"))["studies"]
    for s in studies:
        s["protocolSection"].setdefault("statusModule", {})["overallStatus"] = "RECRUITING"  # dates kept
    path = tmp_path_factory.mktemp("real_open") / "index.sqlite"
    import_records(((s["protocolSection"]["identificationModule"]["nctId"], s) for s in studies), path, source="t")
    return path


def test_real_records_an_open_question_makes_the_trial_check_first_not_a_possible_match(
    real_index_open: Path,
) -> None:
    # NCT00075699 (pleural, first line) for a person with a malignant pleural effusion whose control is not known
    case = {
        "site": "pleura",
        "histology": "epithelioid",
        "tumor": {"findings": ["parietal_pleura"]},
        "nodes": {"findings": []},
        "metastases": {"findings": []},
        "pleural_effusion_malignant": True,
        "patient": {"age_years": 70, "ecog": 1, "prior_systemic_lines": 0, "measurable_disease": True},
    }
    result = mesostage.match_trials(case, index=real_index_open)
    m = next(m for m in result.matches if m.nct_id == "NCT00075699")
    assert m.verdict == "check first"
    assert any("under control" in q for q in m.open_questions)
    assert set(m.open_questions) <= set(m.to_check)
    # every trial shown as a possible match comes before those to check first in its status group
    for status in ("RECRUITING", "NOT_YET_RECRUITING"):
        verdicts = [x.verdict for x in result.matches if x.overall_status == status]
        assert verdicts == sorted(verdicts, key=lambda v: v != "possible match")


@pytest.mark.parametrize(
    ("nct", "text"),
    [
        (
            # NCT00002641 (soft tissue sarcoma): mesothelioma is one of the "Ineligible subtypes", a nested list
            "NCT00002641",
            "DISEASE CHARACTERISTICS:\n\n  -  Histologically proven soft tissue sarcoma that is amenable to definitive "
            "surgery\n\n       -  Eligible subtypes:\n\n            -  Angiosarcoma\n\n            -  Synovial "
            "sarcoma\n\n       -  Ineligible subtypes:\n\n            -  Chondrosarcoma\n\n            -  Malignant "
            "mesothelioma\n\n            -  Osteosarcoma\n\n  -  Confirmed high-grade tumor",
        ),
        (
            # NCT00413192 (soft tissue sarcoma): "The following tumor types are not eligible:" then the types as
            # items of the same level
            "NCT00413192",
            "Inclusion Criteria:\n\n  1. Histologically proven advanced and/or metastatic malignant soft tissue "
            "sarcoma of one of the following histologies:\n\n       -  Leiomyosarcoma\n\n       -  Synovial sarcoma\n\n"
            "       -  The following tumor types are not eligible:\n\n       -  Chondrosarcoma\n\n       -  Malignant "
            "mesothelioma\n\n       -  Mixed mesodermal tumors of the uterus\n\n  2. Formalin fixed paraffin embedded "
            "tumor blocks",
        ),
    ],
)
def test_scope_mesothelioma_in_a_list_of_ineligible_subtypes_is_not_a_mesothelioma_trial(nct: str, text: str) -> None:
    t = _trial(nct, conditions=("soft tissue sarcoma",), eligibility_text=text)
    assert mesothelioma_scope(t) == ""
    # the same list with mesothelioma among the eligible subtypes would be a basket
    eligible = text.replace("Malignant mesothelioma", "Angiosarcoma").replace(
        "Synovial sarcoma", "Malignant mesothelioma"
    )
    assert (
        mesothelioma_scope(_trial(nct, conditions=("soft tissue sarcoma",), eligibility_text=eligible)) == SCOPE_BASKET
    )


# ----------------------------------------------------------------------- organ function and "normal" results

_NORMAL_LABS = {
    "neutrophils_10e9_per_l": 4.2,
    "platelets_10e9_per_l": 250,
    "wbc_10e9_per_l": 7.1,
    "creatinine_umol_per_l": 80,
    "creatinine_uln_umol_per_l": 110,
    "creatinine_clearance_ml_per_min": 85,
    "bilirubin_umol_per_l": 10,
    "bilirubin_uln_umol_per_l": 21,
    "ast_u_per_l": 25,
    "ast_uln_u_per_l": 40,
    "alt_u_per_l": 22,
    "alt_uln_u_per_l": 40,
}


@pytest.mark.parametrize(
    "text",
    [
        "Adequate organ function",  # NCT00700336
        "Have adequate hematologic, hepatic, and renal organ function",  # NCT01139775
    ],
)
def test_adequate_organ_function_without_limits_is_never_decided_but_poor_results_are_an_open_question(
    text: str,
) -> None:
    within = _outcome(text, person(_NORMAL_LABS))
    assert within.label == NEI
    assert not within.open_question  # results within the usual limits: a routine question
    # neutrophils 1.2 x10^9/L and platelets 85 x10^9/L are below the 1.5 and 100 most trials ask for
    poor = _outcome(text, person({**_NORMAL_LABS, "neutrophils_10e9_per_l": 1.2, "platelets_10e9_per_l": 85}))
    assert poor.label == NEI
    assert poor.open_question
    assert "neutrophil" in poor.reason
    unknown = _outcome(text, person({"age_years": 60}))
    assert unknown.label == NEI
    assert not unknown.open_question


def test_organ_function_with_its_limits_written_after_it_is_read_from_the_limits() -> None:
    # NCT00703638: "Adequate organ function within 7 days of study enrollment including the following:" - the limits
    # are its sub-items, so the heading itself states no question
    (c,) = parse_eligibility(
        "Inclusion Criteria:\n* Adequate organ function within 7 days of study enrollment including the following:"
    )
    assert not [f for f in c.facts if f["type"] == "organ_function"]


@pytest.mark.parametrize(
    ("text", "uln_field", "field"),
    [
        ("Bilirubin normal", "bilirubin_uln_umol_per_l", "bilirubin_umol_per_l"),  # NCT00002608
        ("Creatinine normal", "creatinine_uln_umol_per_l", "creatinine_umol_per_l"),  # NCT00003034
    ],
)
def test_a_result_that_must_be_normal_is_at_most_the_upper_limit_of_normal(
    text: str, uln_field: str, field: str
) -> None:
    normal = _outcome(text, person(_NORMAL_LABS))
    assert normal.label == MET
    high = _outcome(text, person({**_NORMAL_LABS, field: _NORMAL_LABS[uln_field] * 1.4}))
    assert high.label == NOT_MET


# ------------------------------------------------------------------------------ extent of disease, in words

_CONTRALATERAL_NODE = {"nodes": {"findings": ["contralateral_mediastinal"]}}
_CONTRALATERAL_LUNG = {"metastases": {"findings": ["lung_contralateral"]}}


def test_no_contralateral_thoracic_or_intra_abdominal_involvement() -> None:
    # NCT00003263: "No contralateral thoracic or intra-abdominal involvement"
    text = "No contralateral thoracic or intra-abdominal involvement"
    assert _outcome(text, person()).label == MET  # disease on one side of the chest only
    assert _outcome(text, person(**_CONTRALATERAL_NODE)).label == NOT_MET  # a node across the midline
    assert _outcome(text, person(**_CONTRALATERAL_LUNG)).label == NOT_MET
    assert _outcome(text, person(tumor={"findings": ["parietal_pleura", "transdiaphragmatic"]})).label == NOT_MET
    # a section not assessed leaves it open
    assert _outcome(text, person(metastases={"assessed": False})).label == NEI


def test_disease_confined_to_the_peritoneal_cavity() -> None:
    # NCT00004547: "Radiologic workup must demonstrate that the disease is confined to the peritoneal cavity."
    text = "Radiologic workup must demonstrate that the disease is confined to the peritoneal cavity."
    peritoneal = {"site": "peritoneum", "tumor": None, "nodes": None, "metastases": None}
    inside = person(**peritoneal, peritoneal={"pci": 12, "extra_abdominal_metastases": False})
    outside = person(**peritoneal, peritoneal={"pci": 12, "extra_abdominal_metastases": True})
    assert _outcome(text, inside).label == MET
    assert _outcome(text, outside).label == NOT_MET
    assert _outcome(text, person()).label == NOT_MET  # pleural mesothelioma is in the chest


def test_distant_metastases_in_words() -> None:
    # NCT07121374 (exclusion): "Contralateral mediastinal (N2) or distant metastatic disease (evaluated by PET and
    # chest CT)"; NCT00354393: "Intraperitoneal extension, contralateral thoracic extension, or distant metastases
    # are eligible, but considered unresectable"
    excl = "Contralateral mediastinal (N2) or distant metastatic disease (evaluated by PET and chest CT)"
    assert _outcome(excl, person(metastases={"findings": ["bone"]}), kind="exclusion").label == MET
    assert _outcome(excl, person(), kind="exclusion").label == NOT_MET
    allowed = "Intraperitoneal extension, contralateral thoracic extension, or distant metastases are eligible"
    assert _outcome(allowed, person(metastases={"findings": ["bone"]})).label == MET
    assert _outcome(allowed, person()).label == NA


def test_a_metastatic_tumour_in_an_inclusion() -> None:
    # NCT02614456: "Patients must have a histologically or cytologically confirmed metastatic solid tumor ...":
    # met with metastases, not met for a tumour that can be removed, open for an unresectable one without
    # metastases (the word is often used for any advanced cancer)
    text = "Patients must have a histologically or cytologically confirmed metastatic solid tumor"
    assert _outcome(text, person(metastases={"findings": ["liver"]})).label == MET
    assert _outcome(text, person({"resectable": True})).label == NOT_MET
    assert _outcome(text, person({"resectable": False})).label == NEI
    # "... for the advanced/metastatic disease" (NCT01139775) says what treatment was for, not where the disease is
    (c,) = parse_eligibility(
        "Exclusion Criteria:\n* Have received more than 2 previous lines of chemotherapy for the advanced/metastatic "
        "disease"
    )
    assert not [f for f in c.facts if f["type"] == "extent"]


def test_a_stage_in_a_trial_from_before_peritoneal_staging_is_a_pleural_stage() -> None:
    # NCT00003974 (started 1997-08): "... OR Stage I or II mesothelioma": no staging of peritoneal mesothelioma
    # existed before Yan et al. 2011, so the stage is a pleural one; for a peritoneal patient the study team must say
    t = _record("NCT00003974")
    assert t.start_date is not None
    assert t.start_date < "2010-11"
    peritoneal = person(
        site="peritoneum", tumor=None, nodes=None, metastases=None, peritoneal={"pci": 12, "nodes_positive": False}
    )
    got = _outcomes("NCT00003974", peritoneal)
    stage = next(v for k, v in got.items() if "Stage I or II mesothelioma" in k)
    assert stage == NEI
    from mesostage.trials.evaluate import evaluate_all
    from mesostage.trials.importer import trial_criteria
    from mesostage.trials.scope import mesothelioma_scope as scope_of

    criteria = trial_criteria(t, scope_of(t))
    outcome = next(
        o for c, o in zip(criteria, evaluate_all(criteria, peritoneal), strict=True) if "Stage I or II" in c.text
    )
    assert outcome.open_question
    assert "pleural" in outcome.reason
    # a pleural patient is read in the edition in force at the start (IMIG 1995 / 7th): cT2 N0 M0 is stage I-II
    assert next(v for k, v in _outcomes("NCT00003974", person()).items() if "Stage I or II" in k) == MET


# ------------------------------------------------------------- criteria the case decides (labelled real corpus)

_UNTREATED = {"age_years": 60, "ecog": 1, "prior_systemic_lines": 0}
_AFTER_CISPLATIN = {"age_years": 64, "ecog": 1, "prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"]}


@pytest.mark.parametrize(
    "text",
    [
        "Age: 18 and over",  # NCT00003263, a PDQ sub-label: the label says what the item is about
        "Subject, age >/= 18 years",  # NCT00652574, ">/=" for >=
    ],
)
def test_age_written_with_a_pdq_label_or_a_slashed_sign(text: str) -> None:
    assert _outcome(text, person({"age_years": 60})).label == MET
    assert _outcome(text, person({"age_years": 16})).label == NOT_MET


def test_a_pdq_therapy_label_names_the_treatment_of_a_bare_waiting_time() -> None:
    # NCT00002465: "Chemotherapy: At least 4 weeks since therapy": after chemotherapy, so it does not concern a
    # person who had immunotherapy only
    text = "Chemotherapy: At least 4 weeks since therapy"
    io_only = person({"prior_systemic_lines": 1, "prior_agents": ["nivolumab", "ipilimumab"]})
    assert _outcome(text, io_only).label == NA
    assert _outcome(text, person(_AFTER_CISPLATIN)).label == NEI


def test_agents_older_records_name() -> None:
    # NCT00003508: "No prior antineoplastons"; NCT00001332: "Patients with prior CDDP will be eligible if there is no
    # evidence of existing irreversible renal damage" (CDDP = cisplatin)
    assert _outcome("No prior antineoplastons", person(_UNTREATED)).label == MET
    assert _outcome("No prior antineoplastons", person(_AFTER_CISPLATIN)).label == MET
    cddp = "Patients with prior CDDP will be eligible if there is no evidence of existing irreversible renal damage"
    assert _outcome(cddp, person(_UNTREATED)).label == NA
    assert _outcome(cddp, person(_AFTER_CISPLATIN)).label == MET


def test_recovered_from_prior_treatment_concerns_only_the_treated() -> None:
    # NCT00004547: "Patients must have recovered from any toxicity from all prior chemotherapy, immunotherapy, or
    # radiotherapy (30 days)."
    text = "Patients must have recovered from any toxicity from all prior chemotherapy, immunotherapy, or radiotherapy"
    untreated = person({**_UNTREATED, "prior_chest_radiotherapy": False})
    assert _outcome(text, untreated).label == NA
    assert _outcome(text, person(_AFTER_CISPLATIN)).label == NEI


def test_performance_status_on_the_ctc_scale_and_a_cancer_class() -> None:
    # NCT00042770: "CTC 0-2" (the NCI Common Toxicity Criteria performance scale is the ECOG one); "Histologically
    # or cytologically confirmed solid tumor or hematologic malignancy"; NCT00644319: "No primary lymphoma or small
    # cell lung carcinoma"; NCT00004183: "Any site of origin allowed including, but not limited to, the following:
    # Pleura Peritoneum"
    assert _outcome("CTC 0-2", person({"ecog": 2})).label == MET
    assert _outcome("CTC 0-2", person({"ecog": 3})).label == NOT_MET
    for text in (
        "Histologically or cytologically confirmed solid tumor or hematologic malignancy",
        "No primary lymphoma or small cell lung carcinoma",
        "Any site of origin allowed including, but not limited to, the following: Pleura Peritoneum",
    ):
        assert _outcome(text, person()).label == MET, text
    assert _outcome("Concurrent systemic chemotherapy allowed", person(_UNTREATED)).label == NA


def test_a_lesion_measured_in_one_dimension_is_measurable_disease() -> None:
    # NCT00004183: "At least one lesion accurately measured in at least one dimension"
    text = "At least one lesion accurately measured in at least one dimension"
    assert _outcome(text, person({"measurable_disease": True})).label == MET
    assert _outcome(text, person({"measurable_disease": False})).label == NOT_MET


def test_a_cell_type_the_trial_exempts_from_the_marker_test() -> None:
    # NCT01583686: "Metastatic or unresectable measurable cancers that express mesothelin. As in other protocols ...,
    # epithelial mesotheliomas and pancreatic cancers do not need to be assessed for mesothelin expression since all
    # of these tumors have been shown to express mesothelin. ... Bi-phasic mesotheliomas must express mesothelin on
    # greater than 50% of the cells in the epithelial component."
    got = _outcomes("NCT01583686", person({"resectable": False, "measurable_disease": True}))
    first = next(v for k, v in got.items() if k.startswith("Metastatic or unresectable measurable cancers"))
    assert first == MET  # epithelioid, no mesothelin result: exempt by the trial's own words
    biphasic = _outcomes("NCT01583686", person({"resectable": False, "measurable_disease": True}, histology="biphasic"))
    assert next(v for k, v in biphasic.items() if k.startswith("Metastatic or unresectable measurable")) == NEI


def test_disease_that_can_be_debulked_is_disease_that_can_be_removed() -> None:
    # NCT00004547: "Radiologic workup or prior abdominal exploration must be consistent with disease which can be
    # debulked to a residual size of less that 1 cm in diameter" (complete cytoreduction)
    text = (
        "Radiologic workup or prior abdominal exploration must be consistent with disease which can be debulked to a "
        "residual size of less that 1 cm in diameter"
    )
    assert _outcome(text, person({"resectable": True})).label == MET
    assert _outcome(text, person({"resectable": False})).label == NOT_MET


def test_lung_re_expansion_concerns_only_a_person_with_an_effusion() -> None:
    # NCT00002872: "Lung re-expansion demonstrated on chest x-ray"
    text = "Lung re-expansion demonstrated on chest x-ray"
    assert _outcome(text, person(pleural_effusion_malignant=False)).label == NA
    assert _outcome(text, person(pleural_effusion_malignant=True)).label == NEI


def test_potentially_resectable_as_who_the_trial_takes_and_as_a_subgroup() -> None:
    # NCT00652574: "Patients with potentially resectable malignant pleural mesothelioma, IMIG stage I-III" (who the
    # trial takes); NCT00354393: "Patients with potentially resectable disease must have undergone mediastinoscopy to
    # establish surgical stage" (a rule for a subgroup)
    takes = "Patients with potentially resectable malignant pleural mesothelioma, IMIG stage I-III"
    assert _outcome(takes, person({"resectable": False})).label == NOT_MET
    assert _outcome(takes, person({"resectable": True})).label == MET
    subgroup = "Patients with potentially resectable disease must have undergone mediastinoscopy to establish stage"
    assert not [f for f in _outcome_facts(subgroup) if f["type"] == "resectability"]


def _outcome_facts(text: str) -> tuple[dict[str, Any], ...]:
    (c,) = parse_eligibility(f"Inclusion Criteria:\n* {text}")
    return c.facts


def test_kidney_or_liver_disease_named_without_limits_is_read_from_the_results() -> None:
    # NCT00644319: "No severe renal or liver disease": normal kidney and liver tests show none; a result outside the
    # normal range is for the study team to judge; no results leave it open
    text = "No severe renal or liver disease"
    assert _outcome(text, person(_NORMAL_LABS)).label == MET
    high = _outcome(text, person({**_NORMAL_LABS, "creatinine_umol_per_l": 160, "creatinine_clearance_ml_per_min": 40}))
    assert high.label == NEI
    assert high.open_question
    assert _outcome(text, person({"age_years": 60})).label == NEI
    # listed as a condition of the person, renal impairment decides
    listed = person({**_NORMAL_LABS, "contraindications": ["renal_impairment"]})
    assert _outcome("Renal insufficiency", listed, kind="exclusion").label == MET
    assert _outcome("Renal insufficiency", person(_NORMAL_LABS), kind="exclusion").label == NOT_MET


def test_a_disease_inside_the_condition_of_another_limit_is_not_a_criterion() -> None:
    # NCT01211275: "AP < 5xUNL (unless bone metastases are present in the absence or any liver disease)"
    facts = _outcome_facts("AP < 5xUNL (unless bone metastases are present in the absence or any liver disease)")
    assert not [f for f in facts if f["type"] == "organ_disease"]


# ------------------------------------------------------------------------------------ waiting times with dates

_TODAY = __import__("datetime").date(2026, 12, 1)


def _dated(days_ago: dict[str, int], **patient: Any) -> PatientFacts:
    """A person who has had cisplatin and pemetrexed, with the last treatment of each kind ``days_ago``."""
    import datetime as dt

    names = {"systemic": "last_systemic_therapy_date", "radiotherapy": "last_radiotherapy_date"}
    names["surgery"] = "last_surgery_date"
    data: dict[str, Any] = {"prior_systemic_lines": 1, "prior_agents": ["cisplatin", "pemetrexed"], **patient}
    data.update({names[k]: (_TODAY - dt.timedelta(days=d)).isoformat() for k, d in days_ago.items()})
    case = parse_case({"site": "pleura", "histology": "epithelioid", "patient": data})
    return patient_facts(case, today=_TODAY)


def test_a_waiting_time_that_has_passed_is_decided_from_the_date_of_the_last_dose() -> None:
    # NCT00703638: "... pemetrexed is allowed, but at least 3 months must have passed since the last dose."
    text = "at least 3 months must have passed since the last dose of pemetrexed"
    (c,) = parse_eligibility(f"Inclusion Criteria:\n- {text}")
    assert c.facts[0]["days"] == [84, 93]  # 3 months: 84 to 93 days, decided only when every reading agrees
    passed = evaluate_criterion(c, _dated({"systemic": 120}))
    assert passed.label == NA  # a waiting time that has passed holds nobody back
    assert "about 3 months ago" in passed.reason
    recent = evaluate_criterion(c, _dated({"systemic": 20}))
    assert recent.label == NEI  # too recent, but the last drug may not be the one named: never an exclusion
    assert "2027-02-12" in recent.reason  # last dose 2026-11-11 + 93 days
    between = evaluate_criterion(c, _dated({"systemic": 88}))
    assert between.label == NEI
    assert "needs the date" not in between.reason  # the date was given: the reason must not ask for it


def test_a_waiting_time_for_two_kinds_needs_both_dates() -> None:
    # NCT00629343: "At least 4 weeks since prior chemotherapy or at least 6 weeks since prior radiation therapy."
    (c,) = parse_eligibility(
        "- At least 4 weeks since prior chemotherapy or at least 6 weeks since prior radiation therapy."
    )
    assert c.facts[0]["days"] == [28, 42]
    assert label(c, _dated({"systemic": 60}, prior_chest_radiotherapy=False)) == NA
    # radiotherapy had, its date not given: not decided
    assert label(c, _dated({"systemic": 60}, prior_chest_radiotherapy=True)) == NEI
    assert label(c, _dated({"systemic": 60, "radiotherapy": 90}, prior_chest_radiotherapy=True)) == NA
    assert label(c, _dated({"systemic": 60, "radiotherapy": 30}, prior_chest_radiotherapy=True)) == NEI


def test_an_exclusion_for_recent_treatment_is_not_true_once_the_time_has_passed() -> None:
    # NCT02614456 (exclusion): "Patients who have had chemotherapy or radiotherapy within 2 weeks prior to entering
    # the study."
    text = "Patients who have had chemotherapy or radiotherapy within 2 weeks prior to entering the study."
    o = _outcome(text, _dated({"systemic": 40}, prior_chest_radiotherapy=False), kind="exclusion")
    assert (o.label, o.effect) == (NOT_MET, "for")
    o = _outcome(text, _dated({"systemic": 5}, prior_chest_radiotherapy=False), kind="exclusion")
    assert (o.label, o.effect) == (NEI, "unknown")  # never excluded on a guess about which drug was last


def test_a_waiting_time_after_surgery_uses_the_date_of_the_operation() -> None:
    # NCT02397928: "At least 4 weeks since major surgery"
    (c,) = parse_eligibility("- At least 4 weeks since major surgery")
    assert label(c, _dated({"surgery": 45}, prior_chest_surgery=True)) == NA
    assert label(c, _dated({"surgery": 10}, prior_chest_surgery=True)) == NEI


def test_a_date_after_today_is_refused_by_the_checks_and_not_counted() -> None:
    case = {"site": "pleura", "patient": {"last_surgery_date": "2999-01-01"}}
    (warning,) = [w for w in mesostage.check_case(case) if w.path.startswith("patient.")]
    assert (warning.path, warning.code, warning.level) == (
        "patient.last_surgery_date",
        "last_surgery_date_in_future",
        "error",
    )
    assert patient_facts(parse_case(case)).days_since == {}
