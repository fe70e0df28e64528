"""The trial list for a patient navigator: the matcher's result as it comes, filtered by status, phase and distance
and sorted by distance (the default) or by fit, with distances in kilometres or miles (miles by default for a place
in the United States, kilometres otherwise).

A place name that fits several places does not stop the list: the candidates are listed to pick from and the trials
are shown without distances (a place that cannot be found at all is said so, the same way). Nothing is hidden
silently: every trial a filter leaves out is counted under the filter that left it out.

The matcher (``match.py``) decides what fits; this module only chooses what to show and in what order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from mesostage.case import Case, parse_case
from mesostage.errors import CaseError, InputError
from mesostage.trials.geo import LocationError, Place, locate
from mesostage.trials.index import TrialIndex
from mesostage.trials.match import (
    DISCLAIMER,
    DataAsOf,
    Disclaimer,
    FictionalData,
    IndexSource,
    MatchResult,
    Notes,
    NotMesotheliomaCount,
    OtherSiteCount,
    TrialMatch,
    match_trials,
)
from mesostage.trials.shortlist import Shortlist, build_shortlist
from mesostage.trials.study import OPEN_STATUSES

__all__ = [
    "KM_PER_MILE",
    "PHASE_LABELS",
    "SHORTLIST_MAX",
    "STATUS_LABELS",
    "Hidden",
    "ListedTrial",
    "PlaceAnswer",
    "TrialFilters",
    "TrialList",
    "navigator_shortlist",
    "trial_filters",
    "trial_list",
]

Unit = Literal["km", "mi"]
Sort = Literal["distance", "fit"]
KM_PER_MILE = 1.609344
#: The most trials a printable shortlist holds: with at most two reasons each, they fit on one page (A4 or Letter).
SHORTLIST_MAX = 5

#: Every ``overallStatus`` the registry uses, in the order a navigator reads them, with a plain label.
STATUS_LABELS: dict[str, str] = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "COMPLETED": "Completed",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Status unknown",
    "AVAILABLE": "Expanded access: available",
    "TEMPORARILY_NOT_AVAILABLE": "Expanded access: not available for now",
    "NO_LONGER_AVAILABLE": "Expanded access: no longer available",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "WITHHELD": "Withheld",
}
#: Phases as the registry names them; ``NONE`` is a study that gives no phase (observational studies).
PHASE_LABELS: dict[str, str] = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable (e.g. device or procedure)",
    "NONE": "No phase given",
}
SORT_LABELS: dict[str, str] = {"distance": "Nearest first", "fit": "Best fit first"}
UNIT_LABELS: dict[str, str] = {"km": "kilometres", "mi": "miles"}
_FROZEN = ConfigDict(frozen=True)


class TrialFilters(BaseModel):
    """What to show. Empty ``statuses`` or ``phases`` mean every one."""

    model_config = _FROZEN
    statuses: tuple[str, ...] = Field(default=OPEN_STATUSES, description="overallStatus values to show")
    phases: tuple[str, ...] = Field(default=(), description="phases to show (NONE: no phase given); empty: all")
    max_distance: float | None = Field(default=None, description="nearest open site within this, in `unit`")
    unit: Unit | None = Field(default=None, description="km or mi; default mi for a US place, else km")
    sort: Sort = Field(
        default="distance", description="distance (nearest open site first) or fit (the matcher's order)"
    )


def trial_filters(
    statuses: Iterable[str] | None = None,
    phases: Iterable[str] | None = None,
    max_distance: float | None = None,
    unit: str | None = None,
    sort: str | None = None,
) -> TrialFilters:
    """Filters from user input (form fields or query parameters), every problem reported at once.

    Raises
    ------
    CaseError
        Naming the parameter (``status[1]``, ``phase[0]``, ``max_distance``, ``unit``, ``sort``) and the allowed
        values.
    """
    errors: list[InputError] = []
    status_list = [s.strip().upper() for s in statuses or () if s.strip()]
    phase_list = [p.strip().upper() for p in phases or () if p.strip()]
    for name, values, allowed in (("status", status_list, STATUS_LABELS), ("phase", phase_list, PHASE_LABELS)):
        errors += [
            InputError(f"{name}[{i}]", f"'{v}' is not a known {name}", tuple(allowed))
            for i, v in enumerate(values)
            if v not in allowed
        ]
    if max_distance is not None and not 0 < max_distance <= 50_000:
        errors.append(InputError("max_distance", f"must be a number above 0 and at most 50000, got {max_distance:g}"))
    if unit not in (None, "", "km", "mi"):
        errors.append(InputError("unit", f"'{unit}' is not a unit here", ("km", "mi")))
    if sort not in (None, "", "distance", "fit"):
        errors.append(InputError("sort", f"'{sort}' is not a sort order", ("distance", "fit")))
    if errors:
        raise CaseError(errors)
    return TrialFilters.model_validate(
        {
            "statuses": tuple(dict.fromkeys(status_list)) if statuses is not None else OPEN_STATUSES,
            "phases": tuple(dict.fromkeys(phase_list)),
            "max_distance": max_distance,
            "unit": unit or None,
            "sort": sort or "distance",
        }
    )


class PlaceAnswer(BaseModel):
    """Where distances are measured from: the place found, or why none was (with the candidates to pick from)."""

    model_config = _FROZEN
    query: str | None = Field(description="the place as given")
    field: str | None = Field(description="where it was given: patient.location, or location (the parameter)")
    label: str | None = Field(description="the place found, e.g. 'Leeds, GB' or 'New York, NY 10021, US'")
    in_us: bool = Field(description="the place, or every candidate, is in the United States (miles by default)")
    candidates: list[str] = Field(description="the places the name fits, when it fits several; each can be given back")
    problem: str | None = Field(description="why no place was found; the trials are listed without distances")


class ListedTrial(BaseModel):
    """A trial of the navigator's list, with its distance in the list's unit."""

    model_config = _FROZEN
    trial: TrialMatch = Field(description="the trial and how it fits, as the matcher gives it")
    distance: float | None = Field(description="to the nearest open site, in the list's unit, rounded to 0.1")


class Hidden(BaseModel):
    """Trials a filter of the list left out."""

    model_config = _FROZEN
    filter: Literal["status", "phase", "distance"] = Field(description="the filter")
    reason: str = Field(description="what it left out, in words")
    count: int = Field(description="how many trials it left out")


class TrialList(BaseModel):
    """The navigator's list: possible matches, then excluded trials (each with why), then trials that are not
    open (when the status filter asks for them), each group filtered and sorted the same way."""

    model_config = _FROZEN
    place: PlaceAnswer = Field(description="where distances are measured from, or why no place was found")
    unit: Unit = Field(description="km or mi, the unit of every distance of the list")
    unit_is_default: bool = Field(description="the unit was not asked for (mi for a place in the US, km otherwise)")
    filters: TrialFilters = Field(description="the filters applied, with the unit made explicit")
    matches: list[ListedTrial] = Field(description="possible matches, then those to check first")
    excluded: list[ListedTrial] = Field(description="trials a criterion rules out, each with why_not")
    not_open: list[ListedTrial] = Field(description="trials that are not open, when the status filter asks for them")
    hidden: list[Hidden] = Field(description="how many trials each filter left out")
    other_site_count: OtherSiteCount
    not_mesothelioma_count: NotMesotheliomaCount
    index_source: IndexSource
    data_as_of: DataAsOf
    fictional_data: FictionalData
    notes: Notes
    disclaimer: Disclaimer = DISCLAIMER
    _result: MatchResult | None = PrivateAttr(default=None)

    @property
    def shown(self) -> int:
        return len(self.matches) + len(self.excluded) + len(self.not_open)

    @property
    def result(self) -> MatchResult:
        """The matcher's result the list was made from (for the shortlist)."""
        if self._result is None:
            raise ValueError("this trial list was not made by trial_list() (read back from JSON?): no match result")
        return self._result


