"""The server-rendered pages and the PDF report, without a browser: content, accessibility markup, no inline code,
no outside hosts, nothing stored."""

from __future__ import annotations

import builtins
import datetime as dt
import io
import json
import re
import tempfile
from html.parser import HTMLParser
from typing import Any

import pytest
from pypdf import PdfReader

from mesostage.web.examples import examples
from mesostage.web.view import data_version
from tests.readability import fk_grade
from tests.web_helpers import client, example_case

FORM = "application/x-www-form-urlencoded"


class Page(HTMLParser):
    """The parts of a page the checks need: elements with attributes, label targets, text by class."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], bool]] = []  # (tag, attrs, inside a <label>)
        self.label_for: set[str] = set()
        self.inline_scripts = 0
        self.text_by_class: dict[str, list[str]] = {}
        self._label_depth = 0
        self._script = False
        self._classes: list[tuple[str, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a, self._label_depth > 0))
        if tag == "label":
            self._label_depth += 1
            if "for" in a:
                self.label_for.add(a["for"])
        if tag == "script":
            self._script = True
            if "src" not in a:
                self.inline_scripts += 1
        if tag not in ("br", "input", "img", "meta", "link", "hr"):
            marks = a.get("class", "").split() + ([f"#{a['id']}"] if "id" in a else [])
            self._classes.append((tag, marks))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1
        if tag == "script":
            self._script = False
        for i in range(len(self._classes) - 1, -1, -1):
            if self._classes[i][0] == tag:
                del self._classes[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.inline_scripts += 1
        for _, classes in self._classes:
            for c in classes:
                self.text_by_class.setdefault(c, []).append(data)

    def text(self, cls: str) -> str:
        return " ".join(" ".join(self.text_by_class.get(cls, [])).split())

    def ids(self) -> list[str]:
        return [a["id"] for _, a, _ in self.elements if "id" in a]


@pytest.fixture(scope="module")
def web() -> Any:
    return client()


def _post(web: Any, path: str, fields: dict[str, str] | list[tuple[str, str]]) -> Any:
    from urllib.parse import urlencode

    return web.post(path, content=urlencode(fields), headers={"content-type": FORM})


def _pages(web: Any) -> dict[str, str]:
    case = json.dumps(example_case("diaphragm-origin"))
    return {
        "form": web.get("/").text,
        "form-example": web.get("/?example=peritoneal-pci").text,
        "results-patient": web.get("/examples/diaphragm-origin").text,
        "results-clinician": web.get("/examples/pleural-unknowns?view=clinician").text,
        "results-peritoneal": web.get("/examples/peritoneal-pci?view=clinician").text,
        "results-pericardial": web.get("/examples/pericardial").text,
        "form-errors": _post(web, "/results", {"site": "pleura", "tumor.psum_mm": "x"}).text,
        "edit": _post(web, "/form", {"case_json": case, "view": "patient"}).text,
        "error-404": web.get("/examples/none").text,
    }


def test_every_page_has_no_inline_code_and_no_outside_host(web: Any) -> None:
    for name, html in _pages(web).items():
        page = Page(html)
        assert page.inline_scripts == 0, name
        assert "<style" not in html, name
        assert " style=" not in html, name
        assert not re.search(r" on[a-z]+=", html), f"{name}: inline event handler"
        for tag, attrs, _ in page.elements:
            for attr in ("src", "href", "action"):
                url = attrs.get(attr, "")
                assert not re.match(r"^(https?:)?//", url), f"{name}: {tag} {attr}={url}"
        assert html.count('lang="en"') == 1, name


def test_every_control_has_a_label_and_ids_are_unique(web: Any) -> None:
    for name, html in _pages(web).items():
        page = Page(html)
        ids = page.ids()
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids {[i for i in ids if ids.count(i) > 1]}"
        for tag, attrs, in_label in page.elements:
            if tag not in ("input", "select", "textarea") or attrs.get("type") in ("hidden", "submit"):
                continue
            assert in_label or attrs.get("id") in page.label_for, f"{name}: {tag} {attrs} has no label"


def test_form_offers_every_site_and_not_known_for_every_finding(web: Any) -> None:
    html = web.get("/").text
    for site in ("pleura", "peritoneum", "pericardium", "tunica_vaginalis"):
        assert f'name="site" value="{site}"' in html
    from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, TUMOR_FINDINGS

    for section, vocab in (("tumor", TUMOR_FINDINGS), ("nodes", NODE_FINDINGS), ("metastases", METASTASIS_FINDINGS)):
        for name in vocab:
            assert f'name="{section}.{name}" value="unknown"' in html, name
    for i in range(13):
        assert f'name="peritoneal.region.{i}"' in html


def test_examples_are_one_click_away(web: Any) -> None:
    html = web.get("/").text
    names = [e.name for e in examples()]
    assert "diaphragm-origin" in names
    for name in names:
        assert f'href="/examples/{name}"' in html
        assert web.get(f"/examples/{name}").status_code == 200
        assert web.get(f"/?example={name}").status_code == 200


def test_diaphragm_origin_results(web: Any) -> None:
    page = Page(web.get("/examples/diaphragm-origin").text)
    assert "IB" in page.text("headline")
    assert "TNM 8th" in page.text("headline")
    critical = page.text("note-critical")
    assert "does not fit" in critical
    assert "not metastasis" in critical
    # the range bar marks IB as the stage and nothing else as possible
    assert page.text("current").startswith("IB ")
    assert page.text("in-range") == page.text("current")


def test_the_form_asks_the_kind_of_mesothelioma_and_in_situ_is_not_staged(web: Any) -> None:
    form = web.get("/").text
    for value in ("diffuse", "localized", "in_situ", "well_differentiated_papillary"):
        assert f'<option value="{value}"' in form
    # WHO 2021: mesothelioma in situ is not diffuse disease, so no TNM stage is given (issue 12 item 7)
    fields = {"site": "pleura", "tumor_type": "in_situ", "tumor.status": "assessed", "tumor.parietal_pleura": "yes"}
    page = _post(web, "/results", fields).text
    assert "mesothelioma in situ" in page
    assert "It is not given a stage" in page
    assert _post(web, "/results", {**fields, "tumor_type": "nodular"}).status_code == 422


def test_results_page_has_every_section_in_both_views(web: Any) -> None:
    for view in ("patient", "clinician"):
        page = Page(web.get(f"/examples/diaphragm-origin?view={view}").text)
        ids = set(page.ids())
        assert {"stage", "review", "explain", "options", "outlook", "trials", "entered"} <= ids
        links = {a["href"] for t, a, _ in page.elements if t == "a" and "href" in a}
        assert {"#stage", "#review", "#options", "#outlook"} <= links  # the contents list
        figure = [a for t, a, _ in page.elements if t == "img" and a.get("src", "").startswith("data:image/png")]
        assert len(figure) == 1
        assert "median survival" in figure[0]["alt"]


def test_options_and_outlook_sections(web: Any) -> None:
    patient = Page(web.get("/examples/diaphragm-origin").text)
    assert "Nivolumab" in patient.text("#options")
    assert "They cannot say how long any one person will live" in patient.text("#outlook")
    clinician = Page(web.get("/examples/diaphragm-origin?view=clinician").text)
    assert "Prognostic scores" in clinician.text("#outlook")
    assert "EORTC" in clinician.text("scores")
    assert "Considered and set aside" in clinician.text("#options") or "Would apply if" in clinician.text("#options")


def test_trials_section_says_when_the_data_is_fictional(web: Any) -> None:
    page = Page(web.get("/examples/diaphragm-origin").text)
    assert "Demo data only" in page.text("fictional")
    assert "[FICTIONAL]" in page.text("trials")
    assert "study team" in page.text("#trials")


def test_an_unknown_place_leaves_the_rest_of_the_page(web: Any) -> None:
    case = example_case("diaphragm-origin")
    case["patient"] = {"location": "Nowhere-on-earth, Atlantis"}
    r = _post(web, "/results", {"case_json": json.dumps(case)})
    assert r.status_code == 200
    page = Page(r.text)
    assert "patient.location" in page.text("notice-error")
    assert page.text("#headline-stage") == "IB"
    assert "[FICTIONAL]" in page.text("#trial-matches"), "the trials are still listed, without distances"


def test_clinician_view_shows_every_applicable_system_with_sources(web: Any) -> None:
    html = web.get("/examples/pleural-unknowns?view=clinician").text
    page = Page(html)
    rows = [a["id"] for t, a, _ in page.elements if t == "tr" and "system-row" in a.get("class", "")]
    assert rows[0] == "system-tnm9", "the system in use for a 2025 diagnosis comes first"
    assert set(rows) == {f"system-{s}" for s in ("tnm8", "tnm9", "tnm7", "butchart", "brigham")}
    assert "Rusch VW" in page.text("sources")
    assert "m_not_assessed" in html
    assert "PCI-based TNM" in html  # the system that does not apply, with its reason


def test_peritoneal_results_show_the_pci(web: Any) -> None:
    page = Page(web.get("/examples/peritoneal-pci?view=clinician").text)
    assert "PCI 13" in page.text("staging-table")


def test_form_errors_link_to_their_fields(web: Any) -> None:
    r = _post(web, "/results", [("site", "peritoneum"), ("peritoneal.region.0", "2"), ("patient.ecog", "7")])
    assert r.status_code == 422
    page = Page(r.text)
    links = [a["href"][1:] for t, a, _ in page.elements if t == "a" and a.get("href", "").startswith("#")]
    ids = set(page.ids())
    targets = [link for link in links if link != "main"]
    assert "peritoneal.region.1" in targets
    assert "patient.ecog" in targets
    assert all(t in ids for t in targets)
    # what was entered stays in the form
    assert 'value="2" selected' in r.text


def test_pasted_json_case_and_its_errors(web: Any) -> None:
    good = _post(web, "/results", {"case_json": json.dumps(example_case("example-1")), "view": "clinician"})
    assert good.status_code == 200
    assert "IIIA" in Page(good.text).text("staging-table")
    bad = _post(web, "/results", {"case_json": '{"site": "pleura", "tumor": {"findings": ["ribs"]}}'})
    assert bad.status_code == 422
    summary = Page(bad.text).text("#error-summary")
    assert "'ribs' is not an allowed value (did you mean 'rib'?)" in summary
    assert "tumor.findings" not in summary  # the field is named in words, and linked
    assert 'href="#tumor.ribs"' in bad.text or 'href="#tumor"' in bad.text
    assert _post(web, "/results", {"case_json": "{oops"}).status_code == 422


def test_view_switch_and_change_answers_carry_the_case(web: Any) -> None:
    case = json.dumps(example_case("diaphragm-origin"))
    clinician = _post(web, "/results", {"case_json": case, "view": "clinician"})
    assert "staging-table" in clinician.text
    # the clinician's answer gives the categories: diaphragm muscle is T2, T2 N0 M0 is IB (TNM 8th, Rusch 2016)
    answer = Page(clinician.text).text("answer")
    assert "The findings give stage IB in the TNM 8th" in answer
    assert "Categories: cT2 cN0 cM0." in answer
    assert "Differs from the reported stage: stage IV needs M1" in answer
    edit = _post(web, "/form", {"case_json": case, "view": "clinician"})
    assert 'name="tumor.diaphragm_muscle" value="yes" checked' in edit.text
    assert '<option value="IV" selected>' in edit.text
    assert '<option value="tnm8" selected>' in edit.text


def test_wrong_content_type_is_refused(web: Any) -> None:
    r = web.post("/results", json={"site": "pleura"})
    assert r.status_code == 415


def test_patient_view_template_text_is_plain(web: Any) -> None:
    form = Page(web.get("/").text)
    results = Page(web.get("/examples/pleural-unknowns").text)
    text = " ".join(
        [
            form.text("lead"),
            form.text("how-to"),
            results.text("explain"),
            results.text("headline"),
            results.text("evidence-note"),
            "Some facts are not known yet. Until they are, the stage could be anywhere in the shaded range.",
        ]
    )
    assert len(text.split()) > 80
    assert fk_grade(text) <= 8


def _pdf_text(web: Any, case: dict[str, Any], view: str) -> tuple[Any, str]:
    r = _post(web, "/report.pdf", {"case_json": json.dumps(case), "view": view})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(r.content))
    return r, " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_pdf_report_states_date_versions_and_disclaimer(web: Any) -> None:
    _, text = _pdf_text(web, example_case("diaphragm-origin"), "clinician")
    today = dt.datetime.now(dt.UTC)
    assert today.strftime("%d %B %Y") in text
    assert data_version().fingerprint in text
    assert "AJCC / UICC TNM classification, 8th edition" in text
    assert "supports, and does not replace, a specialist's judgement" in text
    assert "cT2 cN0 cM0" in text
    assert "Critical" in text


def test_pdf_report_patient_view(web: Any) -> None:
    _, text = _pdf_text(web, example_case("peritoneal-pci"), "patient")
    assert "Peritoneal Cancer Index" in text
    assert "does not replace" in text


def _page_trial_ids(web: Any, case: dict[str, Any], view: str) -> list[str]:
    """The NCT ids of the possible matches the results page lists, in its order."""
    page = _post(web, "/results", {"case_json": json.dumps(case), "view": view}).text
    block = page[page.index('id="trial-matches"') :]
    return re.findall(r'<li class="trial" id="trial-(NCT\d{8})"', block[: block.index("</ol>")])


@pytest.mark.parametrize("view", ["patient", "clinician"])
def test_pdf_report_holds_what_a_reader_needs(web: Any, view: str) -> None:
    """The shorter report still holds the stage in every system, the unknowns, the notice, the trials with their
    NCT ids, and says where the sources and the detail it leaves out are."""
    case = example_case("diaphragm-origin")
    _, text = _pdf_text(web, case, view)
    # Diaphragm muscle, no nodes, no distant spread: T2 N0 M0, stage IB in the 8th edition (IASLC 2016), stage II in
    # the 7th (IMIG 1995: T2 N0 M0 is stage II) and Butchart stage I (disease within the pleural envelope).
    for system, stage in (("TNM 8th", "IB"), ("TNM 7th / IMIG", "II"), ("Butchart", "I"), ("TNM 9th", "I to IIIA")):
        assert re.search(rf"{re.escape(system)}\W.{{0,60}}{re.escape(stage)}", text), (system, stage)
    # The 9th edition's T needs the tumour thickness on CT (Psum), which this case does not give.
    assert "Still unknown: Pleural thickness on CT" in text
    assert "Not medical advice" in text
    assert "does not replace, a specialist's judgement" in text
    ids = _page_trial_ids(web, case, view)
    assert len(ids) >= 10
    for nct in ids[:10]:
        assert nct in text
    assert "mesostage trials match CASE.json" in text
    if view == "clinician":
        assert "Rusch VW" in text  # the 8th-edition source (IASLC staging project)
        assert "Sources of these options" in text
    else:
        assert "sources of every stage, point to check and treatment are listed in the clinician view" in text
    # Page 1 answers the question: the stage, what is unknown and where the options and trials are.
    first_page = text[: text.index("Page 1 of")]
    assert "In short" in first_page
    assert "The findings give stage IB" in first_page


def test_pdf_report_lists_each_missing_fact_once(web: Any) -> None:
    """The options share a few missing facts (activity score, earlier treatment): the PDF lists each once, numbered,
    and every option refers to its numbers."""
    _, text = _pdf_text(web, example_case("diaphragm-origin"), "patient")
    fact = "for people who are up and about and can look after themselves (activity score 0 or 1)"
    assert text.count(fact) == 1
    assert "Not yet recorded: facts 1, 2" in text


def test_nothing_is_written_while_serving(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = builtins.open

    def read_only_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            raise AssertionError(f"the app wrote to {file}")
        return real_open(file, mode, *args, **kwargs)

    def no_temp(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the app made a temporary file")

    # Warm-up with another case: the app may build what it serves from (the demo trial index, the processes that
    # draw PDF reports) on first use.
    assert web.get("/examples/pleural-unknowns").status_code == 200
    assert _post(web, "/report.pdf", {"case_json": json.dumps(example_case("pericardial"))}).status_code == 200
    monkeypatch.setattr(builtins, "open", read_only_open)
    monkeypatch.setattr(io, "open", read_only_open)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_temp)
    case = json.dumps(example_case("example-1"))
    assert _post(web, "/results", {"case_json": case}).status_code == 200
    assert _post(web, "/report.pdf", {"case_json": case}).status_code == 200
    assert web.post("/api/v1/stage", content=case).status_code == 200


def test_too_many_form_fields_are_refused(web: Any) -> None:
    fields = [("site", "pleura")] + [("x", str(i)) for i in range(500)]
    assert _post(web, "/results", fields).status_code == 400


def test_pdf_without_pango_explains_and_offers_printing(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine without Pango, WeasyPrint cannot load: the report says what is missing instead of failing."""
    import mesostage.web.pages as pages

    def no_pango(html: str, stylesheet: str = "report.css") -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pages, "render_pdf", no_pango)
    for route in ("/report.pdf", "/summary.pdf"):
        response = _post(web, route, {"case_json": json.dumps(example_case("example-1"))})
        assert response.status_code == 503
        assert "Pango" in response.text
        assert "Print this page" in response.text
