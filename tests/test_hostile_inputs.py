"""Hostile input, faults and load (issue 16): case limits, the HTTP API, the pages and the PDF.

Each test reproduces one finding of the red-team pass: it failed before the fix. Batch, FHIR, CLI and trial-index
findings are in ``test_hostile_inputs_files.py``.
"""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

import mesostage
from mesostage import CaseError
from mesostage.limits import MAX_JSON_DEPTH, MAX_TEXT_CHARS, parse_json
from tests.web_helpers import client, example_case

FORM = "application/x-www-form-urlencoded"
DEEP = '{"site": "pleura", "tumor": ' + "[" * 1000 + "]" * 1000 + "}"
HUGE_INT = '{"site": "pleura", "patient": {"age_years": ' + "9" * 5000 + "}}"
SURROGATE_ID = '{"site": "pleura", "id": "\\ud800"}'
SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options")


@pytest.fixture(scope="module")
def web() -> Any:
    return client()


def _form(web: Any, path: str, fields: dict[str, str]) -> Any:
    return web.post(path, content=urlencode(fields), headers={"content-type": FORM})


def _errors(text: str) -> list[str]:
    try:
        mesostage.parse_case_json(text)
    except CaseError as exc:
        return [str(e) for e in exc.errors]
    raise AssertionError("the case was accepted")


# --- item 5: every free-text field is bounded -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "x" * 60_000),
        ("patient.location", "Leeds, United Kingdom" + "x" * 300),
        ("reported_stage.stage", "I" * 300),
    ],
)
def test_free_text_fields_are_bounded_and_not_echoed_whole(field: str, value: str) -> None:
    case = example_case("example-1")
    head, _, tail = field.partition(".")
    if tail:
        case[head] = {"system": "tnm8", tail: value} if head == "reported_stage" else {tail: value}
    else:
        case[head] = value
    with pytest.raises(CaseError) as err:
        mesostage.stage(case)
    (problem,) = [e for e in err.value.errors if e.path == field]
    assert str(MAX_TEXT_CHARS) in problem.message
    assert len(str(problem)) < 400  # the 60 kB id is not repeated in the message


def test_a_long_value_is_echoed_with_its_own_length() -> None:
    # 201 characters: the message must say 201, not the length of the repr with its quotes
    with pytest.raises(CaseError) as err:
        mesostage.parse_case({"site": "pleura", "id": "x" * 201})
    (problem,) = err.value.errors
    assert "(201 characters)" in problem.message


def test_a_long_id_is_refused_on_every_web_surface(web: Any) -> None:
    case = dict(example_case("example-1"), id="x" * 60_000)
    r = web.post("/api/v1/prognosis/figure", json=case)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "id"
    for route in ("/results", "/report.pdf"):
        r = _form(web, route, {"case_json": json.dumps(case)})
        assert r.status_code == 422
        assert "at most 200 characters" in r.text


# --- item 9: deep nesting, huge integers, lone surrogates are 422 with a field path -------------------------------


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (DEEP, "tumor[0][0]", "nested more than"),
        (HUGE_INT, "patient.age_years", "5000 digits"),
        (SURROGATE_ID, "id", "surrogate"),
        ('{"site": "pleura", "tumor": {"psum_mm": 1e999}}', "tumor.psum_mm", "too large"),
        ('{"site": "pleura", "tumor": {"psum_mm": NaN}}', "tumor.psum_mm", "not a number"),
    ],
)
def test_api_answers_422_with_the_field_path(web: Any, body: str, path: str, words: str) -> None:
    r = web.post("/api/v1/stage", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert any(e["path"].startswith(path) and words in e["message"] for e in errors), errors


def test_nesting_past_the_parsers_own_limit_is_a_clear_error() -> None:
    deeper = '{"site": "pleura", "tumor": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert any("nested more than" in e for e in _errors(deeper))


def test_a_lone_surrogate_given_from_python_is_an_input_error() -> None:
    with pytest.raises(CaseError) as err:
        mesostage.stage(dict(example_case("example-1"), id="\ud800"))
    assert err.value.errors[0].path == "id"


@pytest.mark.parametrize("route", ["/results", "/report.pdf"])
def test_results_page_and_pdf_refuse_a_lone_surrogate_id_with_422(web: Any, route: str) -> None:
    r = _form(web, route, {"case_json": SURROGATE_ID})
    assert r.status_code == 422
    assert "surrogate" in r.text


def test_parse_json_keeps_ordinary_numbers() -> None:
    data = parse_json('{"a": [1, -2, 3.5, 12345678901234567890]}')
    assert data == {"a": [1, -2, 3.5, 12345678901234567890]}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, None),  # 64 levels: within the limit
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested more than"),
        ('{"a": 1' + "0" * 30 + "}", "31 digits"),
        ('{"a": 1' + "0" * 29 + "}", None),
        ('{"a": -Infinity}', "not a number"),
        ('{"a": "x\\ud800"}', "surrogate"),
        ('{"a": "\\udc80"}', "surrogate"),
        ('{"\\ud800": 1}', "not Unicode"),
        ('{"a": "\ud800"}', "surrogate"),  # a lone surrogate in the text itself (a str from Python)
        ('\ufeff{"a": 1}', "BOM"),
        ('{"a": 1', "not valid JSON"),
    ],
)
def test_parse_json_checks_every_limit_whatever_the_text_looks_like(text: str, words: str | None) -> None:
    if words is None:
        parse_json(text)
        return
    with pytest.raises(CaseError) as err:
        parse_json(text)
    assert words in str(err.value)
    # the next document is read afresh: a number rejected before is not remembered
    assert parse_json('{"b": 2}') == {"b": 2}


