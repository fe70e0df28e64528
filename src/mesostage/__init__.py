"""mesostage: mesothelioma staging in every system in use, with the findings that decided it and its range.

Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from mesostage.case import Case, parse_case, parse_case_json
from mesostage.errors import CaseError, InputError
from mesostage.staging import (
    Determinant,
    ReviewNote,
    StagingResult,
    SystemResult,
    default_system,
    load_system,
    load_systems,
    stage,
    stage_group,
)
from mesostage.trials import MatchResult, TrialMatch, match_trials

__all__ = [
    "Case",
    "CaseError",
    "Determinant",
    "InputError",
    "MatchResult",
    "ReviewNote",
    "StagingResult",
    "SystemResult",
    "TrialMatch",
    "__version__",
    "default_system",
    "load_system",
    "load_systems",
    "match_trials",
    "parse_case",
    "parse_case_json",
    "stage",
    "stage_group",
]

__version__ = "0.1.0"
