"""End-to-end: the app under uvicorn on loopback, driven by Debian's Chromium through Playwright (headless).

Covers what a person does: fill the form for the diaphragm-origin case, switch to a peritoneal primary and score
the PCI regions, download the PDF, read the page with the keyboard; axe-core checks each page (no serious or
critical violation), every page runs under the strict CSP with no violation and fetches nothing from another host.
A screenshot of the results page is saved under ``artifacts/web/``. Skipped where /usr/bin/chromium is absent
(``.ci/run`` installs it).
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from tests.web_helpers import ARTIFACTS, CHROMIUM, live_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]

DIAPHRAGM_ORIGIN_YES = [
    "Lining on the inside of the chest wall",
    "Lining on the surface of the lung",
    "Lining in the middle of the chest, beside the heart",
    "Lining on top of the breathing muscle",
    "Grows into the breathing muscle",
]
PCI_SCORES = [2, 1, 1, 0, 1, 2, 3, 1, 1, 0, 1, 0, 0]  # sum 13


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with live_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page that records console errors (CSP violations land there) and any request to another host."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    # A CSP violation or a script error is a console error; a 422 page is reported there too, and is expected.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    here = urlparse(base_url).netloc

    def guard(route: Any) -> None:
        if urlparse(route.request.url).netloc != here:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    page.route("**/*", guard)
    # Generous: the machine is shared and a results page (staging, options, the outlook figure) can take seconds.
    page.set_default_timeout(60_000)
    yield page
    context.close()
    assert problems == []


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _finding(page: Any, label: str, answer: str) -> None:
    page.get_by_role("group", name=label).get_by_label(answer, exact=True).check()


def _axe(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_diaphragm_origin_case_through_the_form(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Lining of the lung (pleura)").check()
    page.get_by_label("Date of diagnosis").fill("2023-05-10")
    page.get_by_label("A stage you were already given").select_option("IV")  # edition: that of the date, the 8th
    for label in DIAPHRAGM_ORIGIN_YES:
        _finding(page, label, "Yes")
    page.get_by_role("button", name="Show the stage").click()
    page.wait_for_url("**/results")
    assert page.locator("#headline-stage").inner_text() == "IB"
    assert "TNM 8th" in page.locator(".headline").inner_text()
    critical = page.locator(".note-critical")
    assert critical.count() >= 1
    # The patient view leads with plain words; the exact wording for the care team is one click away.
    texts = critical.all_inner_texts()
    assert any("local growth, not spread" in t for t in texts)
    assert any("not metastasis" in (t or "") for t in critical.locator("details").all_text_contents())
    assert page.locator(".range-cell.current").inner_text().startswith("IB")
    # the options and the outlook, with its figure drawn in the page
    assert page.locator("#options .option").count() > 3
    figure = page.locator("#outlook img")
    assert figure.evaluate("img => img.complete && img.naturalWidth") == 1000
    # the clinician view of the same case, one click away, with the categories
    page.get_by_role("button", name="Show the clinician view").click()
    assert "cT2 cN0 cM0" in page.locator("#system-tnm8").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "results-diaphragm-origin-clinician.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def test_results_page_screenshot(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="See the results").first.click()
    assert page.locator("#headline-stage").inner_text() == "IB"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "results-diaphragm-origin.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])
    assert width == 1280
    assert height > 900  # the whole page, not only the window


def test_peritoneal_case_with_pci_regions(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator("#peritoneal").is_hidden()
    page.get_by_label("Lining of the belly (peritoneum)").check()
    # the site switch shows the PCI diagram and hides the pleural sections
    assert page.locator("#peritoneal").is_visible()
    assert page.locator("#tumor").is_hidden()
    assert page.locator("#nodes").is_hidden()
    for i, score in enumerate(PCI_SCORES):
        page.locator(f'select[name="peritoneal.region.{i}"]').select_option(str(score))
    assert page.locator("#pci-total").inner_text() == "13"
    _finding(page, "Lymph nodes with cancer cells", "No")
    _finding(page, "Spread outside the belly", "No")
    page.get_by_role("button", name="Show the stage").click()
    page.wait_for_url("**/results")
    assert page.locator("#headline-stage").inner_text() == "II"
    assert "13" in page.locator(".pci-line").inner_text()
    page.get_by_role("button", name="Show the clinician view").click()
    assert "PCI 13" in page.locator("#system-peritoneal_tnm").inner_text()


def test_pdf_download(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the PDF report").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "report-diaphragm-origin.pdf"
    download.save_as(str(path))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Mesothelioma staging report" in text
    assert "The findings give stage IB in the TNM 8th" in text
    assert "staging data sha256:" in text
    assert "Made on" in text
    assert "supports, and does not replace, a specialist's judgement" in text


def test_keyboard_only(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # the site radios are one tab stop; arrow keys move between them and switch the form
    page.get_by_label("Lining of the lung (pleura)").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "peritoneum"
    assert page.locator("#peritoneal").is_visible()
    page.get_by_role("button", name="Show the stage").focus()
    page.keyboard.press("Enter")
    # nothing was scored: the form says so first, with the focus on the warning
    expect(page.locator("#input-warnings")).to_be_focused()
    page.get_by_role("button", name="Show the stage anyway").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/results")
    # no PCI: the answer leads with the range the PCI-based system still allows (Yan 2011: I to III)
    assert page.locator("#headline-stage").inner_text() == "I to III"


def test_errors_are_announced_and_linked(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Sum of the three thickest pleural measurements on CT").fill("-4")
    page.get_by_role("button", name="Show the stage").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    assert page.evaluate("location.hash") == "#tumor.psum_mm"


def test_print_view_shows_only_the_results(page: Any, base_url: str) -> None:
    page.goto(base_url + "/examples/diaphragm-origin")
    assert page.get_by_role("button", name="Print this page").is_visible()  # the script ran under the CSP
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()
    assert page.locator("#stage").is_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?example=peritoneal-pci",
        "/examples/diaphragm-origin",
        "/examples/pleural-unknowns?view=clinician",
        "/examples/peritoneal-pci",
        "/examples/pericardial?view=clinician",
    ],
)
def test_axe_finds_no_serious_or_critical_violation(page: Any, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    assert _axe(page) == []


def test_axe_on_the_form_with_errors(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Lining of the belly (peritoneum)").check()
    page.locator('select[name="peritoneal.region.0"]').select_option("2")
    page.get_by_role("button", name="Show the stage").click()
    assert page.locator("#error-summary").is_visible()
    assert _axe(page) == []


def test_axe_runs_and_sees_violations(browser: Any) -> None:
    # The check above is only worth something if axe runs at all: a bare unlabeled input must be caught.
    page = browser.new_page()
    page.set_content("<html><body><input></body></html>")
    from axe_playwright_python.sync_playwright import Axe

    found = {v["id"] for v in Axe().run(page).response["violations"]}
    page.close()
    assert {"label", "html-has-lang"} <= found


def test_paste_a_report_fills_the_form_with_evidence_then_stages(page: Any, base_url: str) -> None:
    """Issue 14: paste the example report, the form fills with the sentence behind each answer, the person
    changes one answer and stages, and the result reflects the change."""
    page.goto(base_url + "/")
    page.get_by_role("button", name="Use an example report").click()
    expect(page.get_by_label("Report text")).to_have_value(re.compile("major fissure"))
    page.get_by_role("button", name="Fill the form from this report").click()
    status = page.locator("#extract-status")
    expect(status).to_contain_text("check every answer")
    # filled from the report: the side, the fissure (with the words it came from), the hedged diaphragm muscle
    assert page.get_by_role("group", name="Which side of the chest?").get_by_label("Left", exact=True).is_checked()
    fissure = page.locator('[id="tumor.fissure"]')
    assert fissure.get_by_label("Yes", exact=True).is_checked()
    expect(fissure.locator(".evidence mark")).to_have_text("fissure")
    muscle = page.locator('[id="tumor.diaphragm_muscle"]')
    assert muscle.get_by_label("Not known", exact=True).is_checked()
    expect(muscle.locator(".evidence")).to_contain_text("fat plane")
    expect(page.locator('[id="tumor.fmax_mm"]')).to_have_value("6")
    # staging waits until the person says every answer was checked
    page.get_by_role("button", name="Show the stage").click()
    expect(status).to_contain_text("tick the box")
    assert "/results" not in page.url
    # the person changes one answer (a node found at biopsy), checks, and stages
    page.get_by_label("Date of diagnosis").fill("2023-05-10")
    page.locator('[id="nodes.subcarinal"]').get_by_label("Yes", exact=True).check()
    page.get_by_label("I have checked every answer against the report").check()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "form-filled-from-report.png"), full_page=True)
    page.get_by_role("button", name="Show the stage").click(timeout=60_000)
    page.wait_for_url("**/results", timeout=60_000)
    # the report alone is cT2 cN0 cM0 (IB); with the subcarinal node it is cT2 cN1 cM0: stage II
    assert page.locator("#headline-stage").inner_text() == "II"
