"""Match one person against the trial index: hard filters, every criterion labelled, a ranking that says why.

Hard filters (each gives a line of explanation): mesothelioma of this site (trials for another site only are
counted, not listed); overall status (``RECRUITING`` and ``NOT_YET_RECRUITING`` are open and kept apart; every other
status, ``UNKNOWN`` included whatever its ``lastKnownStatus``, is not open); the registered age limits (an absent
limit is open); sex; and, when asked, the distance to the nearest open site.

Ranking follows TrialGPT's rule without a language model (Jin et al. 2024): a trial with any inclusion criterion
not met or any exclusion criterion met is *excluded* (shown, with the reasons); the others are *possible matches*,
scored by the share of checked criteria that count for the person (criteria mesostage cannot check are listed as
"not enough information" and do not lower the score). Open-now trials come before not-yet-recruiting ones; then
score, then site-specific before any-site and basket trials, then distance.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mesostage.case import Case, Patient, parse_case
from mesostage.errors import CaseError, InputError
from mesostage.trials.criteria import Criterion
from mesostage.trials.evaluate import CriterionOutcome, PatientFacts, evaluate_all, evaluate_criterion, patient_facts
from mesostage.trials.geo import LocationError, Place, distance_km, locate, locate_site
from mesostage.trials.importer import trial_criteria
from mesostage.trials.index import TrialIndex, default_index_path
from mesostage.trials.scope import NOT_SPECIFIC, SCOPE_ANY, SCOPE_BASKET, SCOPE_EFFUSION, scope_sites, takes_site
from mesostage.trials.study import OPEN_STATUSES, Contact, Site, Trial

__all__ = [
    "DISCLAIMER",
    "ContactInfo",
    "CriterionResult",
    "FilterResult",
    "MatchResult",
    "NearestSite",
    "TrialMatch",
    "match_trials",
]

DISCLAIMER = (
    "A list to talk over with your care team, not a decision about who can join. Only the study team can confirm "
    "that a person can take part. Supports, and does not replace, a specialist's judgement."
)
FICTIONAL_NOTE = (
    "FICTIONAL demo trials: these records were made up to show how the tool works. They are not real studies; "
    "import ClinicalTrials.gov data (mesostage trials import / sync) to search real trials."
)
_KM_PER_MILE = 1.609344
_SITE_ADJECTIVE = {
    "pleura": "pleural",
    "peritoneum": "peritoneal",
    "pericardium": "pericardial",
    "tunica_vaginalis": "tunica vaginalis",
}
_FROZEN = ConfigDict(frozen=True)


class ContactInfo(BaseModel):
    """A contact for the trial or one of its sites, as the ClinicalTrials.gov record gives it."""

    model_config = _FROZEN
    name: str | None = Field(None, description="the contact's name")
    role: str | None = Field(None, description="the record's contact role, e.g. CONTACT or PRINCIPAL_INVESTIGATOR")
    phone: str | None = Field(None, description="telephone number, as written in the record")
    email: str | None = Field(None, description="email address, as written in the record")


class NearestSite(BaseModel):
    """The trial's open site nearest to the person (or its first site when no distance can be measured)."""

    model_config = _FROZEN
    facility: str | None = Field(description="the hospital or centre")
    city: str | None = Field(description="its city")
    state: str | None = Field(description="its state or region, where the record gives one")
    zip: str | None = Field(description="its postal code, where the record gives one")
    country: str | None = Field(description="its country")
    status: str | None = Field(description="the site's own recruitment status; None when the record gives none")
    distance_km: float | None = Field(
        description="straight-line distance from the person's place, km; null without one"
    )
    distance_miles: float | None = Field(description="the same distance in miles")
    located_by: str | None = Field(description="'record' (the site's geoPoint), 'city' or 'US ZIP code' lookup")
    contacts: list[ContactInfo] = Field(description="the site's own contacts")


