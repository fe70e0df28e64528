"""The trial list for a patient navigator (issue 11): its page, the one-page printable shortlist and the JSON API
behind both. The results page's trials section (``partials/trials.html``) posts its filter form here.

Pages carry the case as JSON in a hidden field, as the results page does; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

import mesostage
from mesostage import Case, CaseError, InputError
from mesostage.trials.navigator import (
    PHASE_LABELS,
    STATUS_LABELS,
    TrialFilters,
    TrialList,
    navigator_shortlist,
    trial_filters,
    trial_list,
)
from mesostage.trials.shortlist import render_markdown
from mesostage.web import pages
from mesostage.web.api import CASE_BODY, ERRORS, Location, read_case
from mesostage.web.examples import examples
from mesostage.web.trial_list import FORM_FIELDS, filters_from_form, trials_section

__all__ = ["api_router", "pages_router", "response_examples"]

pages_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["api v1"])


async def _list_page(request: Request, *, shortlist: bool) -> HTMLResponse:
    data = await pages._read_form(request)
    case_part = {k: v for k, v in data.items() if k not in FORM_FIELDS}
    try:
        case = pages._case_from(case_part)
    except pages._Invalid as exc:
        return pages._form_page(case_part, errors=exc.errors, case=exc.raw, status=422)
    view = pages._view(data)
    case_json = case.model_dump_json(exclude_none=True)
    problems: list[InputError] = []
    try:
        filters, location = filters_from_form(data)
    except CaseError as exc:
        problems += exc.errors
        filters, location = TrialFilters(), pages._Values(data).get("location") or None

    def build() -> tuple[Mapping[str, Any], str]:
        section = trials_section(case, view, case_json, filters=filters, location=location, problems=problems)
        if shortlist and not problems:
            listed: TrialList = section["list"]
            try:
                sl = navigator_shortlist(listed, data.get("pick", ()))
            except CaseError as exc:
                problems.extend(exc.errors)
            else:
                back = [("filters", "1"), *(("status", s) for s in listed.filters.statuses)]
                back += [("phase", p) for p in listed.filters.phases]
                back += [("sort", listed.filters.sort)] + ([] if listed.unit_is_default else [("unit", listed.unit)])
                if listed.filters.max_distance is not None:
                    back.append(("max_distance", f"{listed.filters.max_distance:g}"))
                if section["location"]:
                    back.append(("location", str(section["location"])))
                html = pages.render(
                    "trials_shortlist.html", d=section, sl=sl, back=back, created=dt.datetime.now(dt.UTC)
                )
                return section, html
        section = {**section, "problems": problems}
        return section, pages.render("trials_page.html", d=section, case_id=case.id)

    _, html = await run_in_threadpool(build)
    return HTMLResponse(html, status_code=422 if problems else 200)


@pages_router.post("/trials", response_class=HTMLResponse)
async def trials_page(request: Request) -> HTMLResponse:
    """The trial list with the chosen filters (the results page's trials form posts here)."""
    return await _list_page(request, shortlist=False)


@pages_router.post("/trials/shortlist", response_class=HTMLResponse)
async def trials_shortlist_page(request: Request) -> HTMLResponse:
    """The one-page printable shortlist of the picked trials (or the first ones of the list)."""
    return await _list_page(request, shortlist=True)


# ------------------------------------------------------------------------------------------------------ the API

Statuses = Annotated[
    list[str] | None,
    Query(
        description="overallStatus to show (repeatable; default RECRUITING and NOT_YET_RECRUITING): "
        + ", ".join(STATUS_LABELS),
        openapi_examples={"recruiting": {"summary": "recruiting now", "value": ["RECRUITING"]}},
    ),
]
Phases = Annotated[
    list[str] | None,
    Query(
        description="phases to show (repeatable; default all; NONE: no phase given): " + ", ".join(PHASE_LABELS),
        openapi_examples={"phase 2 and 3": {"value": ["PHASE2", "PHASE3"]}},
    ),
]
MaxDistance = Annotated[
    float | None,
    Query(
        gt=0,
        le=50_000,
        description="nearest open site within this distance, in `unit`",
        openapi_examples={"100": {"value": 100}},
    ),
]
UnitParam = Annotated[
    Literal["km", "mi"] | None,
    Query(
        description="km or mi; default mi for a place in the US, km otherwise",
        openapi_examples={"km": {"value": "km"}},
    ),
]
SortParam = Annotated[
    Literal["distance", "fit"],
    Query(
        description="distance (nearest open site first) or fit (the matcher's order)",
        openapi_examples={"fit": {"value": "fit"}},
    ),
]


@dataclass(frozen=True)
class _ListQuery:
    location: str | None
    filters: TrialFilters

    def build(self, case: Case) -> TrialList:
        return trial_list(case, filters=self.filters, location=self.location)


def _list_query(
    location: Location = None,
    status: Statuses = None,
    phase: Phases = None,
    max_distance: MaxDistance = None,
    unit: UnitParam = None,
    sort: SortParam = "distance",
) -> _ListQuery:
    """The query parameters of the trial-list routes (checked by ``trial_filters``: 422 naming the parameter)."""
    return _ListQuery(location, trial_filters(status, phase, max_distance, unit, sort))


ListQuery = Annotated[_ListQuery, Depends(_list_query)]


@api_router.post(
    "/trials/list",
    operation_id="trial_list",
    response_model=TrialList,
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="The trial list for a patient navigator: filtered by status, phase and distance, nearest first",
)
async def trials_list(request: Request, query: ListQuery) -> Response:
    """Possible matches, excluded trials (with why) and, when the status filter asks, trials that are not open;
    each group filtered and sorted the same way, with the distance in the list's unit and how many trials each filter
    left out. A place name that fits several places gives ``place.candidates`` (and the trials without distances),
    not an error."""
    case = await read_case(request)
    listed = await run_in_threadpool(query.build, case)
    return Response(listed.model_dump_json(), media_type="application/json")


@api_router.post(
    "/trials/shortlist",
    operation_id="trial_shortlist",
    responses={200: {"description": "The shortlist as Markdown", "content": {"text/markdown": {}}}, **ERRORS},
    response_class=Response,
    openapi_extra=CASE_BODY,
    summary="A one-page shortlist of trials to take to the doctor (Markdown)",
)
async def trials_shortlist(
    request: Request,
    query: ListQuery,
    pick: Annotated[
        list[str] | None,
        Query(
            description="NCT id of a trial of the list (repeatable, at most 5); default the first 5",
            openapi_examples={
                "two": {
                    "summary": "two trials of the bundled FICTIONAL demo set",
                    "value": ["NCT99000001", "NCT99000003"],
                }
            },
        ),
    ] = None,
) -> Response:
    """The shortlist of the picked trials of the list that the same parameters give (the one-page print of the web
    page, as Markdown)."""
    case = await read_case(request)
    text = await run_in_threadpool(lambda: render_markdown(navigator_shortlist(query.build(case), pick or ())))
    return Response(text, media_type="text/markdown; charset=utf-8")


def response_examples() -> dict[str, Any]:
    """The answer examples of the trial routes in the OpenAPI document, by operation id: the real answers to the
    first example case without query parameters, against the bundled FICTIONAL demo trials (a server answers from
    its own index), each list of trials cut to its first trial to keep the document small."""
    from mesostage.trials.match import _demo

    demo = _demo()
    case = mesostage.parse_case(examples()[0].case())
    listed = trial_list(case, index=demo)
    matched = mesostage.match_trials(case, index=demo).model_dump(mode="json")
    as_list = listed.model_dump(mode="json")
    for answer in (matched, as_list):
        for group in ("matches", "excluded", "not_open"):
            answer[group] = answer[group][:1]
    return {
        "match_trials": matched,
        "trial_list": as_list,
        "trial_shortlist": render_markdown(navigator_shortlist(listed, ())),
    }
