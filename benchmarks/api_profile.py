"""Where the server's CPU time goes on ``POST /api/v1/stage``: the server process profiled with cProfile on a CPU
clock while this process sends it requests, the time split by the layer its code belongs to (issue 17).

    .venv/bin/python benchmarks/api_profile.py                 # the default answer, the same case each request
    .venv/bin/python benchmarks/api_profile.py --fresh         # a new case each request (staged, not remembered)
    .venv/bin/python benchmarks/api_profile.py --compact       # ?systems=tnm9&fields=...
    .venv/bin/python benchmarks/api_profile.py --floor         # the bare FastAPI route (bare_app.py)
    .venv/bin/python benchmarks/api_profile.py --top 30        # and the 30 functions with most own time

The server is uvicorn as in ``api_bench.py`` (one process on 127.0.0.1). The profile covers only the load, not
the warm-up. Every function's own time goes to a layer by its module; the time of pydantic, the JSON modules and
other helpers goes to the layer of the code that called them. cProfile slows pure-Python code more than C code, so
the shares are a guide: the script also prints the server's CPU time per request in an unprofiled run of the same
load, and the split scaled to it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import api_bench

#: Layers, first match wins: (name, module path parts)
_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("serialising the answer (model_dump_json)", ("mesostage/web/api.py:stage", "mesostage/web/api.py:_json")),
    ("reading and checking the case", ("mesostage/web/api.py:read_case", "mesostage/case.py", "mesostage/limits.py")),
    (
        "our middleware (request log, security headers, body limit, trusted host)",
        ("mesostage/web/security.py", "mesostage/web/access.py", "starlette/middleware/trustedhost.py"),
    ),
    ("stage() (staging, review, checks)", ("mesostage/",)),
    (
        "Starlette/FastAPI: routing, parameters, Request/Response, their middleware",
        ("fastapi/", "starlette/"),
    ),
    ("uvicorn, h11, asyncio, sockets (the HTTP server)", ("uvicorn/", "h11/", "asyncio/", "selectors.py", "socket")),
)
#: Helpers whose time is the caller's: they do work for whoever calls them.
_TRANSPARENT = ("pydantic", "json/", "enum.py", "typing.py", "re/", "contextlib.py", "functools.py", "abc.py", "<")


def _where(func: tuple[str, int, str]) -> str:
    filename, _, name = func
    parts = re.sub(r"^.*/lib/python3\.\d+/", "", filename.replace("\\", "/").split("/site-packages/")[-1])
    return f"{parts.split('/src/')[-1]}:{name}"


def _layer(func: tuple[str, int, str]) -> str | None:
    """The layer of a function, or None when its time belongs to its caller."""
    where = _where(func)
    module = where.split(":")[0]
    if module.endswith(("selectors.py", "socket.py")):
        return _LAYERS[-1][0]
    stdlib = "site-packages" not in func[0] and "/src/" not in func[0] and not module.startswith("asyncio/")
    stdlib = stdlib and not func[0].endswith("benchmarks/bare_app.py")
    if func[0] == "~" or stdlib or any(where.startswith(t) for t in _TRANSPARENT):
        return None
    for name, prefixes in _LAYERS:
        if any(where.startswith(p) for p in prefixes):
            return name
    return "other"


def split(stats: pstats.Stats) -> dict[str, float]:
    """Own CPU seconds per layer; the time of a helper (pydantic, json, builtins) goes to its callers' layers."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    memo: dict[Any, dict[str, float]] = {}

    def shares(func: Any, depth: int = 0) -> dict[str, float]:
        """How the time spent in ``func`` divides among layers (fractions adding up to 1)."""
        if func in memo:
            return memo[func]
        layer = _layer(func)
        if layer is not None or depth > 30 or func not in raw:
            memo[func] = {layer or "other": 1.0}
            return memo[func]
        memo[func] = {"other": 1.0}  # a cycle: counted as other
        callers = raw[func][4]
        total = sum(c[3] for c in callers.values()) or 1.0
        out: dict[str, float] = defaultdict(float)
        for caller, c in callers.items():
            for name, part in shares(caller, depth + 1).items():
                out[name] += part * c[3] / total
        memo[func] = dict(out) if out else {"other": 1.0}
        return memo[func]

    seconds: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tt, _ct, callers) in raw.items():
        if _layer(func) is not None or not callers:
            seconds[_layer(func) or "other"] += tt
            continue
        for caller, c in callers.items():  # per caller: the own time spent in ``func`` when ``caller`` called it
            for name, part in shares(caller).items():
                seconds[name] += part * c[2]
    return dict(seconds)


def _serve(app: str, port: int, out: str) -> None:
    """The server: uvicorn; SIGUSR1 starts the profiler (CPU clock), SIGUSR2 stops it and writes ``out``."""
    import uvicorn

    profiler = cProfile.Profile(time.process_time)

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run(app, factory=True, host=api_bench.HOST, port=port, log_level="warning", access_log=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--fresh", action="store_true", help="a new case each request")
    which.add_argument("--compact", action="store_true", help="the compact answer")
    which.add_argument("--floor", action="store_true", help="the bare FastAPI route")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--top", type=int, default=0, help="also list the N functions with most own time")
    parser.add_argument("--serve", nargs=3, metavar=("APP", "PORT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    app = "bare_app:create_app" if args.floor else "mesostage.web.app:create_app"
    path = api_bench.SUBJECTS["compact"] if args.compact else "/api/v1/stage"
    bodies = api_bench.bodies(args.requests, fresh=args.fresh)
    port = api_bench._free_port()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "server.prof")
        cmd = [sys.executable, __file__, "--serve", app, str(port), out]
        proc = api_bench._when_healthy(subprocess.Popen(cmd), port, 20, "the server")
        try:
            asyncio.run(api_bench._load(port, api_bench.bodies(200, fresh=args.fresh, first=900_000), 8, 10, path))
            cpu0 = api_bench._cpu_s(proc)
            _, lat = asyncio.run(api_bench._load(port, bodies, 8, 60, path))
            plain = (api_bench._cpu_s(proc) - cpu0) / len(lat)
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(0.2)
            bodies = api_bench.bodies(args.requests, fresh=args.fresh, first=500_000)
            _, lat = asyncio.run(api_bench._load(port, bodies, 8, 60, path))
            os.kill(proc.pid, signal.SIGUSR2)
            deadline = time.monotonic() + 20
            while not os.path.exists(out) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            stats = pstats.Stats(out)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    seconds = split(stats)
    total = sum(seconds.values())
    what = "bare FastAPI route" if args.floor else ("fresh case" if args.fresh else "repeated case")
    print(
        f"POST {path} ({what}), {len(lat)} requests profiled; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"server CPU a request: {plain * 1e6:.0f} us unprofiled, {total / len(lat) * 1e6:.0f} us under cProfile")
    for name, sec in sorted(seconds.items(), key=lambda kv: -kv[1]):
        share = sec / total
        print(f"  {share * 100:5.1f} %  {share * plain * 1e6:6.0f} us  {name}")
    if args.top:
        print(f"the {args.top} functions with most own time (us a request):")
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        for func, row in sorted(raw.items(), key=lambda kv: -kv[1][2])[: args.top]:
            print(f"  {row[2] / len(lat) * 1e6:7.1f}  {_where(func)}  [{_layer(func) or 'caller'}]")


if __name__ == "__main__":
    main()
