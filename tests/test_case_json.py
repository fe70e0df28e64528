"""Reading a case from JSON text: the one-pass reading (pydantic's JSON parser, for text with nothing near a
limit) gives exactly what reading the text the careful way gives (``parse_json`` with its limits, then
``parse_case``): the same case, field for field and type for type, or the same errors, each with its path.

The texts are valid cases with one part changed into something hard: numbers of every form and size, escapes of
surrogates and of other characters, repeated keys, a byte-order mark.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import mesostage
from mesostage import Case, CaseError
from mesostage.limits import parse_json, plain_json
from mesostage.web.examples import examples
from tests.factories import random_case

_NUMBER = re.compile(r"(?<![\w.\"])-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w\"])")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')

HARD_NUMBERS = st.sampled_from(
    [
        "0",
        "-0",
        "-0.0",
        "12",
        "12.0",
        "1e2",
        "1E2",
        "1e-400",
        "1e308",
        "1.8e308",
        "1e999",
        "-1e999",
        "5e-324",
        "9" * 30,
        "9" * 31,
        "9" * 5000,
        "0." + "1" * 40,
        "1" + "0" * 29 + ".5",
        "NaN",
        "Infinity",
        "-Infinity",
        "9007199254740993",
        "1e0100",
        "01",
        "1.",
        "+1",
    ]
)
NUMBERS = st.one_of(
    HARD_NUMBERS,
    HARD_NUMBERS,
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,33})(\.[0-9]{1,33})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
)
STRINGS = st.sampled_from(
    [
        '"\\ud800"',
        '"\\udfff x"',
        '"\\uD83D\\uDE00"',
        '"\\ud83d"',
        '"e100"',
        '"x\\u0000"',
        '"caf\\u00e9"',
        '"café"',
        '"NaN"',
        '"\\\\ud800"',
        '"tab\\there"',
        '"\\u2028"',
        '""',
        '"pleura"',
        '"tnm9"',
        '"2024-02-30"',
        '"2024-02-03"',
    ]
)


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        case = read()
    except CaseError as exc:
        return "errors", [e.as_dict() for e in exc.errors]
    return "case", (case.model_dump_json(), _types(case))


def _types(value: Any) -> Any:
    """Every field's Python type, nested (12 and 12.0 dump alike as JSON text but are not the same case)."""
    if isinstance(value, BaseModel):
        return {k: _types(v) for k, v in value.__dict__.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def _careful(text: bytes) -> Case:
    data = parse_json(text)
    return mesostage.parse_case(data)


def _base(seed: int) -> dict[str, Any]:
    case = random_case(random.Random(seed), seed)
    case["patient"] = {"age_years": 61, "ecog": 1, "wbc_10e9_per_l": 7.5, "serum_ldh_u_per_l": 250}
    if case["site"] == "pleura":
        case.setdefault("tumor", {}).setdefault("psum_mm", 20.0)
    return case


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["measurement", "measurement", "number", "string", "repeat", "bom", "none"]),
    at=st.integers(0, 50),
    number=NUMBERS,
    string=STRINGS,
)
@example(seed=1, kind="measurement", at=0, number="1e999", string='""')  # seed 1: a pleural case
@example(seed=1, kind="measurement", at=0, number="9" * 40, string='""')
@example(seed=1, kind="measurement", at=0, number="Infinity", string='""')
def test_one_pass_reading_is_the_careful_reading(seed: int, kind: str, at: int, number: str, string: str) -> None:
    text = json.dumps(_base(seed))
    if kind == "measurement":  # psum_mm has no upper bound: a number too large for the limits would be accepted
        text = re.sub(r'"psum_mm": [^,}]+', lambda _: f'"psum_mm": {number}', text)
    elif kind in ("number", "string"):
        spots = list((_NUMBER if kind == "number" else _STRING).finditer(text))
        spot = spots[at % len(spots)]
        text = text[: spot.start()] + (number if kind == "number" else string) + text[spot.end() :]
    elif kind == "repeat":
        text = '{"id": "first", "site": "peritoneum", ' + text[1:]
    data = ("\ufeff" if kind == "bom" else "").encode() + text.encode("utf-8")
    assert _outcome(lambda: mesostage.parse_case_json(data)) == _outcome(lambda: _careful(data))
    assert _outcome(lambda: mesostage.parse_case_json(text)) == _outcome(lambda: _careful(text.encode()))


@pytest.mark.parametrize(
    "text",
    [
        '{"n": ' + "9" * 31 + "}",
        '{"n": 1e999}',
        '{"n": 1E+308}',
        '{"n": NaN}',
        '{"n": -Infinity}',
        '{"s": "\\ud800"}',
        '{"s": "\\uDC00"}',
        '{"\\ud800": 1}',
    ],
)
def test_text_near_a_limit_is_read_the_careful_way(text: str) -> None:
    assert not plain_json(text.encode())


def test_the_example_cases_are_read_in_one_pass() -> None:
    for shown in examples():
        assert plain_json(json.dumps(shown.case()).encode()), shown.name
