"""mesostage: mesothelioma staging in every system in use, with the findings that decided it and its range.

Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from mesostage.api import stage
from mesostage.case import Case, parse_case, parse_case_json
from mesostage.errors import CaseError, InputError
from mesostage.explain import Explanation, explain
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

__all__ = [
    "Case",
    "CaseError",
    "Determinant",
    "Explanation",
    "InputError",
    "ReviewNote",
    "StagingResult",
    "SystemResult",
    "__version__",
    "default_system",
    "explain",
    "load_system",
    "load_systems",
    "parse_case",
    "parse_case_json",
    "review",
    "stage",
    "stage_group",
]

__version__ = "0.1.0"
