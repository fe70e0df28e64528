"""End-to-end journeys of the answer-first results in Debian's Chromium (Playwright, headless), as a family or a
navigator takes them: the diaphragm case told stage IV, an untouched form, a date in the future, each pair of answers
that cannot both be true, saving and loading a case, a share link (and that the server never sees the case in any
request line or header, nor writes it in its own request log), the outlook only on request, the one-page summary PDF,
a 390 px phone. axe-core checks every new view; the first screen of each journey is saved under ``artifacts/web/``.
"""

# The browser fixtures come from tests/test_web_e2e.py; pytest passes them by name, which ruff reads as a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import base64
import io
import json
import logging
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

import mesostage
from tests.test_web_e2e import _axe, _finding, browser, page  # noqa: F401
from tests.web_helpers import ARTIFACTS, CHROMIUM, example_case, live_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


class RequestLog:
    """An access log as a server or a proxy would keep it: method, path, query string and every header."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lines: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = " ".join(f"{k.decode('latin-1')}={v.decode('latin-1')}" for k, v in scope["headers"])
            query = scope.get("query_string", b"").decode("latin-1")
            self.lines.append(f"{scope['method']} {scope['path']}?{query} {headers}")
        await self.app(scope, receive, send)


class _Captured(logging.Handler):
    """Every log record as a handler writes it: the message and all of the record's fields."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__!r}")


@pytest.fixture(scope="module")
def request_log() -> RequestLog:
    from mesostage.web.app import create_app

    return RequestLog(create_app())


@pytest.fixture(scope="module")
def base_url(request_log: RequestLog) -> Iterator[str]:
    with live_server(request_log) as url:
        # One results page first: the first one loads matplotlib and the staging data, which on a busy machine
        # takes longer than a click should wait.
        with urllib.request.urlopen(url + "/examples/diaphragm-origin", timeout=120) as r:
            assert r.status == 200
        yield url


