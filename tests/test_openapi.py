"""The OpenAPI document as a client generator or a reader of the docs meets it: every route has a stable, readable
operation id and an example for each input, every field of the case model says what it means (with its unit and
its allowed values), and every model has one plain name.

The document is walked as served (``/api/v1/openapi.json``); a route added without these fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from mesostage import parse_case
from mesostage.web.examples import examples
from tests.web_helpers import client

#: The public operation ids: clients generated from the document name their functions after them, so a change
#: here breaks them (add new ones; never rename).
OPERATION_IDS = {
    ("post", "/api/v1/stage"): "stage_case",
    ("post", "/api/v1/review"): "review_case",
    ("post", "/api/v1/explain"): "explain_case",
    ("post", "/api/v1/options"): "treatment_options",
    ("post", "/api/v1/prognosis"): "prognosis",
    ("post", "/api/v1/prognosis/figure"): "prognosis_figure",
    ("post", "/api/v1/trials/match"): "match_trials",
    ("post", "/api/v1/trials/list"): "trial_list",
    ("post", "/api/v1/trials/shortlist"): "trial_shortlist",
    ("post", "/api/v1/extract"): "extract_case",
    ("get", "/api/v1/systems"): "list_systems",
    ("get", "/api/v1/health"): "health",
}
#: Units as the field names spell them, and as a description must name them.
UNITS = {
    "_mm": "mm",
    "_percent": "%",
    "_years": "years",
    "_10e9_per_l": "10^9/L",
    "_g_per_l": "g/L",
    "_umol_per_l": "umol/L",
    "_u_per_l": "U/L",
    "_ml_per_min": "mL/min",
}


@pytest.fixture(scope="module")
def web() -> Any:
    return client()


@pytest.fixture(scope="module")
def doc(web: Any) -> dict[str, Any]:
    r = web.get("/api/v1/openapi.json")
    assert r.status_code == 200
    document: dict[str, Any] = r.json()
    return document


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _fastapi_default_id(method: str, path: str, name: str) -> str:
    # fastapi.utils.generate_unique_id: the function name, the path and the method, joined by underscores.
    return re.sub(r"\W", "_", f"{name}{path}") + f"_{method}"


def test_every_route_has_its_stable_readable_operation_id(doc: dict[str, Any]) -> None:
    found = {(m, p): op.get("operationId") for m, p, op in _operations(doc)}
    assert found == OPERATION_IDS  # a new route without an id, or a renamed one, fails here
    ids = [op_id for op_id in found.values() if op_id]
    assert len(ids) == len(set(ids))
    for (method, path), op_id in found.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", op_id), op_id
        assert "api_v1" not in op_id, f"{op_id}: FastAPI's path-mangled form"
        assert not op_id.endswith(f"_{method}"), f"{op_id}: FastAPI's path-mangled form"
        assert op_id != _fastapi_default_id(method, path, op_id)


def _has_example(obj: dict[str, Any]) -> bool:
    schema = obj.get("schema", {})
    return bool(obj.get("example") is not None or obj.get("examples") or schema.get("examples"))


def test_every_route_has_an_example_for_each_input(doc: dict[str, Any]) -> None:
    missing = []
    for method, path, op in _operations(doc):
        params = op.get("parameters", [])
        missing += [f"{method} {path} parameter {p['name']}" for p in params if not _has_example(p)]
        body = op.get("requestBody")
        if body is not None:
            missing += [f"{method} {path} body {t}" for t, media in body["content"].items() if not _has_example(media)]
        if not params and body is None:  # no input: the answer is the example
            answer = op["responses"]["200"]["content"]["application/json"]
            if not _has_example(answer):
                missing.append(f"{method} {path} answer")
    assert missing == []


def test_the_case_body_examples_are_the_projects_example_cases(doc: dict[str, Any]) -> None:
    expected = {e.name: e.case() for e in examples()}
    case_routes = [
        (m, p, op)
        for m, p, op in _operations(doc)
        if op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        == {"$ref": "#/components/schemas/Case"}
    ]
    assert len(case_routes) == 9
    for _, _, op in case_routes:
        given = op["requestBody"]["content"]["application/json"]["examples"]
        assert {name: ex["value"] for name, ex in given.items()} == expected
        assert all(ex["summary"] for ex in given.values())
    for case in expected.values():
        parse_case(case)  # each is a valid case


def _example_values(obj: dict[str, Any]) -> list[Any]:
    if obj.get("example") is not None:
        return [obj["example"]]
    return [e["value"] for e in obj.get("examples", {}).values()] or obj.get("schema", {}).get("examples", [])


@pytest.mark.parametrize(("method", "path"), sorted(OPERATION_IDS))
def test_each_routes_examples_are_answered(
    web: Any, doc: dict[str, Any], method: str, path: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first body example with every parameter example is a request the route answers with 200 (the trial
    examples are of the bundled demo trials: no imported index here)."""
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path))
    op = doc["paths"][path][method]
    query: list[tuple[str, Any]] = []
    for p in op.get("parameters", []):
        value = _example_values(p)[0]
        query += [(p["name"], v) for v in value] if isinstance(value, list) else [(p["name"], value)]
    url = path + (
        "?" + urlencode([(k, str(v).lower() if isinstance(v, bool) else v) for k, v in query]) if query else ""
    )
    if method == "get":
        r = web.get(url)
        assert r.json() == op["responses"]["200"]["content"]["application/json"]["example"]
    else:
        body = _example_values(op["requestBody"]["content"]["application/json"])[0]
        r = web.post(url, json=body)
    assert r.status_code == 200, (url, r.text[:300])


