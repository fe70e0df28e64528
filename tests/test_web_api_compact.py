"""The compact staging answer of the HTTP API: ``POST /api/v1/stage?fields=...`` keeps only the fields asked for;
without ``fields`` the answer is the full staging result of the case format, unchanged."""

from __future__ import annotations

from typing import Any

import pytest

import mesostage
from tests.web_helpers import client, example_case


@pytest.fixture(scope="module")
def api() -> Any:
    return client()


def test_only_the_stage_in_one_system(api: Any) -> None:
    # Diaphragm muscle invasion is T2 in the 8th edition (Nowak 2016); T2 N0 M0 is stage IB (Rusch 2016).
    r = api.post(
        "/api/v1/stage?systems=tnm8&fields=results.system&fields=results.stage",
        json=example_case("diaphragm-origin"),
    )
    assert r.status_code == 200
    assert r.json() == {"results": [{"system": "tnm8", "stage": "IB"}]}


def test_whole_parts_and_parts_of_each_result(api: Any) -> None:
    case = example_case("diaphragm-origin")
    r = api.post("/api/v1/stage?fields=id&fields=review&fields=results.stage_range", json=case).json()
    assert set(r) == {"id", "results", "review"}
    assert r["id"] == case["id"]
    assert all(set(x) == {"stage_range"} for x in r["results"])
    assert "reported_stage_differs" in [n["code"] for n in r["review"]]
    # results asked for whole wins over one of its fields
    whole = api.post("/api/v1/stage?fields=results.stage&fields=results", json=case).json()
    assert set(whole) == {"results"}
    assert "determinants" in whole["results"][0]


def test_without_fields_the_answer_is_the_full_staging_result(api: Any) -> None:
    case = example_case("example-1")
    r = api.post("/api/v1/stage", json=case)
    assert r.json() == mesostage.stage(case).model_dump(mode="json")


def test_an_unknown_field_is_an_error_naming_it(api: Any) -> None:
    r = api.post("/api/v1/stage?fields=results.stage&fields=stages", json=example_case("example-1"))
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["path"] == "fields[1]"
    assert "results.stage" in error["message"]


def test_the_option_is_described_in_the_openapi_document(api: Any) -> None:
    params = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/stage"]["post"]["parameters"]
    fields = next(p for p in params if p["name"] == "fields")
    assert "compact" in fields["description"]
    allowed = fields["schema"]["anyOf"][0]["items"]["enum"]
    assert {"results", "review", "results.stage", "results.unknowns_that_matter"} <= set(allowed)
