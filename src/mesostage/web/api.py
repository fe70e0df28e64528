"""The versioned JSON API (``/api/v1``). The request body of every POST route is one case in the case format
(``shared/spec/CASE_FORMAT.md``); bad input is 422 with the list of errors, each naming its field path.

One route per capability of the public API. The body is read and validated by ``mesostage.parse_case_json`` (not by
FastAPI) so that the errors are the same as the CLI's; the OpenAPI document still describes the body with the case
model's JSON Schema (added in ``app.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

import mesostage
from mesostage import (
    Case,
    CaseError,
    Explanation,
    InputError,
    MatchResult,
    Prognosis,
    ReviewNote,
    StagingResult,
    SystemResult,
    TreatmentOptions,
    load_systems,
)
from mesostage.web.examples import examples
from mesostage.web.view import DISCLAIMER, data_version, outlook_figure

__all__ = [
    "CASE_BODY",
    "REMEMBERED_BODY_BYTES",
    "ErrorItem",
    "ErrorResponse",
    "Health",
    "Location",
    "RememberedAnswers",
    "SystemInfo",
    "router",
    "stage_answer",
]

router = APIRouter(prefix="/api/v1", tags=["api v1"])

Audience = Annotated[
    Literal["patient", "clinician"],
    Query(
        description="who reads it: patient (plain words, for patients and families) or clinician (categories, "
        "deciding findings and sources)",
        openapi_examples={"patient": {"value": "patient"}, "clinician": {"value": "clinician"}},
    ),
]
Location = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="US ZIP code or 'City, Country'; replaces patient.location",
        openapi_examples={"zip": {"value": "10021"}, "city": {"value": "Leeds, United Kingdom"}},
    ),
]
#: The system ids of the case model (tests check that the two lists agree).
SystemId = Literal["tnm8", "tnm9", "tnm7", "butchart", "brigham", "peritoneal_tnm"]


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="field path in the case, e.g. tumor.findings[3]; empty for the whole body")
    message: str = Field(description="what is wrong, in words")
    allowed: list[str] = Field(description="the allowed values, where there is a fixed list")


class ErrorResponse(BaseModel):
    """Every problem found, not only the first."""

    model_config = ConfigDict(extra="forbid")
    errors: list[ErrorItem] = Field(description="every problem, each with its field path")


class SystemInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the system id of the case format, e.g. tnm9")
    name: str = Field(description="the full name with its edition")
    short_name: str = Field(description="a short name for tables")
    applies_to: list[str] = Field(description="the primary sites it stages (case field site)")
    evidence: str = Field(description="official, secondary (the table rests on a secondary source) or historical")
    evidence_note: str | None = Field(description="why the evidence level is what it is, where it needs saying")
    stages: list[str] = Field(description="its stage groups, lowest first")
    main_source: str = Field(description="the citation of its defining publication")
    sources: dict[str, str] = Field(description="every source its rules cite: key to citation")


class StagingDataVersion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fingerprint: str = Field(description="sha256 over every staging-system data file, as loaded")
    systems: dict[str, str] = Field(description="system id to full name (with edition)")


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ok"] = Field(description="ok: the server answers")
    version: str = Field(description="the mesostage version")
    staging_data: StagingDataVersion = Field(description="the staging data in use")
    disclaimer: str = Field(description="what mesostage is and is not")


_NOTES = TypeAdapter(list[ReviewNote])


def error_body(errors: tuple[InputError, ...] | list[InputError]) -> dict[str, Any]:
    return {"errors": [e.as_dict() for e in errors]}


def _case_examples() -> dict[str, Any]:
    """The example cases of the form page (``mesostage/examples/``), as the OpenAPI examples of a case body."""
    return {e.name: {"summary": e.title, "description": e.summary, "value": e.case()} for e in examples()}


CASE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One case in the case format (docs/CASE_FORMAT.md).",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Case"}, "examples": _case_examples()}
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "The case is not valid: every error with its field path."},
    413: {"model": ErrorResponse, "description": "The request body is over the size limit."},
}


async def read_case(request: Request) -> Case:
    """The case in the request body. Raises ``CaseError`` (422) for anything that is not a valid case."""
    return mesostage.parse_case_json(await request.body())


def _json(model: BaseModel) -> Response:
    # Serialised by pydantic directly: the response model is only for the OpenAPI document.
    return Response(model.model_dump_json(), media_type="application/json")


#: What ``fields`` may name: a field of the staging result, or ``results.<field>`` of each system's result.
STAGE_FIELDS = tuple(StagingResult.model_fields) + tuple(f"results.{f}" for f in SystemResult.model_fields)
if TYPE_CHECKING:
    StageField = str
else:
    StageField = Literal[STAGE_FIELDS]


def _compact(model: type[BaseModel], name: str, **nested: Any) -> type[BaseModel]:
    """The shape of ``model`` with every field optional (for the OpenAPI document of a compact answer)."""
    fields: dict[str, Any] = {}
    for f, info in model.model_fields.items():
        annotation: Any = nested.get(f, info.annotation)
        fields[f] = (annotation | None, Field(None, description=info.description))
    compact: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"{model.__name__} with only the fields asked for",
        **fields,
    )
    return compact


CompactSystemResult = _compact(SystemResult, "CompactSystemResult")
CompactStagingResult = _compact(
    StagingResult,
    "CompactStagingResult",
    results=list[CompactSystemResult],  # type: ignore[valid-type]
)


def stage_include(fields: list[str] | None) -> dict[str, Any] | None:
    """The pydantic ``include`` for the ``fields`` asked for (``None``: everything). ``results`` keeps whole
    system results; ``results.stage`` keeps only that field of each (``results`` alone wins over both)."""
    if not fields:
        return None
    include: dict[str, Any] = {}
    for name in fields:
        top, _, sub = name.partition(".")
        if not sub:
            include[top] = True
        elif include.get(top) is not True:
            include.setdefault(top, {"__all__": set()})["__all__"].add(sub)
    return include


class QueryLists:
    """Repeatable query parameters (``?systems=tnm8&systems=tnm9``), each a list of allowed values, read and checked
    by the route itself rather than by FastAPI's per-request parameter handling (which costs more than staging a
    remembered case). ``parameters`` describes them in the OpenAPI document as FastAPI would; a bad value is
    FastAPI's own 422 (``RequestValidationError``), with the parameter's name and index as its path."""

    def __init__(self, **params: tuple[Any, str, dict[str, Any]]) -> None:
        self.adapters: dict[str, TypeAdapter[list[str]]] = {}
        self.parameters: list[dict[str, Any]] = []
        for name, (item, description, shown) in params.items():
            self.adapters[name] = TypeAdapter(list[item])  # type: ignore[valid-type]
            schema = TypeAdapter[Any](list[item] | None).json_schema()  # type: ignore[valid-type, arg-type]
            self.parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": {**schema, "description": description, "title": name.title()},
                    "description": description,
                    "examples": shown,
                }
            )

    def read(self, query: QueryParams) -> dict[str, list[str] | None]:
        """Each parameter's values in order (``None`` when not given). Raises ``RequestValidationError``."""
        values: dict[str, list[str] | None] = {}
        errors: list[Any] = []
        for name, adapter in self.adapters.items():
            given = query.getlist(name)
            if not given:
                values[name] = None
                continue
            try:
                values[name] = adapter.validate_python(given)
            except ValidationError as exc:
                errors += [{**e, "loc": ("query", name, *e["loc"])} for e in exc.errors()]
        if errors:
            raise RequestValidationError(errors)
        return values


