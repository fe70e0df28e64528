"""The parsed-TOML cache (``mesostage.datafiles``): every data file reads the same through it as through ``tomllib``,
a changed file is never answered from an older cached form, and a cache that cannot be used is only slower."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

from mesostage import datafiles
from mesostage.datafiles import load_toml
from tests.factories import REPO

DATA_FILES = sorted((REPO / "src" / "mesostage").rglob("*.toml"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache folder and no parsed file remembered in this process."""
    monkeypatch.setenv("MESOSTAGE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(datafiles, "_MEMO", {})
    return tmp_path


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> object:
        raise AssertionError("parsed again although the cache holds this text")

    monkeypatch.setattr(tomllib, "loads", refuse)


def test_the_package_has_data_files() -> None:
    assert len(DATA_FILES) > 10


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(REPO / "src" / "mesostage")))
def test_every_data_file_reads_as_tomllib_reads_it(path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    expected = tomllib.loads(text)
    assert load_toml(text) == expected  # parsed, and written to the cache
    monkeypatch.setattr(datafiles, "_MEMO", {})  # as a new process would start
    _no_parsing(monkeypatch)
    assert load_toml(text) == expected  # from the cache folder


def test_each_call_gets_its_own_objects(cache: Path) -> None:
    first = load_toml('[a]\nitems = ["x"]\n')
    first["a"]["items"].append("changed by a caller")
    assert load_toml('[a]\nitems = ["x"]\n') == {"a": {"items": ["x"]}}


def test_a_changed_file_is_parsed_anew(cache: Path) -> None:
    assert load_toml('stages = ["I", "II"]\n') == {"stages": ["I", "II"]}
    assert load_toml('stages = ["I", "II", "III"]\n') == {"stages": ["I", "II", "III"]}


def test_a_damaged_cached_form_is_not_used(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'code = "T4"\nrank = 4\n'
    load_toml(text)
    (stored,) = cache.rglob("*.marshal")
    blob = stored.read_bytes()
    stored.write_bytes(blob[:-3] + b"\x00\x00\x00")  # same length, other bytes
    monkeypatch.setattr(datafiles, "_MEMO", {})
    assert load_toml(text) == {"code": "T4", "rank": 4}
    stored.write_bytes(blob[:5])  # cut short
    monkeypatch.setattr(datafiles, "_MEMO", {})
    assert load_toml(text) == {"code": "T4", "rank": 4}


def test_an_unusable_cache_folder_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x", encoding="utf-8")
    monkeypatch.setenv("MESOSTAGE_CACHE_DIR", str(not_a_folder))
    monkeypatch.setattr(datafiles, "_MEMO", {})
    assert load_toml("n = 1\n") == {"n": 1}


def test_a_bad_setting_does_not_stop_the_reading(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOSTAGE_PORT", "not a port")
    assert load_toml("n = 2\n") == {"n": 2}
    assert not list(cache.rglob("*.marshal"))  # no cache folder known: nothing written


def test_a_date_is_kept(cache: Path) -> None:
    assert load_toml("since = 2025-01-01\n") == {"since": dt.date(2025, 1, 1)}
    assert load_toml("since = 2025-01-01\n") == {"since": dt.date(2025, 1, 1)}


def test_invalid_toml_still_fails(cache: Path) -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        load_toml("a = \n")


def test_the_cache_is_in_the_cache_folder_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/configuration.md: MESOSTAGE_CACHE_DIR, else the user cache folder (found without the settings model when
    no MESOSTAGE_* variable is set)."""
    from mesostage.settings import settings

    for name in [n for n in os.environ if n.startswith("MESOSTAGE_")]:
        monkeypatch.delenv(name)
    assert datafiles._folder() == settings().cache_folder / datafiles._SUBDIR
    monkeypatch.setenv("MESOSTAGE_CACHE_DIR", str(tmp_path))
    assert datafiles._folder() == tmp_path / datafiles._SUBDIR
