"""Results are built without validating again (``mesostage.staging.result.make``): each must be exactly the model
validation gives from the same fields (same values and types, same defaults, same fields set), on every kind of
case, so that what a user gets (``model_dump``, ``exclude_unset``, equality) cannot tell them apart."""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel

import mesostage
from mesostage.staging.result import Determinant, ReviewNote, SystemResult, make
from tests.factories import random_case


def _validated(model: BaseModel) -> BaseModel:
    """The model validation builds from the fields ``model`` has set (nested models validated the same way)."""
    return type(model)(**{name: _plain(getattr(model, name)) for name in model.model_fields_set})


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _validated(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _same(built: BaseModel) -> None:
    validated = _validated(built)
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert list(built.__dict__) == list(validated.__dict__)
    assert repr(built) == repr(validated)  # types too: a tuple where a list belongs would show
    assert built.model_dump_json(exclude_unset=True) == validated.model_dump_json(exclude_unset=True)
    for name in type(built).model_fields:
        value = getattr(built, name)
        for inner in value if isinstance(value, list) else [value]:
            if isinstance(inner, BaseModel):
                _same(inner)


def test_make_gives_the_model_validation_gives() -> None:
    note = make(ReviewNote, code="c", severity="info", message="m", systems=["tnm8"])
    assert note == ReviewNote(code="c", severity="info", message="m", systems=["tnm8"])
    assert note.model_fields_set == {"code", "severity", "message", "systems"}
    assert make(Determinant, component="T", category="T1").model_fields_set == {"component", "category"}
    one = make(SystemResult, system="x", name="y", applicable=False)
    two = make(SystemResult, system="x", name="y", applicable=False)
    assert one.categories == {}
    assert one.categories is not two.categories  # each default made new
    assert one.determinants == []
    assert one.determinants is not two.determinants


def test_every_result_equals_its_validated_copy() -> None:
    rng = random.Random(23)
    cases = [random_case(rng, i) for i in range(400)]
    cases += [{**c, "reported_stage": {"system": "tnm9", "stage": "IV"}} for c in cases[:50] if c["site"] == "pleura"]
    for case in cases:
        _same(mesostage.stage(case))
        _same(mesostage.staging.stage(case))
