"""Match latency over the REAL records of tests/data/trials_real/ (every record imported as recruiting): a small,
quick check of what the criteria reader costs at match time, next to trials_bench.py's synthetic 100,000 studies.

Prints p50 and p95 (wall and CPU) of one pleural patient (one prior line, New York ZIP) over N matches after a
first call, interleaved with the floor of issue 17 (the FTS5 query for "mesothelioma" plus decoding the open
candidate rows it returns, as in trials_bench.py), and GOAL lines: p95 <= 20 ms (issue 11's figure, here on real
text) and p95 within 5x of the floor (issue 17).
Run: .venv/bin/python benchmarks/trials_real_bench.py [--repeat 200]
To compare with another checkout's code, run it with PYTHONPATH=<that checkout>/src.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from mesostage.trials import import_records
from trials_bench import load, time_matches

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
        t = time_matches(index, args.repeat, CASE)
    print(
        f"real records: {len(studies)} imported, {t.listed} listed; match {t.line('match')} over {args.repeat} "
        f"runs; {load()}"
    )
    print("\n".join(t.goals(f"{len(studies)} real records", 20, against_floor=True)))


if __name__ == "__main__":
    main()
