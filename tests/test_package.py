"""What a user of the package expects from any Python command-line tool: the version, ``python -m``, completion."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

from typer.testing import CliRunner

import mesostage
from mesostage.cli import app


def test_version_has_one_source() -> None:
    assert metadata.version("mesostage") == mesostage.__version__


def test_version_option() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"mesostage {mesostage.__version__}"


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mesostage", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"mesostage {mesostage.__version__}"


def _complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_MESOSTAGE_COMPLETE": "complete_bash"}
    done = subprocess.run(
        [sys.executable, "-m", "mesostage"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_shell_completion_offers_commands_including_those_loaded_on_first_use() -> None:
    assert _complete("mesostage st", 1) == ["stage"]
    assert _complete("mesostage tr", 1) == ["trials"]  # a lazily loaded command group
    assert {"stage", "review", "explain", "batch", "serve"} <= set(_complete("mesostage ", 1))


def test_the_console_script_is_the_command_line_package() -> None:
    (script,) = (e for e in metadata.entry_points(group="console_scripts") if e.name == "mesostage")
    assert script.value == "mesostage.cli:main"
    assert script.load() is __import__("mesostage.cli", fromlist=["main"]).main


def test_help_lists_every_command_of_every_group() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[1] for line in result.output.splitlines() if line.startswith("│ ") and len(line.split()) > 2]
    staging = ["stage", "review", "explain", "systems", "schema", "example"]
    loaded_on_first_use = ["outlook", "options", "batch", "fhir", "trials", "serve", "extract"]
    assert [c for c in listed if c in staging + loaded_on_first_use] == staging + loaded_on_first_use
