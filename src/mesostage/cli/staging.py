"""``mesostage stage``, ``review``, ``explain``, ``systems``, ``schema`` and ``example``: the staging commands.

Registered on the Typer app in ``mesostage.cli``.
"""

from __future__ import annotations

import json
import textwrap
from enum import StrEnum
from importlib import resources
from typing import Annotated

import typer

from mesostage import review, stage
from mesostage.case import SYSTEM_IDS, Case
from mesostage.cli.common import DISCLAIMER, OutputFormat, case_errors, read_case, warn
from mesostage.labels import humanize, label
from mesostage.staging import StagingResult, SystemResult, load_system, load_systems

__all__ = [
    "example_command",
    "explain_command",
    "render_text",
    "review_command",
    "schema_command",
    "stage_command",
    "systems_command",
]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


_WIDTH = 96  # every line of the text report fits a 100-column terminal
_LABEL_W = 24


def _block_lines(key: str, values: list[str]) -> list[str]:
    """``key`` in a left column and ``values`` wrapped beside it."""
    out: list[str] = []
    for i, value in enumerate(values or ["none"]):
        for j, line in enumerate(_wrap(value, _WIDTH - _LABEL_W - 2)):
            head = key if i == 0 and j == 0 else ""
            out.append(f"  {head:<{_LABEL_W - 2}}{line}".rstrip())
    return out


def _categories(r: SystemResult) -> str:
    if r.categories and r.t is not None:
        p = r.prefix or ""
        return f"{p}{r.t} {p}{r.n} {p}{r.m}".strip()
    return ", ".join(f"{k} {v}" for k, v in r.categories.items())


def _system_block(r: SystemResult, in_use: bool, cite: dict[str, int]) -> list[str]:
    name = load_system(r.system).short_name + (" (in use for this date of diagnosis)" if in_use else "")
    lines = [name, "-" * len(name)]
    rng = r.stage_range
    if r.stage is not None:
        stage_text = r.stage if not rng or rng[0] == rng[1] else f"{r.stage} (could be {rng[0]} to {rng[1]})"
    else:
        stage_text = f"{rng[0]} to {rng[1]} (not decided yet: see the unknowns)" if rng else "cannot be determined"
    lines += _block_lines("Stage", [stage_text])
    lines += _block_lines("Categories", [_categories(r)])
    decided = []
    for d in r.determinants:
        if d.component == "stage_group":
            continue
        what = label(d.finding) if d.finding else ""
        why = humanize(d.reason) if d.reason else ""
        decided.append(f"{d.category}: " + "; ".join(x for x in (what, why) if x))
    lines += _block_lines("Decided by", decided)
    lines += _block_lines("Unknowns that matter", [label(u) for u in r.unknowns_that_matter])
    refs = "".join(f"[{cite[s]}]" for s in r.sources)
    evidence = f"{r.evidence or ''} {refs}".strip()
    lines += _block_lines("Evidence", [evidence] + ([r.evidence_note] if r.evidence_note else []))
    if r.reason:
        lines += _block_lines("Note", [humanize(r.reason)])
    return lines


