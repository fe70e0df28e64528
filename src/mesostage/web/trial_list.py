"""The trials section of the results page and the trial-list page: the navigator's list (``mesostage.trials.
navigator``) with the values of its filter form. Used by ``view.py`` (results page and report) and by
``trial_routes.py`` (the list page, the printable shortlist and their API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mesostage import Case, CaseError, InputError
from mesostage.trials.navigator import (
    PHASE_LABELS,
    SHORTLIST_MAX,
    SORT_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    TrialFilters,
    TrialList,
    trial_filters,
    trial_list,
)

__all__ = ["FORM_FIELDS", "TRIALS_IN_REPORT", "filters_from_form", "trials_section"]

#: The form fields of the trial list (everything else a request carries is the case).
FORM_FIELDS = ("filters", "status", "phase", "location", "max_distance", "unit", "sort", "pick")
#: Possible matches printed in the PDF report (the page lists them all).
TRIALS_IN_REPORT = 10


def _first(data: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = data.get(key)
    return values[0].strip() if values else None


def filters_from_form(data: Mapping[str, Sequence[str]]) -> tuple[TrialFilters, str | None]:
    """The filters and the place (``None``: the case's own) that the trial-list form sends.

    ``filters=1`` marks a sent filter form: its status boxes are then read as sent (none ticked is every status);
    without it the defaults apply (open trials). Raises ``CaseError`` naming the field.
    """
    sent = _first(data, "filters") is not None
    text = _first(data, "max_distance") or ""
    max_distance: float | None = None
    if text:
        try:
            max_distance = float(text)
        except ValueError:
            raise CaseError([InputError("max_distance", f"'{text}' is not a number")]) from None
    filters = trial_filters(
        statuses=list(data.get("status", ())) if sent else None,
        phases=data.get("phase", ()),
        max_distance=max_distance,
        unit=_first(data, "unit"),
        sort=_first(data, "sort"),
    )
    return filters, _first(data, "location")


def trials_section(
    case: Case,
    view: str,
    case_json: str,
    *,
    filters: TrialFilters | None = None,
    location: str | None = None,
    problems: Sequence[InputError] = (),
) -> Mapping[str, Any]:
    """What ``partials/trials.html`` shows."""
    listed: TrialList = trial_list(case, filters=filters, location=location or None)
    return {
        "list": listed,
        "view": view,
        "case_json": case_json,
        "location": listed.place.query or "",
        "problems": list(problems),
        "status_labels": STATUS_LABELS,
        "phase_labels": PHASE_LABELS,
        "sort_labels": SORT_LABELS,
        "unit_labels": UNIT_LABELS,
        "shortlist_max": SHORTLIST_MAX,
        "in_report": TRIALS_IN_REPORT,
    }