class CriterionResult(BaseModel):
    """One eligibility criterion of the trial, checked against the case."""

    model_config = _FROZEN
    kind: Literal["inclusion", "exclusion"] = Field(description="an inclusion or an exclusion criterion")
    text: str = Field(description="the criterion's words, from the trial record")
    context: str | None = Field(description="the heading or parent item it sits under in the record, if any")
    type: str = Field(
        description="what it is about: cohort, site, histology, tumor_type, stage, tnm, extent, resectability, "
        "lines, prior_agent, washout, ... (mesostage.trials.criteria.CRITERION_TYPES); other when not read"
    )
    label: Literal["met", "not met", "not applicable", "not enough information"] = Field(
        description="the outcome for this person; not enough information when the case does not say, or when "
        "mesostage does not check this kind of criterion"
    )
    effect: Literal["for", "against", "unknown", "neutral"] = Field(
        description="whether the outcome counts for taking part, against it, is unknown, or does not count"
    )
    reason: str = Field(description="why, in plain words, naming what in the case was used")
    open_question: bool = Field(
        False,
        description="not enough information about something the person has (a drug they had and a waiting time, "
        "an effusion and whether it is controlled, ...): the study team must answer it first",
    )


class FilterResult(BaseModel):
    """A check of the whole trial (condition, status, age, sex, distance) before its criteria."""

    model_config = _FROZEN
    name: str = Field(description="condition, status, age, sex or distance")
    passed: bool | None = Field(description="true or false; null when the case does not say (e.g. no age given)")
    reason: str = Field(description="the check in plain words, e.g. 'recruiting now'")


class TrialMatch(BaseModel):
    """One trial and how it fits the person, with a reason for every criterion (from ClinicalTrials.gov)."""

    model_config = _FROZEN
    nct_id: str = Field(description="the ClinicalTrials.gov identifier, e.g. NCT01234567")
    title: str = Field(description="the trial's brief title")
    fictional: bool = Field(description="a made-up demonstration record, not a real study")
    url: str | None = Field(description="the trial's ClinicalTrials.gov page; null for a fictional record")
    overall_status: str = Field(
        description="the record's overallStatus, e.g. RECRUITING, NOT_YET_RECRUITING, COMPLETED"
    )
    status_note: str = Field(description="the status in plain words")
    phases: list[str] = Field(description="the record's phases, e.g. PHASE2; empty for a study without phases")
    study_type: str | None = Field(description="INTERVENTIONAL or OBSERVATIONAL, as the record gives it")
    conditions: list[str] = Field(description="the conditions the record lists")
    scope: str = Field(
        description="which mesothelioma it takes, read from the record: a site (pleura, peritoneum, ...), any (no site "
        "named), basket (several cancers) or effusion (malignant pleural effusion of any cause)"
    )
    mesothelioma_specific: bool = Field(
        True, description="false for basket and malignant-pleural-effusion trials that also take other cancers"
    )
    sponsor: str | None = Field(description="the lead sponsor")
    last_update: str | None = Field(description="when the record was last updated (YYYY-MM-DD)")
    verdict: Literal["possible match", "check first", "excluded", "not open"] = Field(
        description="possible match: nothing known counts against the person; check first: nothing known counts "
        "against them, but an open question about something they have (open_questions) decides it; excluded: a "
        "criterion counts against them; not open: not recruiting"
    )
    score: float = Field(description="share of the checked criteria that count for the person (0-1)")
    why: list[str] = Field(description="what counts for taking part, in plain words")
    why_not: list[str] = Field(description="what counts against it")
    to_check: list[str] = Field(description="what the case does not say and the study team would need to know")
    open_questions: list[str] = Field(
        default_factory=list,
        description="the items of to_check that are about something the person has: the study team must answer "
        "them before the trial can be taken as fitting",
    )
    filters: list[FilterResult] = Field(
        description="the checks of the whole trial: condition, status, age, sex, distance"
    )
    criteria: list[CriterionResult] = Field(description="every eligibility criterion with its outcome and reason")
    nearest_site: NearestSite | None = Field(description="the nearest open site; null when the record lists none")
    sites_total: int = Field(description="how many sites the record lists")
    open_sites: int = Field(description="how many of them are recruiting or about to")
    sites_without_location: int = Field(description="open sites whose place could not be found (no distance)")
    central_contacts: list[ContactInfo] = Field(description="the trial's central contacts")


