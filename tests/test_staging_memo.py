"""Staging remembers the cases it staged last (``mesostage.staging.memo``): what a user gets must not depend on it.

A remembered result is handed out as a copy, two cases share one only when staging reads the same inputs of both,
and the review is recomputed whenever an input it reads differs.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import mesostage
from mesostage.staging import load_systems
from mesostage.staging import stage as stage_only
from mesostage.staging.memo import KEYED

EXAMPLES = Path(mesostage.__file__).parent / "examples"


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def test_every_input_a_system_file_reads_is_part_of_the_key() -> None:
    read: set[str] = set()
    for system in load_systems():
        for comp in system.components:
            read |= {r.key for r in comp.rules} | {m.field for m in comp.measures}
            read |= {f"{s}." for s in comp.required_sections}
        for chk in system.checks:
            read |= {p for p in (chk.section, chk.flag, chk.field) if p} | set(chk.findings)
        read |= {q.flag for q in system.requires}
    assert read
    assert {p.partition(".")[0] for p in read} <= set(KEYED)


def test_changing_a_returned_result_does_not_change_the_next_one() -> None:
    case = _example("example-1")
    first = mesostage.stage(case)
    before = first.model_dump_json()
    r = first.result("tnm8")
    r.determinants.clear()
    r.sources.append("changed")
    r.categories["T"] = "T4"
    first.review[0].systems.append("changed")
    again = mesostage.stage(case)
    assert again.model_dump_json() == before
    assert stage_only(case).result("tnm8").model_dump() == again.result("tnm8").model_dump()


def test_same_findings_other_id_keeps_its_own_id() -> None:
    one, two = _example("example-1"), {**_example("example-1"), "id": "another person"}
    assert mesostage.stage(one).id == "example-1"
    assert mesostage.stage(two).id == "another person"


@pytest.mark.parametrize(
    "change",
    [
        {"diagnosis_date": "2019-05-05"},
        {"diagnosis_date": "2025-02-01"},
        {"reported_stage": {"system": "tnm8", "stage": "IIIA"}},
        {"reported_stage": {"system": "tnm9", "stage": "IV"}},
        {"histology": "sarcomatoid"},
        {"tumor_type": "localized"},
        {"patient": {"talc_pleurodesis": True}},
        {"basis": "pathological"},
        {"pleural_effusion_malignant": False},
    ],
)
def test_a_case_that_differs_in_any_input_the_review_reads_gets_its_own_review(change: dict[str, Any]) -> None:
    base = _example("example-1")
    mesostage.stage(base)
    changed = {**copy.deepcopy(base), **change}
    assert mesostage.stage(changed).review == mesostage.review(changed)
    assert mesostage.stage(base).review == mesostage.review(base)


def test_an_infinite_measurement_is_not_taken_for_a_missing_one() -> None:
    # JSON writes both as null; staging does not: Psum above 30 mm is cT3, an unmeasured Psum leaves cT open (TX).
    def case(psum: float | None) -> dict[str, Any]:
        return {"site": "pleura", "tumor": {"findings": ["parietal_pleura"], "psum_mm": psum}}

    assert mesostage.stage(case(None)).result("tnm9").t == "TX"
    assert mesostage.stage(case(float("inf"))).result("tnm9").t == "T3"
    assert mesostage.stage(case(None)).result("tnm9").t == "TX"
