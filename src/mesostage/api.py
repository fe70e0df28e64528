"""The public entry points that combine the domain modules (staging with its review)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mesostage.case import Case, parse_case
from mesostage.checks import check_case
from mesostage.review import review_inputs, reviewed
from mesostage.staging import ReviewNote, StagingResult, staged
from mesostage.staging.definitions import check_system_ids
from mesostage.staging.memo import Memo, fresh, staging_key
from mesostage.staging.result import make
from mesostage.vocabulary import SYSTEM_IDS

__all__ = ["stage"]

#: (staging key, review inputs) -> (staging result in every system, review): the cases staged last
_MEMO = Memo(256)


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
    staging = staging_key(parsed)
    key = (staging, review_inputs(parsed)) if staging is not None else None
    remembered: tuple[StagingResult, list[ReviewNote]] | None = _MEMO.get(key) if key is not None else None
    if remembered is None:
        # The results staging remembers, not copies: they are remembered here too and copied below.
        full = staged(parsed, SYSTEM_IDS, staging, copies=False)
        remembered = full, reviewed(parsed, full)
        if key is not None:
            _MEMO.put(key, remembered)
    full, notes = remembered
    by_id = {r.system: r for r in full.results}
    # Each caller gets its own copies: the remembered result never changes (the id is the caller's case's).
    return make(
        StagingResult,
        id=parsed.id,
        site=full.site,
        default_system=full.default_system,
        formal_staging_system=full.formal_staging_system,
        site_note=full.site_note,
        results=[fresh(by_id[s]) for s in wanted],
        review=[fresh(n) for n in notes],
        warnings=check_case(parsed),
    )
