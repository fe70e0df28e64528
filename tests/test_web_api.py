"""The HTTP API (/api/v1): staging, review and explanation over HTTP, errors with field paths, limits, headers."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest

from mesostage.case import SYSTEM_IDS
from tests.factories import ALL_SURFACES, pleural_case
from tests.readability import fk_grade
from tests.web_helpers import client, example_case


@pytest.fixture(scope="module")
def api() -> Any:
    return client()


def test_stage_diaphragm_origin_case(api: Any) -> None:
    # Diaphragm muscle invasion is T2 in the 8th edition (Nowak 2016); T2 N0 M0 is stage IB (Rusch 2016).
    r = api.post("/api/v1/stage", json=example_case("diaphragm-origin"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    tnm8 = next(x for x in r.json()["results"] if x["system"] == "tnm8")
    assert (tnm8["t"], tnm8["n"], tnm8["m"], tnm8["stage"]) == ("T2", "N0", "M0", "IB")
    critical = [n["code"] for n in r.json()["review"] if n["severity"] == "critical"]
    assert "reported_stage_differs" in critical


def test_stage_takes_raw_json_text(api: Any) -> None:
    body = json.dumps(pleural_case([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"], basis="clinical"))
    r = api.post("/api/v1/stage", content=body, headers={"content-type": "application/json"})
    # mediastinal fat is T3; subcarinal is N1 in the 8th edition; T3 N1 M0 is IIIA.
    assert r.json()["results"][0]["stage"] == "IIIA"


def test_stage_only_requested_systems_in_order(api: Any) -> None:
    r = api.post("/api/v1/stage?systems=tnm9&systems=tnm7", json=example_case("example-1"))
    assert [x["system"] for x in r.json()["results"]] == ["tnm9", "tnm7"]


def test_unknown_system_is_422_with_its_path(api: Any) -> None:
    r = api.post("/api/v1/stage?systems=tnm10", json=example_case("example-1"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "systems[0]"


def test_bad_case_is_422_with_every_field_path(api: Any) -> None:
    case = pleural_case(["parietal_pleura", "ribs"], ["subcarinal"], basis="clinical")
    case["tumor"]["psum_mm"] = -3
    r = api.post("/api/v1/stage", json=case)
    assert r.status_code == 422
    errors = r.json()["errors"]
    paths = {e["path"] for e in errors}
    assert paths == {"tumor.findings[1]", "tumor.psum_mm"}
    ribs = next(e for e in errors if e["path"] == "tumor.findings[1]")
    assert "rib" in ribs["allowed"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"{not json", ""),
        (b"[1, 2]", ""),
        (b"", ""),
        (json.dumps({"site": "peritoneum", "tumor": {"findings": []}}).encode(), "tumor"),
        (json.dumps({"site": "peritoneum", "peritoneal": {"pci": 40}}).encode(), "peritoneal.pci"),
    ],
)
def test_unreadable_or_invalid_bodies_are_422(api: Any, body: bytes, path: str) -> None:
    r = api.post("/api/v1/stage", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == path


def test_review_route(api: Any) -> None:
    r = api.post("/api/v1/review", json=example_case("diaphragm-origin"))
    assert r.status_code == 200
    notes = r.json()
    codes = [n["code"] for n in notes]
    assert "diaphragm_reported_as_metastasis" in codes
    assert len(codes) == len(set(codes)), "each note once"
    order = {"critical": 0, "warning": 1, "info": 2}
    assert [order[n["severity"]] for n in notes] == sorted(order[n["severity"]] for n in notes)


def test_explain_route_patient_text_is_plain(api: Any) -> None:
    r = api.post("/api/v1/explain?audience=patient", json=example_case("diaphragm-origin"))
    assert r.status_code == 200
    body = r.json()
    assert body["audience"] == "patient"
    prose = " ".join(p for s in body["sections"] for p in s["paragraphs"])
    assert fk_grade(prose) <= 8


def test_explain_route_rejects_unknown_audience(api: Any) -> None:
    r = api.post("/api/v1/explain?audience=family", json=example_case("example-1"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "audience"


def test_systems_and_health(api: Any) -> None:
    systems = api.get("/api/v1/systems").json()
    assert [s["id"] for s in systems] == list(SYSTEM_IDS)
    assert all(s["main_source"] for s in systems)
    health = api.get("/api/v1/health").json()
    assert health["status"] == "ok"
    assert health["staging_data"]["fingerprint"].startswith("sha256:")
    assert set(health["staging_data"]["systems"]) == set(SYSTEM_IDS)
    assert "does not replace" in health["disclaimer"]


def test_system_id_literal_matches_the_case_model() -> None:
    from mesostage.web.api import SystemId

    assert set(typing.get_args(SystemId)) == set(SYSTEM_IDS)


def test_openapi_document_describes_the_case_body(api: Any) -> None:
    doc = api.get("/api/v1/openapi.json").json()
    routes = {"stage", "review", "explain", "options", "prognosis", "prognosis/figure", "trials/match", "systems"}
    assert {f"/api/v1/{r}" for r in routes} <= set(doc["paths"])
    stage = doc["paths"]["/api/v1/stage"]["post"]
    assert stage["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    assert {"200", "413", "422"} <= set(stage["responses"])
    case = doc["components"]["schemas"]["Case"]
    assert case["required"] == ["site"]
    assert "TumorSection" in doc["components"]["schemas"]
    # pages are not part of the API document
    assert not any(p in doc["paths"] for p in ("/", "/results", "/report.pdf"))


def test_request_size_limit_by_header(api: Any) -> None:
    big = json.dumps({"site": "pleura", "id": "x" * 70_000})
    r = api.post("/api/v1/stage", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "limit" in r.json()["errors"][0]["message"]


def test_request_size_limit_while_streaming(api: Any) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b" " * 1024

    r = api.post("/api/v1/stage", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["errors"][0]["path"] == ""


def test_security_headers_on_api_pages_and_errors(api: Any) -> None:
    for r in (
        api.get("/api/v1/health"),
        api.get("/"),
        api.get("/no-such-page"),
        api.post("/api/v1/stage", content=b"{"),
        api.get("/static/style.css"),
    ):
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "http" not in csp
        assert "*" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_case_data_is_never_cached(api: Any) -> None:
    r = api.post("/api/v1/stage", json=example_case("example-1"))
    assert r.headers["cache-control"] == "no-store"
    assert api.get("/examples/example-1").headers["cache-control"] == "no-store"


def test_unknown_host_header_is_refused() -> None:
    # DNS rebinding: a page on another site that resolves its name to 127.0.0.1 must not reach the app.
    from fastapi.testclient import TestClient

    from mesostage.web.app import create_app

    evil = TestClient(create_app(), base_url="http://attacker.example")
    assert evil.get("/api/v1/health").status_code == 400
    assert client().get("/api/v1/health").status_code == 200


def test_api_errors_are_json_and_pages_errors_html(api: Any) -> None:
    r = api.get("/api/v1/nothing")
    assert r.status_code == 404
    assert r.json()["errors"][0]["message"]
    r = api.get("/examples/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


def test_internal_errors_show_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import mesostage

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail /home/user/case.json")

    api = client()
    monkeypatch.setattr(mesostage, "stage", broken)
    r = api.post("/api/v1/stage", json=example_case("example-1"))
    assert r.status_code == 500
    assert "secret" not in r.text
    assert "Traceback" not in r.text
    r = api.get("/examples/example-1")
    assert r.status_code == 500
    assert "secret" not in r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize("date", [0, 86400, "2024-03-01T00:00:00", "1 March 2024", True])
@pytest.mark.parametrize(
    "path", ["diagnosis_date", "patient.last_systemic_therapy_date", "patient.last_radiotherapy_date"]
)
def test_dates_must_be_date_strings(api: Any, date: object, path: str) -> None:
    # A number would otherwise be read as seconds since 1970 (picking the TNM edition, or a trial's waiting time,
    # by accident).
    head, _, tail = path.partition(".")
    case: dict[str, Any] = {"site": "pleura", head: {tail: date} if tail else date}
    r = api.post("/api/v1/stage", json=case)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == path


def test_body_that_is_not_utf8_is_422(api: Any) -> None:
    r = api.post("/api/v1/stage", content=b'{"site": "\x80"}', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "UTF-8" in r.json()["errors"][0]["message"]


def test_options_route(api: Any) -> None:
    case = example_case("example-1")
    case["metastases"] = {"findings": ["liver"]}
    r = api.post("/api/v1/options?audience=clinician", json=case)
    assert r.status_code == 200
    body = r.json()
    assert body["audience"] == "clinician"
    assert body["stage"] == "IV"  # liver metastasis is M1, and any M1 is stage IV
    # with distant spread, surgery is set aside and the stage-4 view (goals of care) is given
    assert body["stage4"] is not None
    assert all(o["goal"] != "curative intent" for o in body["options"])


def test_prognosis_route_never_a_personal_prediction(api: Any) -> None:
    r = api.post("/api/v1/prognosis", json=example_case("example-1"))
    assert r.status_code == 200
    body = r.json()
    assert {s["system"] for s in body["survival"]} >= {"tnm8", "tnm9", "tnm7"}
    assert any("cannot say how long any one person will live" in line for line in body["plain_summary"])


@pytest.mark.parametrize(
    ("fmt", "magic", "media"), [("png", b"\x89PNG", "image/png"), ("svg", b"<?xml", "image/svg+xml")]
)
def test_prognosis_figure_route(api: Any, fmt: str, magic: bytes, media: str) -> None:
    r = api.post(f"/api/v1/prognosis/figure?format={fmt}", json=example_case("diaphragm-origin"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert r.content.startswith(magic)


def test_prognosis_figure_rejects_other_formats(api: Any) -> None:
    r = api.post("/api/v1/prognosis/figure?format=gif", json=example_case("example-1"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "format"


def test_trials_match_route(api: Any) -> None:
    case = example_case("example-1")
    case["patient"] = {"age_years": 67, "ecog": 1}
    r = api.post("/api/v1/trials/match?limit=3", json=case)
    assert r.status_code == 200
    body = r.json()
    assert body["fictional_data"] is True  # no index imported on this machine: the bundled demo trials
    assert 0 < len(body["matches"]) <= 3
    assert all(m["verdict"] == "possible match" and m["why"] for m in body["matches"])
    assert all(m["why_not"] for m in body["excluded"])


def test_trials_match_unknown_place_is_422(api: Any) -> None:
    r = api.post("/api/v1/trials/match?location=Nowhere-on-earth%2C%20Atlantis", json=example_case("example-1"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "location"  # the query parameter that could not be found
