"""The server-rendered pages: the guided form, the results (patient or clinician view) and the PDF report.

Forms post the case to the server, which answers with a page and keeps nothing: the results page carries the
case (as JSON in hidden fields) to the buttons that switch the view, change the answers or make the PDF.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

import mesostage
from mesostage import Case, CaseError, InputError, load_systems
from mesostage.case import HISTOLOGIES, PCI_REGION_NAMES
from mesostage.labels import humanize
from mesostage.limits import PDF_MAX_IN_FLIGHT, PDF_RETRY_AFTER_SECONDS
from mesostage.web import form as forms
from mesostage.web.examples import example, examples
from mesostage.web.labels import labels
from mesostage.web.report import render_pdf_isolated as render_pdf
from mesostage.web.view import DISCLAIMER, SECTIONS, SEVERITY_WORDS, Analysis, analyse, data_version

__all__ = ["PDF_ADMISSION", "Admission", "environment", "render", "router"]

router = APIRouter(include_in_schema=False)
_MAX_FIELDS = 400


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mesostage.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = humanize
    env.globals.update(
        disclaimer=DISCLAIMER,
        labels=labels(),
        version=data_version(),
        sections=SECTIONS,
        severity_words=SEVERITY_WORDS,
        finding_choices=forms.FINDING_CHOICES,
        section_status=forms.SECTION_STATUS,
        histologies=HISTOLOGIES,
        pci_region_names=PCI_REGION_NAMES,
        views=forms.VIEWS,
        report=False,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(template, **context), status_code=status)


class _Values:
    """Read access to the form's current values, for filling the inputs again."""

    def __init__(self, data: Mapping[str, Sequence[str]]) -> None:
        self.data = data

    def get(self, key: str, default: str = "") -> str:
        values = self.data.get(key)
        return values[0] if values else default

    def all(self, key: str) -> Sequence[str]:
        return self.data.get(key, ())


def _form_page(
    data: Mapping[str, Sequence[str]],
    *,
    errors: Sequence[InputError] = (),
    case: Mapping[str, Any] | None = None,
    status: int = 200,
    notice: str | None = None,
    warnings: Sequence[mesostage.CaseWarning] = (),
) -> HTMLResponse:
    linked = [(forms.plain_error(e), forms.field_id_for_path(e.path, case)) for e in errors]
    linked_fields = {field for _, field in linked}
    return _page(
        "form.html",
        status=status,
        values=_Values(data),
        errors=linked,
        error_fields=linked_fields,
        input_warnings=[(w, forms.field_id_for_path(w.path, case)) for w in warnings],
        today=dt.date.today().isoformat(),
        examples=examples(),
        patient_fields=forms.patient_fields(),
        reported_systems=load_systems(),
        reported_stage_values=forms.reported_stage_values(),
        notice=notice,
        patient_open=any(f.startswith("patient") for f in linked_fields)
        or any(v not in ("", "unknown") for k, vs in data.items() if k.startswith("patient.") for v in vs),
    )


