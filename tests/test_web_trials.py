"""The navigator's trial list over HTTP, without a browser: the API routes (/api/v1/trials/list and /shortlist), the
list page and its filter form, the candidates of an ambiguous place, the printable shortlist page, and the plain
words around them. The trials are the bundled FICTIONAL demo set (no index is imported on a test machine); its
sites are in New York, Boston, Baltimore, Houston, Chicago, Seattle, San Francisco, London, Leeds, Turin, Amsterdam
and Sydney.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.readability import fk_grade
from tests.test_web_pages import Page
from tests.web_helpers import client, example_case


@pytest.fixture(scope="module")
def web() -> Any:
    return client()


def _case() -> dict[str, Any]:
    case = example_case("diaphragm-origin")
    case["patient"] = {"age_years": 66, "sex": "male", "ecog": 1, "location": "10021"}
    return case


def _post(web: Any, path: str, fields: list[tuple[str, str]]) -> Any:
    return web.post(path, content=urlencode(fields), headers={"content-type": "application/x-www-form-urlencoded"})


def _form(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("case_json", json.dumps(_case())), ("view", "patient"), ("filters", "1"), *extra]


# ------------------------------------------------------------------------------------------------------ API


def test_api_list_defaults_to_open_trials_nearest_first_in_miles(web: Any) -> None:
    r = web.post("/api/v1/trials/list", json=_case())
    assert r.status_code == 200
    body = r.json()
    assert body["fictional_data"] is True
    assert (body["unit"], body["unit_is_default"]) == ("mi", True)
    assert body["place"]["label"] == "New York, NY 10021, US"
    statuses = {t["trial"]["overall_status"] for t in body["matches"]}
    assert statuses <= {"RECRUITING", "NOT_YET_RECRUITING"}
    distances = [t["distance"] for t in body["matches"] if t["distance"] is not None]
    assert distances == sorted(distances)
    assert distances[0] < 5, "the demo set has open sites in New York"


def test_api_list_filters_by_status_phase_and_distance(web: Any) -> None:
    r = web.post(
        "/api/v1/trials/list?status=RECRUITING&phase=PHASE2&max_distance=300&unit=km&location=Leeds,%20United%20Kingdom",
        json=_case(),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["unit"] == "km"
    assert body["matches"]
    for t in body["matches"] + body["excluded"]:
        assert t["trial"]["overall_status"] == "RECRUITING"
        assert "PHASE2" in t["trial"]["phases"]
        assert t["distance"] is not None
        assert t["distance"] <= 300
    assert {h["filter"] for h in body["hidden"]} == {"status", "phase", "distance"}


def test_api_ambiguous_place_is_not_an_error(web: Any) -> None:
    r = web.post("/api/v1/trials/list?location=London", json=_case())
    assert r.status_code == 200
    body = r.json()
    assert {"London, GB", "London, CA"} <= set(body["place"]["candidates"])
    assert body["matches"], "the trials are still listed"
    assert all(t["distance"] is None for t in body["matches"])


def test_api_bad_filters_are_422_naming_the_parameter(web: Any) -> None:
    r = web.post("/api/v1/trials/list?status=OPEN&phase=PHASE2&phase=PHASE7", json=_case())
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["path"] for e in errors] == ["status[0]", "phase[1]"]
    assert "RECRUITING" in errors[0]["allowed"]
    assert web.post("/api/v1/trials/list?unit=yards", json=_case()).status_code == 422
    assert web.post("/api/v1/trials/list?max_distance=0", json=_case()).status_code == 422


def test_api_shortlist_is_markdown_of_the_picked_trials(web: Any) -> None:
    listed = web.post("/api/v1/trials/list", json=_case()).json()
    picks = [t["trial"]["nct_id"] for t in listed["matches"][:2]]
    r = web.post(f"/api/v1/trials/shortlist?pick={picks[1]}&pick={picks[0]}", json=_case())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/markdown")
    text = r.text
    assert text.startswith("# Clinical trials to ask about")
    assert text.index(picks[0]) < text.index(picks[1]), "in the list's order, nearest first"
    assert "FICTIONAL" in text
    assert "does not replace" in text
    r = web.post("/api/v1/trials/shortlist?pick=NCT12345678", json=_case())
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "pick[0]"


def test_openapi_lists_the_trial_list_routes(web: Any) -> None:
    paths = web.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/trials/list", "/api/v1/trials/shortlist"} <= set(paths)
    assert not any(p in paths for p in ("/trials", "/trials/shortlist"))


# ------------------------------------------------------------------------------------------------------ pages


def test_results_page_holds_the_filter_form_with_the_defaults(web: Any) -> None:
    r = _post(web, "/results", [("case_json", json.dumps(_case()))])
    assert r.status_code == 200
    page = Page(r.text)
    boxes = {
        (a["name"], a["value"]): "checked" in a
        for t, a, _ in page.elements
        if t == "input" and a.get("type") == "checkbox" and a.get("name") in ("status", "phase")
    }
    assert boxes[("status", "RECRUITING")]
    assert boxes[("status", "NOT_YET_RECRUITING")]
    assert not boxes[("status", "COMPLETED")]
    assert not any(v for (name, _), v in boxes.items() if name == "phase")
    selected = [a.get("value") for t, a, _ in page.elements if t == "option" and "selected" in a]
    assert selected == ["", "distance"], "the unit follows the place until one is chosen; nearest first"
    assert "miles" in page.text("distance")


def test_list_page_applies_the_filters(web: Any) -> None:
    r = _post(web, "/trials", _form(("status", "RECRUITING"), ("max_distance", "250"), ("unit", "mi")))
    assert r.status_code == 200
    page = Page(r.text)
    tags = page.text_by_class["distance"]
    assert tags
    assert all(t.endswith(" miles") and float(t.split()[0]) <= 250 for t in tags)
    assert "not shown: nearest open site farther than 250 miles" in page.text("#trial-count")
    assert "not yet recruiting" not in page.text("#trial-matches")


def test_list_page_ambiguous_place_offers_the_candidates(web: Any) -> None:
    r = _post(web, "/trials", _form(("status", "RECRUITING"), ("location", "London")))
    assert r.status_code == 200
    page = Page(r.text)
    buttons = [a["value"] for t, a, _ in page.elements if t == "button" and a.get("name") == "location"]
    assert {"London, GB", "London, CA"} <= set(buttons)
    assert "[FICTIONAL]" in page.text("#trial-matches"), "the trials are still listed"
    assert "distance" not in page.text_by_class
    # picking a candidate gives distances from it (in km: London, GB is outside the US)
    r = _post(web, "/trials", _form(("status", "RECRUITING"), ("location", "London, GB")))
    assert "Distances from London, GB, in kilometres" in Page(r.text).text("hint")
    assert all(t.endswith(" km") for t in Page(r.text).text_by_class["distance"])


def test_list_page_reports_a_bad_filter_and_still_lists(web: Any) -> None:
    r = _post(web, "/trials", _form(("max_distance", "far")))
    assert r.status_code == 422
    page = Page(r.text)
    assert "max_distance" in page.text("#trial-problems")
    assert "[FICTIONAL]" in page.text("#trial-matches")


def test_shortlist_page_holds_the_picked_trials(web: Any) -> None:
    listed = web.post("/api/v1/trials/list", json=_case()).json()
    picks = [t["trial"]["nct_id"] for t in listed["matches"][:3]]
    r = _post(web, "/trials/shortlist", _form(*(("pick", p) for p in picks)))
    assert r.status_code == 200
    page = Page(r.text)
    headings = [h for h in page.text_by_class.get("shortlist-trial", []) if h.strip()]
    text = page.text("#shortlist")
    assert all(p in text for p in picks)
    assert text.count("FICTIONAL") >= 4
    assert "Questions to ask" in text
    assert headings
    too_many = [t["trial"]["nct_id"] for t in listed["matches"][:6]]
    r = _post(web, "/trials/shortlist", _form(*(("pick", p) for p in too_many)))
    assert r.status_code == 422
    assert "up to 5" in Page(r.text).text("#trial-problems")


def test_the_words_around_the_list_read_plainly(web: Any) -> None:
    r = _post(web, "/trials", _form(("status", "RECRUITING"), ("location", "London")))
    page = Page(r.text)
    for passage in (page.text("#place-choices").split("London, GB")[0], page.text("#shortlist-hint")):
        assert passage
        assert fk_grade(passage) <= 8, passage
