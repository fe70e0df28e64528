"""The ``mesostage`` command line: stage a case file, list the systems, print the case schema, and the commands of
the other capabilities (one module per command group; ``batch``, ``fhir``, ``serve`` and ``extract`` live in their
own packages).

Exit status: 0 on success, 2 for bad input (the errors go to stderr, each with its field path). No traceback
reaches the user: an unexpected failure prints one line and exits with 1.
"""

from __future__ import annotations

import importlib
import signal
import sys
from enum import StrEnum
from typing import Annotated

import typer
from typer import _click as click  # Typer >= 0.29 vendors click; its group API is typed against it
from typer.core import TyperGroup

from mesostage.cli import staging
from mesostage.cli.common import DISCLAIMER
from mesostage.limits import clip

__all__ = ["app", "failure_message", "main"]

# Commands of the other capabilities, loaded only when used so that `mesostage stage` starts fast:
# name -> (module, attribute). The attribute is a command function or a Typer sub-app.
_LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "outlook": ("mesostage.cli.outlook", "outlook_command"),
    "options": ("mesostage.cli.options", "options_command"),
    "batch": ("mesostage.batch.command", "batch_command"),
    "fhir": ("mesostage.fhir.command", "fhir_app"),
    "trials": ("mesostage.cli.trials", "trials_app"),
    "serve": ("mesostage.web.command", "serve"),
    "extract": ("mesostage.extraction.command", "extract_command"),
}


class _LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *_LAZY_COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attr = _LAZY_COMMANDS[cmd_name]
        target = getattr(importlib.import_module(module), attr)
        if not isinstance(target, typer.Typer):
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
            single.command(cmd_name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = cmd_name
        return command


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


# The staging commands, in the order `mesostage --help` lists them.
app.command("stage")(staging.stage_command)
app.command("review")(staging.review_command)
app.command("explain")(staging.explain_command)
app.command("systems")(staging.systems_command)
app.command("schema")(staging.schema_command)
app.command("example")(staging.example_command)


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
