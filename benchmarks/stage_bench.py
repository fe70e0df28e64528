"""Staging performance: prints median and p99 times; record the figures in benchmarks/README.md.

Goals (issue 2): one case in all six systems including validation, median <= 0.5 ms; the same with 10 unknown
findings, median <= 2 ms; CLI cold start for one case <= 300 ms.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/stage_bench.py [--quick]``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesostage
import mesostage.staging

EXAMPLE: dict[str, Any] = json.loads((Path(mesostage.__file__).parent / "examples" / "example-1.json").read_text())

TEN_UNKNOWNS: dict[str, Any] = {
    "site": "pleura",
    "basis": "clinical",
    "diagnosis_date": "2025-06-01",
    "tumor": {
        "findings": ["parietal_pleura", "mediastinal_pleura"],
        "unknown": ["visceral_pleura", "diaphragm_muscle", "mediastinal_fat", "rib", "transdiaphragmatic"],
        "psum_mm": 14.0,
    },
    "nodes": {"findings": [], "unknown": ["subcarinal", "contralateral_mediastinal", "scalene"]},
    "metastases": {"findings": [], "unknown": ["liver", "pleura_contralateral_discontinuous"]},
}


def _times_ms(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm: load the system files once, as a long-running process would
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _summary(name: str, values: list[float], goal: float) -> str:
    values = sorted(values)
    median = statistics.median(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    verdict = "meets" if median <= goal else "MISSES"
    return f"{name:<56} median {median:8.3f} ms   p99 {p99:8.3f} ms   (goal median <= {goal:g} ms: {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    args = parser.parse_args()
    n_stage, n_cli = (200, 5) if args.quick else (3000, 30)

    unknown_count = sum(len(TEN_UNKNOWNS[s].get("unknown", [])) for s in ("tumor", "nodes", "metastases"))
    assert unknown_count == 10, unknown_count

    print(f"machine: {platform.machine()} {platform.processor() or ''} | {_cpu()} | Python {platform.python_version()}")
    print(f"repetitions: {n_stage} in-process, {n_cli} CLI runs")
    # The staging engine alone (the issue 2 goals), then the public stage(), which adds the second-opinion review.
    engine = mesostage.staging.stage
    rows = [
        ("staging engine: one case, 6 systems, with validation", lambda: engine(EXAMPLE), 0.5),
        ("staging engine: 10 unknown findings, 6 systems", lambda: engine(TEN_UNKNOWNS), 2.0),
        ("mesostage.stage() incl. review: one case", lambda: mesostage.stage(EXAMPLE), 0.5),
        ("mesostage.stage() incl. review: 10 unknown findings", lambda: mesostage.stage(TEN_UNKNOWNS), 2.0),
    ]
    for name, fn, goal in rows:
        print(_summary(name, _times_ms(fn, n_stage), goal))

    exe = Path(sys.executable).parent / "mesostage"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(EXAMPLE, fh)
    cmd = [str(exe), "stage", fh.name]

    def cli() -> None:
        subprocess.run(cmd, check=True, capture_output=True)

    print(_summary("CLI cold start: mesostage stage FILE (process)", _times_ms(cli, n_cli), 300.0))
    Path(fh.name).unlink()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "cpu unknown"


if __name__ == "__main__":
    main()
