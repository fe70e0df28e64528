"""The outlook a person sees: survival for the case's stage in each system, the wording, the figure, the CLI."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

import mesostage
from mesostage import Prognosis
from mesostage.cli import app
from mesostage.prognosis.figure import BAR, HEIGHT_PX, HIGHLIGHT, WIDTH_PX, caption_lines
from tests.factories import pleural_case
from tests.readability import fk_grade

RUNNER = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "mesostage" / "examples" / "example-1.json"

STAGE_IV_2025 = pleural_case(
    ["parietal_pleura"], metastases=["liver"], diagnosis_date="2025-03-01", histology="sarcomatoid", basis="clinical"
)
PATIENT = {
    "sex": "male",
    "ecog": 1,
    "wbc_10e9_per_l": 9.2,
    "histology_confirmed": True,
    "pleural_fluid_ldh_u_per_l": 1800.0,
    "neutrophils_10e9_per_l": 7.0,
    "lymphocytes_10e9_per_l": 1.0,
}


def _peritoneal(pci: int, nodes: bool = False) -> dict[str, Any]:
    return {
        "site": "peritoneum",
        "peritoneal": {"pci": pci, "nodes_positive": nodes, "extra_abdominal_metastases": False},
    }


def _figure_ids(result: Prognosis, system: str) -> list[str]:
    return [f.id for f in result.context(system).figures]


# --- survival for the case's stage -------------------------------------------------------------------------------


def test_stage_iv_gets_the_stage_iv_figure_of_every_edition() -> None:
    r = mesostage.prognosis(STAGE_IV_2025)
    assert r.default_system == "tnm9"
    assert r.survival[0].system == "tnm9"  # the system in use first
    nine = r.context("tnm9").figures[0]
    assert (nine.outcome.median, nine.outcome.survival[0].percent) == (10.5, 46)  # Kindler 2024
    assert r.context("tnm8").figures[0].outcome.median == 9.7  # Rusch 2016 cM1
    assert r.context("tnm7").figures[0].outcome.median == 12  # Rusch 2012 stage IV
    assert "7th" in r.context("tnm7").figures[0].edition
    assert [f.outcome.median for f in r.histology] == [8]  # sarcomatoid, Rusch 2012


def test_stage_iiia_in_the_8th_edition_says_not_available() -> None:
    case = json.loads(EXAMPLE.read_text())
    r = mesostage.prognosis(case)
    eight = r.context("tnm8")
    assert eight.stage == "IIIA"
    assert eight.figures == ()
    assert eight.not_available is not None
    assert "source tables not verifiable" in eight.not_available
    assert _figure_ids(r, "tnm9") == ["tnm9_M0"]  # 9th IIIA is M0: the M0 figure, marked as all M0 stages
    assert _figure_ids(r, "tnm7") == ["tnm7_stage_III"]


def test_8th_edition_iiib_figure_is_marked_as_a_mesostage_reading() -> None:
    r = mesostage.prognosis(pleural_case(["parietal_pleura", "spine"], basis="clinical"))
    (fig,) = r.context("tnm8").figures
    assert r.context("tnm8").stage == "IIIB"
    assert fig.outcome.median == 13.4
    assert fig.evidence == "interpretation"
    assert "mesostage" in fig.statement


def test_undetermined_stage_shows_every_stage_in_its_range() -> None:
    case = {
        "site": "pleura",
        "tumor": {"findings": ["parietal_pleura"]},
        "metastases": {},
        "diagnosis_date": "2016-05-01",
    }
    seven = mesostage.prognosis(case).context("tnm7")
    assert seven.stage is None
    assert seven.stage_range is not None
    assert len(seven.figures) >= 2


@pytest.mark.parametrize(
    ("pci", "nodes", "stage", "five_year"),
    [(8, False, "I", 87), (15, False, "II", 53), (25, False, "II", 53), (35, False, "III", 29), (6, True, "III", 29)],
)
def test_peritoneal_stage_five_year_survival(pci: int, nodes: bool, stage: str, five_year: float) -> None:
    r = mesostage.prognosis(_peritoneal(pci, nodes))
    c = r.context("peritoneal_tnm")
    assert c.stage == stage
    (fig,) = c.figures
    assert fig.outcome.survival[0].percent == five_year
    assert fig.outcome.survival[0].at == 5
    assert "2011" in fig.source
    assert fig.population.startswith("294 patients")
    assert {f.id for f in r.cohorts} == {"cohort_crs_hipec_multicentre", "cohort_crs_hipec_sydney"}


def test_site_without_a_staging_system_says_so() -> None:
    r = mesostage.prognosis({"site": "pericardium"})
    assert r.survival == ()
    assert any("no study" in line for line in r.plain_summary)


def test_every_figure_carries_source_year_and_population() -> None:
    for case in (STAGE_IV_2025, json.loads(EXAMPLE.read_text()), _peritoneal(12)):
        r = mesostage.prognosis(case)
        figures = [f for c in r.survival for f in c.figures] + list(r.histology) + list(r.cohorts)
        assert figures
        for f in figures:
            assert str(f.year) in f.source
            assert f.population
            assert f.edition
            assert f.source in f.statement
        assert all(n.reason for n in r.not_available)


# --- wording ----------------------------------------------------------------------------------------------------

PERSONAL = re.compile(
    r"\byou (will|have|can expect|are expected|might live)|\byour (life expectancy|survival|prognosis is)"
    r"|\bexpect(ed)? to live|\bmonths? to live|\blife expectancy\b",
    re.IGNORECASE,
)


def _all_plain(r: Prognosis) -> list[str]:
    texts = [*r.plain_summary]
    texts += [f.plain for c in r.survival for f in c.figures]
    texts += [f.plain for f in (*r.histology, *r.cohorts)]
    texts += [s.plain for s in r.scores if s.plain]
    return texts


CASES = [
    {**STAGE_IV_2025, "patient": PATIENT, "pleural_effusion_malignant": True},
    json.loads(EXAMPLE.read_text()),
    {**_peritoneal(22), "patient": {"ki67_percent": 14.0}},
    {"site": "pericardium"},
]


@pytest.mark.parametrize("case", CASES, ids=["stage-iv", "example", "peritoneal", "pericardium"])
def test_no_median_is_turned_into_a_personal_prediction(case: dict[str, Any]) -> None:
    r = mesostage.prognosis(case)
    for text in _all_plain(r):
        assert not PERSONAL.search(text), text
        if "lived longer than" in text:
            assert "Half of the people in this group lived longer than" in text
    assert any("cannot say how long any one person will live" in t for t in r.plain_summary)


@pytest.mark.parametrize("case", CASES, ids=["stage-iv", "example", "peritoneal", "pericardium"])
def test_patient_text_reads_at_grade_8_or_below(case: dict[str, Any]) -> None:
    r = mesostage.prognosis(case)
    summary = " ".join(r.plain_summary)
    assert fk_grade(summary) <= 8, summary
    for text in _all_plain(r):
        assert fk_grade(text) <= 8, text


def test_readability_check_can_fail() -> None:
    assert fk_grade("Multimodality cytoreductive interventions demonstrated heterogeneous survival outcomes.") > 8


# --- figure -----------------------------------------------------------------------------------------------------


def _pixels(png: bytes, colour: str) -> int:
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(n for n, c in image.getcolors(WIDTH_PX * HEIGHT_PX) or [] if c == rgb)


def test_png_figure_is_a_valid_image_of_the_expected_size_with_the_stage_highlighted() -> None:
    png = mesostage.prognosis_figure(STAGE_IV_2025, fmt="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.size == (WIDTH_PX, HEIGHT_PX) == (1000, 750)
    assert _pixels(png, HIGHLIGHT) > 1000  # three highlighted stage-IV bars (9th, 8th, 7th)
    assert _pixels(png, BAR) > 1000


def test_a_stage_range_highlights_every_stage_it_spans() -> None:
    # No Psum and no metastasis work-up: the 9th-edition stage is not determined and ranges from I to IV.
    case = {"site": "pleura", "diagnosis_date": "2025-02-01", "tumor": {"findings": ["parietal_pleura"]}, "nodes": {}}
    assert mesostage.prognosis(case).context("tnm9").stage_range == ("I", "IV")
    svg = mesostage.prognosis_figure(case, fmt="svg").decode()
    assert 'id="highlight-tnm9-I-II-IIIA-IIIB"' in svg
    assert 'id="highlight-tnm9-IV"' in svg


def test_site_without_stage_figures_gets_a_figure_without_highlight() -> None:
    png = mesostage.prognosis_figure({"site": "pericardium"})
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1000, 750)
    assert _pixels(png, HIGHLIGHT) == 0
    assert _pixels(png, BAR) == 0


def test_svg_figure_highlights_the_cases_stage_and_uses_no_outside_font() -> None:
    svg = mesostage.prognosis_figure(STAGE_IV_2025, fmt="svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height")) == ("720pt", "540pt")  # 1000 x 750 px at 100 dpi
    text = svg.decode()
    assert 'id="highlight-tnm9-IV"' in text
    assert 'id="bar-tnm9-I-II-IIIA-IIIB"' in text
    assert 'id="highlight-tnm7-IV"' in text
    assert "@font-face" not in text
    assert "font-family" not in text
    assert "http://fonts" not in text


def test_caption_names_every_source_and_population() -> None:
    lines = " ".join(caption_lines(mesostage.prognosis(STAGE_IV_2025)))
    for expected in ("Kindler et al., J Thorac Oncol 2024", "3,221 patients", "Rusch et al., J Thorac Oncol 2012"):
        assert expected in lines
    assert "surgically weighted" in lines
    assert "not a prediction for one person" in lines


def test_figure_format_is_checked() -> None:
    with pytest.raises(mesostage.CaseError) as err:
        mesostage.prognosis_figure(STAGE_IV_2025, fmt="gif")
    assert err.value.errors[0].path == "fmt"


# --- CLI --------------------------------------------------------------------------------------------------------


def test_outlook_json() -> None:
    out = RUNNER.invoke(app, ["outlook", str(EXAMPLE)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["survival"][0]["system"] == "tnm8"
    assert {s["model"] for s in data["scores"]} == {"eortc", "lent", "nlr", "ki67_pci"}
    assert any(n["id"] == "calgb" for n in data["not_available"])


def test_outlook_text_and_figure(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASES[0]))
    png, svg = tmp_path / "o.png", tmp_path / "o.svg"
    out = RUNNER.invoke(app, ["outlook", str(case), "--format", "text", "--figure", str(png)])
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())  # the text output is wrapped
    assert "Half of the people in this group lived longer than 10.5 months" in text
    assert "EORTC prognostic score: 4 risk factors: high risk" in text
    assert "not available: source tables not verifiable" in text
    assert "does not replace" in text
    with Image.open(png) as image:
        assert image.size == (1000, 750)
    out = RUNNER.invoke(app, ["outlook", "-", "--figure", str(svg), "--unverified-weights"], input=case.read_text())
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["scores"][0]["score"] == 2.42  # 0.55 + 0.60 + 0.60 + 0.67 (flagged)
    assert svg.read_bytes().startswith(b"<?xml")


def test_outlook_bad_input_exits_2_with_field_paths(tmp_path: Path) -> None:
    bad = RUNNER.invoke(app, ["outlook", "-"], input=json.dumps({"site": "pleura", "patient": {"ecog": 7}}))
    assert bad.exit_code == 2
    assert "patient.ecog" in bad.stderr
    fig = RUNNER.invoke(app, ["outlook", str(EXAMPLE), "--figure", str(tmp_path / "o.gif")])
    assert fig.exit_code == 2
    assert "--figure" in fig.stderr
    missing = RUNNER.invoke(app, ["outlook", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr


def test_readme_outlook_example() -> None:
    """The README's outlook example runs and its commented results are true."""
    from tests.test_readme import run_readme_example

    checked, namespace = run_readme_example(r"## Outlook.*?```python\n(.*?)```")
    assert checked == 4
    png = namespace["png"]
    assert isinstance(png, bytes)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1000, 750)
