"""``mesostage options``: formats, audiences, exit codes and error messages as a user sees them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mesostage.cli import app
from tests.factories import pleural_case

RUNNER = CliRunner()


def _write(tmp_path: Path, case: dict[str, object]) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return str(path)


STAGE_IV = pleural_case(
    ["parietal_pleura"],
    [],
    ["liver"],
    basis="clinical",
    histology="sarcomatoid",
    id="s4",
    patient={"ecog": 1, "prior_systemic_lines": 0, "chest_pain": True},
)


def test_json_default_is_patient_audience(tmp_path: Path) -> None:
    out = RUNNER.invoke(app, ["options", _write(tmp_path, STAGE_IV)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["audience"] == "patient"
    assert data["options"][0]["id"] == "pleura_nivolumab_ipilimumab"
    assert data["stage4"]["survival_context"]
    assert data["questions"]


def test_text_for_clinicians_shows_trial_figures_and_secondary_flags(tmp_path: Path) -> None:
    out = RUNNER.invoke(app, ["options", _write(tmp_path, STAGE_IV), "--format", "text", "--audience", "clinician"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())  # undo the line wrapping
    assert "HR 0.74 (96.6% CI 0.60-0.91)" in text  # CheckMate 743
    assert "STAGE IV VIEW" in text
    assert "[secondary source]" in text  # ASCO 2025 read in summaries
    assert "does not replace" in text
    assert "CONSIDERED AND SET ASIDE" in text


def test_text_for_patients_has_questions_and_stage4(tmp_path: Path) -> None:
    out = RUNNER.invoke(app, ["options", "-", "-f", "text"], input=json.dumps(STAGE_IV))
    assert out.exit_code == 0, out.output
    assert "QUESTIONS TO ASK YOUR CARE TEAM" in out.stdout
    assert "STAGE 4: WHAT IS OFFERED AND WHY" in out.stdout
    assert "Why it fits:" in out.stdout


def test_bad_case_exits_2_with_field_path(tmp_path: Path) -> None:
    bad = dict(STAGE_IV, patient={"ecog": 7})
    out = RUNNER.invoke(app, ["options", _write(tmp_path, bad)])
    assert out.exit_code == 2
    assert "patient.ecog" in out.stderr
    assert "Traceback" not in out.output


def test_missing_file_and_bad_audience() -> None:
    out = RUNNER.invoke(app, ["options", "/nonexistent/case.json"])
    assert out.exit_code == 2
    assert "no such file" in out.stderr
    out = RUNNER.invoke(app, ["options", "-", "--audience", "family"], input="{}")
    assert out.exit_code == 2
