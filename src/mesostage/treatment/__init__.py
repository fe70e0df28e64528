"""Treatment options: a cited knowledge base (``data/*.toml``) read by a small generic selection engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mesostage.case import Case, parse_case
from mesostage.errors import CaseError, InputError
from mesostage.treatment.engine import select_options
from mesostage.treatment.knowledge import KnowledgeBase, load_knowledge_base
from mesostage.treatment.result import (
    DISCLAIMER,
    Audience,
    Caveat,
    ConditionCheck,
    EvidenceItem,
    GuidelineRef,
    OfferedGroup,
    SourceRef,
    Stage4SurvivalFigure,
    Stage4View,
    SurvivalFigure,
    SymptomControl,
    TreatmentOption,
    TreatmentOptions,
)

__all__ = [
    "AUDIENCES",
    "DISCLAIMER",
    "Audience",
    "Caveat",
    "ConditionCheck",
    "EvidenceItem",
    "GuidelineRef",
    "KnowledgeBase",
    "OfferedGroup",
    "SourceRef",
    "Stage4SurvivalFigure",
    "Stage4View",
    "SurvivalFigure",
    "SymptomControl",
    "TreatmentOption",
    "TreatmentOptions",
    "load_knowledge_base",
    "options",
]

AUDIENCES: tuple[str, ...] = ("patient", "clinician")


def options(case: Case | Mapping[str, Any], *, audience: str = "patient") -> TreatmentOptions:
    """The guideline treatment options for a case, in guideline order, each with its goal, why it applies (or what
    would make it apply), its guideline listings, evidence and sources; palliative care and clinical trials always;
    questions to ask the care team; and, for stage IV pleural disease, a stage-4 view.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format. Uses site, histology, staging (via
        :func:`mesostage.stage`) and ``patient`` (ecog, prior_systemic_lines, prior_agents, contraindications,
        resectable, chest_pain, ki67_percent).
    audience
        ``"patient"`` (plain language) or ``"clinician"`` (precise wording, trial figures in the text).

    Raises
    ------
    CaseError
        If the case is not valid or the audience is unknown; every error names its field path.
    """
    if audience not in AUDIENCES:
        raise CaseError([InputError("audience", f"unknown audience {audience!r}", AUDIENCES)])
    parsed = parse_case(case)
    return select_options(parsed, "patient" if audience == "patient" else "clinician")
