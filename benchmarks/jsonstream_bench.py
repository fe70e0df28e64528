"""Streaming JSON reader benchmark (issue 15): one very large study, and a search page of ordinary ones.

The reader (``mesostage.trials.jsonstream``) decodes a value again from its start after each read while the value
does not fit in its buffer; with a fixed read size one large value cost O(n^2). Prints the time to read a single
study of about 16.6 MB (a long site list with contacts, the way the largest registry records grow) and a page of
200 ordinary studies, each beside ``json.loads`` of the same bytes (the floor: the whole text in memory at once) and
beside ``ijson`` when it is installed (it is not a dependency; ``pip install ijson`` to compare).

Run: .venv/bin/python benchmarks/jsonstream_bench.py [--megabytes 16.6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from mesostage.trials.jsonstream import iter_json_studies


def big_study(megabytes: float) -> bytes:
    """One API v2 study whose site list makes it about ``megabytes`` MB."""
    site = {
        "facility": "Synthetic Cancer Centre, Department of Thoracic Oncology",
        "status": "RECRUITING",
        "city": "Boston",
        "state": "Massachusetts",
        "zip": "02115",
        "country": "United States",
        "contacts": [{"name": "Site Coordinator", "role": "CONTACT", "phone": "555-0100", "email": "c@example.org"}],
        "geoPoint": {"lat": 42.337, "lon": -71.106},
    }
    one = len(json.dumps(site)) + 8  # with the separator and the number added to the facility
    n = int(megabytes * 1_000_000 / one)
    study: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A synthetic study with many sites"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "conditionsModule": {"conditions": ["Pleural Mesothelioma"]},
            "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Age >= 18 years"},
            "contactsLocationsModule": {
                "locations": [{**site, "facility": f"{site['facility']} {i}"} for i in range(n)]
            },
        },
        "hasResults": False,
    }
    return json.dumps(study).encode()


def page(studies: int) -> bytes:
    one = json.loads(big_study(0.01))
    return json.dumps({"totalCount": studies, "studies": [one] * studies, "nextPageToken": "x"}).encode()


def seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=16.6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import ijson  # type: ignore[import-not-found]
    except ImportError:
        ijson = None
    inputs = {f"one study of {args.megabytes:g} MB": big_study(args.megabytes), "a page of 200 studies": page(200)}
    for name, data in inputs.items():
        ours = seconds(lambda d=data: list(iter_json_studies(io.BytesIO(d))), args.repeat)  # type: ignore[misc]
        floor = seconds(lambda d=data: json.loads(d), args.repeat)  # type: ignore[misc]
        line = f"{name} ({len(data) / 1e6:.1f} MB): jsonstream {ours:.3f} s, json.loads {floor:.3f} s"
        if ijson is not None:
            prefix = "item" if data.startswith(b"[") else ("studies.item" if b'"studies"' in data[:40] else "")
            fast = seconds(
                lambda d=data, p=prefix: list(ijson.items(io.BytesIO(d), p)),  # type: ignore[misc]
                args.repeat,
            )
            line += f", ijson {fast:.3f} s ({ijson.backend})"
        print(line)
    print(f"median of {args.repeat} runs; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
