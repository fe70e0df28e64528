"""An index written in an older format by an earlier mesostage: criteria and scope are read once, at import, so an
index from before this version's reader cannot give its answers. It is refused with the reason and the command that
rebuilds it (docs/trials.md "Criteria are read once, at import"), for reading, matching and ``--merge``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesostage.cli import app
from mesostage.trials import ImportFailed, TrialIndex, import_source
from mesostage.trials.index import SCHEMA_VERSION, OutdatedIndex
from tests.trials_factories import EVAL, study, write_json

RUNNER = CliRunner()


def _written_as(index: Path, version: str | None) -> Path:
    """The index an earlier (or later) mesostage would have left: this one's, with its format number changed."""
    with sqlite3.connect(index) as conn:
        if version is None:
            conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    return index


def _index(tmp_path: Path) -> Path:
    source = write_json(tmp_path / "studies.json", {"studies": [study("NCT00000001")]})
    index = tmp_path / "trials.sqlite"
    import_source(source, index)
    return index


def test_an_index_of_the_previous_format_is_refused_with_how_to_rebuild_it(tmp_path: Path) -> None:
    index = _written_as(_index(tmp_path), "2")
    with pytest.raises(OutdatedIndex) as err:
        TrialIndex.open(index)
    message = str(err.value)
    assert str(index) in message
    assert "older version of mesostage" in message
    assert f"index format 2; this version reads format {SCHEMA_VERSION}" in message
    assert "mesostage trials import FILE" in message
    assert "mesostage trials sync" in message


def test_an_index_of_a_newer_format_or_without_one_says_so(tmp_path: Path) -> None:
    index = _written_as(_index(tmp_path), str(int(SCHEMA_VERSION) + 1))
    with pytest.raises(OutdatedIndex, match="newer version of mesostage"):
        TrialIndex.open(index)
    _written_as(index, None)
    with pytest.raises(OutdatedIndex, match=r"older version of mesostage \(an index format without a version"):
        TrialIndex.open(index)


def test_this_versions_index_opens(tmp_path: Path) -> None:
    with TrialIndex.open(_index(tmp_path)) as idx:
        assert idx.meta()["schema_version"] == SCHEMA_VERSION
        assert idx.count() == 1


def test_merging_into_an_old_index_is_refused_and_a_plain_import_replaces_it(tmp_path: Path) -> None:
    index = _written_as(_index(tmp_path), "2")
    more = write_json(tmp_path / "more.json", {"studies": [study("NCT00000002")]})
    with pytest.raises(ImportFailed, match=r"cannot merge into .*index format 2.*without --merge"):
        import_source(more, index, mode="merge")
    import_source(more, index)  # replaces it in this version's format
    with TrialIndex.open(index) as idx:
        assert idx.count() == 1


def test_trials_match_on_an_old_index_exits_with_the_rebuild_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _written_as(_index(tmp_path), "2")
    profiles = json.loads((EVAL / "profiles.json").read_text(encoding="utf-8"))
    case = write_json(tmp_path / "case.json", profiles[2]["case"])
    out = RUNNER.invoke(app, ["trials", "match", str(case), "--index", str(index)])
    assert out.exit_code != 0
    assert "older version of mesostage" in out.output
    assert "mesostage trials import FILE" in out.output
