"""What every command of the command line shares: the disclaimer, the output formats, the error exit, the case
reader."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer

from mesostage.case import Case, parse_case_json
from mesostage.checks import CaseWarning, check_case
from mesostage.errors import CaseError, InputError
from mesostage.limits import MAX_CASE_FILE_BYTES

__all__ = ["DISCLAIMER", "OutputFormat", "case_errors", "fail", "read_case", "warn"]

DISCLAIMER = "Supports, and does not replace, a specialist's judgement. Not medical advice."


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


def fail(errors: list[InputError] | tuple[InputError, ...]) -> typer.Exit:
    """Print each error (with its field path) to stderr; the exit to raise for bad input (status 2)."""
    for err in errors:
        typer.echo(f"error: {err}", err=True)
    return typer.Exit(code=2)


@contextmanager
def case_errors() -> Iterator[None]:
    """Inside it, a :class:`~mesostage.CaseError` (a case that cannot be read or used) becomes the exit that prints
    each of its errors, with its field path, to stderr (status 2)::

        with case_errors():
            result = stage(read_case(file))
    """
    try:
        yield
    except CaseError as exc:
        raise fail(exc.errors) from None


def warn(warnings: Iterable[CaseWarning]) -> None:
    """Print each input check (:func:`mesostage.check_case`) to stderr, as ``warning: PATH: MESSAGE``."""
    for w in warnings:
        typer.echo(f"warning: {w.path}: {w.message}", err=True)


def read_case(file: str, *, check: bool = True) -> Case:
    """The case in ``file`` (``-`` for standard input), or the exit naming what is wrong with it.

    With ``check`` (the default) the input checks of :func:`mesostage.check_case` go to stderr as warnings, so every
    command that reads a case says what is worth checking in it; ``stage`` passes False because its result carries
    the same warnings."""
    if file == "-":
        data = sys.stdin.buffer.read(MAX_CASE_FILE_BYTES + 1)
    else:
        path = Path(file)
        if path.is_dir():
            raise fail([InputError("FILE", f"{file} is a directory, not a case file")])
        if not path.exists():
            raise fail([InputError("FILE", f"no such file: {file}")])
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_CASE_FILE_BYTES + 1)
        except OSError as exc:
            raise fail([InputError("FILE", f"cannot read {file}: {exc.strerror or exc}")]) from None
    if len(data) > MAX_CASE_FILE_BYTES:
        raise fail([InputError("FILE", f"larger than {MAX_CASE_FILE_BYTES} bytes: a case is a few kB of JSON")])
    case = parse_case_json(data)
    if check:
        warn(check_case(case))
    return case
