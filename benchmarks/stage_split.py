"""Where the time of one cold ``mesostage.stage()`` goes: CPU time per part, on the contract example and on a
realistic mix (the five shipped examples and random valid cases as the property tests make them, each staged
cold: nothing remembered from a case before).

Parts: validating the case (``parse_case``, the floor of the stage goal); each system's ``stage_in_system``, split
into evaluating the components for the stage alone (``engine.stage_of``) and the rest of building its result
(determinants with their reasons, range, unknowns that matter, sources, notes, the result object); putting the
six results together (``staging.staged`` minus the systems); the review (``review.reviewed``, its what-if
stagings included) and each of its checks; the input warnings (``check_case``); and what is left of ``stage()``
(the memo keys and the copies handed out). Each part is timed alone over the same cases, so the parts add up to
about the whole, not exactly. Prints a table; no GOAL line (stage_bench.py has the goals).

Run: ``.venv/bin/python benchmarks/stage_split.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.factories import random_case  # noqa: E402

import mesostage  # noqa: E402
import mesostage.api  # noqa: E402
import mesostage.staging  # noqa: E402
from mesostage.case import SYSTEM_IDS, Case, parse_case  # noqa: E402
from mesostage.checks import check_case  # noqa: E402
from mesostage.staging import load_system, staged  # noqa: E402
from mesostage.staging.engine import case_sections, stage_in_system, stage_of  # noqa: E402
from mesostage.staging.memo import staging_key  # noqa: E402

REVIEW = sys.modules["mesostage.review"]


def _forget() -> None:
    mesostage.api._MEMO.clear()
    mesostage.staging._MEMO.clear()


def cpu_us(fn: Callable[[Any], object], items: Sequence[Any], rounds: int) -> float:
    """CPU time per item (us) of ``fn`` over ``items``: the lowest of ``rounds`` passes (the least disturbed)."""
    for item in items[:20]:
        fn(item)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, (time.process_time() - start) / len(items) * 1e6)
    return best


def split(name: str, raw: list[dict[str, Any]], rounds: int) -> None:
    cases = [parse_case(c) for c in raw]
    fulls = {id(c): staged(c, SYSTEM_IDS, None, copies=False) for c in cases}
    print(f"\n{name}: {len(raw)} case(s), CPU us per case (lowest of {rounds} passes)")
    rows: list[tuple[str, float]] = []

    def row(label: str, fn: Callable[[Any], object], items: Sequence[Any]) -> float:
        value = cpu_us(fn, items, rounds)
        rows.append((label, value))
        print(f"  {label:<58} {value:8.1f}")
        return value

    total = row("stage() cold, whole (the case given as a mapping)", lambda c: (_forget(), mesostage.stage(c)), raw)
    parse = row("  validating the case (parse_case: the floor)", parse_case, raw)
    systems = 0.0
    for system_id in SYSTEM_IDS:
        system = load_system(system_id)
        whole = row(
            f"  {system_id}: stage_in_system",
            lambda c, s=system: stage_in_system(s, c, sections=case_sections(c)),
            cases,
        )
        row(f"    {system_id}: components and stage only (stage_of)", lambda c, s=system: _stage_of(s, c), cases)
        systems += whole
    assembled = row("  six systems put together (staging.staged, cold)", lambda c: (_forget(), _staged(c)), cases)
    print(f"    of which outside the systems: {assembled - systems:8.1f}")
    review = row("  review (reviewed, what-if stagings included)", lambda c: REVIEW.reviewed(c, fulls[id(c)]), cases)
    for check in (REVIEW._reported, REVIEW._contiguity, REVIEW._peridiaphragmatic, REVIEW._unknowns):
        row(f"    {check.__name__}", lambda c, f=check: list(f(c, fulls[id(c)])), cases)
    row("    _pathology", lambda c: list(REVIEW._pathology(c, fulls[id(c)], [])), cases)
    warnings = row("  input warnings (check_case)", check_case, cases)
    keys = row("  memo keys (staging_key, review_inputs)", lambda c: (staging_key(c), REVIEW.review_inputs(c)), cases)
    rest = total - parse - assembled - review - warnings - keys
    print(f"  {'left: copies handed out, the answer object, calls':<58} {rest:8.1f}")


def _stage_of(system: Any, case: Case) -> object:
    return stage_of(system, case, case_sections(case))


def _staged(case: Case) -> object:
    return staged(case, SYSTEM_IDS, staging_key(case), copies=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer cases and passes (a smoke run)")
    args = parser.parse_args()
    n, rounds = (100, 2) if args.quick else (1500, 5)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    examples = [json.loads(p.read_text()) for p in sorted((REPO / "src/mesostage/examples").glob("*.json"))]
    example = json.loads((REPO / "src/mesostage/examples/example-1.json").read_text())
    rng = random.Random(5)
    mix = examples + [random_case(rng, i) for i in range(n)]
    split("contract example (example-1)", [example] * max(100, n // 5), rounds)
    split("mix: 5 examples + random valid cases", mix, rounds)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
