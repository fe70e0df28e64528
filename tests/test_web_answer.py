"""The answer-first results, the form's input checks, the one-page summary and saving a case, without a browser.

The browser journeys (form, save and load, share link, mobile) are in ``tests/test_web_answer_e2e.py``.
"""

from __future__ import annotations

import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

import mesostage
from mesostage.web.examples import examples
from tests.readability import fk_grade
from tests.test_web_pages import Page
from tests.web_helpers import client, example_case

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def web() -> Any:
    return client()


def _post(web: Any, path: str, fields: dict[str, str] | list[tuple[str, str]]) -> Any:
    return web.post(path, data=fields, headers={"content-type": FORM})


def _results(web: Any, case: dict[str, Any], view: str = "patient") -> Page:
    r = _post(web, "/results", {"case_json": json.dumps(case), "view": view})
    assert r.status_code == 200, r.text
    return Page(r.text)


DIAPHRAGM_TOLD_IV = {
    "site": "pleura",
    "laterality": "left",
    "diagnosis_date": "2025-03-01",
    "tumor": {"findings": ["diaphragmatic_pleura"]},
    "nodes": {"findings": []},
    "metastases": {"findings": []},
    "reported_stage": {"system": "tnm9", "stage": "IV"},
}


def test_the_answer_names_the_stage_given_and_what_the_findings_give_in_both_editions() -> None:
    # Diaphragmatic pleura alone is T1 (8th: T1 N0 M0 = IA, Rusch 2016); in the 9th edition clinical T needs Psum,
    # so the stage is open between I and IIIA (cT1-T3 with N0). Stage IV needs M1.
    page = _results(client(), DIAPHRAGM_TOLD_IV)
    answer = page.text("answer")
    assert "You were told stage IV (TNM 9th)." in answer
    assert page.text("#headline-stage") == "I to IIIA"
    assert (
        "The findings give stage I to IIIA in the TNM 9th edition, the one in use for this date of diagnosis." in answer
    )
    assert "In the TNM 8th, the findings give stage IA." in answer
    assert "stage IV means spread to distant places, and none was entered" in answer
    assert "cannot be determined" not in answer


def test_the_reported_stage_edition_is_the_one_compared() -> None:
    told_8th = {**DIAPHRAGM_TOLD_IV, "reported_stage": {"system": "tnm8", "stage": "IA"}}
    answer = _results(client(), told_8th).text("answer")
    assert "You were told stage IA (TNM 8th)." in answer
    assert "That matches what the findings give in the TNM 8th." in answer
    assert "differs" not in answer


@pytest.mark.parametrize("name", [ex.name for ex in examples()])
def test_every_example_answer_reads_at_grade_8_or_below(web: Any, name: str) -> None:
    page = Page(web.get(f"/examples/{name}").text)
    text = page.text("answer")
    assert text
    assert fk_grade(text) <= 8, (name, fk_grade(text), text)


