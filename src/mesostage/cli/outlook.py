"""``mesostage outlook FILE``: published survival for the case's stage and the prognostic scores.

Registered (loaded on first use) on the Typer app in ``mesostage.cli``.
"""

from __future__ import annotations

import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mesostage import InputError, Prognosis, prognosis, prognosis_figure
from mesostage.cli.common import DISCLAIMER, OutputFormat, case_errors, fail, read_case

__all__ = ["outlook_command", "render_outlook_text"]


class EortcHistology(StrEnum):
    sarcomatoid = "sarcomatoid"
    non_epithelioid = "non-epithelioid"


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, 100, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def render_outlook_text(result: Prognosis) -> str:
    """The outlook as plain text for a terminal: patient summary, figures by system, scores, what is missing."""
    lines = [f"Outlook for case {result.id or '(no id)'} - site: {result.site.replace('_', ' ')}", ""]
    lines.append("In plain words:")
    for sentence in result.plain_summary:
        lines += _wrap(sentence, "  ")
    lines += ["", "Published survival for this stage:"]
    for c in result.survival:
        stage = c.stage or "not determined"
        if c.stage is None and c.stage_range:
            lo, hi = c.stage_range
            stage += f" (range {lo})" if lo == hi else f" (range {lo} to {hi})"
        lines += _wrap(f"{c.system_name}: stage {stage}", "  ")
        lines += [line for f in c.figures for line in _wrap(f"- {f.statement}", "    ")]
        if c.not_available:
            lines += _wrap(f"- {c.not_available}", "    ")
    if result.histology or result.cohorts:
        lines += ["", "Other published figures (not stage-specific):"]
        lines += [line for f in (*result.histology, *result.cohorts) for line in _wrap(f"- {f.statement}", "  ")]
    lines += ["", "Prognostic scores:"]
    for s in result.scores:
        lines += _wrap(f"{s.name}: {s.message}", "  ")
        if s.group is not None:
            outcome = s.group.outcome
            parts = []
            if outcome.median is not None:
                interval = (
                    f" ({outcome.median_interval_kind} {outcome.median_interval[0]:g}-{outcome.median_interval[1]:g})"
                    if outcome.median_interval
                    else ""
                )
                parts.append(f"median {outcome.median:g} {outcome.median_unit}{interval}")
            parts += [f"{x.percent:g}% alive at {x.at:g} {x.unit}" for x in outcome.survival]
            lines += _wrap(f"- published outcome of this group: {'; '.join(parts)}", "    ")
        for item in s.items:
            if item.present or item.band:
                value = "weight not verified" if item.contribution is None else f"{item.contribution:+g}"
                lines += _wrap(f"- {item.label}: {item.band or 'present'} ({value})", "    ")
        lines += [line for n in s.notes for line in _wrap(f"- note: {n}", "    ")]
        if s.status != "not_applicable":
            lines += _wrap(f"- population: {s.population}", "    ")
            lines += _wrap(f"- source: {s.sources[0]}", "    ")
    lines += ["", "Not available:"]
    lines += [line for n in result.not_available for line in _wrap(f"- {n.name}: {n.reason}", "  ")]
    lines += ["", "Read with care:"]
    lines += [line for c in result.caveats for line in _wrap(f"- {c}", "  ")]
    lines += ["", result.disclaimer]
    return "\n".join(lines)


def outlook_command(
    file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")],
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.json,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="also write the survival-by-stage figure to PATH.png or PATH.svg")
    ] = None,
    eortc_histology: Annotated[
        EortcHistology,
        typer.Option(help="EORTC histology factor: sarcomatoid (primary abstract) or non-epithelioid (NCI PDQ)"),
    ] = EortcHistology.sarcomatoid,
    unverified_weights: Annotated[
        bool, typer.Option("--unverified-weights", help="use the EORTC histology weight 0.67 (UNVERIFIED)")
    ] = False,
) -> None:
    """Published survival for the case's stage in each system, and the prognostic scores, with their sources."""
    suffix = figure.suffix.lower() if figure is not None else ""
    if figure is not None and suffix not in (".png", ".svg"):
        raise fail([InputError("--figure", f"'{figure}' must end in .png or .svg", (".png", ".svg"))])
    with case_errors():
        case = read_case(file)
        result = prognosis(
            case, eortc_histology=eortc_histology.value.replace("-", "_"), unverified_weights=unverified_weights
        )
    if figure is not None:
        try:
            figure.write_bytes(prognosis_figure(case, suffix[1:], result=result))
        except OSError as exc:
            raise fail([InputError("--figure", f"cannot write {figure}: {exc.strerror or exc}")]) from None
    if output is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_outlook_text(result))
    if figure is not None:
        typer.echo(f"figure written to {figure}. {DISCLAIMER}", err=True)
