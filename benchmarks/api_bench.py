"""Web benchmarks: requests/s and latency of POST /api/v1/stage under uvicorn on loopback, and the time to render
the results page and the PDF report; the results page and the PDF at 1, 8 and 32 clients against ``mesostage serve``,
and its memory across 1,000 PDFs (issue 16). The page run prints a ``GOAL`` line for each goal of issues 16 and 17,
each against a floor measured just before it at the same number of clients.

The server is one uvicorn process (one worker, as ``mesostage serve`` runs it) on 127.0.0.1; the load comes from
this process over keep-alive connections, a fixed number of requests, bounded in time. Goals (issue 7):
>= 500 requests/s and p99 <= 50 ms for /api/v1/stage.

    .venv/bin/python benchmarks/api_bench.py            # full run (about a minute)
    .venv/bin/python benchmarks/api_bench.py --quick    # smoke run
    .venv/bin/python benchmarks/api_bench.py --pages    # only the page and PDF load and the memory run (minutes)
    .venv/bin/python benchmarks/api_bench.py --api      # only POST /api/v1/stage against a bare FastAPI route
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

HOST = "127.0.0.1"
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)
_STATUS = re.compile(rb"HTTP/1.1 (\d{3})")


def _when_healthy(proc: subprocess.Popen[bytes], port: int, seconds: float, what: str) -> subprocess.Popen[bytes]:
    """``proc`` once its /api/v1/health answers 200; killed, and the run stopped, if it does not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{what} did not start within {seconds:g} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def server_args(port: int, app: str = "mesostage.web.app:create_app") -> list[str]:
    """The server's command after the Python executable: one uvicorn process on loopback, as for every figure."""
    return [
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(__file__).parent),
        "--factory",
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        # The HTTP implementation and event loop `mesostage serve` runs (h11, asyncio), named so that an optional
        # httptools or uvloop in the environment changes neither the floor nor the app.
        "--http",
        "h11",
        "--loop",
        "asyncio",
    ]


def _start_server(port: int, app: str = "mesostage.web.app:create_app") -> subprocess.Popen[bytes]:
    return _when_healthy(subprocess.Popen([sys.executable, *server_args(port, app)]), port, 20, "the server")


