"""Match latency over the REAL records of tests/data/trials_real/ (every record imported as recruiting): a small,
quick check of what the criteria reader costs at match time, next to trials_bench.py's synthetic 100,000 studies.

Prints p50 and p95 of one pleural patient (one prior line, New York ZIP) over N matches after a first call.
Run: .venv/bin/python benchmarks/trials_real_bench.py [--repeat 200]
To compare with another checkout's code, run it with PYTHONPATH=<that checkout>/src.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import mesostage
from mesostage.trials import import_records

REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "trials_real" / "studies.json"
CASE = {
    "site": "pleura",
    "histology": "epithelioid",
    "diagnosis_date": "2023-01-01",
    "tumor": {"findings": ["parietal_pleura"]},
    "nodes": {"findings": []},
    "metastases": {"findings": []},
    "patient": {
        "age_years": 66,
        "ecog": 1,
        "prior_systemic_lines": 1,
        "prior_agents": ["cisplatin", "pemetrexed"],
        "location": "10021",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    studies = json.loads(REAL.read_text(encoding="utf-8"))["studies"]
    for s in studies:
        s["protocolSection"].setdefault("statusModule", {})["overallStatus"] = "RECRUITING"
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "real.sqlite"
        import_records(((str(i), s) for i, s in enumerate(studies)), index, source="real corpus")
        first = mesostage.match_trials(CASE, index=index)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            mesostage.match_trials(CASE, index=index)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    listed = len(first.matches) + len(first.excluded)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"real records: {len(studies)} imported, {listed} listed; match p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