def test_parse_json_from_several_threads_reports_each_documents_own_problems() -> None:
    texts = ['{"a": 1' + "0" * 40 + "}", '{"a": 1}'] * 200

    def problems(text: str) -> int:
        try:
            parse_json(text)
        except CaseError as exc:
            return len(exc.errors)
        return 0

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(problems, texts))
    assert outcomes == [1, 0] * 200


def test_a_500_carries_the_security_headers_and_names_what_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(mesostage, "stage", broken)
    web = client()
    for r in (web.post("/api/v1/stage", json=example_case("example-1")), web.get("/examples/example-1")):
        assert r.status_code == 500
        for header in SECURITY:
            assert header in r.headers
        assert r.headers["cache-control"] == "no-store"
        assert "internal error" not in r.text
        assert "RuntimeError" in r.text
        assert "nothing was stored" in r.text
        assert "secret" not in r.text


# --- item 10: a damaged trial index --------------------------------------------------------------------------


def _damaged_index(directory: Path) -> Path:
    from mesostage.trials.importer import load_demo

    path = directory / "trials.sqlite"
    load_demo(path)
    with path.open("r+b") as fh:
        fh.seek(4096 * 3)
        fh.write(b"\xff" * 8192)
    return path


def test_a_damaged_index_leaves_the_rest_of_the_results_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web: Any
) -> None:
    _damaged_index(tmp_path)
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path))
    r = web.get("/examples/diaphragm-origin")
    assert r.status_code == 200
    assert "the trial index cannot be read" in r.text
    assert "mesostage trials demo" in r.text
    assert 'id="outlook"' in r.text  # the other sections are there
    assert 'id="options"' in r.text


def test_a_damaged_index_is_a_503_naming_the_rebuild_on_the_trials_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web: Any
) -> None:
    _damaged_index(tmp_path)
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path))
    r = web.post("/api/v1/trials/match", json=example_case("example-1"))
    assert r.status_code == 503
    assert "mesostage trials import" in r.json()["errors"][0]["message"]
    assert "content-security-policy" in r.headers


def test_a_damaged_index_in_match_trials_names_the_file_and_the_rebuild(tmp_path: Path) -> None:
    from mesostage.trials.index import DamagedIndex

    path = _damaged_index(tmp_path)
    with pytest.raises(DamagedIndex) as err:
        mesostage.match_trials(example_case("example-1"), index=path)
    assert str(path) in str(err.value)
    assert "mesostage trials import" in str(err.value)
    assert not isinstance(err.value, sqlite3.DatabaseError)


# --- item 8: load -------------------------------------------------------------------------------------------