async def _worker(
    port: int, bodies: list[bytes], first: int, count: int, stop_at: float, latencies: list[float], path: str
) -> None:
    """``count`` requests on one keep-alive connection, the bodies from ``bodies[first]`` on (round the list)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    head = f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
    made: dict[bytes, bytes] = {}  # the requests of a repeated body, made once
    try:
        for i in range(first, first + count):
            if time.perf_counter() > stop_at:
                break
            body = bodies[i % len(bodies)]
            request = made.get(body)
            if request is None:
                request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
                if len(made) < 8:
                    made[body] = request
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            answer = await reader.readuntil(b"\r\n\r\n")
            status = _STATUS.match(answer)
            length = _LENGTH.search(answer)
            if status is None or status.group(1) != b"200" or length is None:
                raise SystemExit(f"unexpected response: {answer[:200]!r}")
            await reader.readexactly(int(length.group(1)))
            latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(
    port: int, bodies: list[bytes], connections: int, max_seconds: float, path: str = "/api/v1/stage"
) -> tuple[float, list[float]]:
    """``len(bodies)`` requests over ``connections`` connections (each its share of the bodies), at most
    ``max_seconds``: the seconds taken and each request's latency."""
    latencies: list[float] = []
    start = time.perf_counter()
    stop_at = start + max_seconds
    per = len(bodies) // connections
    await asyncio.gather(*(_worker(port, bodies, c * per, per, stop_at, latencies, path) for c in range(connections)))
    return time.perf_counter() - start, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _case(name: str) -> dict[str, object]:
    text = resources.files("mesostage").joinpath("examples", f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def _cpu_s(proc: subprocess.Popen[bytes]) -> float:
    import psutil

    times = psutil.Process(proc.pid).cpu_times()
    return float(times.user + times.system)


#: The subjects: name -> (path, a new case each request). The default answer (the full staging result of the case
#: format) for the same case again (staging remembers it) and for a new case each request, and the compact answer.
SUBJECTS = {
    "default": "/api/v1/stage",
    "compact": "/api/v1/stage?systems=tnm9&fields=results.system&fields=results.stage&fields=review",
}
PLAN = {
    "default": (SUBJECTS["default"], False),
    "fresh": (SUBJECTS["default"], True),
    "compact": (SUBJECTS["compact"], False),
}


def bodies(n: int, *, fresh: bool = False, first: int = 0) -> list[bytes]:
    """``n`` request bodies: the contract example each time, or (``fresh``) the example with a different CT
    measurement in each (``tumor.psum_mm`` 20.000, 20.001, ...: a case staging has not seen, so it is staged)."""
    case = _case("example-1")
    if not fresh:
        return [json.dumps(case).encode()] * n
    tumor: dict[str, object] = dict(case["tumor"])  # type: ignore[call-overload]
    out = []
    for i in range(first, first + n):
        tumor["psum_mm"] = 20 + (i % 10**6) / 1000
        out.append(json.dumps(dict(case, tumor=tumor)).encode())
    return out


def bench_api(total: int, connections: int, max_seconds: float, rounds: int = 3) -> None:
    """POST /api/v1/stage against a bare FastAPI route (``bare_app.py``) under the same uvicorn, the same client
    and the same concurrency, in alternating rounds (floor, default, fresh, compact, floor, ...). Goals (issue 17):
    >= 50 % of the bare route's requests/s at 8 connections, p99 <= 20 ms; issue 7: >= 500 requests/s, p99 <= 50 ms.
    """
    import os

    ports = {"floor": _free_port(), "app": _free_port()}
    procs = {"floor": _start_server(ports["floor"], "bare_app:create_app"), "app": _start_server(ports["app"])}
    runs: dict[str, list[tuple[float, list[float], float, float]]] = {"floor": [], **{k: [] for k in PLAN}}
    plan = [("floor", "floor", "/api/v1/stage", False)] + [(k, "app", p, f) for k, (p, f) in PLAN.items()]
    load0 = os.getloadavg()
    try:
        for _name, server, path, fresh in plan:  # warm-up
            asyncio.run(_load(ports[server], bodies(200, fresh=fresh, first=10**6 - 200), connections, 10, path))
        for r in range(rounds):
            for name, server, path, fresh in plan:
                sent = bodies(total, fresh=fresh, first=r * total)
                cpu0, own0 = _cpu_s(procs[server]), time.process_time()
                elapsed, lat = asyncio.run(_load(ports[server], sent, connections, max_seconds, path))
                server_cpu = (_cpu_s(procs[server]) - cpu0) / len(lat)
                runs[name].append((len(lat) / elapsed, lat, server_cpu, (time.process_time() - own0) / len(lat)))
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=10)
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in load0)} at the start, "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end; {rounds} alternating rounds"
    )
    summary: dict[str, tuple[float, float]] = {}
    for name, results in runs.items():
        rates = [r for r, *_ in results]
        lat = [x for _, ls, *_ in results for x in ls]
        cpu = statistics.median(c for _, _, c, _ in results) * 1e6
        client = statistics.median(c for *_, c in results) * 1e6
        summary[name] = (statistics.median(rates), _pct(lat, 0.99) * 1000)
        what = {
            "floor": "bare FastAPI route (reads the body, answers a fixed small JSON)",
            "default": "default answer, the same case each request",
            "fresh": "default answer, a new case each request",
            "compact": "compact answer (?systems=tnm9&fields=...), the same case",
        }[name]
        print(
            f"POST /api/v1/stage {what}, {connections} keep-alive connections: {statistics.median(rates):.0f} "
            f"requests/s (rounds {', '.join(f'{r:.0f}' for r in rates)}); latency median "
            f"{statistics.median(lat) * 1000:.2f} ms, p99 {summary[name][1]:.2f} ms; CPU a request: server "
            f"{cpu:.0f} us, client {client:.0f} us"
        )
    floor_rate, floor_p99 = summary["floor"]
    same = "bare FastAPI route, same uvicorn, client and concurrency"
    for name, label in (("default", "the same case"), ("fresh", "a new case each request"), ("compact", "same case")):
        rate = summary[name][0]
        print(
            goal_line(
                f"api {'compact' if name == 'compact' else 'default'} answer vs bare FastAPI, {label} "
                f"({connections} connections)",
                rate,
                floor_rate,
                "requests/s",
                same,
                ">= 0.50 (#17)",
                rate / floor_rate >= 0.5,
                digits=0,
            )
        )
    worst = max(PLAN, key=lambda k: summary[k][1])
    p99 = summary[worst][1]
    print(
        goal_line(
            f"api p99 latency, {connections} connections (the highest: {worst})",
            p99,
            floor_p99,
            "ms",
            "p99 of the bare FastAPI route",
            "<= 20 ms (#17)",
            p99 <= 20,
            digits=2,
        )
    )


