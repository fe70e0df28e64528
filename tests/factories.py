"""Shared test helpers: named case factories and the path to the team's reference data (``../shared``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MESOSTAGE_SHARED", REPO.parent / "shared"))
ORACLE = SHARED / "reference" / "data" / "oracle"

ALL_SURFACES = ["parietal_pleura", "visceral_pleura", "mediastinal_pleura", "diaphragmatic_pleura"]


def oracle_rows(name: str) -> list[dict[str, str]]:
    """Rows of a SEER oracle CSV in ``../shared``; the test is skipped where ``../shared`` is absent."""
    path = ORACLE / name
    if not path.is_file():
        pytest.skip(f"reference data not present: {path}")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def pleural_case(
    tumor: list[str] | None = None,
    nodes: list[str] | None = None,
    metastases: list[str] | None = None,
    *,
    tumor_unknown: list[str] | None = None,
    nodes_unknown: list[str] | None = None,
    metastases_unknown: list[str] | None = None,
    basis: str = "pathological",
    **extra: Any,
) -> dict[str, Any]:
    """A pleural case with every section assessed; ``None`` lists mean "none present"."""
    case: dict[str, Any] = {
        "site": "pleura",
        "basis": basis,
        "tumor": {"findings": list(tumor or []), "unknown": list(tumor_unknown or [])},
        "nodes": {"findings": list(nodes or []), "unknown": list(nodes_unknown or [])},
        "metastases": {"findings": list(metastases or []), "unknown": list(metastases_unknown or [])},
    }
    case.update(extra)
    return case


def peritoneal_case(**peritoneal: Any) -> dict[str, Any]:
    return {"site": "peritoneum", "peritoneal": peritoneal}
