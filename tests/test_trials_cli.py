"""`mesostage trials ...` as a user runs it: exit codes, what is printed, files written, index location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesostage.cli import app
from tests.trials_factories import EVAL, study, write_json

RUNNER = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _profile(tmp_path: Path, n: int = 2) -> Path:
    profiles = json.loads((EVAL / "profiles.json").read_text(encoding="utf-8"))
    return write_json(tmp_path / "case.json", profiles[n]["case"])


def test_match_uses_demo_trials_until_data_is_imported(tmp_path: Path, data_dir: Path) -> None:
    out = RUNNER.invoke(app, ["trials", "match", str(_profile(tmp_path))])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("*** FICTIONAL DEMO TRIALS")
    assert "Possible matches - recruiting now" in out.stdout
    assert "Possible matches - not yet recruiting" in out.stdout
    assert "Excluded - open trials that a criterion rules out" in out.stdout
    assert "Distances from: Boston, MA, US" in out.stdout
    assert "does not replace" in out.stdout
    assert not data_dir.exists()  # matching never writes the index


def test_match_json_and_every_criterion(tmp_path: Path, data_dir: Path) -> None:
    out = RUNNER.invoke(app, ["trials", "match", str(_profile(tmp_path)), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["fictional_data"] is True
    first = data["matches"][0]
    assert {c["label"] for c in first["criteria"]} <= {"met", "not met", "not applicable", "not enough information"}
    assert all(c["text"] for c in first["criteria"])
    text = RUNNER.invoke(app, ["trials", "match", str(_profile(tmp_path)), "--criteria", "--limit", "1"]).stdout
    assert "[inclusion | ecog | met]" in text


def test_match_writes_shortlist(tmp_path: Path, data_dir: Path) -> None:
    target = tmp_path / "shortlist.md"
    out = RUNNER.invoke(
        app, ["trials", "match", str(_profile(tmp_path)), "--shortlist", str(target), "--pick", "NCT99000003"]
    )
    assert out.exit_code == 0, out.output
    text = target.read_text(encoding="utf-8")
    assert "NCT99000003" in text
    assert "FICTIONAL" in text
    bad = RUNNER.invoke(app, ["trials", "match", str(_profile(tmp_path)), "--shortlist", str(target), "--pick", "NCT1"])
    assert bad.exit_code == 2
    assert "--pick" in bad.stderr


def test_match_bad_input_exits_2(tmp_path: Path, data_dir: Path) -> None:
    case = json.loads(_profile(tmp_path).read_text())
    case["patient"]["location"] = "Atlantis, Narnia"
    path = write_json(tmp_path / "bad.json", case)
    out = RUNNER.invoke(app, ["trials", "match", str(path)])
    assert out.exit_code == 2
    assert "error: patient.location:" in out.stderr
    assert "Traceback" not in out.output
    missing = RUNNER.invoke(app, ["trials", "match", str(tmp_path / "none.json")])
    assert missing.exit_code == 2


def test_import_info_search_and_failed_import(tmp_path: Path, data_dir: Path) -> None:
    source = write_json(tmp_path / "ctg-studies.json", [study("NCT00000001"), study("NCT00000002")])
    out = RUNNER.invoke(app, ["trials", "import", str(source), "--report", str(tmp_path / "report.json")])
    assert out.exit_code == 0, out.output
    assert "Imported 2 of 2 records" in out.stdout
    assert json.loads((tmp_path / "report.json").read_text())["imported"] == 2
    info = RUNNER.invoke(app, ["trials", "info"])
    assert "Trials: 2" in info.stdout
    assert str(data_dir / "trials.sqlite") in info.stdout
    found = RUNNER.invoke(app, ["trials", "search", "pleural"])
    assert "NCT00000001" in found.stdout
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    failed = RUNNER.invoke(app, ["trials", "import", str(broken)])
    assert failed.exit_code == 1
    assert "unchanged" in failed.stderr
    assert "Trials: 2" in RUNNER.invoke(app, ["trials", "info"]).stdout


def test_demo_command_and_info_without_index(tmp_path: Path, data_dir: Path) -> None:
    assert "No index" in RUNNER.invoke(app, ["trials", "info"]).stdout
    out = RUNNER.invoke(app, ["trials", "demo"])
    assert out.exit_code == 0
    assert "FICTIONAL demo trials loaded" in out.stdout
    assert "(FICTIONAL demo trials)" in RUNNER.invoke(app, ["trials", "info"]).stdout


def test_sync_failure_exits_1_and_keeps_index(tmp_path: Path, data_dir: Path) -> None:
    RUNNER.invoke(app, ["trials", "demo"])
    before = (data_dir / "trials.sqlite").read_bytes()
    out = RUNNER.invoke(
        app,
        ["trials", "sync", "--base-url", "http://127.0.0.1:9/api/v2", "--retries", "0", "--min-interval", "0"],
    )
    assert out.exit_code == 1
    assert "sync failed" in out.stderr
    assert (data_dir / "trials.sqlite").read_bytes() == before
