"""``mesostage fhir export|import``: a case as an mCODE FHIR Bundle and back. fhir.resources is imported only when
a command runs, so the rest of the command line starts fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mesostage import parse_case_json
from mesostage.cli.common import case_errors

__all__ = ["fhir_app"]

fhir_app = typer.Typer(
    help="HL7 FHIR mCODE (R4): export a case and its staging as a Bundle, or import a case from one.",
    no_args_is_help=True,
)


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        typer.echo(f"error: FILE: no such file: {file}", err=True)
        raise typer.Exit(code=2)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: FILE: cannot read {file}: {exc}", err=True)
        raise typer.Exit(code=2) from None


@fhir_app.command("export")
def export_command(file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")]) -> None:
    """Stage a case and print it, with its staging in every system, as a FHIR R4 Bundle (mCODE STU4 shapes)."""
    from mesostage.fhir.export import to_bundle

    with case_errors():
        bundle = to_bundle(parse_case_json(_read(file)))
    typer.echo(bundle.model_dump_json(indent=2, exclude_none=True))


@fhir_app.command("import")
def import_command(file: Annotated[str, typer.Argument(help="FHIR Bundle JSON file, or - for standard input")]) -> None:
    """Print the case recorded in a Bundle written by `mesostage fhir export` (case format JSON)."""
    from mesostage.fhir.importer import case_from_bundle

    with case_errors():
        case = case_from_bundle(_read(file))
    typer.echo(json.dumps(case.model_dump(mode="json", exclude_none=True, exclude_defaults=True), indent=2))