_STAGE_QUERY = QueryLists(
    systems=(
        SystemId,
        "system ids to report (repeatable); default all",
        {"tnm9": {"summary": "the 9th edition only", "value": ["tnm9"]}},
    ),
    fields=(
        StageField,
        "a compact answer: only these fields (repeatable), a field of the staging result (results, review, warnings, "
        "...) or results.<field> of each system's result (results.system, results.stage, results.stage_range, ...); "
        "default every field, as in the case format",
        {"stage only": {"summary": "only each system's id and stage", "value": ["results.system", "results.stage"]}},
    ),
)


@router.post(
    "/stage",
    operation_id="stage_case",
    response_model=StagingResult | CompactStagingResult,
    responses=ERRORS,
    openapi_extra={**CASE_BODY, "parameters": _STAGE_QUERY.parameters},
    summary="Stage one case in every system",
)
async def stage(request: Request) -> Response:
    """The stage in every system (or in ``systems``), each with its range, determinants, unknowns that matter and
    sources, and the review notes that staging raises. ``systems`` and ``fields`` make the answer smaller (for a
    client that needs only the stage, ``?systems=tnm9&fields=results.system&fields=results.stage``); without them
    the answer is the full staging result of the case format."""
    body = await request.body()
    query: bytes = request.scope["query_string"]
    if len(body) > REMEMBERED_BODY_BYTES:
        answer = stage_answer(body, query)
    else:
        answer = request.app.state.stage_answers(body, query, _today())
    return Response(answer, media_type="application/json")