def _place(where: str | None, field: str) -> tuple[Place | None, PlaceAnswer]:
    if where is None or not where.strip():
        return None, PlaceAnswer(query=None, field=None, label=None, in_us=False, candidates=[], problem=None)
    try:
        place = locate(where)
    except LocationError as exc:
        # A name that fits only places in the US ("Springfield") still sets the unit to miles.
        in_us = bool(exc.candidates) and all(c.endswith(", US") for c in exc.candidates)
        return None, PlaceAnswer(
            query=where, field=field, label=None, in_us=in_us, candidates=list(exc.candidates), problem=str(exc)
        )
    # Every label that geo.locate makes ends in the ISO country code ("Boston, MA, US", "Leeds, GB").
    return place, PlaceAnswer(
        query=where,
        field=field,
        label=place.label,
        in_us=place.label.endswith(", US"),
        candidates=[],
        problem=None,
    )


def _distance(m: TrialMatch, unit: Unit) -> float | None:
    site = m.nearest_site
    if site is None or site.distance_km is None:
        return None
    return site.distance_km if unit == "km" else site.distance_miles


def _phase_keys(m: TrialMatch) -> set[str]:
    return set(m.phases) or {"NONE"}


def trial_list(
    case: Case | Mapping[str, Any],
    *,
    filters: TrialFilters | None = None,
    location: str | None = None,
    index: TrialIndex | str | os.PathLike[str] | None = None,
) -> TrialList:
    """The navigator's trial list for ``case`` (see the module docstring).

    ``location`` replaces ``patient.location``. Raises ``CaseError`` for a bad case, never for a place: a place that
    is not found or fits several is answered in ``place``.
    """
    f = filters or TrialFilters()
    parsed = parse_case(case)
    where = location if location is not None else (parsed.patient.location if parsed.patient else None)
    origin, place = _place(where, "location" if location is not None else "patient.location")
    include_closed = any(s not in OPEN_STATUSES for s in f.statuses) or not f.statuses
    if origin is not None:
        result = match_trials(parsed, location=where, include_closed=include_closed, index=index)
    else:
        # No usable place: match without one, so that the trials are still listed (with no distances).
        patient = parsed.patient.model_copy(update={"location": None}) if parsed.patient else None
        result = match_trials(parsed, patient, include_closed=include_closed, index=index)
    unit: Unit = f.unit or ("mi" if place.in_us else "km")
    hidden = {"status": 0, "phase": 0, "distance": 0, "distance unknown": 0}
    if not include_closed:
        hidden["status"] += result.not_open_count  # counted by the matcher, not listed

    def keep(group: Sequence[TrialMatch]) -> list[ListedTrial]:
        out: list[tuple[int, ListedTrial]] = []
        for rank, m in enumerate(group):
            d = _distance(m, unit)
            if f.statuses and m.overall_status not in f.statuses:
                hidden["status"] += 1
            elif f.phases and not _phase_keys(m) & set(f.phases):
                hidden["phase"] += 1
            elif f.max_distance is not None and origin is not None and d is None:
                hidden["distance unknown"] += 1
            elif f.max_distance is not None and d is not None and d > f.max_distance:
                hidden["distance"] += 1
            else:
                out.append((rank, ListedTrial(trial=m, distance=d)))
        if f.sort == "distance":
            out.sort(key=lambda x: (x[1].distance is None, x[1].distance or 0.0, x[0]))
        return [t for _, t in out]

    matches, excluded, not_open = keep(result.matches), keep(result.excluded), keep(result.not_open)
    limit = f"{f.max_distance:g} {'miles' if unit == 'mi' else 'km'}" if f.max_distance is not None else ""
    reasons = {
        "status": ("status", "not in the statuses chosen"),
        "phase": ("phase", "not in the phases chosen"),
        "distance": ("distance", f"nearest open site farther than {limit}"),
        "distance unknown": ("distance", "no open site with a known place, so the distance is not known"),
    }
    notes = list(result.notes)
    if place.problem is not None:
        notes = [n for n in notes if not n.startswith("No location given")]
        notes.append(f"No distances: {place.field}: {place.problem}.")
    elif f.max_distance is not None and origin is None:
        notes.append("The distance filter needs a place: give one to use it.")
    listed = TrialList(
        place=place,
        unit=unit,
        unit_is_default=f.unit is None,
        filters=f.model_copy(update={"unit": unit}),
        matches=matches,
        excluded=excluded,
        not_open=not_open,
        hidden=[
            Hidden.model_validate({"filter": reasons[k][0], "reason": reasons[k][1], "count": n})
            for k, n in hidden.items()
            if n
        ],
        other_site_count=result.other_site_count,
        not_mesothelioma_count=result.not_mesothelioma_count,
        index_source=result.index_source,
        data_as_of=result.data_as_of,
        fictional_data=result.fictional_data,
        notes=notes,
        disclaimer=result.disclaimer,
    )
    listed._result = result
    return listed


