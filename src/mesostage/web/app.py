"""The FastAPI application: JSON API, pages, static files, error handling and security middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

import mesostage
from mesostage import Case, CaseError, InputError
from mesostage.settings import DEFAULT_MAX_BODY_BYTES, settings
from mesostage.trials.geo import forbid_cache_writes
from mesostage.trials.index import DamagedIndex
from mesostage.web import api, extract_api, pages, trial_routes
from mesostage.web.access import RequestLogMiddleware
from mesostage.web.report import shutdown_workers
from mesostage.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware, error_headers

__all__ = ["DEFAULT_MAX_BODY_BYTES", "LOOPBACK_HOSTS", "create_app"]

#: Host names accepted when the app serves the loopback interface (guards against DNS rebinding).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
OPENAPI_URL = "/api/v1/openapi.json"


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _operation_id(route: APIRoute) -> str:
    """A route's id where it gives no ``operation_id``: its function's name, never FastAPI's path-and-method
    mangling (every API route names its id; tests/test_openapi.py checks that they are readable and stable)."""
    return route.name


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the case model's JSON Schema as the request body of the POST routes and the real
    answers of the routes that take no input as their examples."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    case_schema = Case.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, sub in {**case_schema.pop("$defs", {}), "Case": case_schema}.items():
        if components.setdefault(name, sub) != sub:  # two models of one name: the $refs would be ambiguous
            raise RuntimeError(f"two different models are named {name} in the OpenAPI document")
    examples = {**api.response_examples(), **trial_routes.response_examples()}
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation["operationId"] in examples:
                content = operation["responses"]["200"]["content"]
                content[next(iter(content))]["example"] = examples[operation["operationId"]]
    app.openapi_schema = schema
    return schema


def unexpected_failure_message(exc: BaseException, where: str) -> str:
    """What an answer says of a failure no check foresaw: where and what failed (the kind of exception only: its
    text may hold paths or case data), that nothing was stored, and that it is a fault to report."""
    return (
        f"mesostage failed while answering {where} ({type(exc).__name__}); nothing was stored. This is a fault in "
        "mesostage, not in what you entered: please report it with the steps that led to it."
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    shutdown_workers()  # the processes that draw PDF reports stop with the server


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(
    *,
    max_body_bytes: int | None = None,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
) -> FastAPI:
    """The mesostage web app.

    Parameters
    ----------
    max_body_bytes
        Request bodies over this size are refused with 413 (default: ``$MESOSTAGE_MAX_BODY_BYTES``, else
        ``DEFAULT_MAX_BODY_BYTES``).
    allowed_hosts
        Host header values accepted (``None``: any). The default accepts only the loopback names, which is right
        for the default bind address 127.0.0.1.
    """
    config = settings()  # a bad MESOSTAGE_* value stops here, naming the variable
    forbid_cache_writes()  # the place index is read while serving, never written (`mesostage serve` builds it first)
    # One admission bound for the process (it counts across threads and event loops): the last app made sets it.
    pages.PDF_ADMISSION.limit = config.pdf_max_in_flight
    app = FastAPI(
        title="mesostage",
        version=mesostage.__version__,
        description=(
            "Mesothelioma staging in every system in use, with the findings that decided it, its range and its "
            "sources. The body of every POST route is one case in the case format. "
            "Supports, and does not replace, a specialist's judgement."
        ),
        docs_url=None,  # the interactive docs load scripts from other hosts; the document itself is served
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        lifespan=_lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.state.stage_answers = api.RememberedAnswers()
    app.include_router(api.router)
    app.include_router(extract_api.router)
    app.include_router(trial_routes.api_router)
    app.include_router(pages.router)
    app.include_router(trial_routes.pages_router)
    static = resources.files("mesostage.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError) -> Response:
        return api.case_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            InputError(_path([p for p in e["loc"] if p not in ("query", "path", "body")]), e["msg"])
            for e in exc.errors()
        ]
        return api.case_error_response(CaseError(errors))

    @app.exception_handler(DamagedIndex)
    async def damaged_index(request: Request, exc: DamagedIndex) -> Response:
        # The trial index file cannot be read: what is wrong and how to rebuild it (the results page shows this in
        # its trials section and keeps the rest).
        if _wants_json(request):
            return JSONResponse({"errors": [{"path": "", "message": str(exc), "allowed": []}]}, status_code=503)
        return HTMLResponse(pages.render("error.html", status=503, message=str(exc)), status_code=503)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            body = {"errors": [{"path": "", "message": str(exc.detail), "allowed": []}]}
            return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
        html = pages.render("error.html", status=exc.status_code, message=str(exc.detail))
        return HTMLResponse(html, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # No traceback in the answer. This handler runs outside every middleware (Starlette's outermost error
        # middleware calls it), so it adds the security headers itself.
        message = unexpected_failure_message(exc, f"{request.method} {request.url.path}")
        headers = error_headers()
        if _wants_json(request):
            body = {"errors": [{"path": "", "message": message, "allowed": []}]}
            return JSONResponse(body, status_code=500, headers=headers)
        return HTMLResponse(pages.render("error.html", status=500, message=message), status_code=500, headers=headers)

    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes or config.max_body_bytes)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestLogMiddleware)  # outermost: it sees every answer, 400 for a bad host and 413 too
    return app
