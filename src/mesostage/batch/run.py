"""A whole batch run: read, stage, write atomically, summarise."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import polars as pl

from mesostage import SYSTEM_IDS
from mesostage.batch.frame import Counts, InputKind, detect_kind, stage_frame_counted
from mesostage.batch.io import (
    BATCH_ROWS,
    AtomicWriter,
    Chunk,
    FileError,
    input_format,
    output_format,
    read_chunks,
)
from mesostage.batch.recorded import DISCREPANCY_KINDS, recorded_table
from mesostage.batch.rows import CATEGORY_SYSTEMS, OUTCOME_COLUMNS
from mesostage.batch.tables import eod_table
from mesostage.safeio import stop_signals_held

__all__ = ["BatchSummary", "RowError", "check_options", "check_output", "output_frame", "run_batch"]

ROW_COLUMN = "row"
Progress = Callable[[int, int | None], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowError:
    row: int
    kind: str
    message: str


@dataclass
class BatchSummary:
    """What a run did: rows in and out, counts per stage, errors by kind, and every row that was not staged."""

    input: str
    output: str
    kind: str
    rows: int = 0
    staged: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    by_system: dict[str, int] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    discrepancies_by_kind: dict[str, int] = field(default_factory=dict)
    rows_with_discrepancies: int = 0
    written: int | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return self.rows - self.staged

    def log_progress(self, done: int | None = None, total: int | None = None) -> None:
        """One INFO message: rows so far (with how much of the input was read) or, without ``done``, the end."""
        counts = {"rows": self.rows, "staged": self.staged, "not_staged": self.failed}
        if done is None:
            log.info(
                "batch finished: %d rows, %d staged, %d not staged, in %.2f s",
                *counts.values(),
                self.seconds,
                extra={**counts, "done": True, "seconds": round(self.seconds, 3)},
            )
            return
        share = f" ({100 * done / total:.0f}% of the input read)" if total else ""
        log.info(
            "batch under way: %d rows, %d staged, %d not staged%s",
            *counts.values(),
            share,
            extra={**counts, "done": False},
        )

    def add(self, frame: pl.DataFrame, counts: Counts | None = None) -> None:
        """Count one output batch (``row`` plus the outcome columns); ``counts``: its rows per system, stage and
        error kind where staging gave them (``frame.stage_frame_counted``), else they are counted here."""
        self.rows += frame.height
        if counts is None:
            groups = frame.group_by("system", "stage", "error_kind").len().iter_rows()
            counts = {(system, stage, kind): n for system, stage, kind, n in groups}
        for (system, stage, kind), count in counts.items():
            if kind is None:
                self.staged += count
                key = f"{system} {stage or 'not determined'}"
                self.by_stage[key] = self.by_stage.get(key, 0) + count
                named = cast(str, system)  # a staged row always names its system
                self.by_system[named] = self.by_system.get(named, 0) + count
            else:
                self.errors_by_kind[kind] = self.errors_by_kind.get(kind, 0) + count
        if self.errors_by_kind:
            bad = frame.filter(pl.col("error_kind").is_not_null()).select(ROW_COLUMN, "error_kind", "error")
            self.errors.extend(RowError(r, k, m) for r, k, m in bad.iter_rows())
        flagged = frame["discrepancies"].drop_nulls()
        self.rows_with_discrepancies += flagged.len()
        for codes, count in flagged.value_counts().iter_rows():
            for code in codes.split(";"):
                self.discrepancies_by_kind[code] = self.discrepancies_by_kind.get(code, 0) + count

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "kind": self.kind,
            "rows": self.rows,
            "staged": self.staged,
            "not_staged": self.failed,
            "by_stage": dict(sorted(self.by_stage.items())),
            "errors_by_kind": dict(sorted(self.errors_by_kind.items())),
            "errors": [{"row": e.row, "kind": e.kind, "message": e.message} for e in self.errors],
            "rows_with_discrepancies": self.rows_with_discrepancies,
            "discrepancies_by_kind": {k: self.discrepancies_by_kind[k] for k in self._discrepancy_order()},
            "rows_written": self.rows if self.written is None else self.written,
            "seconds": round(self.seconds, 3),
        }

    def _discrepancy_order(self) -> list[str]:
        return sorted(
            self.discrepancies_by_kind,
            key=lambda k: (k not in DISCREPANCY_KINDS, DISCREPANCY_KINDS.index(k) if k in DISCREPANCY_KINDS else 0, k),
        )

    def _discrepancy_table(self) -> list[str]:
        """The recorded-stage discrepancies by kind, as a small aligned table."""
        described = recorded_table().discrepancies
        rows = [
            (k, described[k].message if k in described else "", self.discrepancies_by_kind[k])
            for k in self._discrepancy_order()
        ]
        width = max(len(k) for k, _, _ in rows)
        text = max(len(m) for _, m, _ in rows)
        lines = [f"Discrepancies by kind ({self.rows_with_discrepancies} rows with at least one):"]
        lines.append(f"  {'code'.ljust(width)}  {'what'.ljust(text)}  rows")
        lines += [f"  {k.ljust(width)}  {m.ljust(text)}  {n}" for k, m, n in rows]
        return lines

    def render(self, max_errors: int = 20) -> str:
        lines = [
            f"{self.rows} rows read from {self.input} ({self.kind}); {self.staged} staged, {self.failed} not staged; "
            f"written to {self.output} in {self.seconds:.2f} s",
        ]
        if self.by_stage:
            lines.append("Stages:")
            lines += [f"  {k}: {v}" for k, v in sorted(self.by_stage.items())]
        if self.errors_by_kind:
            lines.append("Rows not staged, by kind:")
            lines += [f"  {k}: {v}" for k, v in sorted(self.errors_by_kind.items())]
            lines.append("Rows not staged (row number: reason):")
            lines += [f"  row {e.row}: {e.message}" for e in self.errors[:max_errors]]
            if len(self.errors) > max_errors:
                lines.append(f"  ... and {len(self.errors) - max_errors} more: see the error column of the output")
        if self.discrepancies_by_kind:
            lines += self._discrepancy_table()
        if self.written is not None:
            lines.append(f"{self.written} rows with discrepancies written (--discrepancies-only)")
        return "\n".join(lines)


def check_options(kind: InputKind, system: str | None) -> None:
    """File-level checks of the options against the kind of input (a :class:`FileError` if they do not fit)."""
    if system is None:
        return
    if kind == "eod" and system != eod_table().ajcc_edition_system:
        raise FileError(
            f"--system {system}: EOD 2018 codes (schema {eod_table().schema_id}) are staged in "
            f"{eod_table().ajcc_edition_system} only"
        )
    allowed = CATEGORY_SYSTEMS if kind == "categories" else SYSTEM_IDS
    if kind != "eod" and system not in allowed:
        raise FileError(f"--system {system}: not a system for {kind} rows (allowed: {', '.join(allowed)})")


def check_output(output: Path, *inputs: Path) -> None:
    """Refuse an output that is a directory or one of the inputs (a :class:`FileError` naming it)."""
    if output.is_dir():
        raise FileError(f"{output}: a directory, not a file; give a file name for the output")
    if not output.parent.is_dir():
        raise FileError(f"{output}: the folder {output.parent} does not exist")
    for source in inputs:
        same = output.resolve() == source.resolve()
        if not same and output.exists() and source.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(output, source) and not output.is_char_device()
        if same:
            raise FileError(f"{output}: the output would overwrite the input {source}")


def output_frame(echo: pl.DataFrame, outcomes: pl.DataFrame, first_row: int, *, review: bool = True) -> pl.DataFrame:
    """``row`` (1-based), the input columns (renamed ``input_<name>`` where a derived column has the name), then
    the derived columns (without ``review_codes`` when the review is not asked for)."""
    taken = {ROW_COLUMN, *OUTCOME_COLUMNS}
    renamed = echo.rename({c: f"input_{c}" for c in echo.columns if c in taken})
    rows = pl.Series(ROW_COLUMN, range(first_row, first_row + echo.height), dtype=pl.Int64)
    derived = outcomes if review else outcomes.drop("review_codes")
    return pl.concat([renamed.with_columns(rows).select(ROW_COLUMN, *renamed.columns), derived], how="horizontal")


def _apply_malformed(outcomes: pl.DataFrame, malformed: dict[int, str]) -> pl.DataFrame:
    if not malformed:
        return outcomes
    idx = sorted(malformed)
    cleared = {c: outcomes[c].scatter(idx, [None] * len(idx)) for c in OUTCOME_COLUMNS}
    cleared["error_kind"] = outcomes["error_kind"].scatter(idx, ["malformed_row"] * len(idx))
    cleared["error"] = outcomes["error"].scatter(idx, [malformed[i] for i in idx])
    return pl.DataFrame(cleared)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while one batch of rows is staged and written and the next one read: each batch
    makes hundreds of thousands of objects (parsed cases, case models) that live until it is written, and the
    collector would scan them again and again (about a third of the CPU time of finding rows). Reference counting
    frees them as before; the collector is back on (if it was) after each batch, however the batch ends, so any
    cycles are collected batch by batch."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run_batch(
    input_path: Path,
    output_path: Path,
    *,
    input_fmt: str | None = None,
    output_fmt: str | None = None,
    kind: InputKind | None = None,
    system: str | None = None,
    batch_rows: int | None = None,
    on_progress: Progress | None = None,
    discrepancies_only: bool = False,
    review: bool = True,
) -> BatchSummary:
    """Stage every row of ``input_path`` and write them, in order, with the derived columns to ``output_path``.

    The output appears only when every row is written (temporary file and rename): after an error, a crash or
    Ctrl-C there is no partial output. Rows that cannot be staged are in the output with ``error_kind`` and
    ``error`` and in the summary with their row number. With ``discrepancies_only`` only the rows with a
    recorded-stage discrepancy are written (the registrar's worklist); the summary still counts every row. Without
    ``review`` the output has no ``review_codes`` column, and finding rows are staged without the second-opinion
    review (only the system written), many times faster.

    Raises
    ------
    FileError
        When the input or output as a whole cannot be used (nothing is written then).
    """
    started = time.perf_counter()
    in_fmt = input_format(input_path, input_fmt)
    out_fmt = output_format(output_path, output_fmt)
    check_output(output_path, input_path)
    if batch_rows is None:
        # Parquet is read by row groups into memory anyway; larger batches let polars use every core.
        batch_rows = 5 * BATCH_ROWS if in_fmt == "parquet" else BATCH_ROWS
    chunks = read_chunks(input_path, in_fmt, batch_rows=batch_rows)
    with _collector_paused():
        first: Chunk | None = next(chunks, None)
    assert first is not None  # every reader yields at least one chunk
    if kind is None:
        fixed: dict[str, InputKind] = {"naaccr": "eod", "jsonl": "findings"}
        kind = fixed.get(in_fmt) or detect_kind(first.rows.columns)
    if kind is None:
        raise FileError(
            f"{input_path}: cannot tell what the rows hold from the columns {first.rows.columns}: expected EOD "
            "codes (eodPrimaryTumor, eodRegionalNodes, eodMets ...), categories (t, n, m) or case findings "
            "(case, or site and field-path columns such as tumor.findings)"
        )
    check_options(kind, system)
    summary = BatchSummary(str(input_path), str(output_path), kind, written=0 if discrepancies_only else None)
    writer: AtomicWriter | None = None
    try:
        # Made and taken charge of in one step: a stop that came while its temporary file was made acts once
        # ``writer`` holds it (and removes it); before, a signal there left the file behind.
        with stop_signals_held(replay=True):
            writer = AtomicWriter(output_path, out_fmt, background=True)
        row = 1
        chunk: Chunk | None = first
        while chunk is not None:
            with _collector_paused():
                staged, counts = stage_frame_counted(chunk.rows, kind, system=system, review=review, cases=chunk.cases)
                frame = output_frame(chunk.echo, _apply_malformed(staged, chunk.malformed), row, review=review)
                summary.add(frame, None if chunk.malformed else counts)
                if discrepancies_only:
                    frame = frame.filter(pl.col("discrepancies").is_not_null())
                    summary.written = (summary.written or 0) + frame.height
                row += frame.height
                writer.write(frame)  # the writer's from here on (it may be writing it in the background)
                summary.log_progress(chunk.done, chunk.total)
                if on_progress is not None:
                    on_progress(chunk.done, chunk.total)
                del staged, frame
                chunk = next(chunks, None)
        writer.commit()
    except OSError as exc:  # a full disk, a closed pipe, a file that cannot be read
        if writer is not None:
            with stop_signals_held(replay=False):
                writer.abort()
        raise FileError(f"{exc.filename or output_path}: {exc.strerror or exc}") from None
    except BaseException as exc:
        if writer is not None:
            # A repeated Ctrl-C or SIGTERM while the temporary file is removed is dropped: the run is stopping.
            with stop_signals_held(replay=False):
                writer.abort()
        # Free the batches now, while a repeated Ctrl-C or SIGTERM still stops the run the same way: freed later,
        # when the command has said "no output written", a large batch takes long enough on a busy machine for a
        # repeated signal to find no handler. The locals of the frames the exception went through are cleared.
        first = chunk = None
        if isinstance(chunks, Generator):
            chunks.close()
        traceback.clear_frames(exc.__traceback__)
        raise
    summary.seconds = time.perf_counter() - started
    summary.log_progress()
    return summary