class _Text(HTMLParser):
    """The visible text of a page, leaving out scripts, styles, code and attribute values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style", "code")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "code")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


FIELD_NAME = re.compile(
    r"\b(?:tumor|nodes|metastases|patient|peritoneal|resection)\.[a-z_]+|\[\s*'[^\]]*\]|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"
)
# A source may name a registry table with underscores (SEER's tnm7_stage_uaq, schema pleural_mesothelioma).
CITATION = re.compile(r"\b(?:tnm7_stage_uaq|pleural_mesothelioma)\b")


@pytest.mark.parametrize("view", ["patient", "clinician"])
@pytest.mark.parametrize("name", [ex.name for ex in examples()])
def test_no_field_names_or_python_values_in_the_text(web: Any, name: str, view: str) -> None:
    text = " ".join(_Text(web.get(f"/examples/{name}?view={view}").text).parts)
    found = {m for m in FIELD_NAME.findall(CITATION.sub("", text))}
    assert found == set(), found


def test_patient_view_has_no_hazard_ratios_or_confidence_intervals(web: Any) -> None:
    for ex in examples():
        text = " ".join(_Text(web.get(f"/examples/{ex.name}").text).parts)
        assert not re.search(r"\bHR\b|\bCI\b|hazard ratio|confidence interval", text), ex.name


def test_families_read_calm_severity_labels_and_clinicians_the_exact_ones(web: Any) -> None:
    patient = Page(web.get("/examples/diaphragm-origin").text)
    clinician = Page(web.get("/examples/diaphragm-origin?view=clinician").text)
    assert "Worth checking with your care team" in patient.text("severity")
    assert "Critical" not in patient.text("severity")
    assert "Critical" in clinician.text("severity")


def test_outlook_is_folded_in_the_patient_view(web: Any) -> None:
    html = web.get("/examples/diaphragm-origin").text
    start = html.index('id="outlook-more"')
    assert html[html.rindex("<details", 0, start) : start].count(" open") == 0
    assert "Show what studies of other people found" in html
    assert html.index('id="outlook-more"') < html.index('class="outlook-figure"')


def _option_ids(html: str) -> list[str]:
    return re.findall(r'id="option-([^"]+)"', html)


def test_first_line_options_come_first_and_later_lines_are_folded(web: Any) -> None:
    html = web.get("/examples/diaphragm-origin").text
    first = html[html.index('class="options options-first"') : html.index('class="options options-also"')]
    folded = html[html.index('class="options-more"') : html.index("</section>", html.index('class="options-more"'))]
    # Untreated pleural mesothelioma: nivolumab plus ipilimumab is a first-line option (CheckMate 743), and
    # nivolumab alone is a later-line one (CONFIRM): the first is listed first, the second folded away.
    assert _option_ids(first)[0] == "pleura_nivolumab_ipilimumab"
    assert "pleura_nivolumab_second_line" in _option_ids(folded)
    assert "pleura_nivolumab_second_line" not in _option_ids(first)
    assert "after a first treatment" in Page(html).text("options-more")
    treated = example_case("diaphragm-origin") | {"patient": {"prior_systemic_lines": 1}}
    page = _post(web, "/results", {"case_json": json.dumps(treated)}).text
    later = page[page.index('class="options options-first"') : page.index('class="options options-also"')]
    assert "pleura_nivolumab_ipilimumab" not in _option_ids(later)


def test_what_was_entered_lists_every_input_with_defaults(web: Any) -> None:
    page = _results(web, example_case("diaphragm-origin"))
    text = page.text("entered-table")
    assert "Date of diagnosis 2023-05-10 (it selects the TNM 8th)" in text
    assert "Stage already given IV" in text
    assert "Edition of that stage TNM 8th" in text
    assert "Grows into the breathing muscle Yes" in text
    assert "Grows into a rib No (default)" in text
    assert "Lymph nodes at the root of the lung" in text or "(default)" in text
    assert "Age not given (default)" in text
    rows = text.count("(default)") + text.count(" Yes") + text.count(" Not known")
    assert rows >= 46  # every finding of the three vocabularies has a row


def test_empty_form_warns_before_staging(web: Any) -> None:
    r = _post(web, "/results", {"site": "pleura"})
    assert r.status_code == 422
    page = Page(r.text)
    assert "Nothing is marked Yes" in page.text("#input-warnings")
    assert "headline-stage" not in r.text
    anyway = _post(web, "/results", {"site": "pleura", "confirm": "yes"})
    assert anyway.status_code == 200
    assert "Nothing is marked Yes" in Page(anyway.text).text("#input-warnings")


def test_future_date_is_refused_in_plain_words(web: Any) -> None:
    r = _post(web, "/results", {"site": "pleura", "diagnosis_date": "2999-01-01", "tumor.rib": "yes"})
    assert r.status_code == 422
    summary = Page(r.text).text("#error-summary")
    assert "The date of diagnosis: The date of diagnosis (2999-01-01) is after today." in summary
    assert "diagnosis_date" not in summary


@pytest.mark.parametrize(
    ("fields", "words", "refused"),
    [
        (
            {"tumor.chest_wall_solitary": "yes", "tumor.chest_wall_diffuse": "yes"},
            "The chest wall is marked both",
            False,
        ),
        (
            {"tumor.pericardium_nontransmural": "yes", "tumor.pericardium_through": "yes"},
            "The sac around the heart",
            False,
        ),
        (
            {"tumor.rib": "yes", "resection.performed": "no", "resection.margins_positive": "yes"},
            "The edges of removed",
            True,
        ),
        ({"tumor.rib": "yes", "resection.margins_positive": "no"}, "The edges of removed tissue", True),
        ({"tumor.status": "no_evidence", "tumor.rib": "yes"}, "'No sign of a main tumour' is chosen", True),
    ],
)
def test_contradictions_in_plain_words(web: Any, fields: dict[str, str], words: str, refused: bool) -> None:
    r = _post(web, "/results", {"site": "pleura", **fields})
    assert r.status_code == 422
    page = Page(r.text)
    where = page.text("#error-summary") if refused else page.text("#input-warnings")
    assert words in where
    assert "_" not in where
    if refused:  # one problem, named once: the case model's own error on the same field is left out
        assert r.text.count("<li><a href=") == 1


def test_api_gives_the_same_checks_as_warnings_with_paths(web: Any) -> None:
    case = {**DIAPHRAGM_TOLD_IV, "tumor": {"findings": ["chest_wall_solitary", "chest_wall_diffuse"]}}
    case["diagnosis_date"] = "2999-01-01"
    r = web.post("/api/v1/stage", json=case)
    assert r.status_code == 200
    assert [(w["path"], w["code"]) for w in r.json()["warnings"]] == [
        ("diagnosis_date", "diagnosis_date_in_future"),
        ("tumor.findings", "chest_wall_solitary_and_diffuse"),
    ]


def _summary_pdf(web: Any, case: dict[str, Any], view: str = "patient") -> tuple[int, str]:
    r = _post(web, "/summary.pdf", {"case_json": json.dumps(case), "view": view})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    return len(reader.pages), " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


@pytest.mark.parametrize("view", ["patient", "clinician"])
@pytest.mark.parametrize("name", [ex.name for ex in examples()])
def test_summary_pdf_is_one_page_for_every_example(web: Any, name: str, view: str) -> None:
    pages, text = _summary_pdf(web, example_case(name), view)
    assert pages == 1
    assert "one-page summary" in text
    assert "supports, and does not replace, a specialist's judgement" in text


def test_summary_pdf_holds_stages_points_questions_and_trial_contacts(web: Any) -> None:
    pages, text = _summary_pdf(web, example_case("diaphragm-origin"))
    assert pages == 1
    assert "You were told stage IV (TNM 8th). The findings give stage IB in the TNM 8th" in text
    for heading in ("Stage in each system", "Points to check", "Questions to ask", "Clinical trials: who to contact"):
        assert heading in text
    assert re.search(r"TNM 7th / IMIG \S+", text)
    assert re.search(r"NCT\d{8}", text)  # a trial with its id
    assert "Worth checking with your care team" in text


def test_saved_case_is_the_case_in_the_case_format(web: Any) -> None:
    case = example_case("diaphragm-origin")
    r = _post(web, "/case.json", {"case_json": json.dumps(case)})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith('attachment; filename="mesostage-case-')
    assert mesostage.parse_case_json(r.content) == mesostage.parse_case(case)


def test_share_link_holds_the_case_in_the_fragment_only(web: Any) -> None:
    import base64

    page = web.get("/examples/diaphragm-origin").text
    link = re.search(r'id="share-link" href="([^"]+)"', page) or re.search(
        r'href="(/#case=[^"]+)" id="share-link"', page
    )
    assert link is not None
    path, _, fragment = html.unescape(link.group(1)).partition("#")
    assert path == "/"
    data, _, view = fragment.removeprefix("case=").partition("&")
    assert view == "view=patient"
    decoded = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    assert mesostage.parse_case_json(decoded) == mesostage.parse_case(example_case("diaphragm-origin"))


def test_new_patient_texts_read_at_grade_8_or_below(web: Any) -> None:
    results = Page(web.get("/examples/diaphragm-origin").text)
    empty = Page(_post(web, "/results", {"site": "pleura"}).text)
    form = Page(web.get("/").text)
    parts = {
        "share": results.text("share"),
        "outlook": results.text("#outlook").split("Show what studies")[0],
        "entered": results.text("#entered").split("About the diagnosis")[0],
        "options": results.text("options-first-title") + ". " + results.text("options-more").split("(")[0] + ".",
        "warnings": empty.text("#input-warnings"),
        "load": form.text("load-case"),
    }
    for name, text in parts.items():
        assert len(text.split()) >= 5, name
        assert fk_grade(text) <= 8, (name, fk_grade(text), text)


def test_every_treatment_goal_and_status_has_words_on_the_page() -> None:
    """Goals and statuses are shown in words, never as the data's own values (e.g. 'benefit uncertain', issue 12)."""
    from mesostage.treatment.knowledge import load_knowledge_base

    template = (
        Path(__file__).resolve().parents[1] / "src" / "mesostage" / "web" / "templates" / "partials" / "options.html"
    ).read_text(encoding="utf-8")
    for goal in {o.goal for o in load_knowledge_base().options}:
        assert f'"{goal}": "Aim:' in template, goal
    for status in ("applies", "may_apply", "not_applicable"):
        assert f'"{status}": "' in template, status
