"""Treatment-options performance: prints median and p99 times; record the figures in benchmarks/README.md.

Goals (set for issue 4; the issue names none): ``options()`` for one case, including validation and staging in the
default system, median <= 5 ms; CLI cold start ``mesostage options FILE --format text`` <= 400 ms.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/options_bench.py [--quick]``).
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
from stage_bench import _cpu
from timing import summary as _summary
from timing import times_ms as _times_ms

STAGE_IV: dict[str, Any] = {
    "site": "pleura",
    "histology": "sarcomatoid",
    "basis": "clinical",
    "tumor": {"findings": ["parietal_pleura", "visceral_pleura"], "unknown": ["mediastinal_fat"]},
    "nodes": {"findings": [], "unknown": ["subcarinal"]},
    "metastases": {"findings": ["liver"]},
    "pleural_effusion_malignant": True,
    "patient": {"ecog": 1, "prior_systemic_lines": 0, "chest_pain": True},
}
PERITONEAL: dict[str, Any] = {
    "site": "peritoneum",
    "histology": "epithelioid",
    "peritoneal": {"pci_regions": [1, 1, 2, 0, 0, 3, 2, 1, 0, 0, 1, 0, 1]},
    "patient": {"ecog": 0, "prior_systemic_lines": 0, "ki67_percent": 12.0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    args = parser.parse_args()
    n, n_cli = (200, 5) if args.quick else (2000, 30)
    print(f"machine: {platform.machine()} {platform.processor() or ''} | {_cpu()} | Python {platform.python_version()}")
    print(f"repetitions: {n} in-process, {n_cli} CLI runs")
    print(_summary("options() stage IV pleural, patient", _times_ms(lambda: mesostage.options(STAGE_IV), n), 5.0))
    print(
        _summary(
            "options() peritoneal, clinician",
            _times_ms(lambda: mesostage.options(PERITONEAL, audience="clinician"), n),
            5.0,
        )
    )
    exe = Path(sys.executable).parent / "mesostage"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(STAGE_IV, fh)
    cmd = [str(exe), "options", fh.name, "--format", "text"]

    def cli() -> None:
        subprocess.run(cmd, check=True, capture_output=True)

    print(_summary("CLI cold start: mesostage options FILE (process)", _times_ms(cli, n_cli), 400.0))
    Path(fh.name).unlink()


if __name__ == "__main__":
    main()
