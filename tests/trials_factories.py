"""Helpers for the trial tests: API v2 study objects built field by field, and paths to the shared real records."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import SHARED

CTGOV_EXAMPLES = SHARED / "reference" / "data" / "trials" / "ctgov_examples"
TREC = SHARED / "reference" / "data" / "trials" / "trec_ct_2022"
REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "src" / "mesostage" / "trials" / "data" / "demo_trials.json"
EVAL = REPO / "benchmarks" / "trials_eval"

CRITERIA = """Inclusion Criteria:

* Histologically confirmed malignant pleural mesothelioma
* ECOG performance status 0-1

Exclusion Criteria:

* Prior immunotherapy
"""


def study(
    nct: str = "NCT00000001",
    *,
    status: str = "RECRUITING",
    conditions: tuple[str, ...] = ("Pleural Mesothelioma",),
    criteria: str = CRITERIA,
    min_age: str | None = "18 Years",
    max_age: str | None = None,
    sex: str = "ALL",
    locations: list[dict[str, Any]] | None = None,
    phases: list[str] | None = None,
    title: str | None = None,
    **status_extra: Any,
) -> dict[str, Any]:
    """A study object in the API v2 layout; fields left as None are omitted, as the registry omits them."""
    eligibility: dict[str, Any] = {"eligibilityCriteria": criteria, "healthyVolunteers": False, "sex": sex}
    if min_age is not None:
        eligibility["minimumAge"] = min_age
    if max_age is not None:
        eligibility["maximumAge"] = max_age
    design: dict[str, Any] = {"studyType": "INTERVENTIONAL"}
    if phases is not None:
        design["phases"] = phases
    if locations is None:
        locations = [
            {
                "facility": "Test Hospital",
                "status": "RECRUITING",
                "city": "Boston",
                "state": "Massachusetts",
                "zip": "02115",
                "country": "United States",
                "contacts": [{"name": "Site Nurse", "role": "CONTACT", "phone": "555-0100"}],
                "geoPoint": {"lat": 42.337, "lon": -71.106},
            }
        ]
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": title or f"Study {nct}"},
            "statusModule": {"overallStatus": status, **status_extra},
            "conditionsModule": {"conditions": list(conditions)},
            "designModule": design,
            "eligibilityModule": eligibility,
            "contactsLocationsModule": {
                "centralContacts": [{"name": "Central Desk", "role": "CONTACT", "email": "desk@example.org"}],
                "locations": locations,
            },
        },
        "hasResults": False,
    }


def real_record(name: str) -> dict[str, Any]:
    """A real API v2 record from ``../shared``; skips the test where it is absent."""
    path = CTGOV_EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"reference data not present: {path}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
