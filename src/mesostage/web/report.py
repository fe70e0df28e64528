"""The printable report: the results page's sections as one PDF (WeasyPrint), with date, versions and disclaimer.

The web app draws reports in worker processes (:func:`render_pdf_isolated`): at most ``$MESOSTAGE_PDF_WORKERS``
(default ``PDF_RENDER_SLOTS``) at once, on as many cores, and the workers are replaced after ``PDF_TASKS_PER_WORKER``
reports each, so the server's memory stays flat however many reports it makes (WeasyPrint's caches grow with every
document). A finished report is kept in memory (never on disk), at most ``PDF_CACHE_BYTES`` of them, least recently
used first out: the same page asked for again (a second click, a lost download) is the same bytes at once. The key is
the whole HTML page, which holds the case, the view, the versions and the minute it was made."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from importlib import resources
from typing import Any

from mesostage.settings import settings

__all__ = [
    "PDF_CACHE_BYTES",
    "PDF_TASKS_PER_WORKER",
    "PdfCache",
    "render_pdf",
    "render_pdf_isolated",
    "report_css",
    "shutdown_workers",
]

#: Reports a worker process draws before a fresh one takes its place.
PDF_TASKS_PER_WORKER = 50

#: Bytes of finished reports kept in memory (a full report is 100-250 kB).
PDF_CACHE_BYTES = 16 * 1024 * 1024

_POOL: ProcessPoolExecutor | None = None
_TASKS = 0  # reports given to the current pool
_POOL_LOCK = threading.Lock()


@cache
def report_css(name: str = "report.css") -> str:
    static = resources.files("mesostage.web").joinpath("static")
    return static.joinpath(name).read_text(encoding="utf-8")


@cache
def _report_html() -> Any:
    """WeasyPrint's ``HTML`` with ``static/report_ua.css`` as its user-agent stylesheet: WeasyPrint's own, cut to
    the elements the reports use (same values), since every selector of it is matched against every element. The cut
    is of WeasyPrint 70's stylesheet: with another release (68's footnote area needs rules the cut leaves out) or one
    without the ``_ua_stylesheets`` hook, plain ``HTML`` (the same report, a little slower)."""
    import weasyprint
    from weasyprint import CSS, HTML

    if weasyprint.__version__.split(".")[0] != "70" or not callable(getattr(HTML, "_ua_stylesheets", None)):
        return HTML
    user_agent = CSS(string=report_css("report_ua.css"))

    class ReportHTML(HTML):  # type: ignore[misc]  # WeasyPrint ships no types
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return ReportHTML


def render_pdf(html: str, stylesheet_name: str = "report.css") -> bytes:
    """The PDF of a report page (``summary.css`` for the one-page summary). Nothing is fetched: the stylesheet is
    passed in, the figure is a ``data:`` URL, and every other URL is refused."""
    # Imported here: WeasyPrint takes most of a second to import, and only the PDF route needs it.
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher

    no_fetch = URLFetcher(allowed_protocols=("data",))
    stylesheet = CSS(string=report_css(stylesheet_name), url_fetcher=no_fetch)
    pdf: bytes = _report_html()(string=html, url_fetcher=no_fetch).write_pdf(stylesheets=[stylesheet])
    return pdf


class PdfCache:
    """Finished reports by the SHA-256 of their HTML and stylesheet, at most ``limit`` bytes in all (least recently
    used out first). In memory only. Safe across threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(html: str, stylesheet_name: str) -> bytes:
        digest = hashlib.sha256(stylesheet_name.encode())
        digest.update(b"\0")
        digest.update(html.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def get(self, key: bytes) -> bytes | None:
        with self._lock:
            pdf = self._items.get(key)
            if pdf is not None:
                self._items.move_to_end(key)
            return pdf

    def put(self, key: bytes, pdf: bytes) -> None:
        if len(pdf) > self.limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.size -= len(old) if old is not None else 0
            self._items[key] = pdf
            self.size += len(pdf)
            while self.size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


_CACHE = PdfCache(PDF_CACHE_BYTES)


def _warm() -> None:
    """Import WeasyPrint and lay out a line, so that a fresh worker's first report does not pay for it."""
    with contextlib.suppress(ImportError, OSError):  # no Pango here: the first report says so
        render_pdf("<p>mesostage</p>")


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)  # the server is gone (even killed): a worker never outlives it


def _worker_start(parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="exit-with-server").start()
    _warm()


def _pool() -> ProcessPoolExecutor:
    """The pool for the next report: a new one (new workers) after ``PDF_TASKS_PER_WORKER`` reports per worker.

    The old pool is shut down without waiting: its reports under way finish, then its workers exit. (Python 3.11's
    own ``max_tasks_per_child`` can leave the pool with no worker and every later report waiting for ever.)
    """
    global _POOL, _TASKS
    workers = settings().pdf_workers
    with _POOL_LOCK:
        old = None
        if _POOL is None or PDF_TASKS_PER_WORKER * workers <= _TASKS:
            old, _POOL, _TASKS = (
                _POOL,
                ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded server
                    initializer=_worker_start,
                    initargs=(os.getpid(),),
                ),
                0,
            )
        _TASKS += 1
        pool = _POOL
    if old is not None:
        old.shutdown(wait=False)
    return pool


def shutdown_workers() -> None:
    """Stop the worker processes (the app's shutdown); the next report starts new ones."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)  # the workers exit on their own when the server has gone


def render_pdf_isolated(html: str, stylesheet_name: str = "report.css") -> bytes:
    """:func:`render_pdf` in a worker process, or the same report from the cache (see the module docstring). Blocks
    until the report is drawn.

    Raises
    ------
    OSError
        When a worker stopped before it finished (for example out of memory): the next report gets a new one.
    """
    global _POOL
    key = PdfCache.key(html, stylesheet_name)
    if (pdf := _CACHE.get(key)) is not None:
        return pdf
    pool = _pool()
    try:
        pdf = pool.submit(render_pdf, html, stylesheet_name).result()
    except BrokenProcessPool:
        with _POOL_LOCK:
            if _POOL is pool:
                _POOL = None
        pool.shutdown(wait=False, cancel_futures=True)
        raise OSError("the process drawing the PDF stopped before it finished") from None
    _CACHE.put(key, pdf)
    return pdf
