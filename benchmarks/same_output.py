"""Is the public output of staging unchanged? Compares ``mesostage.stage()`` (six systems and the review),
``mesostage.staging.stage()`` (no review) and ``mesostage.review()`` on the five shipped examples and N random valid
cases with the output of another revision (default ``main``), as JSON text, case by case.

The other revision's ``src/`` is taken with ``git archive`` into a temporary directory and run in a child process
(its own ``mesostage``; the cases are made by this tree's ``tests/factories.random_case`` in both, with the same
seed), so neither tree is changed. Each case is staged twice in a row (the second answer comes from the engine's
memory) and once more with a random subset of systems. Prints the number of identical cases and the first
differences; the exit status is 1 if any case differs.

Run: ``.venv/bin/python benchmarks/same_output.py [--n 7000] [--seed 17] [--against main]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def cases(n: int, seed: int) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """The shipped examples, then ``n`` random valid cases (with a random subset of systems for each)."""
    from tests.factories import random_case

    from mesostage.case import NODE_FINDINGS, SYSTEM_IDS, TUMOR_FINDINGS
    from mesostage.staging.definitions import load_system

    rng = random.Random(seed)
    for path in sorted((REPO / "src" / "mesostage" / "examples").glob("*.json")):
        yield json.loads(path.read_text()), list(SYSTEM_IDS)
    for i in range(n):
        case = random_case(rng, i)
        # What random_case leaves out that the review reads: a reported stage in any system, talc pleurodesis,
        # many unknowns at once, the peridiaphragmatic node and the contiguity twins present or unknown.
        if rng.random() < 0.3:
            system = rng.choice(SYSTEM_IDS)
            case["reported_stage"] = {"system": system, "stage": rng.choice(load_system(system).stages)}
        if rng.random() < 0.2:
            case["patient"] = {"talc_pleurodesis": rng.random() < 0.5}
        if case["site"] == "pleura" and rng.random() < 0.25:
            for name, vocab in (("tumor", TUMOR_FINDINGS), ("nodes", NODE_FINDINGS)):
                block = case.get(name)
                if block is None or block.get("assessed", True) is False or block.get("no_evidence"):
                    continue
                names = rng.sample(vocab, rng.randint(0, len(vocab)))
                cut = rng.randint(0, len(names))
                block["findings"], block["unknown"] = names[cut:], names[:cut]
        yield case, rng.sample(list(SYSTEM_IDS), rng.randint(1, len(SYSTEM_IDS)))


def outputs(n: int, seed: int) -> Iterator[str]:
    """One line per case: every public answer for it, as JSON text."""
    import mesostage
    import mesostage.staging
    from mesostage.errors import CaseError

    for case, subset in cases(n, seed):
        parts: list[str] = []
        try:
            parts.append(mesostage.stage(case).model_dump_json())
            parts.append(mesostage.stage(case).model_dump_json())
            parts.append(mesostage.stage(case, systems=subset).model_dump_json())
            parts.append(mesostage.staging.stage(case).model_dump_json())
            parts.append(json.dumps([n.model_dump(mode="json") for n in mesostage.review(case)]))
        except CaseError as exc:
            parts.append(f"CaseError {exc}")
        yield json.dumps(case, sort_keys=True) + "\t" + "\t".join(parts)


def _emit(n: int, seed: int, out: Path) -> None:
    import mesostage

    with out.open("w", encoding="utf-8") as fh:
        fh.write(f"mesostage from {Path(mesostage.__file__).parent}\n")
        for line in outputs(n, seed):
            fh.write(line + "\n")


def _other(revision: str, n: int, seed: int, work: Path) -> list[str]:
    archive = work / "src.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(REPO), "archive", revision, "src"], check=True, stdout=fh)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "tree", filter="data")
    out = work / "other.txt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(work / "tree" / "src"), str(REPO)]))
    subprocess.run(
        [sys.executable, __file__, "--emit", str(out), "--n", str(n), "--seed", str(seed)], check=True, env=env
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    where = lines.pop(0)
    if str(work) not in where:
        raise SystemExit(f"the child did not run the other revision's code ({where})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=7000, help="random cases besides the examples")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--against", default="main", help="the revision to compare with")
    parser.add_argument("--emit", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit is not None:
        _emit(args.n, args.seed, args.emit)
        return
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        theirs = _other(args.against, args.n, args.seed, Path(tmp))
    ours = list(outputs(args.n, args.seed))
    differing = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    digest = hashlib.sha256("\n".join(ours).encode()).hexdigest()[:16]
    print(
        f"{len(ours) - len(differing)} of {len(ours)} cases identical to {args.against} "
        f"(5 examples + {args.n} random, seed {args.seed}; output digest {digest})"
    )
    for i in differing[:3]:
        a, b = ours[i].split("\t"), theirs[i].split("\t")
        print(f"case {i}: {a[0]}")
        for k, (x, y) in enumerate(zip(a[1:], b[1:], strict=False)):
            if x != y:
                print(f"  answer {k}:\n    ours:   {x[:2000]}\n    theirs: {y[:2000]}")
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()