def bench_render(repeats: int, pdf_repeats: int) -> None:
    from mesostage import parse_case
    from mesostage.web.pages import render
    from mesostage.web.report import render_pdf
    from mesostage.web.view import analyse

    case = parse_case(_case("diaphragm-origin"))
    for view in ("patient", "clinician"):
        render("results.html", a=analyse(case, view))  # warm-up: templates compiled, systems loaded
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            render("results.html", a=analyse(case, view))
            times.append(time.perf_counter() - t0)
        print(
            f"results page ({view} view): staging, review, explanation, options, outlook and its figure, trials, "
            f"HTML: median {statistics.median(times) * 1000:.2f} ms, p99 {_pct(times, 0.99) * 1000:.2f} ms "
            f"({repeats} runs)"
        )
    t0 = time.perf_counter()
    import weasyprint  # noqa: F401  (imported on the first PDF request only)

    print(f"WeasyPrint import (once per process, on the first PDF): {(time.perf_counter() - t0) * 1000:.0f} ms")
    for view in ("patient", "clinician"):
        t0 = time.perf_counter()
        render_pdf(render("report.html", a=analyse(case, view), report=True))
        first = time.perf_counter() - t0
        times = []
        for _ in range(pdf_repeats):
            t0 = time.perf_counter()
            pdf = render_pdf(render("report.html", a=analyse(case, view), report=True))
            times.append(time.perf_counter() - t0)
        print(
            f"PDF report ({view} view, {len(pdf) // 1024} KiB, staging to PDF bytes): first {first * 1000:.0f} ms, "
            f"then median {statistics.median(times) * 1000:.0f} ms ({pdf_repeats} runs)"
        )


def _start_serve(port: int) -> subprocess.Popen[bytes]:
    """``mesostage serve`` as users run it (its connection limits, PDF worker processes), on loopback."""
    exe = Path(sys.executable).parent / "mesostage"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    return _when_healthy(proc, port, 30, "mesostage serve")


_CASES = ("diaphragm-origin", "example-1", "pleural-unknowns", "peritoneal-pci", "pericardial")


def _form_body(i: int, view: str) -> bytes:
    """The i-th submission: the example cases in turn, each with its own id (as different people's cases)."""
    from urllib.parse import urlencode

    return urlencode({"case_json": json.dumps(_numbered_case(i)), "view": view}).encode()


def _numbered_case(i: int) -> dict[str, object]:
    return dict(_case(_CASES[i % len(_CASES)]), id=f"bench-{i}")


