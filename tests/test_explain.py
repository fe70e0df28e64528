"""Plain-language explanations: content a patient needs, honesty about uncertainty, and measured readability."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import mesostage
from tests.factories import ALL_SURFACES, pleural_case
from tests.readability import fk_grade
from tests.test_properties import peritoneal_cases, pleural_cases

FIXED_CASES: list[dict[str, Any]] = [
    pleural_case([*ALL_SURFACES, "diaphragm_muscle"], diagnosis_date="2021-05-01", histology="epithelioid",
                 basis="clinical", reported_stage={"system": "tnm8", "stage": "IV"}),
    pleural_case(["parietal_pleura"], [], ["liver", "bone"], histology="sarcomatoid", basis="clinical"),
    pleural_case([*ALL_SURFACES, "contralateral_pleura_direct"], diagnosis_date="2022-01-10",
                 reported_stage={"system": "tnm8", "stage": "IV"}, pleural_effusion_malignant=True),
    pleural_case(ALL_SURFACES, ["peridiaphragmatic"], tumor_unknown=["rib"], metastases_unknown=["liver"]),
    {"site": "pleura"},
    {"site": "peritoneum", "peritoneal": {"pci": 30, "nodes_positive": False}},
    {"site": "peritoneum", "peritoneal": {}},
    {"site": "pericardium", "histology": "epithelioid"},
    {"site": "tunica_vaginalis"},
]  # fmt: skip


@pytest.mark.parametrize("case", FIXED_CASES)
def test_patient_text_is_grade_8_or_below(case: dict[str, Any]) -> None:
    explanation = mesostage.explain(case)
    grade = fk_grade(explanation.prose)
    print(f"Flesch-Kincaid grade {grade:.1f} for {case.get('site')} case")  # shown with -s / -rA
    assert grade <= 8.0
    assert explanation.reading_grade == pytest.approx(grade)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pleural_cases() | peritoneal_cases())
def test_every_generated_patient_text_is_grade_8_or_below(case: dict[str, Any]) -> None:
    assert fk_grade(mesostage.explain(case).prose) <= 8.0


def test_diaphragm_case_explanation() -> None:
    text = mesostage.explain(FIXED_CASES[0]).text
    assert "IB (stage 1B)" in text  # the stage in the edition in use
    assert "does not match the findings" in text
    assert "diaphragm is where it began" in text
    assert "Could my stage be checked again?" in text
    assert "What stage 4 means" not in text  # it cannot be stage 4 on these findings


def test_stage_four_section_says_what_it_means_without_a_personal_prediction() -> None:
    explanation = mesostage.explain(FIXED_CASES[1])
    text = explanation.text
    assert "What stage 4 means" in text
    assert "cannot be cured" in text
    assert "Surgery to remove the tumour is rarely offered" in text
    assert "palliative care" in text
    assert "half of the people" in text  # a median, said as a median
    assert "you will live" not in text.lower()
    assert any("9.7 months" in s for s in explanation.sources)
    assert "What is the aim of my treatment now?" in explanation.questions


def test_unknowns_are_named_with_the_test_that_settles_them() -> None:
    text = mesostage.explain(FIXED_CASES[3]).text
    assert "What is not known yet" in text
    assert "A rib." in text
    assert "Spread to the liver." in text
    assert "PET-CT" in text
    assert "could be anywhere from" in text


def test_systems_disagree_is_explained() -> None:
    text = mesostage.explain(FIXED_CASES[0]).text
    assert "Other staging systems" in text
    assert "In TNM 7th / IMIG, the stage is II (stage 2)." in text
    assert "only to help read old records" in text
    assert "In Brigham, there is no stage here. It is only given after an operation" in text


@pytest.mark.parametrize("site", ["pericardium", "tunica_vaginalis"])
def test_no_system_sites(site: str) -> None:
    text = mesostage.explain({"site": site}).text
    assert "no official staging system" in text


def test_peritoneal_explanation_says_it_is_a_proposal() -> None:
    text = mesostage.explain(FIXED_CASES[5]).text
    assert "Peritoneal Cancer Index" in text
    assert "not an official stage" in text
    assert "right on the line between two groups" in text  # PCI 30


def test_clinician_text_is_technical_and_cited() -> None:
    explanation = mesostage.explain(FIXED_CASES[0], audience="clinician")
    text = explanation.text
    assert "cT2 cN0 cM0; stage IB" in text
    assert "[critical] reported_stage_differs" in text
    assert "[critical] diaphragm_reported_as_metastasis" in text
    assert any("Rusch" in s for s in explanation.sources)
    assert "does not replace" in explanation.disclaimer


def test_bad_audience() -> None:
    with pytest.raises(ValueError, match="audience"):
        mesostage.explain({"site": "pleura"}, audience="family")  # type: ignore[arg-type]


def test_every_plain_note_is_grade_8_or_below_and_names_a_real_code() -> None:
    from mesostage.review.catalog import catalog

    for code in ("reported_stage_differs", "diaphragm_reported_as_metastasis", "m_not_assessed"):
        assert mesostage.plain_note(code)
    assert mesostage.plain_note("unknown_changes_stage") is None  # its message is already plain
    from mesostage.explain import _texts

    for code, text in _texts()["plain_notes"].items():
        assert code in catalog().codes
        assert fk_grade(text) <= 8.0, code