def stage_answer(body: bytes, query_string: bytes) -> bytes:
    """The answer of ``/stage`` to ``body`` with the query string: the staging result as JSON bytes. Raises
    ``RequestValidationError`` for a bad ``systems`` or ``fields`` value, then ``CaseError`` (both 422)."""
    query = _STAGE_QUERY.read(QueryParams(query_string))
    result = mesostage.stage(mesostage.parse_case_json(body), systems=query["systems"])
    return result.model_dump_json(include=stage_include(query["fields"])).encode()


#: A body up to this size has its answer remembered (a case is under 1 kB; an app remembers at most 256 answers).
REMEMBERED_BODY_BYTES = 8 * 1024
_today = dt.date.today


class RememberedAnswers:
    """``stage_answer`` remembered, for one app (``app.state.stage_answers``): the same body with the same query
    string gets the same bytes without reading, checking, staging or serialising anything again. The answer
    depends on nothing else but the date (the warning for a date after today), which is part of the key. An error
    is not remembered (it is raised again each time). The key holds a SHA-256 digest of the body and the query, not
    the body itself, so the details of a case that its answer does not repeat (its patient block) are not kept."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[bytes, dt.date], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, body: bytes, query_string: bytes, today: dt.date) -> bytes:
        digest = hashlib.sha256(len(body).to_bytes(8, "big") + body + query_string).digest()
        key = (digest, today)
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                return answer
        answer = stage_answer(body, query_string)
        with self._lock:
            self._answers[key] = answer
            if len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer


@router.post(
    "/review",
    operation_id="review_case",
    response_model=list[ReviewNote],
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="Second-opinion review of one case",
)
async def review(request: Request) -> Response:
    """The review notes (most severe first): findings that would change the stage and known staging mistakes,
    each with a stable code, its evidence in the case and its source."""
    case = await read_case(request)
    notes = mesostage.review(case)
    return Response(_NOTES.dump_json(notes), media_type="application/json")


@router.post(
    "/explain",
    operation_id="explain_case",
    response_model=Explanation,
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="Explain the staging of one case for a patient or a clinician",
)
async def explain(request: Request, audience: Audience = "patient") -> Response:
    """Plain language for patients and families (readability measured), or a technical summary for clinicians."""
    case = await read_case(request)
    return _json(mesostage.explain(case, audience=audience))


@router.post(
    "/options",
    operation_id="treatment_options",
    response_model=TreatmentOptions,
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="Guideline treatment options for one case",
)
async def options(request: Request, audience: Audience = "patient") -> Response:
    """The options that apply or may apply (in guideline order), each with its goal, the conditions checked against
    the case, what only the team can judge and its dated sources; and the options set aside, with why."""
    case = await read_case(request)
    return _json(mesostage.options(case, audience=audience))


@router.post(
    "/prognosis",
    operation_id="prognosis",
    response_model=Prognosis,
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="Published survival for the case's stage, and prognostic scores",
)
async def prognosis(request: Request) -> Response:
    """Published survival by stage in each system with its population and source, the prognostic scores the case
    allows (or what they need), the figures deliberately left out, and the limits. Never a personal prediction."""
    case = await read_case(request)
    return _json(mesostage.prognosis(case))


@router.post(
    "/prognosis/figure",
    operation_id="prognosis_figure",
    responses={
        200: {
            "description": "Median survival by stage, the case's stage highlighted",
            "content": {"image/png": {}, "image/svg+xml": {}},
        },
        **ERRORS,
    },
    response_class=Response,
    openapi_extra=CASE_BODY,
    summary="The outlook figure for one case (PNG or SVG)",
)
async def prognosis_figure(
    request: Request,
    format: Annotated[
        Literal["png", "svg"],
        Query(description="png (1000 x 750 px) or svg", openapi_examples={"svg": {"value": "svg"}}),
    ] = "png",
) -> Response:
    case = await read_case(request)
    image = await run_in_threadpool(outlook_figure, case, format)
    return Response(image, media_type="image/png" if format == "png" else "image/svg+xml")


@router.post(
    "/trials/match",
    operation_id="match_trials",
    response_model=MatchResult,
    responses=ERRORS,
    openapi_extra=CASE_BODY,
    summary="Clinical trials that could take this person, with a reason for every criterion",
)
async def trials_match(
    request: Request,
    location: Location = None,
    max_distance_km: Annotated[
        float | None,
        Query(gt=0, le=50_000, description="nearest open site within, km", openapi_examples={"km": {"value": 300}}),
    ] = None,
    include_closed: Annotated[
        bool, Query(description="also list trials that are not open", openapi_examples={"yes": {"value": True}})
    ] = False,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=500,
            description="at most this many matches and exclusions",
            openapi_examples={"ten": {"value": 10}},
        ),
    ] = None,
) -> Response:
    """Possible matches (recruiting first), excluded trials with their reasons, and what the index holds. Uses the
    imported ClinicalTrials.gov index, or the bundled FICTIONAL demo trials when none was imported (it says so)."""
    case = await read_case(request)
    result = await run_in_threadpool(
        lambda: mesostage.match_trials(
            case, location=location, max_distance_km=max_distance_km, include_closed=include_closed, limit=limit
        )
    )
    return _json(result)


@router.get("/systems", operation_id="list_systems", response_model=list[SystemInfo], summary="The staging systems")
async def systems() -> list[SystemInfo]:
    """Every staging system with the sites it applies to, its evidence level, its stages and its sources."""
    return _systems()


def _systems() -> list[SystemInfo]:
    return [
        SystemInfo(
            id=s.id,
            name=s.name,
            short_name=s.short_name,
            applies_to=list(s.applies_to),
            evidence=s.evidence,
            evidence_note=s.evidence_note,
            stages=list(s.stages),
            main_source=s.sources[s.main_source].citation,
            sources={k: v.citation for k, v in s.sources.items()},
        )
        for s in load_systems()
    ]


@router.get(
    "/health", operation_id="health", response_model=Health, summary="Liveness, version and staging-data version"
)
async def health() -> Health:
    return _health()


def _health() -> Health:
    v = data_version()
    return Health(
        status="ok",
        version=v.package,
        staging_data=StagingDataVersion(fingerprint=v.fingerprint, systems=dict(v.systems)),
        disclaimer=DISCLAIMER,
    )


def response_examples() -> dict[str, Any]:
    """The examples of the answers in the OpenAPI document, by operation id: the real answers of this server, made
    when the document is; for the routes that take a case, the answer to the first example case (the first body
    example) without query parameters. The trial routes' are in ``trial_routes.response_examples``."""
    case = mesostage.parse_case(examples()[0].case())
    return {
        "list_systems": [s.model_dump(mode="json") for s in _systems()],
        "health": _health().model_dump(mode="json"),
        "stage_case": mesostage.stage(case).model_dump(mode="json"),
        "review_case": _NOTES.dump_python(mesostage.review(case), mode="json"),
        "explain_case": mesostage.explain(case, audience="patient").model_dump(mode="json"),
        "treatment_options": mesostage.options(case, audience="patient").model_dump(mode="json"),
        "prognosis": mesostage.prognosis(case).model_dump(mode="json"),
    }


def case_error_response(exc: CaseError) -> Response:
    return Response(
        ErrorResponse.model_validate(error_body(exc.errors)).model_dump_json(),
        status_code=422,
        media_type="application/json",
    )
