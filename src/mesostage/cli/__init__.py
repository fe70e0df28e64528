"""The ``mesostage`` command line: stage a case file, list the systems, print the case schema, and the commands of
the other capabilities (one module per command group; ``batch``, ``fhir``, ``serve`` and ``extract`` live in their
own packages).

Exit status: 0 on success, 2 for bad input (the errors go to stderr, each with its field path). No traceback
reaches the user: an unexpected failure prints one line and exits with 1.
"""

from __future__ import annotations

import difflib
import importlib
import signal
import sys
from enum import StrEnum
from typing import Annotated

import typer
from typer import _click as click  # Typer >= 0.29 vendors click; its group API is typed against it
from typer.core import TyperCommand, TyperGroup

from mesostage.cli.common import DISCLAIMER
from mesostage.limits import clip

__all__ = ["app", "failure_message", "main"]

# Every command, in the order `mesostage --help` lists them: name -> (module, attribute, the summary the list shows).
# The attribute is a command function or a Typer sub-app. Each is imported and built only when it is run, so that
# `mesostage stage` builds one command and not fourteen; `mesostage --help` lists the summaries without importing
# the commands (tests/test_cli.py checks that each summary is its command's own).
_LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "stage": ("mesostage.cli.staging", "stage_command", "Stage one case in every system (or in --system ones)."),
    "review": (
        "mesostage.cli.staging",
        "review_command",
        "Second-opinion review: what would change the stage, and the known staging mistakes.",
    ),
    "explain": (
        "mesostage.cli.staging",
        "explain_command",
        "Explain the staging in plain language (patient) or technically (clinician).",
    ),
    "systems": (
        "mesostage.cli.staging",
        "systems_command",
        "List the staging systems with their evidence level and sources.",
    ),
    "schema": ("mesostage.cli.staging", "schema_command", "Print the JSON Schema of the case format."),
    "example": (
        "mesostage.cli.staging",
        "example_command",
        "Print an example case (the one in the case-format contract) to start from.",
    ),
    "outlook": (
        "mesostage.cli.outlook",
        "outlook_command",
        "Published survival for the case's stage in each system, and the prognostic scores, with their sources.",
    ),
    "options": (
        "mesostage.cli.options",
        "options_command",
        "Treatment options for one case from the guidelines, with goals, evidence, sources and questions.",
    ),
    "batch": (
        "mesostage.batch.command",
        "batch_command",
        "Stage every row of a registry file: SEER EOD 2018 codes, T/N/M categories or case findings.",
    ),
    "fhir": (
        "mesostage.fhir.command",
        "fhir_app",
        "HL7 FHIR mCODE (R4): export a case and its staging as a Bundle, or import a case from one.",
    ),
    "trials": (
        "mesostage.cli.trials",
        "trials_app",
        "Clinical trials: import ClinicalTrials.gov records, sync, and match a case with a reason for every "
        "criterion. " + DISCLAIMER,
    ),
    "serve": (
        "mesostage.web.command",
        "serve",
        "Start the web app and the HTTP API (default http://127.0.0.1:8000). Stop it with Ctrl+C.",
    ),
    "extract": (
        "mesostage.extraction.command",
        "extract_command",
        "Read a CT, PET, MRI, pathology or operative report into a draft case, with the evidence for each answer.",
    ),
}
#: ``ctx.meta`` key set while the help lists the commands (their summaries are enough there)
_LISTING = "mesostage.listing"


def load_command(cmd_name: str) -> click.Command:
    """The command ``cmd_name`` of ``_LAZY_COMMANDS``, imported and built."""
    module, attr, _ = _LAZY_COMMANDS[cmd_name]
    target = getattr(importlib.import_module(module), attr)
    if not isinstance(target, typer.Typer):
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(cmd_name)(target)
        target = single
    command = typer.main.get_command(target)
    command.name = cmd_name
    return command


class _LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *_LAZY_COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        if ctx.meta.get(_LISTING):
            return TyperCommand(cmd_name, help=_LAZY_COMMANDS[cmd_name][2])
        return load_command(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:
            # Typer suggests only among the commands registered on the app: here, among every command.
            if args and "Did you mean" not in exc.message:
                matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    suggestions = ", ".join(f"{m!r}" for m in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta[_LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            del ctx.meta[_LISTING]


app = typer.Typer(
    cls=_LazyGroup,
    name="mesostage",
    help="Mesothelioma staging in every system in use, with the findings that decided it and its range. " + DISCLAIMER,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from mesostage import __version__

        typer.echo(f"mesostage {__version__}")
        raise typer.Exit()


class LogLevelChoice(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    log_level: Annotated[
        LogLevelChoice | None,
        typer.Option(help="least severe log message shown on stderr [default: $MESOSTAGE_LOG_LEVEL, else info]"),
    ] = None,
) -> None:
    """Mesothelioma staging in every system in use, with the findings that decided it and its range."""
    from mesostage.logs import configure_from_settings

    try:
        configure_from_settings(log_level=log_level.value if log_level else None)
    except ValueError as exc:  # a MESOSTAGE_* variable that cannot be used (SettingsError)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None


def failure_message(exc: BaseException) -> str:
    """One line for a failure no command foresaw, naming the problem (never a traceback)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"mesostage: {where}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "mesostage: out of memory: the input is too large for this computer"
    detail = clip(str(exc)) if str(exc) else "no detail"
    return (
        f"mesostage: the command failed ({type(exc).__name__}: {detail}). This is a fault in mesostage, not in "
        "the input: please report it with the command that led to it."
    )


def main() -> None:
    try:
        # One program name however it is started (`mesostage` or `python -m mesostage`): help and completion use it.
        app(prog_name="mesostage")
    except BrokenPipeError:  # the reader of the output went away (e.g. | head)
        sys.stderr.close()
        sys.exit(1)
    except ModuleNotFoundError as exc:
        from mesostage.extras import missing_extra, missing_extra_message

        extra = missing_extra(exc)
        if extra is None:
            typer.echo(failure_message(exc), err=True)
            sys.exit(1)
        typer.echo(f"error: {missing_extra_message(extra)}", err=True)
        sys.exit(2)
    except Exception as exc:
        typer.echo(failure_message(exc), err=True)
        sys.exit(1)
    finally:
        # The command is over (its output written or removed, its message printed). A Ctrl-C or SIGTERM pressed
        # again while the interpreter shuts down (over a second on a busy machine) must not turn its exit status
        # (130, 143) into death by the signal.
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, signal.SIG_IGN)
