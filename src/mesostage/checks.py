"""Checks of what was entered that the case model cannot make: answers that are valid one by one but do not fit
together, a date in the future, a form on which nothing was marked.

One function, :func:`check_case`, serves the web form, the HTTP API and the CLI, so that all three say the same
thing. It reads a :class:`~mesostage.Case` or a mapping in the case format that has not been validated yet (the
web form checks what was entered before the case model does, so that two answers that cannot both be true are
named in plain words instead of as a model error). Every message is plain words with no field names: the field is
in ``path``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mesostage.case import Case

__all__ = ["CaseWarning", "check_case"]


class CaseWarning(BaseModel):
    """One thing to check in what was entered."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(description="the field path in the case, e.g. tumor.findings[3]")
    code: str = Field(description="stable code of the check")
    level: Literal["error", "warning"] = Field(
        description="error: the answers cannot all be true (the web form refuses them); warning: worth checking"
    )
    message: str = Field(description="plain words, no field names")


def _mapping(value: object) -> bool:
    """``isinstance(value, Mapping)``, with a plain dict (what a case dump or parsed JSON holds) decided first (the
    abstract-class check costs several times the plain one), and nothing (``None``) next."""
    if isinstance(value, dict):
        return True
    return value is not None and isinstance(value, Mapping)


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    block = data.get(name)
    return block if _mapping(block) else None


def _names(block: Mapping[str, Any] | None, key: str) -> list[str]:
    values = (block or {}).get(key)
    if isinstance(values, list) or (values is not None and isinstance(values, Sequence)):
        return [v for v in values if isinstance(v, str)]
    return []


def _pair(findings: list[str], first: str, second: str, code: str, message: str) -> CaseWarning | None:
    if first in findings and second in findings:
        # The list, not one item of it: the warning is the same whatever the order of the findings.
        return CaseWarning(path="tumor.findings", code=code, level="warning", message=message)
    return None


def _nothing_marked(data: Mapping[str, Any]) -> CaseWarning | None:
    site = data.get("site")
    if site == "pleura":
        tumor = _section(data, "tumor")
        if tumor is None or tumor.get("assessed", True) is False or tumor.get("no_evidence"):
            return None
        if any(_names(_section(data, s), "findings") for s in ("tumor", "nodes", "metastases")):
            return None
        return CaseWarning(
            path="tumor.findings",
            code="nothing_marked_yes",
            level="warning",
            message="Nothing is marked Yes. The stage would be worked out as if no tumour was seen anywhere. "
            "Mark what the report says, or choose Not known where it does not say.",
        )
    if site == "peritoneum":
        block = _section(data, "peritoneal") or {}
        regions = block.get("pci_regions")
        nothing = block.get("pci") is None and not regions
        if nothing and True not in (block.get("nodes_positive"), block.get("extra_abdominal_metastases")):
            return CaseWarning(
                path="peritoneal.pci",
                code="nothing_marked_yes",
                level="warning",
                message="No score for the lining of the belly is given, and nothing is marked Yes. "
                "Give the region scores or the total from the report.",
            )
    return None


#: Dates a case can hold, with the words a message uses for each; none can be after today.
_DATES = {
    "diagnosis_date": "The date of diagnosis",
    "patient.last_systemic_therapy_date": "The date of the last drug treatment",
    "patient.last_radiotherapy_date": "The date of the last radiotherapy",
    "patient.last_surgery_date": "The date of the last operation",
}


def _dates(data: Mapping[str, Any], today: dt.date) -> list[CaseWarning | None]:
    found: list[CaseWarning | None] = []
    for path, words in _DATES.items():
        value: Any = data
        for part in path.split("."):
            value = value.get(part) if _mapping(value) else None
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                continue  # not a date: the case model names it
        if isinstance(value, dt.date) and value > today:
            found.append(
                CaseWarning(
                    path=path,
                    code=f"{path.rpartition('.')[2]}_in_future",
                    level="error",
                    message=f"{words} ({value.isoformat()}) is after today. Please check it.",
                )
            )
    return found


def check_case(case: Case | Mapping[str, Any], *, today: dt.date | None = None) -> list[CaseWarning]:
    """Everything worth checking in what was entered, most serious first.

    Parameters
    ----------
    case
        A valid case, or a mapping in the case format that may not be valid yet (unreadable parts are skipped:
        the case model reports those).
    today
        The date to compare the diagnosis date with; default the date on this computer.
    """
    data: Mapping[str, Any] = case.model_dump(mode="json") if isinstance(case, Case) else case
    found: list[CaseWarning | None] = _dates(data, today or dt.date.today())
    tumor = _section(data, "tumor")
    resection = _section(data, "resection") or {}
    impossible = (
        (
            bool(tumor and tumor.get("no_evidence") and (_names(tumor, "findings") or _names(tumor, "unknown"))),
            "tumor.no_evidence",
            "no_tumour_with_findings",
            "'No sign of a main tumour' is chosen, but places the tumour has grown are marked Yes or Not known. "
            "Only one of these can be right.",
        ),
        (
            resection.get("margins_positive") is not None and resection.get("performed") is not True,
            "resection.margins_positive",
            "margins_without_resection",
            "The edges of removed tissue are answered, but surgery to remove the tumour is not marked as done. "
            "Say Yes to surgery, or set the edges to Not known.",
        ),
    )
    found += [CaseWarning(path=p, code=c, level="error", message=m) for hit, p, c, m in impossible if hit]
    findings = _names(tumor, "findings")
    found.append(
        _pair(
            findings,
            "chest_wall_solitary",
            "chest_wall_diffuse",
            "chest_wall_solitary_and_diffuse",
            "The chest wall is marked both as one spot that surgery could remove and as growth in many places. "
            "Only one can be right. Until it is fixed, the stage counts the wider growth.",
        )
    )
    found.append(
        _pair(
            findings,
            "pericardium_nontransmural",
            "pericardium_through",
            "pericardium_not_through_and_through",
            "The sac around the heart is marked both as grown into but not through, and as grown through. "
            "Only one can be right. Until it is fixed, the stage counts growth through the sac.",
        )
    )
    found.append(_nothing_marked(data))
    out = [w for w in found if w is not None]
    return sorted(out, key=lambda w: w.level != "error")
