"""What the logging costs: the request log on a staging request, and the logging set-up at a command's start.

Each goal is a ratio against its floor, measured interleaved in the same run (floor, subject, floor, ...):

- request log: ``POST /api/v1/stage`` (the contract's example case) through the app in process, with the request
  log on (INFO, formatted as text to a null stream, as a server writing to a file would) against the same app
  without the request-log middleware;
- logging set-up: in a new process, importing the command line and configuring logging (as every ``mesostage``
  command does, with no ``MESOSTAGE_*`` variable set) against importing the command line alone.

Prints wall and CPU time and the load average; ``--quick`` for a smoke run.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

QUICK = "--quick" in sys.argv


def _app(with_log: bool) -> Any:
    from fastapi.testclient import TestClient

    from mesostage.web.access import RequestLogMiddleware
    from mesostage.web.app import create_app

    app = create_app()
    if not with_log:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not RequestLogMiddleware]
    return TestClient(app, base_url="http://127.0.0.1")


def _interleaved(floor: Callable[[], object], subject: Callable[[], object], rounds: int, per_round: int) -> Any:
    """Per-call (wall ms, CPU ms) lists of floor and subject, taken in alternating rounds."""
    out: dict[str, tuple[list[float], list[float]]] = {"floor": ([], []), "subject": ([], [])}
    for _ in range(rounds):
        for name, fn in (("floor", floor), ("subject", subject)):
            for _ in range(per_round):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                out[name][0].append((time.perf_counter() - wall) * 1000)
                out[name][1].append((time.process_time() - cpu) * 1000)
    return out


def _goal(name: str, unit: str, result: Any, floor_what: str, goal: float) -> None:
    value = statistics.median(result["subject"][0])
    floor = statistics.median(result["floor"][0])
    ratio = value / floor
    cpu_value, cpu_floor = statistics.median(result["subject"][1]), statistics.median(result["floor"][1])
    print(f"  (median CPU time {cpu_value:.3f} against {cpu_floor:.3f} {unit}; load average {os.getloadavg()[0]:.2f})")
    print(
        f"GOAL {name} | value {value:.3f} {unit} | floor {floor:.3f} {unit} ({floor_what}) | ratio {ratio:.2f} "
        f"| goal ratio <= {goal:.2f} | met {'yes' if ratio <= goal else 'no'}"
    )


def request_log() -> None:
    logger = logging.getLogger("mesostage")
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (closed at exit)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    case = json.loads(resources.files("mesostage").joinpath("examples", "example-1.json").read_text("utf-8"))
    without, with_log = _app(False), _app(True)

    def floor() -> None:
        assert without.post("/api/v1/stage", json=case).status_code == 200

    def subject() -> None:
        assert with_log.post("/api/v1/stage", json=case).status_code == 200

    floor(), subject()  # warm-up: staging data loaded, middleware stacks built
    result = _interleaved(floor, subject, rounds=4 if QUICK else 20, per_round=20 if QUICK else 50)
    _goal("request log, end to end", "ms", result, "the same request without the request log", 1.05)
    # The same cost measured alone, so that the load of a busy machine does not hide it: CPU time of the
    # middleware and its log line around an app that answers at once, against a staging request's CPU time.
    own = _middleware_cpu_ms(20_000 if not QUICK else 2_000)
    request = statistics.median(result["floor"][1])
    share = own / request
    met = "yes" if share <= 0.02 else "no"
    print(
        f"GOAL request log, its own CPU time | value {own * 1000:.1f} us | floor {request * 1000:.1f} us (CPU time of "
        f"one staging request without it) | ratio {share:.3f} | goal ratio <= 0.020 | met {met}"
    )


def _middleware_cpu_ms(n: int) -> float:
    """CPU ms per request of RequestLogMiddleware (with its INFO line formatted and written) minus the bare app's."""
    import asyncio

    from mesostage.web.access import RequestLogMiddleware

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: Any) -> None:
        pass

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "POST", "path": "/api/v1/stage", "headers": []}
    logged = RequestLogMiddleware(bare)

    async def per_call(app: Any) -> float:
        start = time.process_time()
        for _ in range(n):
            await app(scope, receive, send)
        return (time.process_time() - start) * 1000 / n

    async def both() -> float:
        rounds = [(await per_call(logged)) - (await per_call(bare)) for _ in range(5)]
        return statistics.median(rounds)

    return asyncio.run(both())


_CHILD = """
import json, time
w, c = time.perf_counter(), time.process_time()
import mesostage.cli
w1, c1 = time.perf_counter(), time.process_time()
from mesostage.logs import configure_from_settings
configure_from_settings()
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"floor": [(w1 - w) * 1000, (c1 - c) * 1000], "subject": [(w2 - w) * 1000, (c2 - c) * 1000]}))
"""


def logging_setup() -> None:
    """In each new process: importing the command line (the floor), then the same plus the logging set-up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESOSTAGE_")}
    out: dict[str, tuple[list[float], list[float]]] = {"floor": ([], []), "subject": ([], [])}
    for _ in range(3 if QUICK else 20):
        child = subprocess.run([sys.executable, "-c", _CHILD], check=True, env=env, capture_output=True, text=True)
        for name, (wall, cpu) in json.loads(child.stdout).items():
            out[name][0].append(wall)
            out[name][1].append(cpu)
    _goal("logging set-up at start", "ms", out, "importing mesostage.cli in the same process", 1.03)


if __name__ == "__main__":
    request_log()
    logging_setup()