def first_screen(page: Any, name: str) -> None:
    """The first screen of a journey (the window only, not the whole page), kept as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"journey-{name}-first-screen.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def fill_diaphragm_told_iv(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Lining of the lung (pleura)").check()
    page.get_by_role("group", name="Which side of the chest?").get_by_label("Left").check()
    page.get_by_label("Date of diagnosis").fill("2025-03-01")
    page.get_by_label("A stage you were already given").select_option("IV")
    _finding(page, "Lining on top of the breathing muscle", "Yes")


def test_diaphragm_journey_answers_first(page: Any, base_url: str) -> None:
    fill_diaphragm_told_iv(page, base_url)
    page.get_by_role("button", name="Show the stage").click()
    page.wait_for_url("**/results")
    headline = page.locator("#answer .headline").inner_text()
    # Told IV; diaphragmatic pleura alone is T1: IA in the 8th edition (T1 N0 M0, Rusch 2016); the 9th needs Psum
    # for clinical T, so I to IIIA (edition of the date: 9th from 2025).
    assert "You were told stage IV (TNM 9th)." in headline
    assert page.locator("#headline-stage").inner_text() == "I to IIIA"
    answer = page.locator("#answer").inner_text()
    assert "In the TNM 8th, the findings give stage IA." in answer
    assert "none was entered" in answer
    assert "cannot be determined" not in answer
    assert _axe(page) == []
    first_screen(page, "diaphragm-told-iv")
    # the edition of the stage given can be chosen: told IV in the 8th edition, compared with IA
    fill_diaphragm_told_iv(page, base_url)
    page.get_by_label("Which edition or system was that stage in?").select_option("tnm8")
    page.get_by_role("button", name="Show the stage").click()
    assert "You were told stage IV (TNM 8th)." in page.locator("#answer").inner_text()


def test_empty_form_warns_before_staging(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("button", name="Show the stage").click()
    warning = page.locator("#input-warnings")
    expect_focused(page, "input-warnings")
    assert "Nothing is marked Yes" in warning.inner_text()
    assert page.locator("#headline-stage").count() == 0
    assert _axe(page) == []
    first_screen(page, "empty-form")
    page.get_by_role("button", name="Show the stage anyway").click()
    page.wait_for_url("**/results")
    assert "Nothing is marked Yes" in page.locator("#input-warnings").inner_text()
    assert page.locator("#headline-stage").is_visible()


def expect_focused(page: Any, element_id: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(f"#{element_id}")).to_be_focused()


def test_future_date_is_refused(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.get_by_label("Date of diagnosis").get_attribute("max")  # the date picker stops at today
    page.get_by_label("Date of diagnosis").fill("2099-06-01")
    _finding(page, "Grows into a rib", "Yes")
    page.get_by_role("button", name="Show the stage").click()
    summary = page.locator("#error-summary")
    expect_focused(page, "error-summary")
    assert "(2099-06-01) is after today" in summary.inner_text()
    assert "diagnosis_date" not in summary.inner_text()
    assert _axe(page) == []
    first_screen(page, "future-date")
    summary.get_by_role("link").first.click()
    assert page.evaluate("location.hash") == "#diagnosis_date"


CONTRADICTIONS = [
    (
        "chest-wall",
        [("One spot in the soft tissue of the chest wall that surgery could fully remove", "Yes"),
         ("Grows into the chest wall widely or in many places", "Yes")],
        "The chest wall is marked both",
        "#input-warnings",
    ),
    (
        "pericardium",
        [("Grows into the sac around the heart, but not through it", "Yes"),
         ("Grows through the sac around the heart", "Yes")],
        "The sac around the heart is marked both",
        "#input-warnings",
    ),
    (
        "margins-without-surgery",
        [("Grows into a rib", "Yes"), ("Was the tumour removed by surgery?", "No"),
         ("Was tumour found at the edges of what was removed?", "Yes")],
        "surgery to remove the tumour is not marked as done",
        "#error-summary",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "answers", "words", "box"), CONTRADICTIONS, ids=[c[0] for c in CONTRADICTIONS])
def test_contradiction_in_plain_words(
    page: Any, base_url: str, name: str, answers: list[tuple[str, str]], words: str, box: str
) -> None:
    page.goto(base_url + "/")
    for label, answer in answers:
        _finding(page, label, answer)
    page.get_by_role("button", name="Show the stage").click()
    text = page.locator(box).inner_text()
    assert words in text
    assert "_" not in text
    assert _axe(page) == []
    first_screen(page, f"contradiction-{name}")


def test_contradiction_no_tumour_with_findings_without_javascript(browser: Any, base_url: str) -> None:
    # With the script, choosing "no sign of a main tumour" switches the findings off; without it they are sent.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(60_000)  # as the shared page fixture: the machine is shared
    page.goto(base_url + "/")
    _finding(page, "Grows into a rib", "Yes")
    page.get_by_role("group", name="Does a report describe this?").first.get_by_label(
        "No sign of a main tumour (T0)"
    ).check()
    page.get_by_role("button", name="Show the stage").click()
    text = page.locator("#error-summary").inner_text()
    assert "'No sign of a main tumour' is chosen" in text
    assert "no_evidence" not in text
    first_screen(page, "contradiction-no-tumour-with-findings")
    context.close()


def test_save_and_load_round_trip(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    headline = page.locator("#answer .headline").inner_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="Save the case as a file").click()
    saved = ARTIFACTS / "case-diaphragm-origin.json"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    info.value.save_as(str(saved))
    assert mesostage.parse_case_json(saved.read_bytes()) == mesostage.parse_case(example_case("diaphragm-origin"))
    page.goto(base_url + "/")
    page.get_by_label("Saved case file").set_input_files(str(saved))
    page.wait_for_url("**/form")
    assert _axe(page) == []
    first_screen(page, "load-saved-case")
    group = page.get_by_role("group", name="Grows into the breathing muscle")
    assert group.get_by_label("Yes", exact=True).is_checked()
    assert page.get_by_label("Which edition or system was that stage in?").input_value() == "tnm8"
    page.get_by_role("button", name="Show the stage").click()
    page.wait_for_url("**/results")
    assert page.locator("#answer .headline").inner_text() == headline


def test_share_link_round_trip_never_sends_the_case(page: Any, base_url: str, request_log: RequestLog) -> None:
    case = example_case("diaphragm-origin") | {"id": "share-test-7f3a"}
    page.goto(base_url + "/")
    page.locator("details.paste summary").click()
    page.get_by_label("Case (JSON)").fill(json.dumps(case))
    page.get_by_role("button", name="Show the stage for this case").click()
    page.wait_for_url("**/results")
    headline = page.locator("#answer .headline").inner_text()
    page.locator("#share summary").click()
    link = page.get_by_label("The link, to copy").input_value()
    assert link.startswith(base_url + "/#case=")
    assert _axe(page) == []
    fragment = link.split("#case=", 1)[1].split("&")[0]
    request_log.lines.clear()
    own_log = _Captured()  # and what the app's own request log (mesostage.web.access) writes
    app_logger = logging.getLogger("mesostage")
    level = app_logger.level
    app_logger.setLevel(logging.INFO)
    app_logger.addHandler(own_log)
    try:
        page.goto("about:blank")
        page.goto(link)
        page.wait_for_url("**/results")
    finally:
        app_logger.removeHandler(own_log)
        app_logger.setLevel(level)
    first_screen(page, "share-link")
    assert page.locator("#answer .headline").inner_text() == headline
    assert "share-test-7f3a" in page.locator("h1").inner_text()
    assert "#case=" not in page.url  # taken out of the address, so not kept in the history either
    # what the server saw of the journey: request lines and headers, never the case
    log = "\n".join(request_log.lines)
    assert "GET /?" in log
    assert "POST /results?" in log
    for secret in ("share-test-7f3a", fragment[:40], "diaphragm_muscle", "case="):
        assert secret not in log
    own = "\n".join(own_log.lines)
    assert re.search(r"^GET / 200 ", own, re.M)
    assert re.search(r"^POST /results 200 ", own, re.M)
    for secret in ("share-test-7f3a", fragment[:40], "diaphragm_muscle", "case=", "epithelioid"):
        assert secret not in own
    assert base64.urlsafe_b64decode(fragment + "=" * (-len(fragment) % 4))  # the link really holds the case


def test_outlook_hidden_until_asked(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    figure = page.locator("#outlook img")
    assert figure.is_hidden()
    page.locator("#outlook-more summary").scroll_into_view_if_needed()
    first_screen(page, "outlook-folded")
    page.get_by_text("Show what studies of other people found").click()
    assert figure.is_visible()
    assert figure.evaluate("img => img.complete && img.naturalWidth") == 1000
    assert _axe(page) == []


def test_print_opens_folded_sections(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    assert page.locator("#outlook img").is_hidden()
    page.emulate_media(media="print")
    assert page.locator("#outlook img").is_visible()
    assert page.locator(".options-more .option").first.is_visible()
    assert page.locator("#share").is_hidden()


def test_one_page_summary_pdf(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download a one-page summary (PDF)").click()
    path = ARTIFACTS / "summary-diaphragm-origin.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    info.value.save_as(str(path))
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 1
    text = " ".join((reader.pages[0].extract_text() or "").split())
    assert "one-page summary" in text
    assert "You were told stage IV (TNM 8th). The findings give stage IB in the TNM 8th" in text
    for heading in ("Stage in each system", "Points to check", "Questions to ask", "Clinical trials: who to contact"):
        assert heading in text
    assert "supports, and does not replace, a specialist's judgement" in text


def test_mobile_390_shows_the_stage_on_the_first_screen(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(60_000)  # as the shared page fixture: the machine is shared
    page.goto(base_url + "/examples/diaphragm-origin")
    stage = page.locator("#headline-stage")
    box = stage.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844
    assert stage.inner_text() == "IB"
    assert "You were told stage IV" in page.locator("#answer .headline").inner_text()
    answer = page.locator("#answer").bounding_box()
    assert answer is not None
    assert answer["x"] + answer["width"] <= 390  # the answer fits the phone's width
    assert _axe(page) == []
    first_screen(page, "mobile-390")
    context.close()
