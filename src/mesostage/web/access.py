"""The request log (logger ``mesostage.web.access``): one INFO line a request with its method, path, status and
duration, as plain ASGI middleware.

It never holds case data: no query string (a page's or an API route's parameters can hold a place name), no body, no
header. The path is the request's own (routes take no case data in their path); one longer than ``_MAX_PATH``
characters is cut short. A request that failed with an exception is logged as status 500 with the kind of exception
and where in the code it was raised, never the exception's text (which can repeat a value from the case).
"""

from __future__ import annotations

import logging
import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mesostage.limits import clip

__all__ = ["RequestLogMiddleware"]

log = logging.getLogger("mesostage.web.access")
failures = logging.getLogger("mesostage.web.errors")
_MAX_PATH = 200


def _where(exc: BaseException) -> str:
    """The innermost frames of a traceback as ``file:line in function``: no variable and no message."""
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))


def _log_failure(scope: Scope, exc: Exception) -> None:
    failures.error(
        "%s %s failed: %s at %s",
        scope["method"],
        clip(scope["path"], _MAX_PATH),
        type(exc).__name__,
        _where(exc),
        extra={"exception_type": type(exc).__name__},
    )


class RequestLogMiddleware:
    """Logs each HTTP request when it has been answered (or has failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not log.isEnabledFor(logging.INFO):  # no request log: only failures are logged, and nothing is timed
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                _log_failure(scope, exc)
                raise
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:
            status = status or 500
            _log_failure(scope, exc)
            raise
        finally:
            if log.isEnabledFor(logging.INFO):
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                method, path = scope["method"], clip(scope["path"], _MAX_PATH)
                log.info(
                    "%s %s %d %.1f ms",
                    method,
                    path,
                    status,
                    duration_ms,
                    extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
                )
