"""Staging cost as instructions executed (valgrind's callgrind), a figure other processes on the machine do not move:
on a busy shared 2-core box wall and even CPU times of one cold ``stage()`` swing 2-5x between runs, the count of
instructions barely at all.

Each figure is the difference between two runs of the same child process under callgrind, one that only sets up
(imports, reads the cases, stages each once so the system files are loaded) and one that then makes ``N`` calls:
(instructions of the second - of the first) / N. Measured: ``parse_case`` of the contract example (the floor of the
stage goal), a cold ``mesostage.stage()`` of it (nothing remembered: ``stage_bench.py``'s "cold"), and cold
``stage()`` over the five examples and random valid cases in turn. Prints one GOAL line, the issue-17 ratio (<= 5x
``parse_case``) in instructions. Without valgrind it says so and prints no GOAL line.

Run: ``.venv/bin/python benchmarks/stage_instructions.py [--quick]`` (about 3 minutes: the interpreter under
callgrind runs some 50 times slower).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _child(what: str, n: int) -> None:
    sys.path.insert(0, str(REPO))
    from tests.factories import random_case

    import mesostage
    import mesostage.api
    import mesostage.staging

    examples = [json.loads(p.read_text()) for p in sorted((REPO / "src/mesostage/examples").glob("*.json"))]
    example = json.loads((REPO / "src/mesostage/examples/example-1.json").read_text())
    rng = random.Random(5)
    mix = examples + [random_case(rng, i) for i in range(300)]

    def cold(case: object) -> None:
        mesostage.api._MEMO.clear()
        mesostage.staging._MEMO.clear()
        mesostage.stage(case)  # type: ignore[arg-type]

    for case in mix:
        cold(case)
    for i in range(n):
        if what == "parse":
            mesostage.parse_case(example)
        elif what == "stage":
            cold(example)
        else:
            cold(mix[i % len(mix)])


def _instructions(what: str, n: int) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same hashes, so the same set orders and collisions each run
    done = subprocess.run([*cmd, "--child", what, str(n)], capture_output=True, text=True, check=True, env=env)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind gave no count: {done.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls (the count per call barely changes)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: no instruction counts (apt-get install valgrind)")
        return
    n = 50 if args.quick else 200
    base = _instructions("none", 0)
    per = {what: (_instructions(what, n) - base) / n for what in ("parse", "stage", "mix")}
    print(f"instructions per call (callgrind, {n} calls less the set-up alone):")
    print(f"  parse_case, contract example            {per['parse'] / 1e6:7.3f} M")
    print(f"  stage() cold, contract example          {per['stage'] / 1e6:7.3f} M")
    print(f"  stage() cold, 5 examples + 300 random   {per['mix'] / 1e6:7.3f} M")
    ratio = per["stage"] / per["parse"]
    print(
        f"GOAL stage one case cold, instructions | value {per['stage'] / 1e6:.3f} Minstr | floor "
        f"{per['parse'] / 1e6:.3f} Minstr (parse_case of the same case) | ratio {ratio:.2f} | goal <= 5x | "
        f"met {'yes' if ratio <= 5 else 'no'}"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
