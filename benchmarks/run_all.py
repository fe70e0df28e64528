"""Run the benchmark scripts and print every goal they report, with its floor and ratio, in one table.

``make bench`` runs this. Each script prints its own figures (shown as they come) and one line per goal::

    GOAL <short name> | value <number> <unit> | floor <number> <unit> (<what the floor is>) | ratio <x.xx>
        | goal <text> | met <yes/no>

(on one line), which are collected into the summary at the end. A script that is not there, fails, or prints no
GOAL line yet is listed as such; the other scripts still run. Modes:

* default: every script at the sizes its goals are set for, except the slow parts (an estimated 10-15 minutes on
  the 2-core reference machine when it is quiet): the trial benchmark imports 10,000 studies instead of 100,000,
  dask_bench runs each figure once, batch_bench leaves out NAACCR XML and the EOD 2025+ and recorded-stage runs;
* ``--quick``: every script's smoke run (``--quick`` where it has one; a minute or two);
* ``--full``: everything at full size (the 100,000-study trial import, NAACCR XML, finding rows with the review,
  PDF pages and memory; up to an hour).

``--only NAME,...`` runs the named scripts only (``stage_bench``, ``batch_bench`` ...). Exit status: 1 when a script
failed, else 0 (a goal not met is reported, not an error).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent

#: script -> arguments per mode (None: not run in that mode)
SCRIPTS: dict[str, dict[str, list[str] | None]] = {
    "stage_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "stage_instructions.py": {"quick": None, "default": [], "full": []},  # valgrind: about 3 minutes
    "startup_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "api_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "api_bench.py --pages": {
        "quick": ["--pages", "--quick"],
        "default": ["--pages", "--pdfs", "0"],
        "full": ["--pages"],
    },
    "prognosis_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "options_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "logging_bench.py": {"quick": ["--quick"], "default": [], "full": []},
    "batch_bench.py": {
        "quick": ["--quick", "--runs", "1"],
        "default": ["--only", "eod,findings"],
        "full": ["--with-review"],
    },
    "dask_bench.py": {"quick": ["--quick", "--runs", "1"], "default": ["--runs", "1"], "full": ["--s3"]},
    "questions_eval.py": {"quick": ["--case", "diaphragm-origin"], "default": [], "full": []},
    "questions_eval.py --timing": {"quick": ["--timing"], "default": ["--timing"], "full": ["--timing"]},
    "trials_bench.py": {
        "quick": ["--studies", "2000", "--repeat", "50"],
        "default": ["--studies", "10000"],
        "full": [],
    },
}

GOAL = re.compile(
    r"^GOAL (?P<name>.+?) \| value (?P<value>\S+) (?P<unit>.*?) \| floor (?P<floor>\S+) (?P<floor_unit>\S*) ?"
    r"\((?P<floor_what>.*)\) \| ratio (?P<ratio>\S+) \| goal (?P<goal>.+?) \| met (?P<met>yes|no)\s*$"
)


@dataclass
class Ran:
    script: str
    status: str  # "ok", "failed (exit N)", "not present", "skipped"
    goals: list[dict[str, str]]
    seconds: float = 0.0


def run(script: str, args: list[str]) -> Ran:
    path = HERE / script.split()[0]
    if not path.is_file():
        return Ran(script, "not present (on this branch)", [])
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    goals: list[dict[str, str]] = []
    with subprocess.Popen(
        [sys.executable, str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            match = GOAL.match(line.strip())
            if match:
                goals.append(match.groupdict())
            elif line.startswith("GOAL "):
                goals.append({"name": line.strip()[5:60], "met": "unreadable GOAL line"})
    seconds = time.perf_counter() - started
    status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    return Ran(script, status, goals, seconds)


def table(results: list[Ran]) -> str:
    header = ("goal", "value", "floor", "ratio", "target", "met", "script")
    rows: list[tuple[str, ...]] = []
    for r in results:
        for g in r.goals:
            if "value" not in g:
                rows.append((g["name"], "", "", "", "", g["met"], r.script))
                continue
            rows.append(
                (
                    g["name"],
                    f"{g['value']} {g['unit']}".strip(),
                    f"{g['floor']} {g['floor_unit']} ({g['floor_what']})".strip(),
                    g["ratio"],
                    g["goal"],
                    g["met"],
                    r.script,
                )
            )
        if not r.goals:
            rows.append(("(no GOAL lines)", "", "", "", "", "", f"{r.script}: {r.status}"))
        elif r.status != "ok":
            rows.append(("(script failed)", "", "", "", "", "", f"{r.script}: {r.status}"))
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [header, tuple("-" * w for w in widths), *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smoke runs of every script")
    mode.add_argument("--full", action="store_true", help="everything at full size (slow)")
    parser.add_argument("--only", help="comma-separated script names (stage_bench, batch_bench ...)")
    args = parser.parse_args()
    chosen = "quick" if args.quick else "full" if args.full else "default"
    wanted = {n.strip().removesuffix(".py") for n in args.only.split(",")} if args.only else None
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"run_all ({chosen}): load average {load}; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    started = time.perf_counter()
    results = []
    for script, modes in SCRIPTS.items():
        if wanted is not None and script.split()[0].removesuffix(".py") not in wanted:
            continue
        script_args = modes[chosen]
        if script_args is None:
            results.append(Ran(script, "skipped in this mode", []))
            continue
        results.append(run(script, script_args))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n=== Goals ({chosen} run, {time.perf_counter() - started:.0f} s; load average now {load})")
    print(table(results))
    return 1 if any(r.status.startswith("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