def navigator_shortlist(listed: TrialList, picks: Sequence[str] = ()) -> Shortlist:
    """The one-page printable shortlist: the picked trials (at most ``SHORTLIST_MAX``, in the list's order), or the
    first ``SHORTLIST_MAX`` possible matches of the list when none is picked; two reasons of each kind per trial.

    Raises
    ------
    CaseError
        For more than ``SHORTLIST_MAX`` picks, or a pick that is not in the list (path ``pick[i]``).
    """
    shown = [t.trial.nct_id for t in (*listed.matches, *listed.excluded, *listed.not_open)]
    picks = list(dict.fromkeys(p.strip().upper() for p in picks if p.strip()))
    errors = [
        InputError(f"pick[{i}]", f"'{p}' is not in this trial list") for i, p in enumerate(picks) if p not in shown
    ]
    if len(picks) > SHORTLIST_MAX:
        errors.append(
            InputError("pick", f"a shortlist holds up to {SHORTLIST_MAX} trials so that it prints on one page")
        )
    if errors:
        raise CaseError(errors)
    chosen = [n for n in shown if n in picks] if picks else [t.trial.nct_id for t in listed.matches[:SHORTLIST_MAX]]
    return build_shortlist(listed.result, chosen, reasons=2, reasons_against=2, contacts=1, text_limit=120)
