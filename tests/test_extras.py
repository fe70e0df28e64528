"""The base install is a working command line, and a command that needs an optional part names it.

Each run is a new process in which the optional parts' modules cannot be imported (``sys.modules[name] = None``
makes ``import name`` raise ModuleNotFoundError, as on a machine where the extra is not installed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mesostage.extras import EXTRA_OF_MODULE

_RUN = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "sys.argv = ['mesostage', *sys.argv[2:]]\n"
    "from mesostage.cli import main\n"
    "main()\n"
)


def _without_extras(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MESOSTAGE_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-c", _RUN, ",".join(EXTRA_OF_MODULE), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env=env,
    )


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    from typer.testing import CliRunner

    from mesostage.cli import app

    case = json.loads(CliRunner().invoke(app, ["example"]).output)
    case.get("patient", {}).pop("location", None)  # a place is given per test, where distances are the point
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["stage", "case.json", "--format", "text"],
        ["review", "case.json"],
        ["explain", "case.json"],
        ["options", "case.json"],
        ["outlook", "case.json"],
        ["systems"],
        ["schema"],
    ],
    ids=lambda c: c[0],
)
def test_base_install_commands_work_without_any_extra(command: list[str], case_file: Path, tmp_path: Path) -> None:
    done = _without_extras(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_trials_without_distances_work_without_any_extra(case_file: Path, tmp_path: Path) -> None:
    assert _without_extras(["trials", "demo"], tmp_path).returncode == 0
    done = _without_extras(["trials", "match", "case.json"], tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (["outlook", "case.json", "--figure", "out.png"], "figures"),
        (["batch", "case.json", "-o", "out.csv"], "batch"),
        (["fhir", "export", "case.json"], "fhir"),
        (["serve"], "web"),
    ],
    ids=lambda c: c[0] if isinstance(c, list) else c,
)
def test_a_command_names_the_extra_it_needs(command: list[str], extra: str, case_file: Path, tmp_path: Path) -> None:
    done = _without_extras(command, tmp_path)
    assert done.returncode == 2
    assert f"pip install 'mesostage[{extra}]'" in done.stderr
    assert "internal error" not in done.stderr
    assert "Traceback" not in done.stderr


def test_trial_distances_name_the_geo_extra(case_file: Path, tmp_path: Path) -> None:
    assert _without_extras(["trials", "demo"], tmp_path).returncode == 0
    done = _without_extras(["trials", "match", "case.json", "--location", "Leeds, United Kingdom"], tmp_path)
    assert done.returncode == 2
    assert "pip install 'mesostage[geo]'" in done.stderr
