"""Several reports about one person (CT + PET + pathology): one draft case, with every disagreement shown.

Nothing is resolved silently: where two reports say different things about a finding (present in one, absent or
not known in another), the draft leaves it *not known* and lists the conflict with both reports' evidence.
A section one report does not address takes the other reports' answers.
"""

from __future__ import annotations

from typing import Any

from mesostage.case import parse_case
from mesostage.extraction.model import Conflict, Evidence, Extraction

__all__ = ["combine"]

_SECTIONS = ("tumor", "nodes", "metastases")
_SCALARS = ("site", "laterality", "histology", "pleural_effusion_malignant")
_BASIS_ORDER = ("post_therapy", "pathological", "clinical")


def _status(block: dict[str, Any] | None, name: str) -> str | None:
    if block is None:
        return None
    if name in block.get("findings", ()):
        return "present"
    if name in block.get("unknown", ()):
        return "unknown"
    return "absent"


def _evidence_for(ex: Extraction, fld: str) -> list[Evidence]:
    return [e for e in ex.evidence if e.field == fld][:1]


def combine(extractions: list[Extraction]) -> Extraction:
    """Combine the extractions of several reports (in the order given) into one."""
    if len(extractions) == 1:
        return extractions[0]
    evidence = [e for ex in extractions for e in ex.evidence]
    notes = [n for ex in extractions for n in ex.notes]
    kinds = [k for ex in extractions for k in ex.kinds]
    not_meso = [i for i, ex in enumerate(extractions) if ex.is_mesothelioma is False]
    if not_meso:
        message = " ".join(f"Report {i + 1}: {extractions[i].message}" for i in not_meso)
        return Extraction(
            is_mesothelioma=False, message=message, kinds=kinds, case=None, evidence=evidence, notes=notes
        )
    cases = [(i, ex.case) for i, ex in enumerate(extractions) if ex.case is not None]
    conflicts: list[Conflict] = []
    case: dict[str, Any] = {}

    def conflict(fld: str, values: list[tuple[int, str]], message: str) -> None:
        ev = [e for i, _ in values for e in _evidence_for(extractions[i], fld)]
        conflicts.append(
            Conflict(
                field=fld, values=[v for _, v in values], reports=[i for i, _ in values], evidence=ev, message=message
            )
        )

    for key in _SCALARS:
        values = [(i, c[key]) for i, c in cases if c.get(key) is not None]
        distinct = {v for _, v in values}
        if len(distinct) == 1:
            case[key] = values[0][1]
        elif len(distinct) > 1:
            conflict(key, [(i, str(v)) for i, v in values], f"The reports disagree on {key}: left for you to choose.")
            if key == "site":
                case["site"] = values[0][1]
                notes.append("The reports disagree on where the mesothelioma started; the first report's site is used.")
    case.setdefault("site", "pleura")
    bases = [str(c["basis"]) for _, c in cases if c.get("basis")]
    for b in _BASIS_ORDER:
        if b in bases:
            case["basis"] = b
            if len(set(bases)) > 1:
                notes.append(f"Basis taken as {b} from the reports' {', '.join(sorted(set(bases)))}.")
            break
    for section in _SECTIONS:
        blocks: list[tuple[int, dict[str, Any]]] = [(i, c[section]) for i, c in cases if c.get(section) is not None]
        if not blocks:
            continue
        names = sorted({n for _, b in blocks for n in (*b.get("findings", ()), *b.get("unknown", ()))})
        findings, unknown = [], []
        for name in names:
            said = [(i, _status(b, name) or "absent") for i, b in blocks]
            distinct = {v for _, v in said}
            if len(distinct) > 1:
                conflict(
                    f"{section}.{name}",
                    said,
                    f"The reports disagree on {section}.{name} ({', '.join(f'report {i + 1}: {v}' for i, v in said)}): "
                    "left as not known for you to decide.",
                )
                unknown.append(name)
            elif distinct == {"present"}:
                findings.append(name)
            elif distinct == {"unknown"}:
                unknown.append(name)
        block: dict[str, Any] = {"findings": findings, "unknown": unknown}
        if section == "tumor":
            for m in ("psum_mm", "fmax_mm"):
                values = [(i, b[m]) for i, b in blocks if b.get(m) is not None]
                if len({v for _, v in values}) == 1:
                    block[m] = values[0][1]
                elif values:
                    conflict(
                        f"tumor.{m}", [(i, str(v)) for i, v in values], f"The reports give different {m}: not filled."
                    )
        case[section] = block
    for key in ("peritoneal", "reported_stage"):
        values = [(i, c[key]) for i, c in cases if c.get(key) is not None]
        if values:
            case[key] = values[0][1]
            if any(v != values[0][1] for _, v in values):
                conflict(key, [(i, str(v)) for i, v in values], f"The reports disagree on {key}: the first is shown.")
    if case["site"] != "pleura":
        for k in ("laterality", "tumor", "nodes", "pleural_effusion_malignant"):
            case.pop(k, None)
    parse_case(case)
    is_meso = True if any(ex.is_mesothelioma for ex in extractions) else None
    return Extraction(
        is_mesothelioma=is_meso,
        message=None if is_meso else extractions[0].message,
        kinds=kinds,
        case=case,
        evidence=evidence,
        conflicts=conflicts,
        notes=notes,
    )
