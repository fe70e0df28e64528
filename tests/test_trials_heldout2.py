"""The matcher on the class of text the fifth batch of real records (held-out-2, labelled before the matcher first
ran on them; benchmarks/trials_eval/real/README.md) showed it got wrong: all-comer solid-tumour trials that take a
person with mesothelioma without naming it.

Every text is quoted from the ClinicalTrials.gov record named by its NCT id (tests/data/trials_real/studies.json).
"""

from __future__ import annotations

from mesostage.trials.scope import SCOPE_BASKET, mesothelioma_scope, takes_site
from mesostage.trials.study import Trial


def test_an_all_comer_solid_tumour_trial_takes_mesothelioma_of_any_site() -> None:
    for trial in (
        Trial(
            nct_id="NCT00004872",
            brief_title="Endostatin in Treating Patients With Advanced Refractory Solid Tumors",
            conditions=("Unspecified Adult Solid Tumor, Protocol Specific",),
            eligibility_text="DISEASE CHARACTERISTICS: Histologically confirmed advanced refractory solid tumor for "
            "which no curative therapy exists",
        ),
        Trial(
            nct_id="NCT00496028",
            brief_title="Phase I Study in Patients With Solid Tumours",
            conditions=("Neoplasms",),
            eligibility_text="Inclusion Criteria:\n- Male or female patients with locally advanced or metastatic "
            "cancer suitable for treatment with carboplatin and/or paclitaxel",
        ),
    ):
        scope = mesothelioma_scope(trial)
        assert scope == SCOPE_BASKET, trial.nct_id
        assert takes_site(scope, "pleura")
        assert takes_site(scope, "peritoneum")


def test_a_broad_trial_that_names_mesothelioma_only_to_exclude_it_or_a_single_other_cancer_is_not_one() -> None:
    excludes = Trial(
        nct_id="NCT00003778",
        brief_title="Dolastatin 10 in Treating Patients With Recurrent or Metastatic Soft Tissue Sarcoma",
        conditions=("Ovarian Cancer", "Sarcoma"),
        eligibility_text="DISEASE CHARACTERISTICS:\n- Histologically proven recurrent or metastatic soft tissue "
        "sarcoma\n- No rhabdomyosarcoma, Ewing's sarcoma, chondrosarcoma, osteogenic sarcoma, mesothelioma, or "
        "Kaposi's sarcoma",
    )
    lung = Trial(
        nct_id="NCT00004100",
        brief_title="Chemotherapy in Treating Patients With Stage IIIB or Stage IV Non-small Cell Lung Cancer",
        conditions=("Lung Cancer",),
        eligibility_text="DISEASE CHARACTERISTICS: Histologically or cytologically proven non-small cell lung cancer",
    )
    assert mesothelioma_scope(excludes) == ""
    assert mesothelioma_scope(lung) == ""
