"""One ClinicalTrials.gov study in the API v2 JSON layout, normalised into the fields matching needs.

The layout is described in ``shared/reference/trials.md`` §1.1. Its quirks are handled here, once: an absent
``minimumAge``/``maximumAge`` means no limit; sites may lack ``facility``, ``status`` and ``geoPoint``;
observational studies have no ``phases``; ``UNKNOWN`` studies carry ``lastKnownStatus`` (which is never taken as
the current status); enum values not known here are kept as given and reported, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

__all__ = [
    "KNOWN_STATUSES",
    "OPEN_STATUSES",
    "Contact",
    "Site",
    "StudyError",
    "Trial",
    "parse_age_years",
    "parse_study",
    "trial_from_dict",
]

#: ``overallStatus`` values (``pytrials-v2`` 0.1.0 enums, trials.md §1.1). The list is open: others are reported.
KNOWN_STATUSES: frozenset[str] = frozenset(
    {
        "ACTIVE_NOT_RECRUITING",
        "COMPLETED",
        "ENROLLING_BY_INVITATION",
        "NOT_YET_RECRUITING",
        "RECRUITING",
        "SUSPENDED",
        "TERMINATED",
        "WITHDRAWN",
        "AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
        "UNKNOWN",
    }
)
#: Statuses under which a person can join or will soon be able to (kept apart when shown).
OPEN_STATUSES: tuple[str, ...] = ("RECRUITING", "NOT_YET_RECRUITING")
_KNOWN_SEX = frozenset({"ALL", "FEMALE", "MALE"})
_KNOWN_STUDY_TYPES = frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"})
_KNOWN_PHASES = frozenset({"NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"})
_NCT = re.compile(r"^NCT\d{8}$")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
#: The marker the bundled demo records carry (orgStudyIdInfo.id prefix and briefTitle prefix).
FICTIONAL_ID_PREFIX = "MESOSTAGE-FICTIONAL-"
FICTIONAL_TITLE_PREFIX = "[FICTIONAL"


class StudyError(ValueError):
    """A record that is not a usable study; ``nct_id`` is given when the record has one."""

    def __init__(self, nct_id: str | None, message: str) -> None:
        self.nct_id = nct_id
        self.message = message
        super().__init__(f"{nct_id or '(no NCT id)'}: {message}")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Trial:
    """The fields of one study that matching and display need. Ages are in years; ``None`` means no limit."""

    nct_id: str
    brief_title: str
    official_title: str | None = None
    acronym: str | None = None
    lead_sponsor: str | None = None
    overall_status: str = "UNKNOWN"
    last_known_status: str | None = None
    why_stopped: str | None = None
    status_verified: str | None = None
    last_update: str | None = None
    start_date: str | None = None  # statusModule.startDateStruct.date ("2019-03" or "2019-03-15")
    study_type: str | None = None
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    brief_summary: str | None = None
    eligibility_text: str = ""
    minimum_age: str | None = None
    maximum_age: str | None = None
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str | None = None
    healthy_volunteers: bool | None = None
    central_contacts: tuple[Contact, ...] = ()
    sites: tuple[Site, ...] = ()
    fictional: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def url(self) -> str | None:
        """The record's ClinicalTrials.gov page; none for the fictional demo trials (they have no page)."""
        return None if self.fictional else f"https://clinicaltrials.gov/study/{self.nct_id}"

    def to_dict(self) -> dict[str, Any]:
        """What :func:`dataclasses.asdict` gives, built directly: every value is immutable, so the deep copies it
        makes (most of an import's time) are not needed."""
        d = dict(zip(_TRIAL_FIELDS, _TRIAL_VALUES(self), strict=True))
        d["central_contacts"] = tuple(map(_contact_dict, self.central_contacts))
        d["sites"] = tuple(
            {**dict(zip(_SITE_FIELDS, _SITE_VALUES(s), strict=True)), "contacts": tuple(map(_contact_dict, s.contacts))}
            for s in self.sites
        )
        return d


_TRIAL_FIELDS = tuple(f.name for f in fields(Trial))
_SITE_FIELDS = tuple(f.name for f in fields(Site))
_CONTACT_FIELDS = tuple(f.name for f in fields(Contact))
_TRIAL_VALUES = attrgetter(*_TRIAL_FIELDS)
_SITE_VALUES = attrgetter(*_SITE_FIELDS)
_CONTACT_VALUES = attrgetter(*_CONTACT_FIELDS)


def _contact_dict(c: Contact) -> dict[str, Any]:
    return dict(zip(_CONTACT_FIELDS, _CONTACT_VALUES(c), strict=True))


def trial_from_dict(data: dict[str, Any]) -> Trial:
    """The inverse of :meth:`Trial.to_dict` (how the index stores a trial)."""
    d = dict(data)
    d["central_contacts"] = tuple(Contact(**c) for c in d.get("central_contacts", ()))
    d["sites"] = tuple(
        Site(**{**s, "contacts": tuple(Contact(**c) for c in s.get("contacts", ()))}) for s in d.get("sites", ())
    )
    for key in ("phases", "conditions", "keywords", "mesh_terms", "interventions", "warnings"):
        d[key] = tuple(d.get(key, ()))
    return Trial(**d)


