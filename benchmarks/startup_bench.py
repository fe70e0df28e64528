"""Start-up of a new process: ``mesostage stage FILE`` cold, and the first city lookup (``trials match --location``).

Goals (issue 17, issue 15): ``mesostage stage FILE`` cold start <= 150 ms and <= 10x ``python -c pass``; the first
city lookup in a new process (``locate("Turin, Italy")`` and its other name ``"Torino, Italy"``, which read the
place tables) at most doubles the process that only imports the module (<= 2x).

Each goal is measured interleaved with its floor (floor, subject, floor, ...) in the same run: best and median of
N runs of each, wall time and the CPU time of the child (user + system), and the load average at the time. A second
GOAL line gives the floor the command line cannot go below while it uses typer and pydantic: ``import typer.main``,
``from pydantic import BaseModel`` and one model of one field built, against ``python -c pass`` in the same run.
``mesostage --help`` is timed too (for comparison). With ``--importtime`` it also prints where the import time of
``mesostage stage`` goes (self time summed by group: typer, pydantic, mesostage, the standard library) and the 15
slowest imports (``python -X importtime``).

The start-up runs use a temporary data and cache folder (``MESOSTAGE_DATA_DIR``, ``MESOSTAGE_CACHE_DIR``); the
warm-up run writes the parsed data files there (``mesostage.datafiles``), as the first run on a machine does. The
city lookups use the user cache folder, where the place index is written once per machine.

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


def _interleaved(commands: dict[str, Sequence[str]], n: int, env: dict[str, str]) -> dict[str, list[float]]:
    """``n`` runs of each command, in turn (a, b, c, a, b, c, ...): wall times under each key, CPU under key_cpu."""
    for cmd in commands.values():
        _run(cmd, env)  # warm the file cache (and the data-file cache) for each
    out: dict[str, list[float]] = {k: [] for key in commands for k in (key, f"{key}_cpu")}
    for _ in range(n):
        for key, cmd in commands.items():
            wall, cpu = _run(cmd, env)
            out[key].append(wall)
            out[f"{key}_cpu"].append(cpu)
    return out


def _pick(runs: dict[str, list[float]], subject: str, floor: str) -> dict[str, list[float]]:
    """The runs of one subject and its floor, under the keys ``_goal`` reads."""
    return {
        "subject": runs[subject],
        "subject_cpu": runs[f"{subject}_cpu"],
        "floor": runs[floor],
        "floor_cpu": runs[f"{floor}_cpu"],
    }


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


_GROUPS = {
    "typer": "typer, its vendored click, rich",
    "click": "typer, its vendored click, rich",
    "rich": "typer, its vendored click, rich",
    "annotated_doc": "typer, its vendored click, rich",
    "pydantic": "pydantic, pydantic_core, typing_extensions, annotated_types, typing_inspection",
    "pydantic_core": "pydantic, pydantic_core, typing_extensions, annotated_types, typing_inspection",
    "typing_extensions": "pydantic, pydantic_core, typing_extensions, annotated_types, typing_inspection",
    "annotated_types": "pydantic, pydantic_core, typing_extensions, annotated_types, typing_inspection",
    "typing_inspection": "pydantic, pydantic_core, typing_extensions, annotated_types, typing_inspection",
    "mesostage": "mesostage (its modules, with the pydantic models they build at import)",
    "platformdirs": "platformdirs (the cache folder)",
}


def _importtime(case: Path, env: dict[str, str], runs: int = 5) -> None:
    """The self time of each module (the least of ``runs`` runs), summed by group, and the slowest imports."""
    code = f"import sys; sys.argv = ['mesostage', 'stage', {str(case)!r}]; from mesostage.cli import main; main()"
    self_us: dict[str, int] = {}
    cumulative_us: dict[str, tuple[int, str]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True
        )
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                own, cumulative, name = line.split("|")
                if not cumulative.strip().isdigit():
                    continue
                module = name.strip()
                us = int(own.split(":")[1])
                self_us[module] = min(us, self_us.get(module, us))
                best = cumulative_us.get(module, (int(cumulative), name.rstrip()))
                cumulative_us[module] = min(best, (int(cumulative), name.rstrip()))
    groups: dict[str, int] = {}
    for module, us in self_us.items():
        group = _GROUPS.get(module.split(".")[0], "the standard library and the rest")
        groups[group] = groups.get(group, 0) + us
    print(f"imports of `mesostage stage FILE` by group (self time, least of {runs} runs; -X importtime adds to it):")
    for group, us in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {us / 1000:7.1f} ms  {group}")
    print(f"  {sum(groups.values()) / 1000:7.1f} ms  in all, {len(self_us)} modules")
    print("slowest imports of `mesostage stage FILE` (cumulative, microseconds):")
    for cumulative, name in sorted(cumulative_us.values(), reverse=True)[:15]:
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
        env = {
            **os.environ,
            "MESOSTAGE_DATA_DIR": str(Path(tmp) / "data"),
            "MESOSTAGE_CACHE_DIR": str(Path(tmp) / "cache"),
        }
        print("mesostage stage FILE, cold (interleaved with python -c pass, typer + one pydantic model, --help):")
        runs = _interleaved(
            {
                "pass": [sys.executable, "-c", "pass"],
                "stage": [*_script(), "stage", str(case)],
                "libraries": [sys.executable, "-c", _LIBRARIES],
                "help": [*_script(), "--help"],
            },
            n,
            env,
        )
        _goal("cli stage cold start", _pick(runs, "stage", "pass"), "python -c pass", 10.0, 150.0)
        print("the floor of the command line while it uses typer and pydantic (import typer.main, one model built):")
        _goal("cli unavoidable-import floor", _pick(runs, "libraries", "pass"), "python -c pass", 10.0, 150.0)
        stage_ms, libs_ms = statistics.median(runs["stage"]), statistics.median(runs["libraries"])
        print(
            f"  mesostage stage above that floor: {stage_ms - libs_ms:.1f} ms wall, "
            f"{statistics.median(runs['stage_cpu']) - statistics.median(runs['libraries_cpu']):.1f} ms CPU "
            f"({stage_ms / libs_ms:.2f}x the floor)"
        )
        print(
            f"  for comparison, mesostage --help: median {statistics.median(runs['help']):.1f} ms wall, "
            f"{statistics.median(runs['help_cpu']):.1f} ms CPU"
        )
        print("first city lookup in a new process:")
        # The place index lives in the user cache folder (written once per machine, about 4 s), as before.
        city_env = {k: v for k, v in env.items() if k != "MESOSTAGE_CACHE_DIR"}
        city = _interleaved(
            {"floor": [sys.executable, "-c", _NO_CITY], "subject": [sys.executable, "-c", _CITY]}, n_city, city_env
        )
        _goal("first city lookup", city, "the same process without the lookup", 2.0, None)
        if args.importtime:
            _importtime(case, env)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
