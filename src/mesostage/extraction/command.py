"""``mesostage extract REPORT.txt [REPORT2.txt ...] [--kind ...] [--format json|text]``.

Prints the draft case with the evidence for every answer (JSON), or each answer beside its sentence (text).
Several files are combined into one draft; where they disagree the answer is left not known and the conflict is
listed. Exit status 2 for a file that cannot be read or a kind that does not exist.
"""

from __future__ import annotations

import json
import sys
import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mesostage.cli.common import case_errors
from mesostage.errors import CaseError, InputError
from mesostage.extraction import extract
from mesostage.extraction.model import Extraction

__all__ = ["extract_command", "render_text"]

CHECK = "This is a draft read from the report: check every answer against the report before staging."
DISCLAIMER = "Supports, and does not replace, a specialist's judgement. Not medical advice."


class ReportKind(StrEnum):
    ct = "ct"
    pet = "pet"
    mri = "mri"
    pathology = "pathology"
    operative = "operative"


class Format(StrEnum):
    json = "json"
    text = "text"


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        raise CaseError([InputError("REPORT", f"no such file: {file}")])
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError([InputError("REPORT", f"cannot read {file}: {exc}")]) from None


def render_text(result: Extraction, names: list[str]) -> str:
    """Each answer beside the sentence it came from."""
    lines = [f"Draft case from {len(names)} report{'s' if len(names) > 1 else ''}: {', '.join(names)}"]
    if result.message:
        lines.append(result.message)
    if result.case is None:
        lines += ["", DISCLAIMER]
        return "\n".join(lines)
    lines += [CHECK, ""]
    for fld, ev in result.deciding().items():
        if ev.why == "not_named":
            continue
        source = f"report {ev.report + 1}, " if len(names) > 1 else ""
        cue = f", cue '{ev.cue}'" if ev.cue else ""
        note = f"; {ev.note}" if ev.note else ""
        lines.append(f"{fld}: {ev.value} ({ev.why}{cue}{note})")
        quoted = (
            ev.sentence[: ev.start - ev.sentence_start]
            + "["
            + ev.text
            + "]"
            + ev.sentence[ev.end - ev.sentence_start :]
        )
        for part in textwrap.wrap(f'"{quoted}" ({source}characters {ev.start}-{ev.end})', 96):
            lines.append(f"    {part}")
    for section in ("tumor", "nodes", "metastases"):
        if section in result.case:
            lines.append(f"{section}: described; items not named above count as absent (case-format rule)")
        elif result.case.get("site") == "pleura" or section == "metastases":
            lines.append(f"{section}: not described in the report (not assessed)")
    if result.conflicts:
        lines += ["", "Conflicts between the reports (left as not known):"]
        lines += [f"- {c.message}" for c in result.conflicts]
    if result.notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in result.notes]
    lines += ["", "Draft case (case format):", json.dumps(result.case, indent=2), "", DISCLAIMER]
    return "\n".join(lines)


def extract_command(
    files: Annotated[list[str], typer.Argument(help="report text file(s), or - for standard input")],
    kind: Annotated[
        ReportKind | None, typer.Option("--kind", "-k", help="kind of report (default: found from the text)")
    ] = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="json or text")] = Format.json,
) -> None:
    """Read a CT, PET, MRI, pathology or operative report into a draft case, with the evidence for each answer."""
    with case_errors():
        texts = [_read(f) for f in files]
        result = extract(texts if len(texts) > 1 else texts[0], kind.value if kind else None)
    if output is Format.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_text(result, ["standard input" if f == "-" else f for f in files]))
