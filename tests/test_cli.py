"""The command line as a user runs it: exit codes, stdout/stderr, text table, systems list, schema."""

from __future__ import annotations

import json
import os
import re
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


def test_text_reads_like_a_report() -> None:
    out = RUNNER.invoke(app, ["stage", str(EXAMPLE), "--format", "text"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) < 100
    # one block per applicable system, the system in use first (example-1 is diagnosed in 2024: the 8th edition)
    heads = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert heads[0].startswith("TNM 8th (in use")
    assert [h.split(" (")[0] for h in heads[1:]] == ["TNM 9th", "TNM 7th / IMIG", "Butchart", "Brigham"]
    block = lines[lines.index(heads[0]) : lines.index(heads[1])]
    assert any(line.split() == ["Stage", "IIIA"] for line in block)
    assert any(line.split() == ["Categories", "cT3", "cN1", "cM0"] for line in block)
    # labels, not field names: mediastinal fat decides T3 in the 8th edition (Nowak 2016)
    assert any("T3: the fat in the middle of the chest (mediastinal fat)" in line for line in block)
    assert "mediastinal_fat" not in out.stdout
    # every source printed once, cited by number in the blocks
    data = json.loads(RUNNER.invoke(app, ["stage", str(EXAMPLE)]).stdout)
    listed = re.split(r"(?:^| )\[\d+\] ", " ".join(lines[lines.index("Sources:") + 1 : -2]))[1:]
    entries = [" ".join(e.split()) for e in listed]
    wanted = {" ".join(s.split()) for r in data["results"] if r["applicable"] for s in r["sources"]}
    assert sorted(entries) == sorted(wanted)
    assert "[1]" in "\n".join(block)
    assert "not applicable" in out.stdout.lower()  # the peritoneal system
    assert "does not replace" in out.stdout


def test_text_leads_with_the_range_when_the_stage_is_open() -> None:
    case = {"site": "pleura", "tumor": {"findings": ["parietal_pleura"]}, "metastases": {}}
    out = RUNNER.invoke(app, ["stage", "-", "-f", "text", "-s", "tnm8"], input=json.dumps(case))
    assert out.exit_code == 0, out.output
    stage_line = next(line for line in out.stdout.splitlines() if line.strip().startswith("Stage"))
    assert stage_line.split()[1:4] == ["IA", "to", "IIIB"]
    assert "cannot be determined" not in stage_line


def test_mistyped_finding_gets_a_suggestion() -> None:
    case = {"site": "pleura", "tumor": {"findings": ["ribs", "mediastinal fat"]}}
    out = RUNNER.invoke(app, ["stage", "-"], input=json.dumps(case))
    assert out.exit_code == 2
    assert "tumor.findings[0]: 'ribs' is not an allowed value (did you mean 'rib'?)" in out.stderr
    assert "(did you mean 'mediastinal_fat'" in out.stderr


def test_input_checks_are_warnings_on_stderr() -> None:
    case = {
        "site": "pleura",
        "diagnosis_date": "2999-01-01",
        "tumor": {"findings": ["chest_wall_solitary", "chest_wall_diffuse"]},
        "nodes": {"findings": []},
        "metastases": {"findings": []},
    }
    out = RUNNER.invoke(app, ["stage", "-"], input=json.dumps(case))
    assert out.exit_code == 0
    assert "warning: diagnosis_date: The date of diagnosis (2999-01-01) is after today" in out.stderr
    assert "warning: tumor.findings: The chest wall is marked both" in out.stderr
    data = json.loads(out.stdout)
    assert [w["code"] for w in data["warnings"]] == ["diagnosis_date_in_future", "chest_wall_solitary_and_diffuse"]
    text = RUNNER.invoke(app, ["stage", "-", "-f", "text"], input=json.dumps(case)).stdout
    assert "Check what was entered:" in text


@pytest.mark.parametrize(
    "command",
    [["review"], ["explain"], ["explain", "-a", "clinician"], ["options"], ["outlook"], ["trials", "match"]],
)
def test_every_command_that_reads_a_case_warns_about_the_input(command: list[str]) -> None:
    case = {"site": "pleura", "diagnosis_date": "2999-01-01", "tumor": {"findings": ["parietal_pleura"]}}
    out = RUNNER.invoke(app, [*command, "-"], input=json.dumps(case))
    assert "warning: diagnosis_date: The date of diagnosis (2999-01-01) is after today" in out.stderr
    assert out.stderr.count("warning: diagnosis_date") == 1


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


@pytest.mark.parametrize(("typed", "meant"), [("stag", "stage"), ("outlok", "outlook"), ("trails", "trials")])
def test_a_mistyped_command_gets_a_suggestion(typed: str, meant: str) -> None:
    out = RUNNER.invoke(app, [typed, "case.json"], env={"NO_COLOR": "1"})
    assert out.exit_code == 2
    assert f"No such command '{typed}'. Did you mean '{meant}'?" in " ".join(out.output.split())
