"""Live sync against a local HTTP server on 127.0.0.1 that serves pages in the API v2 layout (never the network):
pagination with nextPageToken, 429 and 5xx answers retried with backoff, a polite rate, and failures that leave
the index as it was."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mesostage.trials import SyncError, TrialIndex, load_demo, sync
from mesostage.trials.sync import _retry_after
from tests.trials_factories import study

Script = Callable[[dict[str, list[str]], int], tuple[int, dict[str, str], bytes] | None]


class _Server:
    """Answers GET /api/v2/studies with ``script(query, request_number)``: (status, headers, body), or None to drop
    the connection without an answer."""

    def __init__(self, script: Script) -> None:
        self.requests: list[dict[str, list[str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                outer.requests.append(query)
                answer = script(query, len(outer.requests))
                if answer is None:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, headers, body = answer
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _pages(n_pages: int, per_page: int) -> list[bytes]:
    pages = []
    for p in range(n_pages):
        studies = [study(f"NCT{p * per_page + i + 1:08d}") for i in range(per_page)]
        body: dict[str, Any] = {"studies": studies}
        if p == 0:
            body["totalCount"] = n_pages * per_page
        if p < n_pages - 1:
            body["nextPageToken"] = f"token-{p + 1}"
        pages.append(json.dumps(body).encode())
    return pages


def _serve_pages(pages: list[bytes]) -> Script:
    def script(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], bytes]:
        token = query.get("pageToken", ["token-0"])[0]
        return 200, {}, pages[int(token.split("-")[1])]

    return script


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _sync(server: _Server, index: Path, sleeps: list[float], **kw: Any) -> Any:
    return sync(index, base_url=server.base, sleep=sleeps.append, timeout=5, **kw)


def test_pagination_follows_next_page_token(tmp_path: Path, sleeps: list[float]) -> None:
    with _Server(_serve_pages(_pages(3, 4))) as server:
        report = _sync(server, tmp_path / "i.sqlite", sleeps, page_size=4, min_interval=0)
    assert [q.get("pageToken") for q in server.requests] == [None, ["token-1"], ["token-2"]]
    first = server.requests[0]
    assert first["query.cond"] == ["mesothelioma"]
    assert first["format"] == ["json"]
    assert first["pageSize"] == ["4"]
    assert first["countTotal"] == ["true"]
    assert (report.pages, report.studies_received, report.total_count) == (3, 12, 12)
    with TrialIndex.open(tmp_path / "i.sqlite") as idx:
        assert idx.count() == 12
        assert "ClinicalTrials.gov API v2" in idx.meta()["source"]


def test_status_filter_is_sent(tmp_path: Path, sleeps: list[float]) -> None:
    with _Server(_serve_pages(_pages(1, 2))) as server:
        _sync(server, tmp_path / "i.sqlite", sleeps, statuses=["RECRUITING", "NOT_YET_RECRUITING"], min_interval=0)
    assert server.requests[0]["filter.overallStatus"] == ["RECRUITING,NOT_YET_RECRUITING"]


def test_polite_rate_waits_between_requests(tmp_path: Path, sleeps: list[float]) -> None:
    with _Server(_serve_pages(_pages(3, 1))) as server:
        _sync(server, tmp_path / "i.sqlite", sleeps, min_interval=0.5)
    assert len(sleeps) == 2
    assert all(0 < s <= 0.5 for s in sleeps)


def test_429_and_503_are_retried_with_backoff(tmp_path: Path, sleeps: list[float]) -> None:
    pages = _pages(2, 3)

    def script(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], bytes]:
        if n == 1:
            return 429, {"Retry-After": "7"}, b'{"message": "too many requests"}'
        if n in (3, 4):
            return 503, {}, b"busy"
        return _serve_pages(pages)(query, n)  # type: ignore[return-value]

    with _Server(script) as server:
        report = _sync(server, tmp_path / "i.sqlite", sleeps, min_interval=0, backoff=1.5)
    assert report.retries == 3
    assert sleeps == [7.0, 1.5, 3.0]  # Retry-After honoured, then exponential backoff
    assert report.studies_received == 6
    with TrialIndex.open(tmp_path / "i.sqlite") as idx:
        assert idx.count() == 6


def test_network_failure_leaves_index_intact(tmp_path: Path, sleeps: list[float]) -> None:
    index = tmp_path / "i.sqlite"
    load_demo(index)
    before = index.read_bytes()
    pages = _pages(3, 2)

    def script(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], bytes] | None:
        if "pageToken" in query and query["pageToken"] == ["token-2"]:
            return None  # the connection drops on the last page, every time
        return _serve_pages(pages)(query, n)

    with _Server(script) as server, pytest.raises(SyncError, match="gave up after 3 attempts"):
        _sync(server, index, sleeps, min_interval=0, retries=2)
    assert index.read_bytes() == before
    assert len(sleeps) == 2


def test_unreachable_server_leaves_index_intact(tmp_path: Path, sleeps: list[float]) -> None:
    index = tmp_path / "i.sqlite"
    load_demo(index)
    before = index.read_bytes()
    with _Server(_serve_pages(_pages(1, 1))) as server:
        base = server.base
    # The server is closed: nothing listens on that port any more.
    with pytest.raises(SyncError, match="network error"):
        sync(index, base_url=base, sleep=sleeps.append, timeout=2, retries=1, min_interval=0)
    assert index.read_bytes() == before


def test_client_error_is_not_retried(tmp_path: Path, sleeps: list[float]) -> None:
    with _Server(lambda q, n: (400, {}, b'{"message": "bad query"}')) as server, pytest.raises(SyncError, match="400"):
        _sync(server, tmp_path / "i.sqlite", sleeps, min_interval=0)
    assert len(server.requests) == 1
    assert not (tmp_path / "i.sqlite").exists()


def test_page_that_is_not_json_fails_without_import(tmp_path: Path, sleeps: list[float]) -> None:
    index = tmp_path / "i.sqlite"
    load_demo(index)
    before = index.read_bytes()
    with _Server(lambda q, n: (200, {}, b"<html>maintenance</html>")) as server, pytest.raises(SyncError, match="JSON"):
        _sync(server, index, sleeps, min_interval=0)
    assert index.read_bytes() == before


def test_repeated_page_token_stops_the_loop(tmp_path: Path, sleeps: list[float]) -> None:
    body = json.dumps({"studies": [study("NCT00000001")], "nextPageToken": "same"}).encode()
    with _Server(lambda q, n: (200, {}, body)) as server, pytest.raises(SyncError, match="twice"):
        _sync(server, tmp_path / "i.sqlite", sleeps, min_interval=0)
    assert len(server.requests) == 2


# Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; anything else is the default backoff. Both inputs
# below once ended the sync with "internal error" (issue 15): "soon" raised ValueError, "-0000" TypeError.
@pytest.mark.parametrize(
    ("retry_after", "expected_sleep"),
    [
        ("soon", 1.5),  # not a delay nor a date: the default backoff (backoff * 2**0)
        ("Sun, 06 Nov 1994 08:49:37 -0000", 0.0),  # RFC 5322 "-0000" is UTC; a date already past is no wait
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # RFC 9110's own IMF-fixdate example, in the past
        ("3", 3.0),
    ],
)
def test_retry_after_forms_retry_instead_of_failing(
    tmp_path: Path, sleeps: list[float], retry_after: str, expected_sleep: float
) -> None:
    pages = _pages(1, 2)

    def script(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], bytes]:
        if n == 1:
            return 503, {"Retry-After": retry_after}, b"busy"
        return _serve_pages(pages)(query, n)

    with _Server(script) as server:
        report = _sync(server, tmp_path / "i.sqlite", sleeps, min_interval=0, backoff=1.5)
    assert sleeps == [expected_sleep]
    assert report.retries == 1
    assert report.studies_received == 2


_NOW = dt.datetime(2026, 12, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value",
    [
        "Tue, 01 Dec 2026 12:00:30 GMT",  # IMF-fixdate
        "Tuesday, 01-Dec-26 12:00:30 GMT",  # obsolete RFC 850 form, which a recipient must accept
        "Tue Dec  1 12:00:30 2026",  # obsolete asctime form (no zone: GMT by definition)
        "Tue, 01 Dec 2026 12:00:30 -0000",  # RFC 5322: UTC, local zone not known
        "Tue, 01 Dec 2026 13:00:30 +0100",
        "30",
        " 30 ",
    ],
)
def test_retry_after_http_date_and_seconds(value: str) -> None:
    assert _retry_after(value, now=_NOW) == 30.0


@pytest.mark.parametrize(
    "value", ["soon", "", "7.5", "-3", "1e3", "inf", "nan", "+5", "\u0667", "Sun, 31 Feb 2026 08:49:37 GMT"]
)
def test_retry_after_that_is_neither_gives_the_default_backoff(value: str) -> None:
    assert _retry_after(value, now=_NOW) is None


def test_retry_after_is_capped() -> None:
    assert _retry_after("86400", now=_NOW) == 120.0
    assert _retry_after("Wed, 02 Dec 2026 12:00:00 GMT", now=_NOW) == 120.0
