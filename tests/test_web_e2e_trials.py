"""End-to-end in Debian's Chromium (Playwright, headless): the navigator's trial list on the results page.

A navigator filters the list (status, phase, distance), sees miles for a US place and kilometres elsewhere, picks a
place when the name fits several, and prints a one-page shortlist (checked as the browser prints it: print media,
A4 and US Letter, one page each, its text read back with pypdf). axe-core finds no serious or critical violation on
the list and the shortlist. The trials are the bundled FICTIONAL demo set. Skipped where /usr/bin/chromium is absent.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.test_web_e2e import _axe, base_url, browser, page  # noqa: F401  (fixtures and the axe helper)
from tests.web_helpers import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module", autouse=True)
def warm(base_url: str) -> None:  # noqa: F811
    """One results page and one list with a place before the tests: the first loads the plotting and geodata
    libraries (seconds on a busy machine), which is not what these tests time out on."""
    import json
    import urllib.request

    from tests.web_helpers import example_case

    urllib.request.urlopen(base_url + "/examples/diaphragm-origin", timeout=180).read()
    body = json.dumps(example_case("diaphragm-origin")).encode()
    request = urllib.request.Request(
        base_url + "/api/v1/trials/list?location=London", data=body, headers={"content-type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=180).read()


def _distances(pg: Any) -> list[str]:
    return [t.strip() for t in pg.locator("#trial-matches .tag.distance").all_inner_texts()]


def _show(page: Any, base_url: str, location: str) -> None:  # noqa: F811
    """The results page of the diaphragm-origin example, then its trial list with distances from ``location``."""
    page.goto(base_url + "/examples/diaphragm-origin")
    page.get_by_label("Distances from").fill(location)
    page.get_by_role("button", name="Show these trials").click()
    page.wait_for_url("**/trials#trials")


def test_unit_follows_the_place(page: Any, base_url: str) -> None:  # noqa: F811
    _show(page, base_url, "10021")
    assert "in miles" in page.locator("#trials").inner_text()
    miles = _distances(page)
    assert miles
    assert all(d.endswith(" miles") for d in miles)
    page.get_by_label("Distances from").fill("Leeds, United Kingdom")
    page.get_by_role("button", name="Show these trials").click()
    km = _distances(page)
    assert km
    assert all(d.endswith(" km") for d in km)
    # an explicit choice wins over the place
    page.get_by_label("Unit").select_option("mi")
    page.get_by_role("button", name="Show these trials").click()
    assert all(d.endswith(" miles") for d in _distances(page))


def test_filters_by_status_phase_and_distance(page: Any, base_url: str) -> None:  # noqa: F811
    _show(page, base_url, "10021")
    everything = page.locator("#trial-matches > li").count()
    assert page.get_by_label("Not yet recruiting").is_checked()
    page.get_by_label("Not yet recruiting").uncheck()
    page.get_by_label("Nearest open site within").fill("250")
    page.get_by_role("button", name="Show these trials").click()
    kept = page.locator("#trial-matches > li")
    assert 0 < kept.count() < everything
    assert all(float(d.split()[0]) <= 250 for d in _distances(page))
    assert "not yet recruiting" not in page.locator("#trial-matches").inner_text().lower()
    count = page.locator("#trial-count").inner_text()
    assert "farther than 250 miles" in count
    assert "not in the statuses chosen" in count
    # distances are in order, nearest first
    values = [float(d.split()[0]) for d in _distances(page)]
    assert values == sorted(values)
    page.get_by_label("Phase 3").check()
    page.get_by_role("button", name="Show these trials").click()
    summaries = page.locator("#trial-matches summary").all_inner_texts()
    assert summaries
    assert all("Phase 3" in s for s in summaries)
    assert page.get_by_label("Phase 3").is_checked()
    assert page.get_by_label("Nearest open site within").input_value() == "250"
    assert _axe(page) == []


def test_ambiguous_place_lists_candidates_and_still_shows_trials(page: Any, base_url: str) -> None:  # noqa: F811
    _show(page, base_url, "London")
    choices = page.locator("#place-choices")
    assert "fits more than one place" in choices.inner_text()
    assert choices.get_by_role("button", name="London, CA").is_visible()
    assert page.locator("#trial-matches > li").count() > 0
    assert _distances(page) == []
    assert _axe(page) == []
    choices.get_by_role("button", name="London, GB").click()
    assert page.locator("#place-choices").count() == 0
    assert "Distances from London, GB" in page.locator("#trials").inner_text()
    assert all(d.endswith(" km") for d in _distances(page))


def _pdf_pages(pg: Any, paper: str) -> list[str]:
    pdf = pg.pdf(format=paper, margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"trial-shortlist-{paper}.pdf").write_bytes(pdf)
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_printable_shortlist_is_one_page(page: Any, base_url: str) -> None:  # noqa: F811
    _show(page, base_url, "10021")
    items = page.locator("#trial-matches > li")
    picked = [items.nth(i).get_attribute("id").removeprefix("trial-") for i in (0, 2)]
    for nct in picked:
        page.locator(f"#trial-{nct}").get_by_label("Add to the shortlist").check()
    page.get_by_role("button", name="Make a one-page shortlist to print").click()
    page.wait_for_url("**/trials/shortlist")
    assert page.get_by_role("button", name="Print this shortlist").is_visible()
    assert _axe(page) == []
    page.emulate_media(media="print")
    assert page.get_by_role("button", name="Print this shortlist").is_hidden()
    assert page.locator(".site-header").is_hidden()
    for paper in ("A4", "Letter"):
        pages = _pdf_pages(page, paper)
        assert len(pages) == 1, f"{paper}: {len(pages)} pages"
        text = pages[0]
        assert all(n in text for n in picked)
        assert text.index(picked[0]) < text.index(picked[1])
        assert "Clinical trials to ask about" in text
        assert "FICTIONAL" in text
        assert "Questions to ask" in text
        assert "does not replace" in text
    # the largest shortlist (none ticked: the first five of the list) still prints on one page
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Back to the trial list").click()
    page.wait_for_url("**/trials#trials")
    page.get_by_role("button", name="Make a one-page shortlist to print").click()
    page.wait_for_url("**/trials/shortlist")
    assert page.locator(".shortlist-trial").count() == 5
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        assert len(_pdf_pages(page, paper)) == 1, paper


def test_filters_fit_a_390_px_phone(browser: Any, base_url: str) -> None:  # noqa: F811
    """On a 390 px phone every filter control wraps inside the screen: no control or row wider than the page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        _show(pg, base_url, "10021")
        width = pg.evaluate("document.documentElement.clientWidth")
        assert width <= 390
        boxes = pg.evaluate(
            """() => [...document.querySelectorAll(
                '#trial-filters, #trial-filters .filter-row, #trial-filters .pair, #trial-filters input, '
                + '#trial-filters select, #trial-filters label, #trial-filters button')]
              .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.tagName, r.left, r.right]; })"""
        )
        too_wide = [(name, left, right) for name, left, right in boxes if left < 0 or right > width + 0.5]
        assert too_wide == []
        # the page itself does not scroll sideways
        assert pg.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
