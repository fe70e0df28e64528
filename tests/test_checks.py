"""mesostage.check_case: the input checks that the web form, the HTTP API and the CLI share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import mesostage
from mesostage import check_case
from tests.readability import fk_grade

TODAY = dt.date(2026, 12, 1)


def pleural(*tumor: str, **extra: Any) -> dict[str, Any]:
    return {
        "site": "pleura",
        "tumor": {"findings": list(tumor)},
        "nodes": {"findings": []},
        "metastases": {"findings": []},
        **extra,
    }


def codes(case: Any) -> list[str]:
    return [w.code for w in check_case(case, today=TODAY)]


def test_a_complete_case_has_nothing_to_check() -> None:
    assert codes(pleural("parietal_pleura", diagnosis_date="2026-11-30")) == []


def test_nothing_marked_yes() -> None:
    (w,) = check_case(pleural(), today=TODAY)
    assert (w.code, w.path, w.level) == ("nothing_marked_yes", "tumor.findings", "warning")
    # a section marked as not described, or "no sign of a main tumour", is a statement, not an empty form
    assert codes({"site": "pleura", "tumor": {"assessed": False}}) == []
    assert codes({"site": "pleura", "tumor": {"no_evidence": True}, "nodes": {}, "metastases": {}}) == []
    assert codes({"site": "peritoneum", "peritoneal": {}}) == ["nothing_marked_yes"]
    assert codes({"site": "peritoneum", "peritoneal": {"pci": 0}}) == []


def test_future_diagnosis_date_is_an_error() -> None:
    (w,) = check_case(pleural("rib", diagnosis_date="2026-12-02"), today=TODAY)
    assert (w.code, w.path, w.level) == ("diagnosis_date_in_future", "diagnosis_date", "error")
    assert codes(pleural("rib", diagnosis_date="2026-12-01")) == []


@pytest.mark.parametrize(
    ("case", "code", "path"),
    [
        (pleural("chest_wall_solitary", "chest_wall_diffuse"), "chest_wall_solitary_and_diffuse", "tumor.findings"),
        (
            pleural("rib", "pericardium_through", "pericardium_nontransmural"),
            "pericardium_not_through_and_through",
            "tumor.findings",
        ),
        (
            {"site": "pleura", "tumor": {"no_evidence": True, "findings": ["rib"]}},
            "no_tumour_with_findings",
            "tumor.no_evidence",
        ),
        (
            pleural("rib", resection={"performed": False, "margins_positive": True}),
            "margins_without_resection",
            "resection.margins_positive",
        ),
        (
            pleural("rib", resection={"margins_positive": False}),
            "margins_without_resection",
            "resection.margins_positive",
        ),
    ],
)
def test_contradictions(case: dict[str, Any], code: str, path: str) -> None:
    found = check_case(case, today=TODAY)
    assert [(w.code, w.path) for w in found] == [(code, path)]
    assert "_" not in found[0].message  # plain words, no field names


def test_every_message_is_plain_words() -> None:
    cases = [
        pleural(diagnosis_date="2999-01-01"),
        pleural("chest_wall_solitary", "chest_wall_diffuse", "pericardium_through", "pericardium_nontransmural"),
        {
            "site": "pleura",
            "tumor": {"no_evidence": True, "findings": ["rib"]},
            "resection": {"margins_positive": True},
        },
        {"site": "peritoneum"},
    ]
    for case in cases:
        for w in check_case(case, today=TODAY):
            assert fk_grade(w.message) <= 8, (w.code, fk_grade(w.message))


def test_staging_result_carries_the_warnings() -> None:
    result = mesostage.stage(pleural("chest_wall_solitary", "chest_wall_diffuse"))
    assert [w.code for w in result.warnings] == ["chest_wall_solitary_and_diffuse"]
    # the stage counts the wider growth, as the message says: diffuse chest wall is T4 (8th edition, Nowak 2016)
    assert result.result("tnm8").t == "T4"
