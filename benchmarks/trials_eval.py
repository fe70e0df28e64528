"""Evaluate trial matching on the evaluation set: 35 FICTIONAL trials x 8 patient profiles, judged before the
matcher was run (benchmarks/trials_eval/judgments.tsv; 2 eligible, 1 excluded, 0 not relevant).

The ranking scored is what a person sees: possible matches (recruiting, then not yet recruiting) followed by the
excluded trials. Prints per profile and overall: NDCG@10 (gains 2/1/0, as in TREC Clinical Trials), P@5 (share of
the first five that are judged eligible), excluded-trial recall (share of the judged-excluded trials that the
matcher put under "excluded") and whether every eligible trial is ranked above every excluded one.

Run: .venv/bin/python benchmarks/trials_eval.py [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
from pathlib import Path

import mesostage
from mesostage.trials import load_demo

HERE = Path(__file__).resolve().parent / "trials_eval"


def judgments() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with (HERE / "judgments.tsv").open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        next(rows)
        for profile, nct, rel in rows:
            out.setdefault(profile, {})[nct] = int(rel)
    return out


def ndcg(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** rel.get(n, 0) - 1) / math.log2(i + 2) for i, n in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list the misplaced trials of each profile")
    args = parser.parse_args()
    profiles = json.loads((HERE / "profiles.json").read_text(encoding="utf-8"))
    qrels = judgments()
    totals = {"ndcg": 0.0, "p5": 0.0, "ex_found": 0, "ex_total": 0, "ordered": 0}
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "eval.sqlite"
        load_demo(index)
        print(f"{'profile':<8} {'NDCG@10':>8} {'P@5':>6} {'excl. recall':>13} {'eligible above excluded':>24}")
        for profile in profiles:
            pid = profile["id"]
            rel = qrels[pid]
            result = mesostage.match_trials(profile["case"], index=index)
            ranked = [m.nct_id for m in result.matches] + [m.nct_id for m in result.excluded]
            n = ndcg(ranked, rel)
            p5 = sum(1 for x in ranked[:5] if rel.get(x) == 2) / 5
            judged_excluded = {x for x, r in rel.items() if r == 1}
            found = judged_excluded & {m.nct_id for m in result.excluded}
            pos = {x: i for i, x in enumerate(ranked)}
            eligible = [x for x, r in rel.items() if r == 2]
            worst_eligible = max((pos.get(x, 10**6) for x in eligible), default=-1)
            best_excluded = min((pos[x] for x in judged_excluded if x in pos), default=10**6)
            ordered = worst_eligible < best_excluded
            recall = f"{len(found)}/{len(judged_excluded)}"
            print(f"{pid:<8} {n:>8.3f} {p5:>6.2f} {recall:>13} {'yes' if ordered else 'NO':>24}")
            if args.verbose:
                for x in eligible:
                    if x not in {m.nct_id for m in result.matches}:
                        m = next((m for m in result.excluded if m.nct_id == x), None)
                        print(f"    eligible but not a possible match: {x} {m.why_not if m else '(not listed)'}")
                for x in judged_excluded - found:
                    print(f"    excluded but listed as possible match: {x}")
            totals["ndcg"] += n
            totals["p5"] += p5
            totals["ex_found"] += len(found)
            totals["ex_total"] += len(judged_excluded)
            totals["ordered"] += ordered
    k = len(profiles)
    print(
        f"{'mean':<8} {totals['ndcg'] / k:>8.3f} {totals['p5'] / k:>6.2f} "
        f"{str(totals['ex_found']) + '/' + str(totals['ex_total']):>13} {str(totals['ordered']) + '/' + str(k):>24}"
    )
    print(
        f"excluded-trial recall {totals['ex_found'] / totals['ex_total']:.3f}; "
        f"every eligible trial above every excluded one for {totals['ordered']} of {k} profiles"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
