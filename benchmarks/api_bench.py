"""Web benchmarks: requests/s and latency of POST /api/v1/stage under uvicorn on loopback, and the time to render
the results page and the PDF report.

The server is one uvicorn process (one worker, as ``mesostage serve`` runs it) on 127.0.0.1; the load comes from
this process over keep-alive connections, a fixed number of requests, bounded in time. Goals (issue 7):
>= 500 requests/s and p99 <= 50 ms for /api/v1/stage.

    .venv/bin/python benchmarks/api_bench.py            # full run (about a minute)
    .venv/bin/python benchmarks/api_bench.py --quick    # smoke run
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
from importlib import resources
from pathlib import Path

HOST = "127.0.0.1"
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)
_STATUS = re.compile(rb"HTTP/1.1 (\d{3})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _start_server(port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "mesostage.web.app:create_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 20 s")


async def _worker(port: int, body: bytes, count: int, stop_at: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    request = (
        f"POST /api/v1/stage HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    try:
        for _ in range(count):
            if time.perf_counter() > stop_at:
                break
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = _STATUS.match(head)
            length = _LENGTH.search(head)
            if status is None or status.group(1) != b"200" or length is None:
                raise SystemExit(f"unexpected response: {head[:200]!r}")
            await reader.readexactly(int(length.group(1)))
            latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(port: int, body: bytes, total: int, connections: int, max_seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    start = time.perf_counter()
    stop_at = start + max_seconds
    per = total // connections
    await asyncio.gather(*(_worker(port, body, per, stop_at, latencies) for _ in range(connections)))
    return time.perf_counter() - start, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _case(name: str) -> dict[str, object]:
    text = resources.files("mesostage").joinpath("examples", f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def bench_api(total: int, connections: int, max_seconds: float) -> None:
    body = json.dumps(_case("example-1")).encode()
    port = _free_port()
    proc = _start_server(port)
    try:
        asyncio.run(_load(port, body, 200, connections, 10))  # warm-up
        elapsed, lat = asyncio.run(_load(port, body, total, connections, max_seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"POST /api/v1/stage (contract example, 6 systems + review), {connections} keep-alive connections: "
        f"{len(lat)} requests in {elapsed:.2f} s = {len(lat) / elapsed:.0f} requests/s; "
        f"latency median {statistics.median(lat) * 1000:.2f} ms, p99 {_pct(lat, 0.99) * 1000:.2f} ms"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    print(f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}, {Path.cwd().name}")
    if args.quick:
        bench_api(total=400, connections=4, max_seconds=10)
        bench_render(repeats=10, pdf_repeats=2)
    else:
        bench_api(total=20_000, connections=8, max_seconds=60)
        bench_render(repeats=30, pdf_repeats=10)


if __name__ == "__main__":
    main()