#: The fields of an answer about the trial index, described once (the match result and the navigator's list).
OtherSiteCount = Annotated[
    int, Field(description="trials in the index for another site of mesothelioma only (not listed)")
]
NotMesotheliomaCount = Annotated[int, Field(description="trials in the index not for mesothelioma (not listed)")]
IndexSource = Annotated[
    str, Field(description="where the trial index came from (a ClinicalTrials.gov import, or the demo)")
]
DataAsOf = Annotated[
    str | None, Field(description="the date of the trial data (YYYY-MM-DD): newer changes are not in it")
]
FictionalData = Annotated[bool, Field(description="the bundled FICTIONAL demo trials were searched, not real ones")]
Notes = Annotated[list[str], Field(description="what to know about this answer (no location given, demo data, ...)")]
Disclaimer = Annotated[str, Field(description="what this list is and is not")]


class MatchResult(BaseModel):
    """The trials that could take this person, those that could not (with why), and what the index holds."""

    model_config = _FROZEN
    case_id: str | None = Field(description="the case's id, echoed back")
    site: str = Field(description="the case's primary site")
    location: str | None = Field(description="the place distances are measured from, as given")
    location_label: str | None = Field(description="the place found for it, e.g. 'Leeds, GB'; null when none was")
    matches: list[TrialMatch] = Field(
        description="possible matches, then those to check first (an open question about the person decides them): "
        "recruiting first, then not yet recruiting"
    )
    excluded: list[TrialMatch] = Field(description="trials a criterion rules out, each with why_not")
    not_open: list[TrialMatch] = Field(description="trials that are not recruiting (only with include_closed)")
    not_open_count: int = Field(description="how many trials for this site are not recruiting")
    other_site_count: OtherSiteCount
    not_mesothelioma_count: NotMesotheliomaCount
    index_source: IndexSource
    data_as_of: DataAsOf
    fictional_data: FictionalData
    notes: Notes
    disclaimer: Disclaimer = DISCLAIMER

    @property
    def recruiting(self) -> list[TrialMatch]:
        return [m for m in self.matches if m.overall_status == "RECRUITING"]

    @property
    def not_yet_recruiting(self) -> list[TrialMatch]:
        return [m for m in self.matches if m.overall_status == "NOT_YET_RECRUITING"]


# --------------------------------------------------------------------------------------------------- index choice


@functools.cache
def _demo() -> TrialIndex:
    from mesostage.trials.importer import demo_index

    return demo_index()


def _resolve_index(index: TrialIndex | str | os.PathLike[str] | None) -> tuple[TrialIndex, bool]:
    """(index, whether the caller must close it)."""
    if isinstance(index, TrialIndex):
        return index, False
    if index is not None:
        return TrialIndex.open(index), True
    path = default_index_path()
    if path.is_file():
        return TrialIndex.open(path), True
    return _demo(), False


@dataclass(frozen=True)
class _Candidate:
    trial: Trial
    scope: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class _Snapshot:
    """What matching reads from one index for one site: loaded once per index file and kept while the file is
    unchanged (an import replaces the file whole, which changes its identity), so repeated matching in a
    long-running process does not decode the same records again."""

    meta: dict[str, str]
    scope_counts: dict[str, int]
    fictional: bool
    candidates: tuple[_Candidate, ...]
    #: ``id()`` of each candidate criterion -> the number of its (kind, facts): criteria with the same number get
    #: the same label, effect and reason for a person (only their text is theirs), see :class:`_Evaluations`
    fact_keys: dict[int, int]


def _fact_keys(candidates: tuple[_Candidate, ...]) -> dict[int, int]:
    numbers: dict[str, int] = {}
    keys: dict[int, int] = {}
    for item in candidates:
        for c in item.criteria:
            # repr of JSON values: equal text only for equal values (1, 1.0 and True differ); the same facts with
            # their keys in another order only miss the reuse
            key = repr((c.kind, c.facts))
            keys[id(c)] = numbers.setdefault(key, len(numbers))
    return keys


class _Evaluations:
    """One person's criterion outcomes during one match: a criterion whose kind and facts were already decided for
    this person (the same boilerplate in many trials, "ECOG 0-1", "Pregnant or breastfeeding") takes that outcome
    with its own text, instead of being evaluated again. The label of a criterion comes from its kind and its
    facts alone (:func:`evaluate_criterion`); its words are shown, not read, at match time."""

    __slots__ = ("_keys", "_seen")

    def __init__(self, keys: dict[int, int]) -> None:
        self._keys = keys
        self._seen: dict[int, CriterionOutcome] = {}

    def __call__(self, c: Criterion, p: PatientFacts) -> CriterionOutcome:
        key = self._keys.get(id(c))
        if key is None:  # not a criterion of the snapshot
            return evaluate_criterion(c, p)
        o = self._seen.get(key)
        if o is None:
            o = self._seen[key] = evaluate_criterion(c, p)
            return o
        if o.text == c.text and o.context == c.context:
            return o
        # the same outcome with this criterion's words: every field copied (whatever fields the outcome has),
        # without dataclasses.replace's re-initialisation, which took a fifth of a match over the real records
        copy = object.__new__(CriterionOutcome)
        copy.__dict__.update(o.__dict__, text=c.text, context=c.context)
        return copy


