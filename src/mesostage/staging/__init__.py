"""Staging: every staging system in use for mesothelioma, from data files read by one generic engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from mesostage.case import Case, parse_case
from mesostage.staging.definitions import (
    SystemDefinition,
    check_system_ids,
    load_system,
    load_systems,
    site_notes,
    tumor_type_notes,
)
from mesostage.staging.engine import (
    Sections,
    case_sections,
    not_applicable,
    stage_group,
    stage_in_system,
    stage_of,
)
from mesostage.staging.memo import Memo, fresh, staging_key
from mesostage.staging.result import Determinant, PciRegion, ReviewNote, StagingResult, SystemResult, make

__all__ = [
    "Determinant",
    "PciRegion",
    "ReviewNote",
    "StagingResult",
    "SystemDefinition",
    "SystemResult",
    "default_system",
    "load_system",
    "load_systems",
    "stage",
    "stage_group",
]

#: Start dates of the TNM editions by diagnosis date (SEER: 8th for 2018-2024, version 9 from 2025).
_TNM9_FROM = dt.date(2025, 1, 1)
_TNM8_FROM = dt.date(2018, 1, 1)


def default_system(case: Case) -> str | None:
    """The system in use for this case: the TNM edition for its diagnosis date (the 9th when no date is given),
    the PCI-based TNM for a peritoneal primary, none for pericardial and tunica vaginalis primaries."""
    if case.site == "peritoneum":
        return "peritoneal_tnm"
    if case.site != "pleura":
        return None
    d = case.diagnosis_date
    if d is None or d >= _TNM9_FROM:
        return "tnm9"
    return "tnm8" if d >= _TNM8_FROM else "tnm7"


#: (system id, staging key) -> (result, notes) of the cases staged last (``mesostage.staging.memo``)
_MEMO = Memo(1024)


def _merge(notes: Iterable[ReviewNote]) -> list[ReviewNote]:
    merged: dict[str, ReviewNote] = {}
    for note in notes:
        if note.code in merged:
            first = merged[note.code]
            merged[note.code] = first.model_copy(update={"systems": first.systems + note.systems})
        else:
            merged[note.code] = note
    return list(merged.values())


def stage(case: Case | Mapping[str, Any], *, systems: Iterable[str] | None = None) -> StagingResult:
    """Stage a case in every system (or in ``systems``), each with its range, determinants and sources.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format (``shared/spec/CASE_FORMAT.md``).
    systems
        System ids to report, in the order wanted; default all six.

    Raises
    ------
    CaseError
        If the case is not valid or a system id is unknown; every error names its field path.
    """
    parsed = parse_case(case)
    return staged(parsed, check_system_ids(systems), staging_key(parsed), copies=True)


def _not_staged(case: Case) -> tuple[str, str] | None:
    """Why the case's tumour type is not staged, with the source (``None``: diffuse mesothelioma is staged)."""
    return tumor_type_notes().get(case.tumor_type or "diffuse")


def staged(parsed: Case, wanted: Iterable[str], key: str | None, *, copies: bool) -> StagingResult:
    """``stage`` of a validated case with its staging key (``memo.staging_key``). ``copies=False`` hands out the
    remembered results themselves, for a caller that remembers them in turn and copies what it gives out."""
    results: list[SystemResult] = []
    notes: list[ReviewNote] = []
    not_staged = _not_staged(parsed)
    if not_staged is not None:
        key = None
    sections = None
    for system_id in wanted:
        if not_staged is not None:
            results.append(not_applicable(load_system(system_id), not_staged[0]))
            continue
        remembered = _MEMO.get((system_id, key)) if key is not None else None
        if remembered is None:
            sections = sections or case_sections(parsed)
            remembered = stage_in_system(load_system(system_id), parsed, sections=sections)
            if key is not None:
                _MEMO.put((system_id, key), remembered)
        result, raised = remembered
        if copies:
            results.append(fresh(result))
            notes.extend(fresh(n) for n in raised)
        else:
            results.append(result)
            notes.extend(raised)
    if not_staged is not None:
        notes.insert(
            0,
            make(
                ReviewNote,
                code="not_diffuse_mesothelioma",
                severity="warning",
                message=not_staged[0],
                evidence=f"tumor_type {parsed.tumor_type}",
                source=not_staged[1],
            ),
        )
    formal, site_note, site_source = site_notes()[parsed.site]
    if not formal:
        notes.insert(
            0,
            make(ReviewNote, code="no_formal_staging_system", severity="info", message=site_note, source=site_source),
        )
    return make(
        StagingResult,
        id=parsed.id,
        site=parsed.site,
        default_system=default_system(parsed),
        formal_staging_system=formal,
        site_note=site_note,
        results=results,
        review=_merge(notes),
    )


def stage_what_if(case: Case, system_id: str, sections: Sections) -> str | None:
    """The stage ``stage(case, systems=[system_id])`` gives with the finding sections ``sections`` (present names,
    unknown names, or ``None`` for not assessed, per section: ``engine.case_sections``) in place of the case's own:
    the review's "what if this finding were read the other way", without validating a changed case again."""
    system = load_system(system_id)
    if _not_staged(case) is not None or case.site not in system.applies_to:
        return None
    return stage_of(system, case, sections)
