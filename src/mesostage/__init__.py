"""mesostage: mesothelioma staging in every system in use, with the findings that decided it and its range.

Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

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
from mesostage.checks import CaseWarning, check_case
from mesostage.errors import CaseError, InputError
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

# The other capabilities load on first use, so that `import mesostage` (and `mesostage stage`) stays fast.
_LAZY = {
    "Explanation": "mesostage.explain",
    "explain": "mesostage.explain",
    "plain_note": "mesostage.explain",
    "Prognosis": "mesostage.prognosis",
    "ScoreResult": "mesostage.prognosis",
    "SurvivalContext": "mesostage.prognosis",
    "SurvivalFigure": "mesostage.prognosis",
    "prognosis": "mesostage.prognosis",
    "prognosis_figure": "mesostage.prognosis",
    "Extraction": "mesostage.extraction",
    "extract": "mesostage.extraction",
    "TreatmentOption": "mesostage.treatment",
    "TreatmentOptions": "mesostage.treatment",
    "options": "mesostage.treatment",
    "MatchResult": "mesostage.trials",
    "TrialMatch": "mesostage.trials",
    "match_trials": "mesostage.trials",
    "shortlist_markdown": "mesostage.trials",
}

if TYPE_CHECKING:
    from mesostage.explain import Explanation, explain, plain_note
    from mesostage.extraction import Extraction, extract
    from mesostage.prognosis import (
        Prognosis,
        ScoreResult,
        SurvivalContext,
        SurvivalFigure,
        prognosis,
        prognosis_figure,
    )
    from mesostage.treatment import TreatmentOption, TreatmentOptions, options
    from mesostage.trials import MatchResult, TrialMatch, match_trials, shortlist_markdown


# Submodules named like their function (explain, prognosis): importing the submodule binds it on the package, which
# would hide the function of that name; the package keeps the function instead (as `from mesostage.explain import
# explain` at the top of this file used to do).
_FUNCTION_MODULES = frozenset({"explain", "prognosis"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTION_MODULES and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mesostage' has no attribute {name!r}")


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
    "CaseWarning",
    "Determinant",
    "Explanation",
    "Extraction",
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
    "check_case",
    "default_system",
    "explain",
    "extract",
    "load_system",
    "load_systems",
    "match_trials",
    "options",
    "parse_case",
    "parse_case_json",
    "plain_note",
    "prognosis",
    "prognosis_figure",
    "review",
    "shortlist_markdown",
    "stage",
    "stage_group",
]

__version__ = "0.1.0"