_SNAPSHOTS: OrderedDict[tuple[Any, ...], _Snapshot] = OrderedDict()
_MAX_SNAPSHOTS = 8
# One lock for the cache and for reading an index into it (the web app matches from several threads, and the
# in-memory demo index is one SQLite connection).
_LOCK = threading.Lock()


def _file_key(path: Path) -> tuple[Any, ...]:
    st = path.stat()
    return (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)


def _snapshot(index: TrialIndex | str | os.PathLike[str] | None, site: str, include_closed: bool) -> _Snapshot:
    with _LOCK:
        return _snapshot_locked(index, site, include_closed)


def _snapshot_locked(index: TrialIndex | str | os.PathLike[str] | None, site: str, include_closed: bool) -> _Snapshot:
    if isinstance(index, TrialIndex):
        key_source: tuple[Any, ...] | None = _file_key(index.path) if index.path is not None else None
        if index.path is None and index is _demo():
            key_source = ("demo",)
    elif index is not None:
        key_source = _file_key(Path(index)) if Path(index).is_file() else None
    else:
        path = default_index_path()
        key_source = _file_key(path) if path.is_file() else ("demo",)
    key = (*key_source, site, include_closed) if key_source is not None else None
    if key is not None and key in _SNAPSHOTS:
        _SNAPSHOTS.move_to_end(key)
        return _SNAPSHOTS[key]
    idx, close = _resolve_index(index)
    try:
        items = idx.mesothelioma_trials(site, statuses=None if include_closed else OPEN_STATUSES)
        candidates = tuple(
            _Candidate(
                trial=item.trial,
                scope=item.scope,
                criteria=tuple(Criterion.from_dict(c) for c in item.criteria)
                if item.criteria is not None
                else tuple(trial_criteria(item.trial, item.scope)),
            )
            for item in items
        )
        snap = _Snapshot(
            meta=idx.meta(),
            scope_counts=idx.counts_by_scope(),
            fictional=idx.has_fictional(),
            candidates=candidates,
            fact_keys=_fact_keys(candidates),
        )
    finally:
        if close:
            idx.close()
    if key is not None:
        _SNAPSHOTS[key] = snap
        while len(_SNAPSHOTS) > _MAX_SNAPSHOTS:
            _SNAPSHOTS.popitem(last=False)
    return snap


# ----------------------------------------------------------------------------------------------------- filters


def _status(trial: Trial) -> tuple[bool, str]:
    s = trial.overall_status
    if s == "RECRUITING":
        return True, "recruiting now"
    if s == "NOT_YET_RECRUITING":
        return True, "not yet recruiting: the study cannot take anyone yet"
    if s == "UNKNOWN":
        last = f" (last known: {trial.last_known_status.lower().replace('_', ' ')})" if trial.last_known_status else ""
        verified = f", last verified {trial.status_verified}" if trial.status_verified else ""
        return False, f"status unknown{last}{verified}: not counted as recruiting"
    if s == "ENROLLING_BY_INVITATION":
        return False, "enrolling by invitation only"
    why = f" ({trial.why_stopped})" if trial.why_stopped else ""
    return False, f"not open: {s.lower().replace('_', ' ')}{why}"


def _age_filter(trial: Trial, p: PatientFacts) -> FilterResult:
    low, high = trial.min_age_years, trial.max_age_years
    unreadable = (trial.minimum_age is not None and low is None) or (trial.maximum_age is not None and high is None)
    if trial.minimum_age and trial.maximum_age:
        limits = f"ages {trial.minimum_age} to {trial.maximum_age}".lower()
    elif trial.minimum_age:
        limits = f"age {trial.minimum_age} or over".lower()
    elif trial.maximum_age:
        limits = f"age {trial.maximum_age} or under".lower()
    else:
        limits = "no age limits"
    if unreadable:
        return FilterResult(name="age", passed=None, reason=f"age limits could not be read ({limits})")
    if p.age_years is None:
        return FilterResult(name="age", passed=None, reason=f"{limits}; your age is not given")
    ok = (low is None or p.age_years >= low) and (high is None or p.age_years <= high)
    return FilterResult(name="age", passed=ok, reason=f"{limits}; you are {p.age_years}")


