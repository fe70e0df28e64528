"""Matching as a person sees it: hard filters, exclusions shown with reasons, ranking, nearest open site, contacts,
links, FICTIONAL labels, the shortlist, the evaluation set, and the TREC 2022 mesothelioma judgments."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

import mesostage
from mesostage import CaseError
from mesostage.trials import TrialIndex, import_records, load_demo, shortlist_markdown
from mesostage.trials.geo import LocationError, distance_km, locate
from mesostage.trials.scope import mesothelioma_scope
from mesostage.trials.shortlist import INTRO, QUESTIONS
from mesostage.trials.study import Trial
from tests.readability import fk_grade
from tests.trials_factories import EVAL, TREC, study

CASE: dict[str, Any] = {
    "site": "pleura",
    "histology": "epithelioid",
    "patient": {
        "age_years": 61,
        "sex": "male",
        "ecog": 1,
        "prior_systemic_lines": 0,
        "measurable_disease": True,
        "brain_metastases": False,
        "location": "10021",
    },
}
BOSTON = {"lat": 42.337, "lon": -71.106}
NEW_YORK = {"lat": 40.764, "lon": -73.956}


def _site(status: str | None, geo: dict[str, float] | None, city: str = "Boston", **extra: Any) -> dict[str, Any]:
    site: dict[str, Any] = {"city": city, "country": "United States", **extra}
    if status is not None:
        site["status"] = status
    if geo is not None:
        site["geoPoint"] = geo
    return site


def _index(tmp_path: Path, studies: list[dict[str, Any]]) -> Path:
    path = tmp_path / "index.sqlite"
    import_records(((f"s{i}", s) for i, s in enumerate(studies)), path, source="test")
    return path


def _ids(items: list[Any]) -> list[str]:
    return [m.nct_id for m in items]


def test_status_filters_keep_recruiting_and_not_yet_apart(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        [
            study("NCT00000001"),
            study("NCT00000002", status="NOT_YET_RECRUITING", locations=[_site("NOT_YET_RECRUITING", BOSTON)]),
            study("NCT00000003", status="UNKNOWN", lastKnownStatus="RECRUITING", statusVerifiedDate="2019-11"),
            study("NCT00000004", status="COMPLETED"),
            study("NCT00000005", status="ENROLLING_BY_INVITATION"),
        ],
    )
    result = mesostage.match_trials(CASE, index=index)
    assert _ids(result.recruiting) == ["NCT00000001"]
    assert _ids(result.not_yet_recruiting) == ["NCT00000002"]
    assert _ids(result.matches) == ["NCT00000001", "NCT00000002"]  # open now first
    assert result.not_open_count == 3
    everything = mesostage.match_trials(CASE, index=index, include_closed=True)
    unknown = next(m for m in everything.not_open if m.nct_id == "NCT00000003")
    assert unknown.verdict == "not open"
    assert "last known: recruiting" in unknown.status_note
    assert "not counted as recruiting" in unknown.status_note


def test_age_bounds_with_open_ends_and_sex(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        [
            study("NCT00000011", min_age=None, max_age=None, criteria="* Pleural mesothelioma"),
            study("NCT00000012", min_age="18 Years", max_age="60 Years", criteria="* Pleural mesothelioma"),
            study("NCT00000013", min_age="65 Years", criteria="* Pleural mesothelioma"),
            study("NCT00000014", sex="FEMALE", criteria="* Pleural mesothelioma"),
        ],
    )
    result = mesostage.match_trials(CASE, index=index)
    assert _ids(result.matches) == ["NCT00000011"]
    reasons = {m.nct_id: m.why_not for m in result.excluded}
    assert reasons["NCT00000012"] == ["ages 18 years to 60 years; you are 61"]
    assert reasons["NCT00000013"] == ["age 65 years or over; you are 61"]
    assert reasons["NCT00000014"] == ["female only"]


def test_condition_is_mesothelioma_of_this_site(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        [
            study("NCT00000021", conditions=("Peritoneal Mesothelioma",), criteria="* Peritoneal mesothelioma"),
            study("NCT00000022", conditions=("Mesothelioma",), criteria="* Mesothelioma"),
            study(
                "NCT00000023",
                conditions=("Advanced Solid Tumor",),
                criteria="Inclusion Criteria:\n* Solid tumours including mesothelioma",
            ),
        ],
    )
    pleural = mesostage.match_trials(CASE, index=index)
    assert sorted(_ids(pleural.matches)) == ["NCT00000022", "NCT00000023"]
    assert pleural.other_site_count == 1
    peritoneal = mesostage.match_trials({"site": "peritoneum", "patient": CASE["patient"]}, index=index)
    assert sorted(_ids(peritoneal.matches)) == ["NCT00000021", "NCT00000022", "NCT00000023"]


def test_exclusions_are_shown_with_the_criterion_text(tmp_path: Path) -> None:
    index = _index(tmp_path, [study("NCT00000031")])
    treated = {**CASE, "patient": {**CASE["patient"], "prior_systemic_lines": 1, "prior_agents": ["nivolumab"]}}
    result = mesostage.match_trials(treated, index=index)
    (m,) = result.excluded
    assert m.verdict == "excluded"
    assert any("Prior immunotherapy" in w for w in m.why_not)
    labels = {c.text: (c.kind, c.label, c.effect) for c in m.criteria}
    assert labels["Prior immunotherapy"] == ("exclusion", "met", "against")
    assert labels["ECOG performance status 0-1"] == ("inclusion", "met", "for")


def test_the_same_requirement_worded_differently_keeps_each_trials_words(tmp_path: Path) -> None:
    # Matching decides a requirement once per person and reuses the label for every trial that states it; each
    # trial must still show its own words, and the same words as an exclusion must not take an inclusion's label.
    one = "Inclusion Criteria:\n* Pleural mesothelioma\n* ECOG 0-1\n\nExclusion Criteria:\n* Prior immunotherapy"
    two = "Inclusion Criteria:\n* Pleural mesothelioma\n* ECOG performance status of 0 or 1\n* Prior immunotherapy"
    index = _index(tmp_path, [study("NCT00000035", criteria=one), study("NCT00000036", criteria=two)])
    treated = {**CASE, "patient": {**CASE["patient"], "prior_systemic_lines": 1, "prior_agents": ["nivolumab"]}}
    result = mesostage.match_trials(treated, index=index)
    trials = {m.nct_id: m for m in (*result.matches, *result.excluded)}
    first = {c.text: (c.kind, c.label, c.effect) for c in trials["NCT00000035"].criteria}
    second = {c.text: (c.kind, c.label, c.effect) for c in trials["NCT00000036"].criteria}
    assert first["ECOG 0-1"] == ("inclusion", "met", "for")
    assert second["ECOG performance status of 0 or 1"] == ("inclusion", "met", "for")
    assert "ECOG 0-1" not in second
    assert "ECOG performance status of 0 or 1" not in first
    assert first["Prior immunotherapy"] == ("exclusion", "met", "against")
    assert second["Prior immunotherapy"] == ("inclusion", "met", "for")
    assert [m.nct_id for m in result.excluded] == ["NCT00000035"]


def test_clearly_eligible_trials_rank_first(tmp_path: Path) -> None:
    known = "Inclusion Criteria:\n* Pleural mesothelioma\n* ECOG 0-1\n* Measurable disease"
    unclear = "Inclusion Criteria:\n* Pleural mesothelioma\n* Epithelioid histology\n* Stage I-II\n* Resectable"
    index = _index(tmp_path, [study("NCT00000041", criteria=unclear), study("NCT00000042", criteria=known)])
    result = mesostage.match_trials({**CASE, "histology": None}, index=index)
    assert _ids(result.matches) == ["NCT00000042", "NCT00000041"]
    assert result.matches[0].score == 1.0
    assert result.matches[1].score < 1.0
    assert result.matches[1].to_check


def test_nearest_recruiting_site_with_contact_and_link(tmp_path: Path) -> None:
    sites = [
        _site("RECRUITING", BOSTON, facility="Far Site", contacts=[{"name": "Far Nurse", "phone": "555-0101"}]),
        _site("COMPLETED", NEW_YORK, city="New York", facility="Closed Site"),
        _site("RECRUITING", NEW_YORK, city="New York", facility="Near Site", contacts=[{"name": "Near Nurse"}]),
    ]
    index = _index(tmp_path, [study("NCT00000051", locations=sites)])
    (m,) = mesostage.match_trials(CASE, index=index).matches
    assert m.nearest_site is not None
    assert m.nearest_site.facility == "Near Site"
    assert m.nearest_site.distance_km is not None
    assert m.nearest_site.distance_km < 5
    assert m.nearest_site.contacts[0].name == "Near Nurse"
    assert m.open_sites == 2
    assert m.central_contacts[0].email == "desk@example.org"
    assert m.url == "https://clinicaltrials.gov/study/NCT00000051"


def test_sites_without_coordinates_are_placed_by_city_or_counted(tmp_path: Path) -> None:
    sites = [_site(None, None, city="Boston", state="Massachusetts"), _site(None, None, city="Nowhereville")]
    index = _index(tmp_path, [study("NCT00000061", locations=sites)])
    (m,) = mesostage.match_trials(CASE, index=index).matches
    assert m.nearest_site is not None
    assert m.nearest_site.city == "Boston"
    assert m.nearest_site.located_by in ("city", "US ZIP code")
    assert 280 < (m.nearest_site.distance_km or 0) < 320  # New York to Boston
    assert m.sites_without_location == 1


def test_max_distance_excludes_far_trials(tmp_path: Path) -> None:
    index = _index(tmp_path, [study("NCT00000071")])  # Boston only; the person is in New York
    result = mesostage.match_trials(CASE, index=index, max_distance_km=100)
    assert _ids(result.excluded) == ["NCT00000071"]
    assert "km away" in result.excluded[0].why_not[0]


def test_location_errors_name_the_field() -> None:
    bad = {**CASE, "patient": {**CASE["patient"], "location": "Xyzzyville, France"}}
    with pytest.raises(CaseError) as err:
        mesostage.match_trials(bad)
    assert err.value.errors[0].path == "patient.location"
    with pytest.raises(CaseError) as err:
        mesostage.match_trials(CASE, location="Springfield, US")
    assert err.value.errors[0].path == "location"
    assert "Springfield, IL, US" in err.value.errors[0].allowed


def test_patient_argument_replaces_case_patient(tmp_path: Path) -> None:
    index = _index(tmp_path, [study("NCT00000081")])
    result = mesostage.match_trials(CASE, {"age_years": 40, "ecog": 3}, index=index)
    assert _ids(result.excluded) == ["NCT00000081"]
    with pytest.raises(CaseError) as err:
        mesostage.match_trials(CASE, {"ecog": 7}, index=index)
    assert err.value.errors[0].path == "patient.ecog"


def test_demo_trials_are_labelled_fictional_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path))  # no index yet: the bundled demo set is used
    result = mesostage.match_trials(CASE)
    assert result.fictional_data
    assert any("FICTIONAL" in n for n in result.notes)
    listed = result.matches + result.excluded
    assert listed
    for m in listed:
        assert m.fictional
        assert m.title.startswith("[FICTIONAL]")
        assert m.url is None
    text = shortlist_markdown(result)
    assert text.count("FICTIONAL") >= len(result.matches[:10]) + 1
    assert "clinicaltrials.gov/study" not in text


# ---------------------------------------------------------------------------------------------- geography


def test_zip_and_city_lookup() -> None:
    place = locate("10021")  # trials.md §4: zipcodes gives lat 40.7685, long -73.9588 for 10021
    assert (place.lat, place.lon) == pytest.approx((40.7685, -73.9588), abs=1e-3)
    assert locate("Boston, MA").label == "Boston, MA, US"
    assert locate("Turin, Italy").label == locate("Torino, Italy").label
    with pytest.raises(LocationError):
        locate("99999")


def test_haversine_distance() -> None:
    # London (51.5074, -0.1278) to Paris (48.8566, 2.3522): about 344 km along the great circle.
    assert distance_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=2)
    assert distance_km(10, 20, 10, 20) == 0


# ---------------------------------------------------------------------------------------------- shortlist


def test_shortlist_connects_and_reads_plainly(tmp_path: Path) -> None:
    index = _index(tmp_path, [study("NCT00000091"), study("NCT00000092", status="NOT_YET_RECRUITING")])
    result = mesostage.match_trials(CASE, index=index)
    text = shortlist_markdown(result, ["NCT00000091"])
    assert "NCT00000091" in text
    assert "https://clinicaltrials.gov/study/NCT00000091" in text
    assert "Site Nurse" in text
    assert "Central Desk" in text
    assert "does not replace" in text
    assert "NCT00000092" not in text
    with pytest.raises(KeyError):
        shortlist_markdown(result, ["NCT09999999"])
    for passage in (INTRO, " ".join(QUESTIONS)):
        assert fk_grade(passage) <= 8


# ---------------------------------------------------------------------------------------------- evaluation set


def _eval_rows() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with (EVAL / "judgments.tsv").open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        next(rows)
        for profile, nct, rel in rows:
            out.setdefault(profile, {})[nct] = int(rel)
    return out


def test_evaluation_set_eligible_above_excluded(tmp_path: Path) -> None:
    """Judgments written before the matcher ran: every judged-eligible trial is a possible match and every
    judged-excluded one is excluded, for each of the 8 profiles."""
    index = tmp_path / "eval.sqlite"
    load_demo(index)
    qrels = _eval_rows()
    profiles = json.loads((EVAL / "profiles.json").read_text(encoding="utf-8"))
    assert len(profiles) >= 8
    with TrialIndex.open(index) as idx:
        assert idx.count() >= 30
    misses = []
    for profile in profiles:
        rel = qrels[profile["id"]]
        result = mesostage.match_trials(profile["case"], index=index)
        matched = set(_ids(result.matches))
        misses += [(profile["id"], n) for n, r in rel.items() if r == 2 and n not in matched]
        misses += [(profile["id"], n) for n, r in rel.items() if r == 1 and n in matched]
    assert misses == []


def test_trec_2022_mesothelioma_topic_titles_are_in_scope() -> None:
    """Registry titles and conditions judged for TREC 2022 topic 6 (pleural mesothelioma, epithelioid): every trial
    naming mesothelioma was judged relevant (eligible or excluded), and none of the sampled not-relevant ones is
    tagged as a mesothelioma trial."""
    path = TREC / "trec20226_judged_titles.tsv"
    if not path.is_file():
        pytest.skip(f"reference data not present: {path}")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    tagged = {0: 0, 1: 0, 2: 0}
    for row in rows:
        trial = Trial(
            nct_id=row["nct_id"],
            brief_title=row["brief_title"],
            conditions=tuple(row["conditions_as_listed"].split("|")),
        )
        if mesothelioma_scope(trial):
            tagged[int(row["label"])] += 1
    assert tagged[0] == 0
    assert tagged[2] >= 20
    pleural = Trial(nct_id="NCT00005636", brief_title="Malignant Mesothelioma of the Pleura", conditions=("X",))
    assert mesothelioma_scope(pleural) == "pleura"
