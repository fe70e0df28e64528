"""POST /api/v1/stage remembers its answers by body and query: a case asked again gets the same bytes without being
staged again, and nothing else may change an answer than what its key holds (the body, ``systems``, ``fields``
and the date)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import mesostage
from mesostage.web import api as web_api
from tests.web_helpers import client, example_case


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each case ``mesostage.stage`` is called with, while the test runs."""
    calls: list[Any] = []
    real = mesostage.stage

    def stage(case: Any, **kwargs: Any) -> Any:
        calls.append(case)
        return real(case, **kwargs)

    monkeypatch.setattr(mesostage, "stage", stage)
    return calls


def test_the_same_case_again_is_answered_from_memory_with_the_same_bytes(counted: list[Any]) -> None:
    web = client()
    body = json.dumps(example_case("example-1")).encode()
    first = web.post("/api/v1/stage", content=body)
    again = web.post("/api/v1/stage", content=body)
    assert first.status_code == again.status_code == 200
    assert (first.content, first.headers.multi_items()) == (again.content, again.headers.multi_items())
    assert len(counted) == 1
    # a new app (a new process) stages it again and answers the same bytes
    assert client().post("/api/v1/stage", content=body).content == first.content
    assert len(counted) == 2


def test_each_query_and_each_body_has_its_own_answer(counted: list[Any]) -> None:
    web = client()
    case = example_case("example-1")
    body = json.dumps(case).encode()
    full = web.post("/api/v1/stage", content=body).json()
    only = web.post("/api/v1/stage?systems=tnm9&fields=results.stage", content=body).json()
    assert only == {"results": [{"stage": next(r["stage"] for r in full["results"] if r["system"] == "tnm9")}]}
    other = web.post("/api/v1/stage?fields=results.stage&systems=tnm9&systems=tnm8", content=body).json()
    assert len(other["results"]) == 2
    renamed = web.post("/api/v1/stage", content=json.dumps(case | {"id": "another"}).encode()).json()
    assert (renamed["id"], full["id"]) == ("another", "example-1")
    assert len(counted) == 4


def test_an_error_is_not_remembered(counted: list[Any]) -> None:
    web = client()
    for _ in range(2):
        r = web.post("/api/v1/stage", content=b'{"site": "lung"}')
        assert r.status_code == 422
        assert r.json()["errors"][0]["path"] == "site"


def test_a_new_day_stages_again(counted: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The warning for a date after today depends on the day: the day is part of what an answer is kept by."""
    web = client()
    body = json.dumps(example_case("example-1")).encode()
    web.post("/api/v1/stage", content=body)
    monkeypatch.setattr(web_api, "_today", lambda: dt.date.today() + dt.timedelta(days=1))
    web.post("/api/v1/stage", content=body)
    assert len(counted) == 2


def test_a_case_dated_tomorrow_is_warned_about() -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    case = example_case("example-1") | {"diagnosis_date": tomorrow}
    web = client()
    for _ in range(2):
        warnings = web.post("/api/v1/stage", json=case).json()["warnings"]
        assert [w["path"] for w in warnings] == ["diagnosis_date"]


def test_a_large_body_is_answered_without_being_remembered(counted: list[Any]) -> None:
    web = client()
    body = json.dumps(example_case("example-1"), indent=web_api.REMEMBERED_BODY_BYTES // 40).encode()
    assert len(body) > web_api.REMEMBERED_BODY_BYTES
    answers = {web.post("/api/v1/stage", content=body).content for _ in range(2)}
    assert len(answers) == 1
    assert len(counted) == 2


def test_what_is_kept_holds_no_patient_details_and_is_bounded() -> None:
    web = client()
    case = example_case("example-1") | {"patient": {"location": "12 Secret Street, Leeds", "age_years": 61}}
    assert web.post("/api/v1/stage", json=case).status_code == 200
    kept = web.app.state.stage_answers
    held = repr(vars(kept))
    assert "Secret Street" not in held
    assert "Secret Street" not in repr(list(kept._answers.values()))
    small = web_api.RememberedAnswers(size=3)
    for i in range(5):
        small(json.dumps(example_case("example-1") | {"id": f"case {i}"}).encode(), b"", dt.date.today())
    assert len(small._answers) == 3