# The criteria text itself leaves sex open ("Sex: Not specified" in the PDQ layout, "men and women"): a one-sex
# registry field then contradicts the record's own criteria, and the trial team, not the matcher, has to settle it.
_SEX_OPEN_IN_TEXT = re.compile(
    r"\bsex\b[^:.;]{0,40}:\s*(?:not specified|any|male or female|female or male|both)\b"
    r"|\b(?:men and women|women and men|males and females|male and female|both sexes)\b",
    re.IGNORECASE,
)


def _sex_filter(trial: Trial, p: PatientFacts) -> FilterResult:
    if trial.sex in (None, "ALL") or trial.sex not in ("FEMALE", "MALE"):
        return FilterResult(name="sex", passed=True, reason="open to all sexes")
    want = trial.sex.lower()
    if p.sex is None:
        return FilterResult(name="sex", passed=None, reason=f"{want} only; your sex is not given")
    if p.sex != want and _SEX_OPEN_IN_TEXT.search(trial.eligibility_text):
        return FilterResult(
            name="sex",
            passed=None,
            reason=f"the record's sex field says {want} only, but its criteria text leaves sex open: ask the team",
        )
    return FilterResult(name="sex", passed=p.sex == want, reason=f"{want} only")


def _contacts(contacts: tuple[Contact, ...]) -> list[ContactInfo]:
    return [
        ContactInfo(
            name=c.name, role=c.role, phone=f"{c.phone} ext. {c.phone_ext}" if c.phone_ext else c.phone, email=c.email
        )
        for c in contacts
        if c.name or c.phone or c.email
    ]


def _site_point(site: Site) -> tuple[float, float, str] | None:
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon, "record"
    place = locate_site(site.city, site.state, site.zip, site.country)
    return (place.lat, place.lon, place.method) if place else None


def _nearest(trial: Trial, origin: Place | None) -> tuple[NearestSite | None, int, int]:
    """The nearest open site (``RECRUITING``; for a not-yet-recruiting trial its ``NOT_YET_RECRUITING`` sites; sites
    without a status only when no site has one), the number of open sites and of those that could not be placed."""
    wanted = "RECRUITING" if trial.overall_status == "RECRUITING" else "NOT_YET_RECRUITING"
    sites = [s for s in trial.sites if s.status == wanted]
    if not sites and all(s.status is None for s in trial.sites):
        sites = list(trial.sites)
    if not sites:
        return None, 0, 0
    best: tuple[float, Site, str] | None = None
    unplaced = 0
    for s in sites:
        point = _site_point(s)
        if point is None:
            unplaced += 1
            continue
        if origin is None:
            continue
        d = distance_km(origin.lat, origin.lon, point[0], point[1])
        if best is None or d < best[0]:
            best = (d, s, point[2])
    if best is None:
        site, dist, how = sites[0], None, None
    else:
        dist, site, how = best
    return (
        NearestSite(
            facility=site.facility,
            city=site.city,
            state=site.state,
            zip=site.zip,
            country=site.country,
            status=site.status,
            distance_km=round(dist, 1) if dist is not None else None,
            distance_miles=round(dist / _KM_PER_MILE, 1) if dist is not None else None,
            located_by=how,
            contacts=_contacts(site.contacts),
        ),
        len(sites),
        unplaced,
    )


# ------------------------------------------------------------------------------------------------------ matching


def _specificity(scope: str, site: str) -> int:
    if site in scope_sites(scope):
        return 2
    return 1 if scope == SCOPE_ANY else 0


