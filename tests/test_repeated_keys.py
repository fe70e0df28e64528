"""A key given twice in one JSON object is refused on every surface that reads JSON text, with the key's path.

``json.loads`` keeps the last value silently (and other readers keep the first), so a case with two ``site`` keys
would be staged from whichever one the reader kept. Each surface must say which field is given twice instead.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import mesostage
from mesostage import CaseError
from mesostage.batch.run import run_batch
from mesostage.cli import app
from mesostage.limits import parse_json
from tests.factories import random_case
from tests.web_helpers import client, example_case

RUNNER = CliRunner()

#: A case with ``tumor.findings`` given twice (the second list would win with json.loads).
TWICE = (
    '{"site": "pleura", "diagnosis_date": "2024-03-01",'
    ' "tumor": {"findings": ["parietal_pleura", "rib"], "findings": ["parietal_pleura"]},'
    ' "nodes": {"findings": []}, "metastases": {"findings": []}}'
)


def _messages(exc: CaseError) -> dict[str, str]:
    return {e.path: e.message for e in exc.errors}


# ------------------------------------------------------------------------------------------------ Python API


@pytest.mark.parametrize(
    ("text", "path", "times"),
    [
        (TWICE, "tumor.findings", "twice"),
        ('{"site": "pleura", "site": "peritoneum"}', "site", "twice"),
        ('{"site": "pleura", "tumor": {}, "tumor": {"findings": ["rib"]}}', "tumor", "twice"),
        (
            '{"site": "pleura", "nodes": {"findings": [], "findings": [], "findings": ["subcarinal"]}}',
            "nodes.findings",
            "3 times",
        ),
        ('{"site": "pleura", "\\u0073ite": "pleura"}', "site", "twice"),  # the same key, escaped
        ('{"site": "pleura", "id": "at 12:30", "id": "b"}', "id", "twice"),  # a colon in a string
    ],
)
def test_python_api_refuses_a_key_given_twice(text: str, path: str, times: str) -> None:
    for given_text in (text, text.encode(), b"\xef\xbb\xbf" + text.encode()):
        with pytest.raises(CaseError) as caught:
            mesostage.parse_case_json(given_text)
        assert _messages(caught.value) == {path: f"given {times} in the same object: give each field once"}


def test_the_same_value_twice_is_refused_too() -> None:
    with pytest.raises(CaseError) as caught:
        mesostage.parse_case_json('{"site": "pleura", "basis": "clinical", "basis": "clinical"}')
    assert list(_messages(caught.value)) == ["basis"]


def test_every_repeated_key_is_named_at_once() -> None:
    with pytest.raises(CaseError) as caught:
        mesostage.parse_case_json(
            '{"site": "pleura", "site": "pleura", "patient": {"ecog": 1, "biomarkers": {"pd_l1_tps": 1,'
            ' "pd_l1_tps": 50}}}'
        )
    assert set(_messages(caught.value)) == {"site", "patient.biomarkers.pd_l1_tps"}


def test_a_key_given_once_per_object_is_not_a_repeat() -> None:
    # findings in three sections, and colons inside strings: each object gives each key once
    case = mesostage.parse_case_json(
        '{"site": "pleura", "id": "a:b:c", "tumor": {"findings": ["rib"]}, "nodes": {"findings": []},'
        ' "metastases": {"findings": []}, "patient": {"location": "Leeds: St James"}}'
    )
    assert (case.id, case.tumor and case.tumor.findings, case.patient and case.patient.location) == (
        "a:b:c",
        ["rib"],
        "Leeds: St James",
    )


def test_the_example_cases_are_still_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check for repeated keys keeps the fast reading: a case with no colon inside a string never reaches the
    careful reading (``parse_json``)."""

    def careful(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("read the careful way")

    monkeypatch.setattr("mesostage.case.parse_json", careful)
    from mesostage.case import _one_pass_reading_agrees

    if not _one_pass_reading_agrees():
        pytest.skip("this pydantic-core reads every case the careful way")
    for name in ("example-1", "diaphragm-origin", "peritoneal-pci", "pleural-unknowns", "pericardial"):
        mesostage.parse_case_json(json.dumps(example_case(name)))
        mesostage.parse_case_json(json.dumps(example_case(name), indent=2).encode())


# ------------------------------------------------------------------------------------ properties (hypothesis)

KEYS = st.sampled_from(["a", "b", "site", "é", "x y"])
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-100, 100), st.sampled_from(["", "v", "12:30", "{", "}"]))


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(st.tuples(KEYS, children, st.booleans()), max_size=4).map(Pairs),
    )


class Pairs(list[tuple[str, Any, bool]]):
    """A JSON object as written: its (key, value, write the key with \\u escapes) in order, repeats allowed."""


VALUES = st.recursive(LEAVES, _objects, max_leaves=12)


def _text(value: Any) -> str:
    if isinstance(value, Pairs):
        members = []
        for key, item, escaped in value:
            written = '"' + "".join(f"\\u{ord(c):04x}" for c in key) + '"' if escaped else json.dumps(key)
            members.append(f"{written}: {_text(item)}")
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return json.dumps(value)