def _case_schemas(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Case schema and every schema it refers to, by name."""
    schemas = doc["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}
    todo = ["Case"]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found[name] = schemas[name]
        todo += re.findall(r"#/components/schemas/(\w+)", str(schemas[name]))
    return found


def _allowed_values(prop: dict[str, Any]) -> list[str]:
    """The enum of a property (``T | None`` is an anyOf with null), not of its items."""
    for option in [prop, *prop.get("anyOf", [])]:
        if "enum" in option:
            return list(option["enum"])
    return []


def test_every_case_model_field_has_a_description_with_unit_and_values(doc: dict[str, Any]) -> None:
    schemas = _case_schemas(doc)
    assert {"Case", "TumorSection", "NodeSection", "MetastasisSection", "Peritoneal", "Patient", "Biomarkers"} <= set(
        schemas
    )
    problems = []
    count = 0
    for model, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            count += 1
            text = prop.get("description", "")
            if len(text) < 10:
                problems.append(f"{model}.{field}: no description")
                continue
            unit = next((u for suffix, u in UNITS.items() if field.endswith(suffix)), None)
            if unit is not None and unit not in text and unit.replace("u", "µ", 1) not in text:
                problems.append(f"{model}.{field}: the unit {unit} is not named")
            values = _allowed_values(prop)
            if 0 < len(values) <= 6:  # a short list is spelt out; long vocabularies stay in the enum
                problems += [f"{model}.{field}: value {v!r} not named" for v in values if v not in text]
    assert problems == []
    assert count >= 78  # every field of the case, its sections and the patient block


def test_model_names_are_plain_and_unique(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    mangled = [n for n in schemas if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)]
    assert mangled == []  # no Foo-Input / Foo-Output, no module__path__Foo
    folded = [n.lower() for n in schemas]
    assert len(folded) == len(set(folded))
    refs = set(re.findall(r"#/components/schemas/([^'\"]+)", str(doc)))
    assert refs <= set(schemas)  # every reference resolves
    assert {"Stage4SurvivalFigure", "SurvivalFigure"} <= set(schemas)  # the two figures, named apart


def test_two_models_of_one_name_stop_the_document() -> None:
    """A case sub-model named like a response model would make the $refs point at one of them: refused."""
    from pydantic import BaseModel

    from mesostage.web import api
    from mesostage.web.app import create_app

    class Patient(BaseModel):  # the name of the case model's patient block
        note: str

    @api.router.get("/clash-test", response_model=Patient, include_in_schema=True, operation_id="clash")
    async def clash() -> Patient:
        return Patient(note="")

    try:
        with pytest.raises(RuntimeError, match="two different models are named Patient"):
            create_app().openapi()
    finally:
        api.router.routes[:] = [r for r in api.router.routes if getattr(r, "path", "") != "/api/v1/clash-test"]


TREATMENT_MODELS = ("TreatmentOptions", "TreatmentOption", "SourceRef", "GuidelineRef", "EvidenceItem")
TREATMENT_MODELS += ("ConditionCheck", "Caveat", "OfferedGroup", "SymptomControl", "Stage4SurvivalFigure", "Stage4View")
OUTLOOK_MODELS = ("Prognosis", "SurvivalContext", "SurvivalFigure", "Outcome", "SurvivalAt", "ScoreResult")
OUTLOOK_MODELS += ("ScoreGroup", "ScoreInput", "ScoreItem", "ValidationOutcome", "NotAvailable")
STAGING_AND_TRIAL_MODELS = ("StagingResult", "SystemResult", "Determinant", "ReviewNote", "PciRegion", "MatchResult")
STAGING_AND_TRIAL_MODELS += ("TrialMatch", "CriterionResult", "FilterResult", "NearestSite", "ContactInfo", "TrialList")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _response_models(doc: dict[str, Any]) -> set[str]:
    """Every model an answer of any route can hold, nested models included."""
    schemas = doc["components"]["schemas"]
    todo = [name for _, _, op in _operations(doc) for name in _refs(op["responses"])]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += _refs(schemas[name])
    return found


def test_every_field_of_every_response_model_is_described(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    models = _response_models(doc)
    assert set(STAGING_AND_TRIAL_MODELS) <= models  # the walk reaches the nested models
    undescribed = [
        f"{m}.{f}"
        for m in sorted(models)
        for f, p in schemas[m].get("properties", {}).items()
        if not p.get("description")
    ]
    assert undescribed == []
    assert [m for m in (*TREATMENT_MODELS, *OUTLOOK_MODELS) if not schemas[m].get("description")] == []


def test_the_trial_routes_answer_examples_are_demo_answers(web: Any, doc: dict[str, Any]) -> None:
    """The trial routes' examples are answers with the bundled FICTIONAL demo trials (a server answers from its own
    index), each list cut to one trial: valid answers of the route's model, saying that the data are fictional."""
    from mesostage import MatchResult
    from mesostage.trials.navigator import TrialList

    operations = {op["operationId"]: (path, op) for _, path, op in _operations(doc)}
    for op_id, model in (("match_trials", MatchResult), ("trial_list", TrialList)):
        path, op = operations[op_id]
        example = op["responses"]["200"]["content"]["application/json"]["example"]
        answer = model.model_validate(example)
        assert answer.fictional_data
        assert 1 <= len(example["matches"]) + len(example["excluded"]) <= 2
        body = _example_values(op["requestBody"]["content"]["application/json"])[0]
        served = web.post(path, json=body).json()
        if served["fictional_data"]:  # this test's server answers from the demo trials too: the same first trials
            assert served["matches"][:1] == example["matches"]
    path, op = operations["trial_shortlist"]
    shortlist = op["responses"]["200"]["content"]["text/markdown"]["example"]
    assert shortlist.startswith("# Clinical trials to ask about")
    assert "FICTIONAL" in shortlist


#: The routes that take a case and whose answer depends only on it (the trial routes read the trial index).
ANSWERED_FROM_THE_CASE = ("stage_case", "review_case", "explain_case", "treatment_options", "prognosis")


def test_the_case_routes_answer_examples_are_their_answers_to_the_first_case(web: Any, doc: dict[str, Any]) -> None:
    """A POST route's answer example is what it answers to the first body example, with no query parameter."""
    found = 0
    for method, path, op in _operations(doc):
        if op["operationId"] not in ANSWERED_FROM_THE_CASE:
            continue
        found += 1
        documented = op["responses"]["200"]["content"]["application/json"]["example"]
        body = _example_values(op["requestBody"]["content"]["application/json"])[0]
        assert getattr(web, method)(path, json=body).json() == documented, path
    assert found == len(ANSWERED_FROM_THE_CASE)
