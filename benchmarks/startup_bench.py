"""Start-up of a new process: ``mesostage stage FILE`` cold, and the first city lookup (``trials match --location``).

Goals (issue 17, issue 15): ``mesostage stage FILE`` cold start <= 150 ms and <= 10x ``python -c pass``; the first
city lookup in a new process (``locate("Turin, Italy")`` and its other name ``"Torino, Italy"``, which read the
place tables) at most doubles the process that only imports the module (<= 2x).

Each goal is measured interleaved with its floor (floor, subject, floor, ...) in the same run: best and median of
N runs of each, wall time and the CPU time of the child (user + system), and the load average at the time. With
``--importtime`` it also prints the 15 slowest imports of ``mesostage stage`` (``python -X importtime``).

Run: ``.venv/bin/python benchmarks/startup_bench.py [--quick] [--importtime]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import mesostage

EXAMPLE = (Path(mesostage.__file__).parent / "examples" / "example-1.json").read_text(encoding="utf-8")
_CITY = "import mesostage.trials.geo as g; g.locate('Turin, Italy'); g.locate('Torino, Italy')"
_NO_CITY = "import mesostage.trials.geo as g"
# What the command line cannot start below while it uses these libraries: typer and one pydantic model.
_LIBRARIES = "import typer.main\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int"


def _script() -> list[str]:
    """The installed console script (what a user runs), else ``python -m mesostage``."""
    script = Path(sys.executable).with_name("mesostage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mesostage"]


def _run(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and child CPU time (user + system) of one run, in milliseconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def _interleaved(floor: Sequence[str], subject: Sequence[str], n: int, env: dict[str, str]) -> dict[str, list[float]]:
    _run(floor, env), _run(subject, env)  # warm the file cache for both
    out: dict[str, list[float]] = {"floor": [], "floor_cpu": [], "subject": [], "subject_cpu": []}
    for _ in range(n):
        for key, cmd in (("floor", floor), ("subject", subject)):
            wall, cpu = _run(cmd, env)
            out[key].append(wall)
            out[f"{key}_cpu"].append(cpu)
    return out


def _goal(name: str, runs: dict[str, list[float]], floor_what: str, max_ratio: float, max_ms: float | None) -> None:
    value, floor = statistics.median(runs["subject"]), statistics.median(runs["floor"])
    ratio = value / floor
    met = ratio <= max_ratio and (max_ms is None or value <= max_ms)
    goal = f"<= {max_ratio:g}x the floor" + (f" and <= {max_ms:g} ms" if max_ms is not None else "")
    print(
        f"  wall best {min(runs['subject']):.1f} ms, median {value:.1f} ms; floor best {min(runs['floor']):.1f} ms, "
        f"median {floor:.1f} ms; CPU median {statistics.median(runs['subject_cpu']):.1f} ms against "
        f"{statistics.median(runs['floor_cpu']):.1f} ms"
    )
    print(
        f"GOAL {name} | value {value:.1f} ms | floor {floor:.1f} ms ({floor_what}) | ratio {ratio:.2f} | goal {goal} "
        f"| met {'yes' if met else 'no'}"
    )


def _importtime(case: Path, env: dict[str, str]) -> None:
    code = f"import sys; sys.argv = ['mesostage', 'stage', {str(case)!r}]; from mesostage.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    print("slowest imports of `mesostage stage FILE` (cumulative, microseconds):")
    for cumulative, name in sorted(rows, reverse=True)[:15]:
        print(f"  {cumulative:>8} {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    parser.add_argument("--importtime", action="store_true", help="also print the slowest imports")
    args = parser.parse_args()
    n, n_city = (5, 3) if args.quick else (21, 7)
    # An installed wheel carries compiled bytecode (pip compiles at install); an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 (set on this machine) would compile mesostage's modules again in every process.
    compileall.compile_dir(Path(mesostage.__file__).parent, quiet=1)
    machine = f"{platform.machine()} {os.cpu_count()} cores | Python {platform.python_version()}"
    print(f"machine: {machine} | runs: {n} (city lookup: {n_city})")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.json"
        case.write_text(EXAMPLE, encoding="utf-8")
        env = {**os.environ, "MESOSTAGE_DATA_DIR": str(Path(tmp) / "data")}
        floor = [sys.executable, "-c", "pass"]
        print("mesostage stage FILE, cold:")
        runs = _interleaved(floor, [*_script(), "stage", str(case)], n, env)
        _goal("cli stage cold start", runs, "python -c pass", 10.0, 150.0)
        libs = _interleaved(floor, [sys.executable, "-c", _LIBRARIES], n, env)
        print(
            f"  for comparison, typer and one pydantic model alone: median {statistics.median(libs['subject']):.1f} ms "
            f"wall, {statistics.median(libs['subject_cpu']):.1f} ms CPU "
            f"({statistics.median(libs['subject']) / statistics.median(libs['floor']):.2f}x python -c pass)"
        )
        print("first city lookup in a new process:")
        runs = _interleaved([sys.executable, "-c", _NO_CITY], [sys.executable, "-c", _CITY], n_city, env)
        _goal("first city lookup", runs, "the same process without the lookup", 2.0, None)
        if args.importtime:
            _importtime(case, env)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
