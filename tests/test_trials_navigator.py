"""The navigator's trial list (issue 11): status, phase and distance filters, nearest first, km or miles (miles by
default for a US place), an ambiguous place answered with its candidates, and the one-page shortlist.

Distances are checked against published great-circle figures: New York to Boston about 306 km (190 miles); New York
to London about 5,570 km (3,460 miles).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mesostage import CaseError
from mesostage.trials import import_records
from mesostage.trials.navigator import (
    PHASE_LABELS,
    SHORTLIST_MAX,
    STATUS_LABELS,
    TrialList,
    navigator_shortlist,
    trial_filters,
    trial_list,
)
from mesostage.trials.shortlist import render_markdown
from mesostage.trials.study import KNOWN_STATUSES
from tests.trials_factories import study

CASE: dict[str, Any] = {
    "site": "pleura",
    "histology": "epithelioid",
    "patient": {"age_years": 61, "sex": "male", "ecog": 1, "prior_systemic_lines": 0, "location": "10021"},
}
BOSTON = {"lat": 42.3601, "lon": -71.0589}
NEW_YORK = {"lat": 40.7685, "lon": -73.9588}
LONDON = {"lat": 51.5074, "lon": -0.1278}
LEEDS = {"lat": 53.7965, "lon": -1.5479}


def _site(city: str, country: str, geo: dict[str, float] | None, status: str = "RECRUITING") -> dict[str, Any]:
    site: dict[str, Any] = {"facility": f"{city} Hospital", "status": status, "city": city, "country": country}
    if geo is not None:
        site["geoPoint"] = geo
    return site


STUDIES = [
    study("NCT00000101", phases=["PHASE2"], locations=[_site("Boston", "United States", BOSTON)]),
    study("NCT00000102", phases=["PHASE3"], locations=[_site("New York", "United States", NEW_YORK)]),
    study(
        "NCT00000103",
        status="NOT_YET_RECRUITING",
        phases=["PHASE1"],
        locations=[_site("London", "United Kingdom", LONDON, "NOT_YET_RECRUITING")],
    ),
    study("NCT00000104", phases=None, locations=[_site("Leeds", "United Kingdom", LEEDS)]),
    study("NCT00000105", status="COMPLETED", phases=["PHASE2"], locations=[_site("Boston", "United States", BOSTON)]),
    # A site that cannot be placed: no geoPoint and a city no gazetteer knows.
    study("NCT00000106", phases=["PHASE2"], locations=[_site("Nowhereton", "Atlantis", None)]),
    # Excluded: the person (61) is under the registered minimum age.
    study("NCT00000107", phases=["PHASE2"], min_age="70 Years", locations=[_site("Boston", "United States", BOSTON)]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nav") / "index.sqlite"
    import_records(((f"s{i}", s) for i, s in enumerate(STUDIES)), path, source="test", data_as_of="2026-12-01")
    return path


def _ids(items: list[Any]) -> list[str]:
    return [t.trial.nct_id for t in items]


def _hidden(listed: TrialList) -> dict[str, int]:
    out: dict[str, int] = {}
    for h in listed.hidden:
        out[h.reason] = out.get(h.reason, 0) + h.count
    return out


def test_default_is_open_trials_nearest_first_in_miles_for_a_us_zip(index: Path) -> None:
    listed = trial_list(CASE, index=index)
    assert listed.place.label == "New York, NY 10021, US"
    assert (listed.unit, listed.unit_is_default) == ("mi", True)
    assert _ids(listed.matches)[:2] == ["NCT00000102", "NCT00000101"]
    assert set(_ids(listed.matches)) == {f"NCT0000010{i}" for i in (1, 2, 3, 4, 6)}
    assert _ids(listed.matches)[-1] == "NCT00000106", "a trial whose distance is not known comes last"
    distances = [t.distance for t in listed.matches if t.distance is not None]
    assert distances == sorted(distances)
    boston = next(t for t in listed.matches if t.trial.nct_id == "NCT00000101")
    assert boston.distance == pytest.approx(190, abs=5)  # New York - Boston, about 190 miles
    london = next(t for t in listed.matches if t.trial.nct_id == "NCT00000103")
    assert london.distance == pytest.approx(3460, abs=30)
    assert _ids(listed.excluded) == ["NCT00000107"]
    assert listed.not_open == []
    assert _hidden(listed) == {"not in the statuses chosen": 1}, "the completed trial is counted, not dropped"


def test_kilometres_by_default_outside_the_us_and_either_unit_on_request(index: Path) -> None:
    leeds = trial_list(CASE, location="Leeds, United Kingdom", index=index)
    assert (leeds.place.label, leeds.unit) == ("Leeds, GB", "km")
    assert _ids(leeds.matches)[0] == "NCT00000104"
    london = next(t for t in leeds.matches if t.trial.nct_id == "NCT00000103")
    assert london.distance == pytest.approx(272, abs=10)  # Leeds - London, about 272 km
    in_km = trial_list(CASE, filters=trial_filters(unit="km"), index=index)
    boston = next(t for t in in_km.matches if t.trial.nct_id == "NCT00000101")
    assert (in_km.unit, in_km.unit_is_default) == ("km", False)
    assert boston.distance == pytest.approx(306, abs=8)
    in_miles = trial_list(CASE, location="Leeds, United Kingdom", filters=trial_filters(unit="mi"), index=index)
    assert next(t for t in in_miles.matches if t.trial.nct_id == "NCT00000103").distance == pytest.approx(169, abs=7)


def test_distance_filter_is_in_the_chosen_unit_and_counts_what_it_leaves_out(index: Path) -> None:
    within_200_miles = trial_list(CASE, filters=trial_filters(max_distance=200), index=index)
    assert _ids(within_200_miles.matches) == ["NCT00000102", "NCT00000101"]
    assert _hidden(within_200_miles) == {
        "not in the statuses chosen": 1,
        "nearest open site farther than 200 miles": 2,
        "no open site with a known place, so the distance is not known": 1,
    }
    within_200_km = trial_list(CASE, filters=trial_filters(max_distance=200, unit="km"), index=index)
    assert _ids(within_200_km.matches) == ["NCT00000102"], "Boston is 306 km from New York"
    assert _ids(within_200_km.excluded) == [], "the excluded trial in Boston is filtered the same way"


def test_status_filter(index: Path) -> None:
    not_yet = trial_list(CASE, filters=trial_filters(statuses=["NOT_YET_RECRUITING"]), index=index)
    assert _ids(not_yet.matches) == ["NCT00000103"]
    assert _hidden(not_yet) == {"not in the statuses chosen": 6}
    completed = trial_list(CASE, filters=trial_filters(statuses=["completed"]), index=index)
    assert (_ids(completed.matches), _ids(completed.not_open)) == ([], ["NCT00000105"])
    every = trial_list(CASE, filters=trial_filters(statuses=[]), index=index)
    assert every.shown == len(STUDIES)
    assert every.hidden == []


def test_phase_filter(index: Path) -> None:
    phase2 = trial_list(CASE, filters=trial_filters(phases=["PHASE2"]), index=index)
    assert sorted(_ids(phase2.matches)) == ["NCT00000101", "NCT00000106"]
    assert _ids(phase2.excluded) == ["NCT00000107"]
    none_given = trial_list(CASE, filters=trial_filters(phases=["NONE"]), index=index)
    assert _ids(none_given.matches) == ["NCT00000104"]
    early = trial_list(CASE, filters=trial_filters(phases=["PHASE1", "PHASE3"]), index=index)
    assert _ids(early.matches) == ["NCT00000102", "NCT00000103"]


def test_sort_by_fit_keeps_the_matchers_order(index: Path) -> None:
    by_fit = trial_list(CASE, filters=trial_filters(sort="fit"), index=index)
    assert _ids(by_fit.matches) == [m.nct_id for m in by_fit.result.matches]
    assert by_fit.result.matches[-1].overall_status == "NOT_YET_RECRUITING"  # the matcher: open now first


def test_ambiguous_place_lists_candidates_and_still_shows_trials(index: Path) -> None:
    listed = trial_list(CASE, location="London", index=index)
    assert listed.place.label is None
    assert {"London, GB", "London, CA"} <= set(listed.place.candidates)
    assert listed.place.field == "location"
    assert set(_ids(listed.matches)) == set(_ids(trial_list(CASE, index=index).matches))
    assert all(t.distance is None for t in listed.matches)
    assert listed.unit == "km", "London fits places inside and outside the US"
    assert any("fits several places" in n for n in listed.notes)
    assert not any(n.startswith("No location given") for n in listed.notes)
    for candidate in listed.place.candidates:
        assert trial_list(CASE, location=candidate, index=index).place.label == candidate
    springfield = trial_list(CASE, location="Springfield", index=index)
    assert len(springfield.place.candidates) > 1
    assert springfield.unit == "mi", "every Springfield offered is in the US"


def test_place_in_the_case_that_cannot_be_found_names_the_field(index: Path) -> None:
    case = {**CASE, "patient": {**CASE["patient"], "location": "Nowhere-on-earth, Atlantis"}}
    listed = trial_list(case, index=index)
    assert listed.place.field == "patient.location"
    assert listed.place.candidates == []
    assert "Atlantis" in (listed.place.problem or "")
    assert len(listed.matches) == 5


def test_no_place_keeps_the_matchers_order_and_ignores_a_distance_limit(index: Path) -> None:
    case = {**CASE, "patient": {k: v for k, v in CASE["patient"].items() if k != "location"}}
    listed = trial_list(case, filters=trial_filters(max_distance=10), index=index)
    assert listed.unit == "km"
    assert len(listed.matches) == 5
    assert any("needs a place" in n for n in listed.notes)


def test_bad_filters_name_the_parameter() -> None:
    with pytest.raises(CaseError) as err:
        trial_filters(statuses=["RECRUITING", "OPEN"], phases=["PHASE9"], max_distance=-1, unit="yards", sort="x")
    paths = [e.path for e in err.value.errors]
    assert paths == ["status[1]", "phase[0]", "max_distance", "unit", "sort"]
    assert "NOT_YET_RECRUITING" in err.value.errors[0].allowed


def test_every_registry_status_and_phase_has_a_label() -> None:
    assert set(STATUS_LABELS) == KNOWN_STATUSES
    assert set(PHASE_LABELS) == {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA", "NONE"}


def test_shortlist_takes_picks_in_list_order_and_fits_a_page(index: Path) -> None:
    listed = trial_list(CASE, index=index)
    sl = navigator_shortlist(listed, ["nct00000101", "NCT00000102"])
    assert [t.heading for t in sl.trials] == ["1. Study NCT00000102", "2. Study NCT00000101"], "nearest first"
    assert sl.distances_from == "Distances are from New York, NY 10021, US."
    for t in sl.trials:
        assert all(len(items) <= 2 for _, items in t.lists)
        assert all(len(w) <= 120 for _, items in t.lists for w in items)
    text = render_markdown(sl)
    assert "Boston Hospital" in text
    assert "Central Desk" in text
    default = navigator_shortlist(listed)
    assert [t.heading.split(". ", 1)[1] for t in default.trials] == [
        f"Study {n}" for n in _ids(listed.matches)[:SHORTLIST_MAX]
    ]
    with pytest.raises(CaseError) as err:
        navigator_shortlist(listed, ["NCT00000105"])  # completed: not on this list
    assert err.value.errors[0].path == "pick[0]"
    every = trial_list(CASE, filters=trial_filters(statuses=[]), index=index)
    with pytest.raises(CaseError, match="up to 5"):
        navigator_shortlist(every, [s["protocolSection"]["identificationModule"]["nctId"] for s in STUDIES[:6]])
