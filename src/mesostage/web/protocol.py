"""uvicorn's h11 protocol with a deadline for the request headers: a connection that has not sent a whole request
head within ``header_timeout`` seconds is closed (slowloris: many connections that send a byte now and then).

uvicorn's own ``timeout_keep_alive`` only runs between requests, and ``limit_concurrency`` answers 503 once the slow
connections fill it; this closes them instead. Used by ``mesostage serve``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from mesostage.limits import SERVE_HEADER_TIMEOUT

__all__ = ["HeaderDeadlineProtocol"]


class HeaderDeadlineProtocol(H11Protocol):
    """Closes a connection whose first request head is not complete within ``header_timeout`` seconds."""

    header_timeout: float = SERVE_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline = self.loop.call_later(self.header_timeout, self._deadline_passed)

    def _deadline_passed(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
        super().connection_lost(exc)
