"""Shared test helpers: named case factories and the path to the team's reference data (``../shared``)."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path
from typing import Any

import pytest

from mesostage.case import HISTOLOGIES, METASTASIS_FINDINGS, NODE_FINDINGS, SITES, TUMOR_FINDINGS, TUMOR_TYPES

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


_VOCAB = {"tumor": TUMOR_FINDINGS, "nodes": NODE_FINDINGS, "metastases": METASTASIS_FINDINGS}


def random_case(rng: random.Random, i: int = 0) -> dict[str, Any]:
    """A random valid case in the contract format touching every input the staging reads: each site, basis and
    tumour type, sections missing, not assessed or with findings and unknowns, no evidence of tumour, Psum and Fmax,
    resection flags, PCI totals and region scores, diagnosis dates across the three TNM editions, a reported stage."""
    site = rng.choice(["pleura"] * 6 + ["peritoneum"] * 2 + [s for s in SITES if s not in ("pleura", "peritoneum")])
    case: dict[str, Any] = {
        "id": f"case-{i}",
        "site": site,
        "basis": rng.choice(["clinical", "pathological", "post_therapy"]),
    }
    if rng.random() < 0.9:
        case["diagnosis_date"] = f"{rng.randint(2012, 2027)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.1:
        case["tumor_type"] = rng.choice(TUMOR_TYPES)
    if rng.random() < 0.5:
        case["histology"] = rng.choice(HISTOLOGIES)
    if site == "pleura":
        for name, vocab in _VOCAB.items():
            kind = rng.choice(["given"] * 6 + ["missing", "not_assessed"])
            if kind == "missing":
                continue
            if kind == "not_assessed":
                case[name] = {"assessed": False}
                continue
            names = rng.sample(vocab, rng.randint(0, min(5, len(vocab))))
            cut = rng.randint(0, min(2, len(names)))
            case[name] = {"findings": names[cut:], "unknown": names[:cut]}
        tumor = case.get("tumor")
        if tumor is not None and tumor.get("assessed", True):
            if not tumor["findings"] and not tumor["unknown"] and rng.random() < 0.3:
                tumor["no_evidence"] = True
            if rng.random() < 0.5:
                tumor["psum_mm"] = rng.choice([3.0, 12.0, 12.5, 25.0, 30.0, 31.0, 60.0])
            if rng.random() < 0.3:
                tumor["fmax_mm"] = rng.choice([0.0, 5.0, 5.5, 9.0])
        if rng.random() < 0.3:
            case["pleural_effusion_malignant"] = rng.random() < 0.5
        if rng.random() < 0.4:
            case["resection"] = {"performed": rng.random() < 0.6}
            if case["resection"]["performed"] and rng.random() < 0.5:
                case["resection"]["margins_positive"] = rng.random() < 0.5
        if rng.random() < 0.2:
            case["reported_stage"] = {"system": "tnm8", "stage": rng.choice(["IA", "IB", "II", "IIIA", "IV"])}
    elif site == "peritoneum":
        block: dict[str, Any] = {}
        if rng.random() < 0.3:
            block["pci_regions"] = [rng.randint(0, 3) for _ in range(13)]
        elif rng.random() < 0.7:
            block["pci"] = rng.randint(0, 39)
        for flag in ("nodes_positive", "extra_abdominal_metastases"):
            if rng.random() < 0.7:
                block[flag] = rng.random() < 0.4
        case["peritoneal"] = block
    elif rng.random() < 0.5:
        case["metastases"] = {"findings": rng.sample(METASTASIS_FINDINGS, rng.randint(0, 1))}
    return case