def parse_age_years(text: str | None) -> float | None:
    """``"18 Years"`` -> 18.0, ``"6 Months"`` -> 0.5; ``None`` or ``"N/A"`` (classic XML) -> ``None`` (no limit).

    Raises ValueError for any other text.
    """
    if text is None or text.strip().upper() in ("", "N/A", "NA"):
        return None
    m = _AGE.match(text)
    if not m:
        raise ValueError(f"age {text!r} is not '<number> <unit>'")
    return float(m.group(1)) * _YEARS_PER_UNIT[m.group(2).lower()]


def _obj(parent: dict[str, Any], key: str, nct: str | None, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StudyError(nct, f"{where}.{key} is not an object")
    return value


def _list(parent: dict[str, Any], key: str, nct: str | None, where: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise StudyError(nct, f"{where}.{key} is not a list")
    return value


def _str(parent: dict[str, Any], key: str, nct: str | None, where: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise StudyError(nct, f"{where}.{key} is not a string")
    return value.strip() or None


def _strings(parent: dict[str, Any], key: str, nct: str | None, where: str) -> tuple[str, ...]:
    items = _list(parent, key, nct, where)
    if not all(isinstance(x, str) for x in items):
        raise StudyError(nct, f"{where}.{key} holds a value that is not a string")
    return tuple(x.strip() for x in items if x.strip())


def _texts(raw: dict[str, Any], keys: tuple[str, ...], nct: str | None, where: str) -> list[str | None]:
    """:func:`_str` of each key in turn (the same values and errors), in one loop: a registry zip holds millions
    of site and contact fields."""
    out: list[str | None] = []
    for key in keys:
        value = raw.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise StudyError(nct, f"{where}.{key} is not a string")
            value = value.strip() or None
        out.append(value)
    return out


_CONTACT_KEYS = ("name", "role", "phone", "phoneExt", "email")
_SITE_KEYS = ("status", "facility", "city", "state", "zip", "country")  # status first, as it was checked first


def _contact(raw: Any, nct: str | None, where: str) -> Contact:
    if not isinstance(raw, dict):
        raise StudyError(nct, f"{where} is not an object")
    return Contact(*_texts(raw, _CONTACT_KEYS, nct, where))


def _coordinate(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def _site(raw: Any, nct: str | None, where: str, warnings: list[str]) -> Site:
    if not isinstance(raw, dict):
        raise StudyError(nct, f"{where} is not an object")
    geo = _obj(raw, "geoPoint", nct, where)
    lat, lon = _coordinate(geo.get("lat"), -90, 90), _coordinate(geo.get("lon"), -180, 180)
    if geo and (lat is None or lon is None):
        warnings.append(f"{where}.geoPoint is not a valid latitude/longitude; the site is located by its city")
        lat = lon = None
    status, facility, city, state, zip_code, country = _texts(raw, _SITE_KEYS, nct, where)
    if status is not None:
        status = status.upper()
    return Site(
        facility=facility,
        status=status,
        city=city,
        state=state,
        zip=zip_code,
        country=country,
        lat=lat,
        lon=lon,
        contacts=tuple(
            _contact(c, nct, f"{where}.contacts[{i}]") for i, c in enumerate(_list(raw, "contacts", nct, where))
        ),
    )


def parse_study(raw: Any) -> Trial:
    """Normalise one API v2 study object.

    Raises
    ------
    StudyError
        When the record is not a study (no ``protocolSection``, no valid ``nctId``, a field of the wrong type).
        Unknown enum values and unreadable ages are not errors: they are kept and listed in ``warnings``.
    """
    if not isinstance(raw, dict):
        raise StudyError(None, f"a study must be a JSON object, got {type(raw).__name__}")
    proto = raw.get("protocolSection")
    ident = proto.get("identificationModule") if isinstance(proto, dict) else None
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    nct = nct.strip() if isinstance(nct, str) else None
    if not isinstance(proto, dict):
        raise StudyError(nct, "no protocolSection object")
    if not isinstance(ident, dict):
        raise StudyError(nct, "no protocolSection.identificationModule object")
    if nct is None or not _NCT.match(nct):
        raise StudyError(nct, "identificationModule.nctId is missing or not NCT followed by 8 digits")

    warnings: list[str] = []
    p = "protocolSection"
    status_mod = _obj(proto, "statusModule", nct, p)
    design = _obj(proto, "designModule", nct, p)
    cond = _obj(proto, "conditionsModule", nct, p)
    elig = _obj(proto, "eligibilityModule", nct, p)
    contacts = _obj(proto, "contactsLocationsModule", nct, p)
    sponsor = _obj(_obj(proto, "sponsorCollaboratorsModule", nct, p), "leadSponsor", nct, f"{p}.sponsor")
    arms = _obj(proto, "armsInterventionsModule", nct, p)
    desc = _obj(proto, "descriptionModule", nct, p)
    derived = _obj(raw, "derivedSection", nct, "study")
    mesh = _obj(derived, "conditionBrowseModule", nct, "derivedSection")

    title = _str(ident, "briefTitle", nct, "identificationModule") or _str(
        ident, "officialTitle", nct, "identificationModule"
    )
    if title is None:
        warnings.append("no briefTitle")
        title = nct

    status = (_str(status_mod, "overallStatus", nct, "statusModule") or "UNKNOWN").upper()
    if status not in KNOWN_STATUSES:
        warnings.append(f"overallStatus {status!r} is not a known value; the study is treated as not open")
    last_known = _str(status_mod, "lastKnownStatus", nct, "statusModule")

    study_type = _str(design, "studyType", nct, "designModule")
    if study_type is not None and study_type not in _KNOWN_STUDY_TYPES:
        warnings.append(f"studyType {study_type!r} is not a known value")
    phases = _strings(design, "phases", nct, "designModule")
    warnings += [f"phase {ph!r} is not a known value" for ph in phases if ph not in _KNOWN_PHASES]

    ages: dict[str, float | None] = {}
    for key in ("minimumAge", "maximumAge"):
        text = _str(elig, key, nct, "eligibilityModule")
        try:
            ages[key] = parse_age_years(text)
        except ValueError as exc:
            # The text stays in minimum_age/maximum_age with no number: matching reports the limit as not known.
            warnings.append(f"eligibilityModule.{key}: {exc}; this age limit is treated as not known")
            ages[key] = None
    sex = _str(elig, "sex", nct, "eligibilityModule")
    if sex is not None:
        sex = sex.upper()
        if sex not in _KNOWN_SEX:
            warnings.append(f"sex {sex!r} is not a known value; the sex filter is not applied")
    healthy = elig.get("healthyVolunteers")
    criteria = elig.get("eligibilityCriteria")
    if criteria is not None and not isinstance(criteria, str):
        raise StudyError(nct, "eligibilityModule.eligibilityCriteria is not a string")

    mesh_terms = tuple(
        m["term"]
        for key in ("meshes", "ancestors")
        for m in _list(mesh, key, nct, "conditionBrowseModule")
        if isinstance(m, dict) and isinstance(m.get("term"), str)
    )
    interventions = tuple(
        str(i["name"]).strip()
        for i in _list(arms, "interventions", nct, "armsInterventionsModule")
        if isinstance(i, dict) and isinstance(i.get("name"), str)
    )
    org_id = _obj(ident, "orgStudyIdInfo", nct, "identificationModule").get("id")
    fictional = (isinstance(org_id, str) and org_id.startswith(FICTIONAL_ID_PREFIX)) or title.upper().startswith(
        FICTIONAL_TITLE_PREFIX
    )
    lu = _obj(status_mod, "lastUpdatePostDateStruct", nct, "statusModule")
    start = _obj(status_mod, "startDateStruct", nct, "statusModule").get("date")
    return Trial(
        nct_id=nct,
        brief_title=title,
        official_title=_str(ident, "officialTitle", nct, "identificationModule"),
        acronym=_str(ident, "acronym", nct, "identificationModule"),
        lead_sponsor=_str(sponsor, "name", nct, "leadSponsor"),
        overall_status=status,
        last_known_status=last_known.upper() if last_known else None,
        why_stopped=_str(status_mod, "whyStopped", nct, "statusModule"),
        status_verified=_str(status_mod, "statusVerifiedDate", nct, "statusModule"),
        last_update=lu.get("date") if isinstance(lu.get("date"), str) else None,
        start_date=start if isinstance(start, str) and re.match(r"^\d{4}(-\d{2}){0,2}$", start) else None,
        study_type=study_type,
        phases=phases,
        conditions=_strings(cond, "conditions", nct, "conditionsModule"),
        keywords=_strings(cond, "keywords", nct, "conditionsModule"),
        mesh_terms=mesh_terms,
        interventions=interventions,
        brief_summary=_str(desc, "briefSummary", nct, "descriptionModule"),
        eligibility_text=criteria or "",
        minimum_age=_str(elig, "minimumAge", nct, "eligibilityModule"),
        maximum_age=_str(elig, "maximumAge", nct, "eligibilityModule"),
        min_age_years=ages["minimumAge"],
        max_age_years=ages["maximumAge"],
        sex=sex,
        healthy_volunteers=healthy if isinstance(healthy, bool) else None,
        central_contacts=tuple(
            _contact(c, nct, f"centralContacts[{i}]")
            for i, c in enumerate(_list(contacts, "centralContacts", nct, "contactsLocationsModule"))
        ),
        sites=tuple(
            _site(s, nct, f"locations[{i}]", warnings)
            for i, s in enumerate(_list(contacts, "locations", nct, "contactsLocationsModule"))
        ),
        fictional=fictional,
        warnings=tuple(warnings),
    )
