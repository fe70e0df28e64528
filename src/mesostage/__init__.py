"""mesostage: mesothelioma staging in every system in use, with the findings that decided it and its range.

Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from mesostage.api import stage
from mesostage.case import (
    HISTOLOGIES,
    METASTASIS_FINDINGS,
    NODE_FINDINGS,
    PCI_REGION_NAMES,
    SITES,
    SYSTEM_IDS,
    TUMOR_FINDINGS,
    Case,
    parse_case,
    parse_case_json,
)
from mesostage.errors import CaseError, InputError
from mesostage.explain import Explanation, explain
from mesostage.prognosis import (
    Prognosis,
    ScoreResult,
    SurvivalContext,
    SurvivalFigure,
    prognosis,
    prognosis_figure,
)
from mesostage.review import review
from mesostage.staging import (
    Determinant,
    ReviewNote,
    StagingResult,
    SystemResult,
    default_system,
    load_system,
    load_systems,
    stage_group,
)
from mesostage.treatment import TreatmentOption, TreatmentOptions, options
from mesostage.trials import MatchResult, TrialMatch, match_trials, shortlist_markdown

__all__ = [
    "HISTOLOGIES",
    "METASTASIS_FINDINGS",
    "NODE_FINDINGS",
    "PCI_REGION_NAMES",
    "SITES",
    "SYSTEM_IDS",
    "TUMOR_FINDINGS",
    "Case",
    "CaseError",
    "Determinant",
    "Explanation",
    "InputError",
    "MatchResult",
    "Prognosis",
    "ReviewNote",
    "ScoreResult",
    "StagingResult",
    "SurvivalContext",
    "SurvivalFigure",
    "SystemResult",
    "TreatmentOption",
    "TreatmentOptions",
    "TrialMatch",
    "__version__",
    "default_system",
    "explain",
    "load_system",
    "load_systems",
    "match_trials",
    "options",
    "parse_case",
    "parse_case_json",
    "prognosis",
    "prognosis_figure",
    "review",
    "shortlist_markdown",
    "stage",
    "stage_group",
]

__version__ = "0.1.0"
