"""Outlook performance: prints median and p99 times; record the figures in benchmarks/README.md.

Measures ``prognosis()`` for a case with every score input (staging in six systems included), the figure as PNG
and as SVG, and ``mesostage outlook FILE --figure PATH.png`` as a new process (cold start, matplotlib import
included). Budgets (our own, issue 5 sets none): prognosis() median <= 5 ms; one figure <= 500 ms; CLI with
figure <= 2 s.

Run: ``.venv/bin/python benchmarks/prognosis_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mesostage
from timing import summary, times_ms

CASE: dict[str, Any] = {
    "id": "bench",
    "site": "pleura",
    "diagnosis_date": "2025-03-01",
    "histology": "epithelioid",
    "tumor": {"findings": ["parietal_pleura", "mediastinal_fat"], "psum_mm": 24.0},
    "nodes": {"findings": ["subcarinal"]},
    "metastases": {"findings": []},
    "pleural_effusion_malignant": True,
    "patient": {
        "sex": "male",
        "ecog": 1,
        "wbc_10e9_per_l": 9.2,
        "histology_confirmed": True,
        "pleural_fluid_ldh_u_per_l": 1800.0,
        "neutrophils_10e9_per_l": 7.0,
        "lymphocytes_10e9_per_l": 1.0,
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    args = parser.parse_args()
    n_calc, n_fig, n_cli = (100, 5, 3) if args.quick else (2000, 40, 15)
    print(f"machine: {platform.machine()} | Python {platform.python_version()}")
    print(f"repetitions: {n_calc} prognosis(), {n_fig} per figure format, {n_cli} CLI runs")
    print(summary("prognosis() one case, all scores", times_ms(lambda: mesostage.prognosis(CASE), n_calc), 5))
    outlook = mesostage.prognosis(CASE)
    for fmt in ("png", "svg"):
        times = times_ms(lambda fmt=fmt: mesostage.prognosis_figure(CASE, fmt, result=outlook), n_fig)
        print(summary(f"prognosis_figure() {fmt}, 3 panels", times, 500))
    exe = Path(sys.executable).with_name("mesostage")
    with tempfile.TemporaryDirectory() as tmp:
        case_file, png = Path(tmp) / "case.json", Path(tmp) / "o.png"
        case_file.write_text(json.dumps(CASE))
        cli = []
        for _ in range(n_cli):
            start = time.perf_counter()
            subprocess.run([str(exe), "outlook", str(case_file), "--figure", str(png)], check=True, capture_output=True)
            cli.append((time.perf_counter() - start) * 1000)
    print(summary("CLI cold start: outlook FILE --figure .png", cli, 2000))


if __name__ == "__main__":
    main()
