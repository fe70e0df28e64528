"""The short answers on the first screen (web/glance.py): plain words a family can read (grade 8 or below), no field
names or Python values, nothing in the clinician view, and each answer follows the published rules it rests on."""

from __future__ import annotations

import re

import pytest

from mesostage import Case
from mesostage.web.view import analyse
from tests.readability import fk_grade
from tests.web_helpers import example_case

EXAMPLES = ["diaphragm-origin", "example-1", "pleural-unknowns", "peritoneal-pci", "pericardial"]


def _glance(case: dict[str, object], view: str = "patient") -> dict[str, str]:
    return {r.id: r.answer for r in analyse(Case.model_validate(case), view).glance}


@pytest.mark.parametrize("name", EXAMPLES)
def test_glance_reads_at_grade_8_or_below_with_no_field_names(name: str) -> None:
    rows = _glance(example_case(name))
    assert {"glance-meaning", "glance-treatments", "glance-surgery", "glance-outlook"} <= set(rows)
    text = " ".join(rows.values())
    assert fk_grade(text) <= 8, text
    assert not re.search(r"\w_\w|\[|\]|\bNone\b|\bTrue\b|\bFalse\b", text), text


@pytest.mark.parametrize("name", EXAMPLES)
def test_clinician_view_has_no_glance(name: str) -> None:
    assert _glance(example_case(name), "clinician") == {}


def test_a_settled_stage_says_new_results_can_still_change_it() -> None:
    rows = _glance(example_case("diaphragm-origin"))
    assert rows["glance-sure"].startswith("Settled in the TNM 8th:")
    assert "could still change it" in rows["glance-sure"]
    # the order: how sure comes after the outlook when the stage is settled
    assert list(rows).index("glance-sure") > list(rows).index("glance-outlook")


def test_nodes_not_looked_at_are_named_as_not_known() -> None:
    # T1 with the nodes not assessed (NX): 8th edition IA (N0) to IIIB (N2), so the nodes decide it.
    case = {
        "diagnosis_date": "2024-06-01",
        "site": "pleura",
        "laterality": "left",
        "tumor": {"findings": ["parietal_pleura"]},
        "nodes": {"assessed": False},
        "metastases": {"findings": []},
    }
    a = analyse(Case.model_validate(case), "patient")
    assert a.answer is not None
    assert a.answer.stage == "IA to IIIB"
    rows = {r.id: r.answer for r in a.glance}
    assert "Not known yet: the lymph nodes (not looked at)." in rows["glance-meaning"]
    assert rows["glance-sure"].startswith("Not settled yet.")
    assert list(rows)[:2] == ["glance-meaning", "glance-sure"]


def test_later_line_lists_the_treatments_after_a_first_one() -> None:
    case = {**example_case("diaphragm-origin"), "patient": {"prior_systemic_lines": 1}}
    rows = _glance(case)
    assert rows["glance-treatments"].startswith("After a first treatment, the guidelines list:")
    assert "Nivolumab plus ipilimumab (dual immunotherapy)" not in rows["glance-treatments"]


def test_the_peritoneal_stage_is_taken_with_care() -> None:
    # The PCI-based TNM is a research proposal (Yan et al. 2011), not the AJCC/UICC book: the first screen says so.
    rows = _glance(example_case("peritoneal-pci"))
    assert "its rules come from a research paper, not the official staging book" in rows["glance-sure"]
    assert "official" not in _glance(example_case("diaphragm-origin"))["glance-sure"]