@pytest.fixture
def figure_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The formats of the outlook figures drawn from here on (the pages' figure cache emptied first)."""
    from mesostage.web import view

    calls: list[str] = []
    real = mesostage.prognosis_figure

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(mesostage, "prognosis_figure", counting)
    monkeypatch.setattr(view, "_FIGURES", type(view._FIGURES)())
    return calls


def test_the_outlook_figure_of_a_case_is_drawn_once(figure_calls: list[str], web: Any) -> None:
    for case_id, page_view in (("first", "patient"), ("first", "clinician"), ("another", "patient")):
        case = json.dumps(dict(example_case("example-1"), id=case_id))
        assert _form(web, "/results", {"case_json": case, "view": page_view}).status_code == 200
    assert figure_calls == ["png"]  # pages of the same outlook do not wait for (or redraw) the same figure


def test_pdf_requests_past_the_bound_are_503_with_retry_after(monkeypatch: pytest.MonkeyPatch, web: Any) -> None:
    from mesostage.web import pages

    admission = pages.Admission(limit=1)
    monkeypatch.setattr(pages, "PDF_ADMISSION", admission)
    assert admission.enter()  # one report is being made
    r = _form(web, "/report.pdf", {"case_json": json.dumps(example_case("example-1"))})
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) > 0
    assert "try again" in r.text
    admission.leave()
    r = _form(web, "/report.pdf", {"case_json": json.dumps(example_case("example-1"))})
    assert r.status_code in (200, 503)  # 503 only where Pango is missing (it says so)
    assert admission.count == 0


def test_pdf_workers_are_replaced_and_reports_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Memory stays flat because the worker processes are replaced after a number of reports; the replacement must
    # never leave reports waiting (Python 3.11's max_tasks_per_child did: every report after the 100th hung).
    from mesostage.web import report

    monkeypatch.setattr(report, "PDF_TASKS_PER_WORKER", 1)
    monkeypatch.setattr(report, "_POOL", None)
    pools = []  # kept alive, so that no two have the same id
    for i in range(5):  # five different reports: the same one again would come from the cache
        assert report.render_pdf_isolated(f"<p>Report {i}</p>").startswith(b"%PDF")
        pools.append(report._POOL)
    assert len({id(p) for p in pools}) == 3  # 2 reports per pool (1 per worker), then new workers
    report.shutdown_workers()


def test_the_extract_route_refuses_deep_nesting_with_422(web: Any) -> None:
    body = '{"text": "Pleural mesothelioma", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    r = web.post("/api/v1/extract", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "nested more than" in r.json()["errors"][0]["message"]


def test_the_outlook_figure_is_drawn_once_per_stage_group(figure_calls: list[str], web: Any) -> None:
    # Age, performance status and blood counts change the prognostic scores, not the figure (survival by stage):
    # those cases share one figure; a case of another stage gets its own.
    older = dict(example_case("example-1"), patient={"age_years": 81, "ecog": 2, "wbc_10e9_per_l": 12.0})
    assert mesostage.prognosis(older).scores != mesostage.prognosis(example_case("example-1")).scores
    for case in (example_case("example-1"), older, example_case("pericardial")):
        assert _form(web, "/results", {"case_json": json.dumps(case)}).status_code == 200
    assert figure_calls == ["png", "png"]  # example-1 and the older person: one figure; the pericardial case: another


def test_the_same_pdf_asked_again_comes_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from mesostage.web import report

    monkeypatch.setattr(report, "_CACHE", report.PdfCache(report.PDF_CACHE_BYTES))
    first = report.render_pdf_isolated("<p>The same report</p>")

    def no_pool() -> Any:
        raise AssertionError("the same report was drawn again")

    monkeypatch.setattr(report, "_pool", no_pool)
    assert report.render_pdf_isolated("<p>The same report</p>") == first
    with pytest.raises(AssertionError):  # another report (or another stylesheet) is drawn
        report.render_pdf_isolated("<p>The same report</p>", "summary.css")
    report.shutdown_workers()


def test_the_pdf_cache_keeps_at_most_its_bytes_dropping_the_least_recently_used() -> None:
    from mesostage.web.report import PdfCache

    cache = PdfCache(limit=250)
    keys = [PdfCache.key(f"<p>{i}</p>", "report.css") for i in range(4)]
    for k in keys[:2]:
        cache.put(k, b"x" * 100)
    assert cache.get(keys[0]) is not None  # keys[0] used last: keys[1] goes first
    cache.put(keys[2], b"x" * 100)
    assert (cache.get(keys[0]), cache.get(keys[1]), cache.get(keys[2])) == (b"x" * 100, None, b"x" * 100)
    assert cache.size == 200
    cache.put(keys[3], b"x" * 300)  # larger than the whole cache: not kept, nothing dropped for it
    assert cache.get(keys[3]) is None
    assert len(cache) == 2
