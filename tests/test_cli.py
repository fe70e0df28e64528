"""The command line as a user runs it: exit codes, stdout/stderr, text table, systems list, schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesostage.cli import app

RUNNER = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "mesostage" / "examples" / "example-1.json"


def test_stage_json_from_file() -> None:
    out = RUNNER.invoke(app, ["stage", str(EXAMPLE)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    tnm8 = next(r for r in data["results"] if r["system"] == "tnm8")
    assert (tnm8["t"], tnm8["n"], tnm8["m"], tnm8["stage"], tnm8["stage_range"]) == (
        "T3",
        "N1",
        "M0",
        "IIIA",
        ["IIIA", "IIIA"],
    )


def test_stage_from_stdin_with_system_filter() -> None:
    out = RUNNER.invoke(app, ["stage", "-", "--system", "tnm9", "-s", "tnm7"], input=EXAMPLE.read_text())
    assert out.exit_code == 0, out.output
    assert [r["system"] for r in json.loads(out.stdout)["results"]] == ["tnm9", "tnm7"]


def test_text_table_side_by_side() -> None:
    out = RUNNER.invoke(app, ["stage", str(EXAMPLE), "--format", "text"])
    assert out.exit_code == 0, out.output
    header = next(line for line in out.stdout.splitlines() if "TNM 8th" in line and "TNM 9th" in line)
    assert "Butchart" in header
    assert "Brigham" in header
    stage_line = next(line for line in out.stdout.splitlines() if line.startswith("Stage "))
    assert stage_line.split()[1:4] == ["IIIA", "IIIA", "III"]
    assert "mediastinal_fat -> T3" in out.stdout
    assert "Range" in out.stdout
    assert "not applicable" in out.stdout  # the peritoneal system
    assert "does not replace" in out.stdout


def test_text_shows_cannot_be_determined() -> None:
    case = {"site": "pleura", "tumor": {"findings": ["parietal_pleura"]}, "metastases": {}}
    out = RUNNER.invoke(app, ["stage", "-", "-f", "text", "-s", "tnm8"], input=json.dumps(case))
    assert out.exit_code == 0, out.output
    assert "cannot be determined" in out.stdout
    assert "IA to IIIB" in out.stdout


def test_bad_input_exits_2_with_paths_on_stderr() -> None:
    case = {"site": "pleura", "tumor": {"findings": ["parietal_pleura", "ribs"]}, "basis": "surgical"}
    out = RUNNER.invoke(app, ["stage", "-"], input=json.dumps(case))
    assert out.exit_code == 2
    assert out.stdout == ""
    assert (
        "error: basis: 'surgical' is not an allowed value (allowed: clinical, pathological, post_therapy)" in out.stderr
    )
    assert "error: tumor.findings[1]: 'ribs' is not an allowed value" in out.stderr
    assert "Traceback" not in out.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["stage", "/nonexistent/case.json"], None, "no such file"),
        (["stage", "-"], "{not json", "not valid JSON"),
        (["stage", "-"], "[1, 2]", "JSON object"),
        (["stage", "-", "--system", "tnm6"], '{"site": "pleura"}', "unknown system 'tnm6'"),
    ],
)
def test_other_bad_input(args: list[str], stdin: str | None, message: str) -> None:
    out = RUNNER.invoke(app, args, input=stdin)
    assert out.exit_code == 2
    assert message in out.stderr
    assert "Traceback" not in out.output


def test_systems_lists_all_with_sources() -> None:
    out = RUNNER.invoke(app, ["systems"])
    assert out.exit_code == 0
    for system_id in ("tnm8", "tnm9", "tnm7", "butchart", "brigham", "peritoneal_tnm"):
        assert system_id in out.stdout
    assert "Rusch VW" in out.stdout
    assert "Yan TD" in out.stdout
    data = json.loads(RUNNER.invoke(app, ["systems", "--format", "json"]).stdout)
    tnm9 = next(s for s in data if s["id"] == "tnm9")
    assert tnm9["evidence"] == "secondary"
    assert tnm9["decisions"]


def test_schema_is_the_case_json_schema() -> None:
    out = RUNNER.invoke(app, ["schema"])
    assert out.exit_code == 0
    schema = json.loads(out.stdout)
    assert schema["required"] == ["site"]
    assert set(schema["properties"]) >= {"site", "tumor", "nodes", "metastases", "peritoneal", "reported_stage"}
    assert "rib" in json.dumps(schema)


def test_installed_command_runs_as_a_user_would() -> None:
    """The real console script in a subprocess: exit status and streams as a shell sees them."""
    exe = Path(sys.executable).parent / "mesostage"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(
        [exe, "stage", str(EXAMPLE), "-f", "text"], capture_output=True, text=True, env=env, check=False
    )
    assert ok.returncode == 0
    assert "IIIA" in ok.stdout
    bad = subprocess.run(
        [exe, "stage", "-"], input='{"site": "lung"}', capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: site:")
    assert "Traceback" not in bad.stderr
    example = subprocess.run([exe, "example"], capture_output=True, text=True, env=env, check=False)
    assert json.loads(example.stdout)["id"] == "example-1"


def test_review_command() -> None:
    out = RUNNER.invoke(app, ["review", str(EXAMPLE)])
    assert out.exit_code == 0, out.output
    assert "[CRITICAL] reported_stage_differs" in out.stdout  # the example reports IV for a IIIA case
    assert "Source:" in out.stdout
    data = json.loads(RUNNER.invoke(app, ["review", str(EXAMPLE), "-f", "json"]).stdout)
    assert all(n["source"] for n in data)


def test_explain_command_for_both_audiences() -> None:
    patient = RUNNER.invoke(app, ["explain", str(EXAMPLE)])
    assert patient.exit_code == 0, patient.output
    assert "Questions to ask your care team" in patient.stdout
    clinician = RUNNER.invoke(app, ["explain", str(EXAMPLE), "--audience", "clinician"])
    assert "cT3 cN1 cM0; stage IIIA" in clinician.stdout
    bad = RUNNER.invoke(app, ["explain", str(EXAMPLE), "--audience", "family"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_review_bad_input_exits_2() -> None:
    out = RUNNER.invoke(app, ["review", "-"], input='{"site": "pleura", "tumor": {"findings": ["ribs"]}}')
    assert out.exit_code == 2
    assert "tumor.findings[0]" in out.stderr