def _one(
    item: _Candidate, p: PatientFacts, origin: Place | None, max_km: float | None, evaluate: _Evaluations
) -> TrialMatch:
    trial = item.trial
    is_open, status_note = _status(trial)
    filters = [
        FilterResult(name="condition", passed=True, reason=_scope_reason(item.scope, p.site, trial)),
        FilterResult(name="status", passed=is_open, reason=status_note),
        _age_filter(trial, p),
        _sex_filter(trial, p),
    ]
    nearest, open_sites, unplaced = _nearest(trial, origin) if is_open else (None, 0, 0)
    if max_km is not None and is_open:
        if nearest is None or nearest.distance_km is None:
            filters.append(FilterResult(name="distance", passed=None, reason="no open site with a known location"))
        else:
            filters.append(
                FilterResult(
                    name="distance",
                    passed=nearest.distance_km <= max_km,
                    reason=f"nearest open site {nearest.distance_km:.0f} km away (limit {max_km:.0f} km)",
                )
            )
    outcomes: list[CriterionOutcome] = evaluate_all(item.criteria, p, evaluate=evaluate)
    criteria = [_criterion_result(o) for o in outcomes]
    why = [f.reason for f in filters if f.passed and f.name != "status"]
    why_not = [f.reason for f in filters if f.passed is False and f.name != "status"]
    to_check = [f.reason for f in filters if f.passed is None]
    open_questions: list[str] = []
    checked_for = checked_unknown = 0
    for o in outcomes:
        verb = "needs" if o.kind == "inclusion" else "excludes"
        quoted = f"{verb}: {o.reason} - \u201c{_short(o.text)}\u201d"
        if o.effect == "for":
            why.append(quoted)
            checked_for += 1
        elif o.effect == "against":
            why_not.append(quoted)
        elif o.effect == "unknown" and (o.type != "other" or o.open_question):
            to_check.append(quoted)
            checked_unknown += 1
            if o.open_question:
                open_questions.append(quoted)
    score = checked_for / (checked_for + checked_unknown) if checked_for + checked_unknown else 0.0
    verdict: Literal["possible match", "check first", "excluded", "not open"]
    if not is_open:
        verdict = "not open"
    else:
        verdict = "excluded" if why_not else ("check first" if open_questions else "possible match")
    return TrialMatch(
        nct_id=trial.nct_id,
        title=trial.brief_title,
        fictional=trial.fictional,
        url=trial.url,
        overall_status=trial.overall_status,
        status_note=status_note,
        phases=list(trial.phases),
        study_type=trial.study_type,
        conditions=list(trial.conditions),
        scope=item.scope,
        mesothelioma_specific=item.scope not in NOT_SPECIFIC,
        sponsor=trial.lead_sponsor,
        last_update=trial.last_update,
        verdict=verdict,
        score=round(score, 3),
        why=why,
        why_not=why_not,
        to_check=to_check,
        open_questions=open_questions,
        filters=filters,
        criteria=criteria,
        nearest_site=nearest,
        sites_total=len(trial.sites),
        open_sites=open_sites,
        sites_without_location=unplaced,
        central_contacts=_contacts(trial.central_contacts),
    )


@functools.lru_cache(maxsize=32768)
def _criterion_result(o: CriterionOutcome) -> CriterionResult:
    """The public result of one outcome. Built without re-validation (every field comes from typed code), and
    kept: the results are frozen, and most outcomes recur from person to person (a criterion the case cannot
    decide has the same outcome for everyone), so hundreds per match need not be rebuilt."""
    return CriterionResult.model_construct(
        kind=o.kind,
        text=o.text,
        context=o.context,
        type=o.type,
        label=o.label,
        effect=o.effect,
        reason=o.reason,
        open_question=o.open_question,
    )


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _scope_reason(scope: str, site: str, trial: Trial | None = None) -> str:
    word = _SITE_ADJECTIVE.get(site, site)
    if scope == SCOPE_BASKET:
        if trial is not None and "mesothelin" in " ".join((trial.brief_title, *trial.interventions)).lower():
            return "not mesothelioma-specific: a trial of a mesothelin-targeted treatment for several cancers"
        return "not mesothelioma-specific: a trial for several cancers whose criteria name mesothelioma"
    if scope == SCOPE_EFFUSION:
        return "not mesothelioma-specific: a trial for malignant pleural effusion of any cause"
    if scope == SCOPE_ANY:
        return "a trial for mesothelioma (no site named)"
    return f"a trial for {word} mesothelioma"


def _rank_key(m: TrialMatch, site: str) -> tuple[Any, ...]:
    distance = m.nearest_site.distance_km if m.nearest_site and m.nearest_site.distance_km is not None else 1e9
    return (
        0 if m.overall_status == "RECRUITING" else 1,
        0 if m.verdict == "possible match" else 1,
        -m.score,
        -_specificity(m.scope, site),
        distance,
        m.nct_id,
    )


