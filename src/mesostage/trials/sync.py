"""Live sync from the ClinicalTrials.gov API v2, run only when a person asks for it (``mesostage trials sync``).

``GET {base}/studies?query.cond=...&pageSize=...&format=json[&pageToken=...]`` page by page until a response has no
``nextPageToken``. Each request waits for the previous one by at least ``min_interval`` seconds (a polite rate);
a 429 or 5xx answer, a timeout or a dropped connection is retried with exponential backoff (``Retry-After`` is
honoured when the server sends it). Pages are spooled to a temporary directory first and imported only when every
page has arrived, so a network failure at any point leaves the index exactly as it was.

The condition search of the API is fuzzy (trials.md §1.1, pitfall #72): condition membership is checked again at
import (only studies about mesothelioma are kept). By default every status is fetched and the index is replaced,
so trials that have closed since the last sync do not linger as "recruiting".
"""

from __future__ import annotations

import datetime as dt
import email.utils
import importlib.metadata
import json
import logging
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mesostage.trials.importer import ImportReport, Mode, Record, _stream, import_records

__all__ = ["API_BASE", "SyncError", "SyncReport", "sync"]

API_BASE = "https://clinicaltrials.gov/api/v2"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 120.0
logger = logging.getLogger(__name__)


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("mesostage")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"mesostage/{version} (trial sync, run by a user)"


class SyncError(RuntimeError):
    """The sync could not finish; the index was not changed."""


@dataclass
class SyncReport:
    condition: str
    pages: int = 0
    studies_received: int = 0
    retries: int = 0
    total_count: int | None = None
    messages: list[str] = field(default_factory=list)
    import_report: ImportReport | None = None

    def summary(self) -> str:
        lines = [
            f"Fetched {self.studies_received} studies for '{self.condition}' in {self.pages} pages"
            + (f" (the registry reported {self.total_count})" if self.total_count is not None else "")
            + (f", after {self.retries} retries" if self.retries else "")
            + "."
        ]
        if self.import_report is not None:
            lines.append(self.import_report.summary())
        return "\n".join(lines)


_DELAY_SECONDS = re.compile(r"[0-9]+")


def _retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` value asks for (RFC 9110 §10.2.3), capped at ``_MAX_RETRY_AFTER``; ``None`` (use
    the default backoff) for anything that is neither ``delay-seconds`` (digits only) nor an HTTP-date.

    An HTTP-date is read in all three formats a recipient must accept (RFC 9110 §5.6.7: IMF-fixdate, RFC 850,
    asctime) and, as that section encourages, robustly: the other RFC 5322 forms are read too. A date without a
    zone (asctime) or with ``-0000`` (RFC 5322 §3.3: UTC, local zone unknown) is UTC. A date in the past is no wait.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return min(_MAX_RETRY_AFTER, float(int(value)))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    wait = (parsed - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return min(_MAX_RETRY_AFTER, max(0.0, wait))


class _Fetcher:
    def __init__(
        self,
        *,
        min_interval: float,
        retries: int,
        backoff: float,
        timeout: float,
        sleep: Callable[[float], None],
        report: SyncReport,
        log: Callable[[str], None] | None,
    ) -> None:
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep
        self.report = report
        self.log = log
        self._last: float | None = None

    def _wait_turn(self) -> None:
        if self._last is not None:
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()

    def get(self, url: str) -> bytes:
        attempt = 0
        while True:
            self._wait_turn()
            request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": _user_agent()})
            delay: float | None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data: bytes = response.read()
                    return data
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRY_STATUS:
                    raise SyncError(f"the registry answered {exc.code} {exc.reason} for {url}") from None
                problem = f"HTTP {exc.code}"
                delay = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = f"network error ({reason})"
                delay = None
            if attempt >= self.retries:
                raise SyncError(f"gave up after {attempt + 1} attempts: {problem} for {url}")
            wait = delay if delay is not None else self.backoff * (2**attempt)
            attempt += 1
            self.report.retries += 1
            message = f"{problem}; retry {attempt} of {self.retries} in {wait:.1f} s"
            self.report.messages.append(message)
            logger.warning("trials sync: %s", message, extra={"attempt": attempt, "wait_seconds": wait})
            if self.log:
                self.log(message)
            self.sleep(wait)


def _page_url(base: str, condition: str, statuses: Sequence[str] | None, page_size: int, token: str | None) -> str:
    params: list[tuple[str, str]] = [("query.cond", condition), ("format", "json"), ("pageSize", str(page_size))]
    if statuses:
        params.append(("filter.overallStatus", ",".join(statuses)))
    if token is None:
        params.append(("countTotal", "true"))
    else:
        params.append(("pageToken", token))
    return f"{base.rstrip('/')}/studies?{urllib.parse.urlencode(params)}"


def _spooled(pages: list[Path]) -> Iterator[Record]:
    for page in pages:
        with page.open("rb") as fh:
            yield from _stream(fh, page.name, single_file=True)


def sync(
    index_path: str | Path,
    *,
    condition: str = "mesothelioma",
    statuses: Sequence[str] | None = None,
    base_url: str = API_BASE,
    page_size: int = 200,
    max_pages: int | None = None,
    mode: Mode = "replace",
    min_interval: float = 1.0,
    retries: int = 4,
    backoff: float = 2.0,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
) -> SyncReport:
    """Fetch studies from the API v2 and import them (see the module docstring).

    Progress goes to the ``mesostage.trials.sync`` logger (each page at INFO, each retry at WARNING) and, for the
    import, to ``mesostage.trials.importer``; ``log``, when given, is called with the same page and retry messages.

    Raises
    ------
    SyncError
        When a page cannot be fetched after the retries, or a page is not valid JSON; the index is unchanged.
    """
    if not 1 <= page_size <= 1000:
        raise ValueError("page_size must be between 1 and 1000 (the API's limit)")
    report = SyncReport(condition=condition)
    fetcher = _Fetcher(
        min_interval=min_interval,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        sleep=sleep,
        report=report,
        log=log,
    )
    with tempfile.TemporaryDirectory(prefix="mesostage-sync-") as tmp:
        pages: list[Path] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            body = fetcher.get(_page_url(base_url, condition, statuses, page_size, token))
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise SyncError(f"page {len(pages) + 1} is not valid JSON: {exc}") from None
            if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
                raise SyncError(f"page {len(pages) + 1} has no 'studies' list")
            page = Path(tmp) / f"page-{len(pages) + 1:05d}.json"
            page.write_bytes(body)
            pages.append(page)
            report.pages += 1
            report.studies_received += len(data["studies"])
            if token is None and isinstance(data.get("totalCount"), int):
                report.total_count = data["totalCount"]
            page_message = f"page {report.pages}: {len(data['studies'])} studies"
            total = f" of {report.total_count}" if report.total_count is not None else ""
            logger.info(
                "trials sync: %s (%d%s received)",
                page_message,
                report.studies_received,
                total,
                extra={"pages": report.pages, "received": report.studies_received, "total": report.total_count},
            )
            if log:
                log(page_message)
            next_token = data.get("nextPageToken")
            if not next_token or (max_pages is not None and report.pages >= max_pages):
                break
            if not isinstance(next_token, str) or next_token in seen_tokens:
                raise SyncError("the registry sent a page token twice; stopping to avoid a loop")
            seen_tokens.add(next_token)
            token = next_token
            del data
        report.import_report = import_records(
            _spooled(pages),
            index_path,
            source=f"ClinicalTrials.gov API v2, condition '{condition}'",
            mode=mode,
            scope="mesothelioma",
            data_as_of=dt.date.today().isoformat(),
        )
    return report
