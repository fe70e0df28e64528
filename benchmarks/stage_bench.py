"""Staging performance: prints median and p99 times; record the figures in benchmarks/README.md.

Goals (issue 2): one case in all six systems including validation, median <= 0.5 ms; the same with 10 unknown
findings, median <= 2 ms; CLI cold start for one case <= 300 ms.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/stage_bench.py [--quick]``).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import mesostage
import mesostage.staging
from timing import summary, times_ms

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
        print(summary(name, times_ms(fn, n_stage), goal))

    exe = Path(sys.executable).parent / "mesostage"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(EXAMPLE, fh)
    cmd = [str(exe), "stage", fh.name]

    def cli() -> None:
        subprocess.run(cmd, check=True, capture_output=True)

    print(summary("CLI cold start: mesostage stage FILE (process)", times_ms(cli, n_cli), 300.0))
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