def match_trials(
    case: Case | Mapping[str, Any],
    patient: Patient | Mapping[str, Any] | None = None,
    *,
    index: TrialIndex | str | os.PathLike[str] | None = None,
    location: str | None = None,
    max_distance_km: float | None = None,
    include_closed: bool = False,
    limit: int | None = None,
) -> MatchResult:
    """Match a case against the trial index, with a reason for every criterion.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format; its ``patient`` block holds what matching uses
        (age, sex, ECOG, prior lines and agents, measurable disease, brain metastases, contraindications,
        resectability, location).
    patient
        Replaces ``case.patient`` when given.
    index
        A :class:`TrialIndex` or the path of an index file. Default: the index in the user's data directory, or,
        when none has been imported yet, the bundled FICTIONAL demo trials (the result says so).
    location
        Replaces ``patient.location`` (a US ZIP code or "City, Country") for distances.
    max_distance_km
        Exclude trials whose nearest open site is farther than this.
    include_closed
        Also list trials that are not open (completed, unknown status, ...); otherwise they are only counted.
    limit
        At most this many possible matches and this many excluded trials.

    Raises
    ------
    CaseError
        For a bad case or patient block, or a location that cannot be found (path ``patient.location``).
    """
    parsed = parse_case(case)
    if patient is not None:
        data = parsed.model_dump(mode="json", exclude_none=True)
        data["patient"] = (
            patient.model_dump(mode="json", exclude_none=True) if isinstance(patient, Patient) else dict(patient)
        )
        parsed = parse_case(data)
    if max_distance_km is not None and max_distance_km <= 0:
        raise CaseError(
            [InputError("max_distance_km", f"must be a positive number of kilometres, got {max_distance_km}")]
        )
    where = location if location is not None else (parsed.patient.location if parsed.patient else None)
    origin: Place | None = None
    if where is not None:
        try:
            origin = locate(where)
        except LocationError as exc:
            path = "location" if location is not None else "patient.location"
            raise CaseError([InputError(path, str(exc), exc.candidates)]) from None
    facts = patient_facts(parsed)
    snap = _snapshot(index, parsed.site, include_closed)
    meta, scope_counts, fictional = snap.meta, snap.scope_counts, snap.fictional
    other_site = sum(n for scope, n in scope_counts.items() if scope and not takes_site(scope, parsed.site))
    not_meso = scope_counts.get("", 0)
    total_for_site = sum(n for scope, n in scope_counts.items() if scope) - other_site
    evaluate = _Evaluations(snap.fact_keys)
    results = [_one(item, facts, origin, max_distance_km, evaluate) for item in snap.candidates]
    matches = sorted(
        (m for m in results if m.verdict in ("possible match", "check first")), key=lambda m: _rank_key(m, parsed.site)
    )
    excluded = sorted(
        (m for m in results if m.verdict == "excluded"),
        key=lambda m: (len(m.why_not), *_rank_key(m, parsed.site)),
    )
    not_open = sorted((m for m in results if m.verdict == "not open"), key=lambda m: m.nct_id)
    not_open_count = total_for_site - len(matches) - len(excluded)
    notes = []
    if fictional:
        notes.append(FICTIONAL_NOTE)
    if origin is None:
        notes.append("No location given: add patient.location (a US ZIP code or 'City, Country') to see distances.")
    if facts.stage_possible is None and parsed.site in ("pleura", "peritoneum"):
        notes.append("The stage could not be worked out from the case, so stage criteria are left open.")
    if limit is not None:
        matches, excluded = matches[:limit], excluded[:limit]
    return MatchResult(
        case_id=parsed.id,
        site=parsed.site,
        location=where,
        location_label=origin.label if origin else None,
        matches=matches,
        excluded=excluded,
        not_open=not_open,
        not_open_count=not_open_count,
        other_site_count=other_site,
        not_mesothelioma_count=not_meso,
        index_source=meta.get("source", "unknown"),
        data_as_of=meta.get("data_as_of"),
        fictional_data=fictional,
        notes=notes,
    )


def index_path_or_default(path: str | os.PathLike[str] | None) -> Path:
    return Path(path) if path is not None else default_index_path()
