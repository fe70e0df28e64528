"""mesostage: mesothelioma staging in every system in use, with the findings that decided it and its range.

Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

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
    "InputError",
    "ReviewNote",
    "StagingResult",
    "SystemResult",
    "__version__",
    "default_system",
    "load_system",
    "load_systems",
    "parse_case",
    "parse_case_json",
    "stage",
    "stage_group",
]

__version__ = "0.1.0"