def render_text(result: StagingResult) -> str:
    """The staging as a report for a terminal: one block per system (lines below 100 columns), the points to
    check, the input warnings, and every source once, numbered."""
    applicable = [r for r in result.results if r.applicable]
    sources = list(dict.fromkeys(s for r in applicable for s in r.sources))
    cite = {s: i for i, s in enumerate(sources, 1)}
    lines = _wrap(f"Case {result.id or '(no id)'}; where it started: {result.site.replace('_', ' ')}", _WIDTH)
    if result.default_system:
        lines.append(f"System in use for this date of diagnosis: {load_system(result.default_system).short_name}")
    if result.site_note:
        lines += _wrap(result.site_note, _WIDTH)
    if result.warnings:
        lines += ["", "Check what was entered:"]
        for w in result.warnings:
            lines += _wrap(f"- {label(w.path)}: {w.message}", _WIDTH)
    in_use = result.default_system
    for r in sorted(applicable, key=lambda r: r.system != in_use):
        lines += ["", *_system_block(r, r.system == in_use, cite)]
    not_applicable = [r for r in result.results if not r.applicable]
    if not_applicable:
        lines += ["", "Not applicable:"]
        for r in not_applicable:
            lines += _wrap(f"- {load_system(r.system).short_name}: {r.reason}", _WIDTH)
    if result.review:
        lines += ["", "Points to check:"]
        for note in result.review:
            systems = f" [{', '.join(load_system(s).short_name for s in note.systems)}]" if note.systems else ""
            lines += _wrap(f"- {note.severity}: {humanize(note.message)}{systems}", _WIDTH)
    if sources:
        lines += ["", "Sources:"]
        for s, i in cite.items():
            lines += textwrap.wrap(f"[{i}] {s}", _WIDTH, subsequent_indent="    ", break_on_hyphens=False)
    lines += ["", DISCLAIMER]
    return "\n".join(lines)


def stage_command(
    file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")],
    system: Annotated[
        list[str] | None, typer.Option("--system", "-s", help=f"system id (repeatable): {', '.join(SYSTEM_IDS)}")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.json,
) -> None:
    """Stage one case in every system (or in --system ones)."""
    with case_errors():
        result = stage(read_case(file, check=False), systems=system or None)
    warn(result.warnings)
    if output is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_text(result))


def review_command(
    file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")],
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.text,
) -> None:
    """Second-opinion review: what would change the stage, and the known staging mistakes."""
    with case_errors():
        notes = review(read_case(file))
    if output is OutputFormat.json:
        typer.echo(json.dumps([n.model_dump(exclude_none=True) for n in notes], indent=2))
        return
    for n in notes:
        typer.echo(f"[{n.severity.upper()}] {n.code}")
        for line in _wrap(n.message, 100):
            typer.echo(f"  {line}")
        if n.settled_by:
            typer.echo(f"  Settled by: {n.settled_by}")
        for line in _wrap(f"Source: {n.source}", 100):
            typer.echo(f"  {line}")
        typer.echo("")
    typer.echo(DISCLAIMER)


class AudienceChoice(StrEnum):
    patient = "patient"
    clinician = "clinician"


def explain_command(
    file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")],
    audience: Annotated[AudienceChoice, typer.Option("--audience", "-a", help="patient or clinician")] = (
        AudienceChoice.patient
    ),
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.text,
) -> None:
    """Explain the staging in plain language (patient) or technically (clinician)."""
    from mesostage.explain import explain

    with case_errors():
        explanation = explain(read_case(file), audience=audience.value)
    if output is OutputFormat.json:
        typer.echo(explanation.model_dump_json(indent=2))
    else:
        typer.echo(explanation.text)


def systems_command(
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.text,
) -> None:
    """List the staging systems with their evidence level and sources."""
    systems = load_systems()
    if output is OutputFormat.json:
        data = [
            {
                "id": s.id,
                "name": s.name,
                "applies_to": list(s.applies_to),
                "evidence": s.evidence,
                "evidence_note": s.evidence_note,
                "stages": list(s.stages),
                "sources": {k: v.citation for k, v in s.sources.items()},
                "decisions": [d.model_dump() for d in s.decisions],
            }
            for s in systems
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    for s in systems:
        typer.echo(f"{s.id:<15} {s.name}")
        typer.echo(
            f"{'':<15} applies to: {', '.join(s.applies_to)}; evidence: {s.evidence}; stages: {' '.join(s.stages)}"
        )
        for line in _wrap(s.sources[s.main_source].citation, 85):
            typer.echo(f"{'':<15} {line}")
        typer.echo("")


def schema_command() -> None:
    """Print the JSON Schema of the case format."""
    typer.echo(json.dumps(Case.model_json_schema(), indent=2))


def example_command() -> None:
    """Print an example case (the one in the case-format contract) to start from."""
    typer.echo(resources.files("mesostage").joinpath("examples", "example-1.json").read_text(encoding="utf-8"))
