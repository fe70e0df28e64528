"""Clinical trials: import ClinicalTrials.gov API v2 records, index them locally, and match a case against them
with a reason for every criterion. Offline except for :func:`sync`, which runs only when a person asks for it.

Supports, and does not replace, a specialist's judgement: a match is a question to take to the study team.
"""

from __future__ import annotations

from mesostage.trials.importer import (
    DEMO_SOURCE,
    ImportFailed,
    ImportReport,
    Malformed,
    import_records,
    import_source,
    load_demo,
)
from mesostage.trials.index import DATA_DIR_ENV, TrialIndex, default_index_path
from mesostage.trials.match import (
    DISCLAIMER,
    ContactInfo,
    CriterionResult,
    FilterResult,
    MatchResult,
    NearestSite,
    TrialMatch,
    match_trials,
)
from mesostage.trials.shortlist import shortlist_markdown
from mesostage.trials.study import Trial, parse_study
from mesostage.trials.sync import SyncError, SyncReport, sync

__all__ = [
    "DATA_DIR_ENV",
    "DEMO_SOURCE",
    "DISCLAIMER",
    "ContactInfo",
    "CriterionResult",
    "FilterResult",
    "ImportFailed",
    "ImportReport",
    "Malformed",
    "MatchResult",
    "NearestSite",
    "SyncError",
    "SyncReport",
    "Trial",
    "TrialIndex",
    "TrialMatch",
    "default_index_path",
    "import_records",
    "import_source",
    "load_demo",
    "match_trials",
    "parse_study",
    "shortlist_markdown",
    "sync",
]
