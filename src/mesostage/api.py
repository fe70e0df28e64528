"""The public entry points that combine the domain modules (staging with its review)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mesostage.case import Case, parse_case
from mesostage.checks import check_case
from mesostage.review import review
from mesostage.staging import StagingResult
from mesostage.staging import stage as _stage_all
from mesostage.staging.definitions import check_system_ids

__all__ = ["stage"]


def stage(case: Case | Mapping[str, Any], *, systems: Iterable[str] | None = None) -> StagingResult:
    """Stage a case in every system (or in ``systems``), with its second-opinion review under ``review``.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format (``shared/spec/CASE_FORMAT.md``).
    systems
        System ids to report, in the order wanted; default all six. The review always considers every system.
        ``warnings`` holds what to check in the input (:func:`mesostage.check_case`).

    Raises
    ------
    CaseError
        If the case is not valid or a system id is unknown; every error names its field path.
    """
    parsed = parse_case(case)
    wanted = check_system_ids(systems)
    full = _stage_all(parsed)
    notes = review(parsed, full)
    by_id = {r.system: r for r in full.results}
    return full.model_copy(
        update={"results": [by_id[s] for s in wanted], "review": notes, "warnings": check_case(parsed)}
    )