def _request(port: int, path: str, i: int) -> bytes:
    """The i-th request to ``path``: a form post for the pages, the same case as JSON for the staging API."""
    if path.startswith("/api/"):
        body, kind = json.dumps(_numbered_case(i)).encode(), "application/json"
    else:
        body, kind = _form_body(i, "patient" if i % 2 else "clinician"), "application/x-www-form-urlencoded"
    head = f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _page_client(port: int, path: str, first: int, count: int, out: dict[str, list[float]]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for i in range(first, first + count):
            request = _request(port, path, i)
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = _STATUS.match(head)
            length = _LENGTH.search(head)
            if status is None or length is None:
                raise SystemExit(f"unexpected response: {head[:200]!r}")
            await reader.readexactly(int(length.group(1)))
            out.setdefault(status.group(1).decode(), []).append(time.perf_counter() - t0)
    finally:
        writer.close()
        await writer.wait_closed()


_NEXT = [0]  # the next case number: every request of a run is a new case (no report is asked for twice)


async def _pages(port: int, path: str, clients: int, per_client: int) -> tuple[float, dict[str, list[float]]]:
    out: dict[str, list[float]] = {}
    first, _NEXT[0] = _NEXT[0], _NEXT[0] + clients * per_client
    start = time.perf_counter()
    await asyncio.gather(*(_page_client(port, path, first + c * per_client, per_client, out) for c in range(clients)))
    return time.perf_counter() - start, out


def _tree_rss_mib(proc: subprocess.Popen[bytes]) -> tuple[float, float]:
    """Resident memory of the server process, and of the server with its PDF worker processes, in MiB."""
    import psutil

    server = psutil.Process(proc.pid)
    own = server.memory_info().rss
    children = 0
    for child in server.children(recursive=True):
        try:
            children += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return own / 2**20, (own + children) / 2**20


def _tree_cpu_s(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server and its PDF workers (live ones, and those it has waited for)."""
    import psutil

    server = psutil.Process(proc.pid)
    t = server.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in server.children(recursive=True):
        try:
            c = child.cpu_times()
            total += c.user + c.system
        except psutil.NoSuchProcess:
            continue
    return total


def goal_line(
    name: str, value: float, floor: float, unit: str, floor_what: str, goal: str, met: bool, digits: int = 3
) -> str:
    """One goal in the form ``make bench`` collects (see benchmarks/README.md)."""
    return (
        f"GOAL {name} | value {value:.{digits}f} {unit} | floor {floor:.{digits}f} {unit} ({floor_what}) | "
        f"ratio {value / floor if floor else float('inf'):.2f} | goal {goal} | met {'yes' if met else 'no'}"
    )


@dataclass
class _Round:
    path: str
    clients: int
    elapsed: float
    cpu: float  # server and workers, seconds
    out: dict[str, list[float]]

    @property
    def ok(self) -> list[float]:
        return self.out.get("200", [])

    def stat(self, which: str) -> float:
        return statistics.median(self.ok) if which == "median" else _pct(self.ok, 0.99)

    def line(self) -> str:
        answered = sum(len(v) for v in self.out.values())
        figures = f"median {self.stat('median'):.3f} s, p99 {self.stat('p99'):.3f} s" if self.ok else "no 200 answers"
        others = {k: len(v) for k, v in self.out.items() if k not in ("200", "503")}
        return (
            f"POST {self.path}, {self.clients} clients: {len(self.ok)} of {answered} answered 200 in "
            f"{self.elapsed:.1f} s, {figures}; {len(self.out.get('503', []))} answered 503 (Retry-After)"
            f"{'; other: ' + str(others) if others else ''}; server CPU {self.cpu / max(answered, 1):.3f} s a request"
        )


def _round(proc: subprocess.Popen[bytes], port: int, path: str, clients: int, per_client: int) -> _Round:
    cpu0 = _tree_cpu_s(proc)
    elapsed, out = asyncio.run(_pages(port, path, clients, per_client))
    r = _Round(path, clients, elapsed, _tree_cpu_s(proc) - cpu0, out)
    print(r.line(), flush=True)
    return r


#: (subject, its floor in the same run): the staging the page is built from, and the page the PDF lays out.
_FLOORS = {"/results": "/api/v1/stage", "/report.pdf": "/results"}
_FLOOR_WHAT = {
    "/results": "POST /api/v1/stage of the same cases",
    "/report.pdf": "POST /results, the page the PDF lays out",
}
#: Goals: (path, clients, statistic) -> (name, limit in seconds, issue)
_GOALS = {
    ("/results", 1, "median"): ("results page 1 client median", 0.150, "#17"),
    ("/report.pdf", 1, "median"): ("PDF 1 client median", 1.0, "#17"),
    ("/results", 8, "p99"): ("results page p99 8 clients", 1.0, "#16"),
    ("/report.pdf", 8, "p99"): ("PDF p99 8 clients", 5.0, "#16"),
}


def bench_pages(plan: dict[str, dict[int, int]], pdfs_for_memory: int) -> None:
    """The results page and the PDF at 1, 8 and 32 clients, each round after its floor's round at the same clients
    (interleaved), and memory across many PDFs, against ``mesostage serve``. Every request is a new case (its own
    id), so no report comes from the server's PDF cache. Goals (issues 16 and 17): results page p99 <= 1 s and PDF
    p99 <= 5 s at 8 clients, every one of the 8 answered; results page median <= 150 ms and PDF <= 1 s at one
    client; flat memory."""
    import os

    port = _free_port()
    proc = _start_serve(port)
    try:
        asyncio.run(_pages(port, "/results", 1, 5))  # warm-up: templates, figure cache, demo trial index
        asyncio.run(_pages(port, "/report.pdf", 2, 2))  # warm-up: the PDF worker processes
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        goals: list[str] = []
        for path, rounds in plan.items():
            for clients, per_client in rounds.items():
                floor = _round(proc, port, _FLOORS[path], clients, per_client)
                subject = _round(proc, port, path, clients, per_client)
                for which in ("median", "p99"):
                    if (path, clients, which) not in _GOALS or not subject.ok:
                        continue
                    name, limit, issue = _GOALS[(path, clients, which)]
                    value = subject.stat(which)
                    met = value <= limit and len(subject.ok) == sum(len(v) for v in subject.out.values())
                    wanted = f"<= {limit:g} s, every request answered 200 ({issue})"
                    goals.append(goal_line(name, value, floor.stat(which), "s", _FLOOR_WHAT[path], wanted, met))
        print(f"load average after the rounds: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        own, total = _tree_rss_mib(proc)
        print(f"memory after the load runs: server {own:.0f} MiB, with PDF workers {total:.0f} MiB", flush=True)
        if pdfs_for_memory:
            goals.append(_memory_run(proc, port, pdfs_for_memory, own))
        for line in goals:
            print(line, flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _memory_run(proc: subprocess.Popen[bytes], port: int, pdfs: int, before: float) -> str:
    """``pdfs`` new reports from 2 clients, the server's memory sampled every tenth of them: flat means the last
    sample within 10 % of the memory before the run and no higher than the first half's highest + 2 %."""
    step = max(1, pdfs // 10)
    done = 0
    samples: list[float] = []
    t0 = time.perf_counter()
    while done < pdfs:
        _, out = asyncio.run(_pages(port, "/report.pdf", 2, step // 2 or 1))
        done += sum(len(v) for v in out.values())
        own, total = _tree_rss_mib(proc)
        samples.append(own)
        print(
            f"  after {done} PDFs ({time.perf_counter() - t0:.0f} s): server {own:.0f} MiB, "
            f"with PDF workers {total:.0f} MiB; statuses {sorted((k, len(v)) for k, v in out.items())}",
            flush=True,
        )
    first_half = max(samples[: max(1, len(samples) // 2)])
    flat = samples[-1] <= before * 1.10 and samples[-1] <= first_half * 1.02
    wanted = "flat: within 10 % of the memory before, not above the first half's highest + 2 % (#16)"
    return goal_line(f"server memory after {done} PDFs", samples[-1], before, "MiB", "before them", wanted, flat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--pages", action="store_true", help="only the page, PDF and memory load (issue 16)")
    parser.add_argument("--api", action="store_true", help="only POST /api/v1/stage against its floor (issue 17)")
    parser.add_argument("--pdfs", type=int, default=1000, help="PDFs for the memory run (0: none)")
    args = parser.parse_args()
    print(f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}, {Path.cwd().name}")
    if args.quick:
        bench_api(total=400, connections=8, max_seconds=10, rounds=1)
        bench_render(repeats=10, pdf_repeats=2)
        bench_pages({"/results": {1: 3, 8: 1}, "/report.pdf": {1: 2, 8: 1}}, pdfs_for_memory=0)
        return
    if args.api:
        bench_api(total=6_000, connections=8, max_seconds=30)
        return
    if not args.pages:
        bench_api(total=6_000, connections=8, max_seconds=30)
        bench_render(repeats=30, pdf_repeats=10)
    bench_pages(
        {"/results": {1: 20, 8: 10, 32: 4}, "/report.pdf": {1: 6, 8: 3, 32: 2}},
        pdfs_for_memory=args.pdfs,
    )


if __name__ == "__main__":
    main()