def _repeats(value: Any, path: str = "") -> set[str]:
    """The path of every key that an object gives more than once (the path as errors write it)."""
    found: set[str] = set()
    if isinstance(value, Pairs):
        keys = [key for key, _, _ in value]
        found |= {f"{path}.{k}" if path else k for k in keys if keys.count(k) > 1}
        last = {key: item for key, item, _ in value}
        for key, item in last.items():
            found |= _repeats(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found |= _repeats(item, f"{path}[{i}]")
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_any_object_with_a_repeated_key_is_refused_any_other_read_as_json_loads(value: Any) -> None:
    text = _text(value)
    repeats = _repeats(value)
    if not repeats:
        assert parse_json(text) == json.loads(text)
        assert parse_json(text.encode()) == json.loads(text)
        return
    with pytest.raises(CaseError) as caught:
        parse_json(text)
    assert {e.path for e in caught.value.errors} == repeats
    assert all(e.message.startswith("given ") for e in caught.value.errors)


def _write_case(value: Any, repeat_at: list[str], repeated: Any) -> str:
    """A case dict as JSON text, with the key at the path ``repeat_at`` written again (first) with ``repeated``."""
    if isinstance(value, dict):
        members = []
        for key, item in value.items():
            if repeat_at == [key]:
                members.append(f"{json.dumps(key)}: {json.dumps(repeated)}")
            inner = repeat_at[1:] if repeat_at[:1] == [key] else []
            members.append(f"{json.dumps(key)}: {_write_case(item, inner, repeated)}")
        return "{" + ", ".join(members) + "}"
    return json.dumps(value)


def _object_keys(value: Any, path: list[str]) -> list[list[str]]:
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        found.append([*path, key])
        found += _object_keys(item, [*path, key])
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), at=st.integers(0, 100), same=st.booleans(), as_bytes=st.booleans())
def test_a_valid_case_with_any_key_given_again_is_refused_at_that_path(
    seed: int, at: int, same: bool, as_bytes: bool
) -> None:
    case = random_case(random.Random(seed), seed)
    spots = _object_keys(case, [])
    spot = spots[at % len(spots)]
    value: Any = case
    for key in spot:
        value = value[key]
    text = _write_case(case, spot, value if same else None)
    with pytest.raises(CaseError) as caught:
        mesostage.parse_case_json(text.encode() if as_bytes else text)
    assert [e.path for e in caught.value.errors] == [".".join(spot)]
    # without the repeat the same text is the case json.loads reads
    assert mesostage.parse_case_json(_write_case(case, [], None)) == mesostage.parse_case(case)


# ---------------------------------------------------------------------------------------------- command line


def test_cli_refuses_a_key_given_twice_in_a_file_and_on_stdin(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(TWICE, encoding="utf-8")
    for args, stdin in ((["stage", str(path)], None), (["stage", "-"], TWICE), (["review", str(path)], None)):
        out = RUNNER.invoke(app, args, input=stdin)
        assert out.exit_code == 2, out.output
        assert "error: tumor.findings: given twice in the same object: give each field once" in out.stderr
        assert out.stdout == ""


# ------------------------------------------------------------------------------------------------- HTTP API


@pytest.fixture(scope="module")
def api() -> Any:
    return client()


def _post_routes(api: Any) -> list[str]:
    document = api.get("/api/v1/openapi.json").json()
    return [path for path, item in document["paths"].items() if "post" in item and "requestBody" in item["post"]]


def test_every_api_route_taking_json_refuses_a_key_given_twice(api: Any) -> None:
    routes = _post_routes(api)
    assert "/api/v1/stage" in routes
    assert "/api/v1/trials/list" in routes
    assert "/api/v1/extract" in routes
    invalid = api.post("/api/v1/stage", content=b'{"site": "lung"}').json()
    for route in routes:
        body = '{"text": "a", "text": "b"}' if route.endswith("/extract") else TWICE
        answer = api.post(route, content=body.encode(), headers={"content-type": "application/json"})
        assert answer.status_code == 422, route
        error = answer.json()["errors"]
        path = "text" if route.endswith("/extract") else "tumor.findings"
        assert error == [
            {"path": path, "message": "given twice in the same object: give each field once", "allowed": []}
        ]
        assert answer.headers["content-type"] == "application/json"
        assert set(answer.json()) == set(invalid)
        assert set(error[0]) == set(invalid["errors"][0])


def test_the_web_form_json_box_refuses_a_key_given_twice(api: Any) -> None:
    answer = api.post("/results", data={"case_json": TWICE})
    assert answer.status_code == 422
    assert "given twice in the same object" in answer.text


# ---------------------------------------------------------------------------------------------------- batch


def test_batch_jsonl_and_csv_case_column_name_the_repeated_key(tmp_path: Path) -> None:
    jsonl = tmp_path / "cases.jsonl"
    good = json.dumps(example_case("example-1"))
    jsonl.write_text(good + "\n" + TWICE + "\n", encoding="utf-8")
    run_batch(jsonl, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv")
    errors = out.filter(pl.col("line") == 2)["error"].to_list()
    assert errors
    assert all(e == "line 2: tumor.findings: given twice in the same object: give each field once" for e in errors)
    assert out.filter(pl.col("line") == 1)["error"].is_null().all()

    csv = tmp_path / "cases.csv"
    pl.DataFrame({"case": [good, TWICE]}).write_csv(csv)
    run_batch(csv, tmp_path / "out2.csv")
    out = pl.read_csv(tmp_path / "out2.csv")
    assert set(out.filter(pl.col("row") == 2)["error"].to_list()) == {
        "case.tumor.findings: given twice in the same object: give each field once"
    }
