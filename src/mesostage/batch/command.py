"""``mesostage batch``: stage every row of a registry file. Heavy imports (polars, pyarrow, dask) happen only when
the command runs, so the rest of the command line starts fast."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

if TYPE_CHECKING:
    from mesostage.batch.frame import InputKind
    from mesostage.batch.run import BatchSummary

__all__ = ["batch_command"]


class Kind(StrEnum):
    auto = "auto"
    eod = "eod"
    categories = "categories"
    findings = "findings"


def _not_under_way(record: logging.LogRecord) -> bool:
    """False for the "batch under way" messages (the end and anything else pass)."""
    return getattr(record, "done", True) is not False


@contextlib.contextmanager
def _bar_shows_progress(bar: Any) -> Iterator[None]:
    """The bar, live; while it shows the progress, the same as log messages would only push it down the screen."""
    if bar is None:
        yield
        return
    logger = logging.getLogger("mesostage.batch.run")
    logger.addFilter(_not_under_way)
    try:
        with bar:
            yield
    finally:
        logger.removeFilter(_not_under_way)


def _progress_bar(enabled: bool) -> tuple[Any, Any]:
    """A rich progress bar on stderr, and the callback that moves it (None, None when disabled)."""
    if not enabled:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("staging"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("staging", total=None)

    def advance(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return progress, advance


def _is_url(text: str) -> bool:
    """An fsspec URL (``s3://...``, ``file://...``); a Windows drive letter (``C:\\``) is not one."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").isalnum()


def batch_command(
    input_arg: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="CSV, Parquet, JSON Lines (one case per line) or NAACCR XML file; with --dask, a Parquet folder "
            "(a path or an fsspec URL such as s3://bucket/prefix)",
        ),
    ],
    output_arg: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="output file: .csv, .parquet or .jsonl (with --dask: a folder, a path or an fsspec URL)",
        ),
    ],
    kind: Annotated[Kind, typer.Option("--kind", help="what the rows hold; auto: from the columns")] = Kind.auto,
    system: Annotated[
        str | None,
        typer.Option(
            "--system", "-s", help="system for category or finding rows without one (default: by diagnosis date)"
        ),
    ] = None,
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="csv, parquet, jsonl or xml (default: from the extension)")
    ] = None,
    output_format: Annotated[
        str | None, typer.Option("--output-format", help="csv, parquet or jsonl (default: from the extension)")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="also write the summary, with every row not staged, as JSON")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="progress bar (default: on when stderr is a terminal)"),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="exit with status 3 when any row could not be staged")
    ] = False,
    discrepancies_only: Annotated[
        bool,
        typer.Option(
            "--discrepancies-only",
            help="write only the rows whose recorded AJCC stage disagrees with the extent (the registrar's worklist)",
        ),
    ] = False,
    review: Annotated[
        bool,
        typer.Option(
            "--review/--no-review",
            help="--no-review: no review_codes column; finding rows are staged in their one system without the "
            "second-opinion review (many times faster)",
        ),
    ] = True,
    dask: Annotated[
        bool, typer.Option("--dask", help="INPUT is a partitioned Parquet dataset: stage it with Dask")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="with --dask: a Dask scheduler address (default: a local cluster)")
    ] = None,
) -> None:
    """Stage every row of a registry file: SEER EOD 2018 codes, T/N/M categories or case findings.

    Every input row is written, in order, with system, t, n, m, stage, stage range, review codes and an error
    column; rows that cannot be staged are listed with their row number and reason. The output appears only when
    complete (no partial file after an error or Ctrl-C).
    """
    from mesostage.batch.io import FileError, write_text_atomically
    from mesostage.batch.run import check_output, run_batch
    from mesostage.safeio import Terminated, sigterm_as_interrupt

    chosen = cast("InputKind | None", None if kind is Kind.auto else kind.value)
    if not dask:
        urls = [a for a in (input_arg, output_arg) if _is_url(a)]
        if urls:
            typer.echo(f"error: {urls[0]}: URLs (fsspec) are read and written with --dask only", err=True)
            raise typer.Exit(code=2)
    input_path, output = Path(input_arg), Path(output_arg)
    show = sys.stderr.isatty() if progress is None else progress
    bar, advance = _progress_bar(show and not dask)
    summary: BatchSummary
    try:
        if dask and discrepancies_only:
            raise FileError("--discrepancies-only is not available with --dask: filter the output dataset instead")
        if report is not None:
            # Checked before the run: a report that cannot be written must not leave a finished run unreported.
            check_output(report, input_path, output)
        with sigterm_as_interrupt():
            if dask:
                from mesostage.batch.dask_run import run_dask

                summary = run_dask(
                    input_arg, output_arg, kind=chosen, system=system, scheduler=scheduler, review=review
                )
            else:
                with _bar_shows_progress(bar):
                    summary = run_batch(
                        input_path,
                        output,
                        input_fmt=input_format,
                        output_fmt=output_format,
                        kind=chosen,
                        system=system,
                        on_progress=advance,
                        discrepancies_only=discrepancies_only,
                        review=review,
                    )
    except FileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except Terminated:
        typer.echo("terminated: no output written", err=True)
        raise typer.Exit(code=143) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: no output written", err=True)
        raise typer.Exit(code=130) from None
    if report is not None:
        try:
            write_text_atomically(report, json.dumps(summary.as_dict(), indent=2) + "\n")
        except FileError as exc:
            # The output is complete: say so with the summary, and that the report is missing.
            typer.echo(summary.render())
            typer.echo(f"error: the output is complete, but the report was not written: {exc}", err=True)
            raise typer.Exit(code=2) from None
    typer.echo(summary.render())
    if strict and summary.failed:
        raise typer.Exit(code=3)