async def _read_form(request: Request) -> dict[str, list[str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, f"the form could not be read: {exc}") from None


def _view(data: Mapping[str, Sequence[str]]) -> str:
    view = (data.get("view") or ["patient"])[0]
    return view if view in forms.VIEWS else "patient"


class _Invalid(Exception):
    def __init__(
        self,
        errors: Sequence[InputError],
        raw: Mapping[str, Any] | None,
        warnings: Sequence[mesostage.CaseWarning] = (),
    ) -> None:
        self.errors = errors
        self.raw = raw
        self.warnings = warnings


def _named_already(error: InputError, refused: Sequence[InputError]) -> bool:
    """A model error on a field that a plain-words check already names: the same problem twice."""
    if any(r.path == error.path for r in refused):
        return True
    return error.path.startswith("resection.") and any(r.path.startswith("resection.") for r in refused)


def _case_from(data: Mapping[str, Sequence[str]]) -> Case:
    """The case a submission describes: pasted or carried JSON (``case_json``) or the form fields.

    Every problem is reported at once: those of fields that could not be read, the answers that cannot all be true
    (``mesostage.check_case``, in plain words), then what the case model finds in the rest. A form on which
    nothing is marked, or with answers that do not fit together, comes back with the warnings until it is sent
    again with ``confirm`` ("Show the stage anyway"); a case carried as JSON has been through that already.
    """
    raw: dict[str, Any] | None = None
    errors: list[InputError] = []
    from_form = False
    try:
        text = (data.get("case_json") or [""])[0].strip()
        if text:
            others = [k for k in data if k not in ("case_json", "view")]
            if others:
                raise CaseError(
                    [InputError(k, "give the case either as JSON or in the form, not both") for k in others]
                )
            raw = forms.case_from_json_field(text)
        else:
            raw, errors = forms.read_form(data)
            from_form = True
        checks = mesostage.check_case(raw)
        refused = [InputError(w.path, w.message) for w in checks if w.level == "error"]
        try:
            case = mesostage.parse_case(raw)
        except CaseError as exc:
            model_errors = [e for e in exc.errors if not _named_already(e, refused)]
            raise CaseError([*refused, *model_errors]) from None
        if refused:
            raise CaseError(refused)
    except CaseError as exc:
        raise _Invalid([*errors, *exc.errors], raw) from None
    if errors:
        raise _Invalid(errors, raw)
    warnings = [w for w in checks if w.level == "warning"]
    if from_form and warnings and not (data.get("confirm") or [""])[0]:
        raise _Invalid([], raw, warnings)
    return case


async def _submitted_case(request: Request) -> tuple[dict[str, list[str]], Case] | HTMLResponse:
    """The form a route was sent and the case it describes, or the form again with its errors and warnings (422):
    what every route that takes a case from the form does first."""
    data = await _read_form(request)
    try:
        return data, _case_from(data)
    except _Invalid as exc:
        return _form_page(data, errors=exc.errors, case=exc.raw, warnings=exc.warnings, status=422)


async def _results(case: Case, view: str) -> HTMLResponse:
    # Staging, options, outlook and its figure take a few hundred milliseconds: off the event loop.
    html = await run_in_threadpool(lambda: render("results.html", a=analyse(case, view)))
    return HTMLResponse(html)


@router.get("/", response_class=HTMLResponse)
async def form_page(example_name: Annotated[str | None, Query(alias="example")] = None) -> HTMLResponse:
    """The guided form, empty or filled with an example (``/?example=diaphragm-origin``)."""
    if example_name is None:
        return _form_page({})
    ex = example(example_name)
    if ex is None:
        raise HTTPException(404, f"no example called {example_name!r}")
    return _form_page(forms.form_from_case(ex.case()), notice=f"The form now holds the example: {ex.title}.")


@router.get("/examples/{name}", response_class=HTMLResponse)
async def example_results(name: str, view: str = "patient") -> HTMLResponse:
    """The results page for an example case."""
    ex = example(name)
    if ex is None:
        raise HTTPException(404, f"no example called {name!r}")
    return await _results(mesostage.parse_case(ex.case()), view if view in forms.VIEWS else "patient")


@router.post("/results", response_class=HTMLResponse)
async def results(request: Request) -> HTMLResponse:
    """The results page for the submitted form (or JSON case); the form again, with the errors, if it is not valid."""
    submitted = await _submitted_case(request)
    if isinstance(submitted, HTMLResponse):
        return submitted
    data, case = submitted
    return await _results(case, _view(data))


@router.post("/form", response_class=HTMLResponse)
async def edit(request: Request) -> HTMLResponse:
    """The form filled with the case carried from the results page ("Change the answers")."""
    submitted = await _submitted_case(request)
    if isinstance(submitted, HTMLResponse):
        return submitted
    data, case = submitted
    fields = forms.form_from_case(case.model_dump(mode="json", exclude_none=True))
    fields["view"] = [_view(data)]
    return _form_page(fields)


class Admission:
    """A bound on requests under way at once (counted across threads and event loops)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


#: PDF requests under way; at most ``PDF_RENDER_SLOTS`` of them are drawn at once (in worker processes, see
#: :mod:`mesostage.web.report`), the others wait their turn.
PDF_ADMISSION = Admission(PDF_MAX_IN_FLIGHT)


def _pdf_of(analysis: Analysis, template: str, stylesheet: str) -> bytes:
    return render_pdf(render(template, a=analysis, report=True), stylesheet)


async def _pdf(request: Request, template: str, stylesheet: str, name: str) -> Response:
    submitted = await _submitted_case(request)
    if isinstance(submitted, HTMLResponse):
        return submitted
    data, case = submitted
    if not PDF_ADMISSION.enter():
        message = (
            f"The server is making {PDF_ADMISSION.limit} PDF reports already. Please try again in a few seconds, "
            "or use 'Print this page' and save as PDF."
        )
        headers = {"retry-after": str(PDF_RETRY_AFTER_SECONDS)}
        return HTMLResponse(render("error.html", status=503, message=message), status_code=503, headers=headers)
    try:
        analysis = await run_in_threadpool(analyse, case, _view(data))
        pdf = await run_in_threadpool(_pdf_of, analysis, template, stylesheet)
    except (ImportError, OSError):
        # WeasyPrint needs Pango from the system; without it, say so and offer the browser's own printing.
        message = (
            "The PDF report needs the Pango text library on this computer (Debian: libpango-1.0-0 "
            "libpangoft2-1.0-0 libharfbuzz-subset0). Use 'Print this page' and save as PDF instead."
        )
        return HTMLResponse(render("error.html", status=503, message=message), status_code=503)
    finally:
        PDF_ADMISSION.leave()
    stamp = analysis.created.strftime("%Y%m%d-%H%M")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="mesostage-{name}-{stamp}.pdf"'},
    )


@router.post("/report.pdf", response_model=None)
async def report(request: Request) -> Response:
    """The results as a PDF, for printing or saving."""
    return await _pdf(request, "report.html", "report.css", "report")


@router.post("/summary.pdf", response_model=None)
async def summary_pdf(request: Request) -> Response:
    """One page: the answer, the stage in each system, points to check, questions to ask, trial contacts."""
    return await _pdf(request, "summary.html", "summary.css", "summary")


@router.post("/case.json", response_model=None)
async def save_case(request: Request) -> Response:
    """The case as a file in the case format, to keep and to open again with "Open a saved case"."""
    submitted = await _submitted_case(request)
    if isinstance(submitted, HTMLResponse):
        return submitted
    _, case = submitted
    body = json.dumps(case.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False) + "\n"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="mesostage-case-{stamp}.json"'},
    )
