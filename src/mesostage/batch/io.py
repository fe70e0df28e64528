"""Reading registry files in batches and writing the output atomically.

Readers stream: a CSV, JSON Lines or NAACCR XML file is read in batches of rows, so memory stays flat whatever the
file size; a Parquet file is read by row groups. A row the reader cannot split into fields (a CSV line with the
wrong number of fields, a JSON line that is not valid JSON, a NAACCR item without an id or given twice) is kept as a
row and reported as ``malformed_row``. A problem with the file itself (not found, no header, not well-formed XML)
is a :class:`FileError`, and then no output is written at all.

Writers write to a temporary file beside the output and rename it over the output only when every row is written,
so a crash, Ctrl-C or SIGTERM never leaves a half-written output; a device or a pipe (``/dev/null``,
``/dev/stdout``) is written in place instead. Text cells of CSV output that a spreadsheet would run as a formula
are neutralised (OWASP CSV injection guidance).

Limits (:mod:`mesostage.limits`): a line of CSV or JSON Lines is at most ``MAX_LINE_BYTES``, a CSV file has at most
``MAX_CSV_COLUMNS`` columns, an XML token at most ``MAX_XML_TOKEN_BYTES``; past them the file is refused with a
clear error. Within them one bad record (not UTF-8, too deeply nested, a number too long) is a ``malformed_row``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl

from mesostage.batch.recorded import RECORDED_COLUMNS
from mesostage.batch.rows import EOD_COLUMNS
from mesostage.errors import CaseError
from mesostage.limits import MAX_CSV_COLUMNS, MAX_LINE_BYTES, MAX_XML_TOKEN_BYTES, parse_json
from mesostage.safeio import output_kind, private_temp, remove_stale_temps, usual_mode

__all__ = [
    "FORMULA_START",
    "NAACCR_ITEMS",
    "NAACCR_NAMESPACE",
    "AtomicWriter",
    "Chunk",
    "FileError",
    "InputFormat",
    "OutputFormat",
    "input_format",
    "neutralise_formulas",
    "output_format",
    "read_chunks",
    "write_text_atomically",
]

InputFormat = Literal["csv", "parquet", "jsonl", "naaccr"]
OutputFormat = Literal["csv", "parquet", "jsonl"]
NAACCR_NAMESPACE = "http://naaccr.org/naaccrxml"
#: The NAACCR items read from each Tumor (the EOD columns and the recorded-stage items) and from its Patient.
NAACCR_ITEMS = (*EOD_COLUMNS, *RECORDED_COLUMNS)
NAACCR_PATIENT_ITEMS = ("patientIdNumber",)
BATCH_ROWS = 50_000


class FileError(Exception):
    """The input or output file as a whole cannot be used; nothing is written."""


@dataclass
class Chunk:
    """A batch of rows: ``rows`` is what staging reads, ``echo`` what the output repeats of the input.

    ``malformed`` maps a row's index in the chunk to the reason it could not be read. ``done`` and ``total``
    measure progress (bytes for text files, rows for Parquet). ``cases`` (JSON Lines): each row's ``case`` already
    parsed and checked against the limits (None for a malformed line), so that staging does not parse it again.
    """

    rows: pl.DataFrame
    echo: pl.DataFrame
    malformed: dict[int, str] = field(default_factory=dict)
    done: int = 0
    total: int | None = None
    cases: list[Any] | None = None


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (progress for streamed text and XML)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(min(len(buffer), _READ_BYTES))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _XmlTokens(_Counting):
    """Counts the bytes, and refuses a run of more than ``MAX_XML_TOKEN_BYTES`` without markup (a huge attribute or
    text): expat would take minutes over one."""

    def __init__(self, raw: IO[bytes], path: Path) -> None:
        super().__init__(raw)
        self.path = path
        self.run = 0

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        data = bytes(buffer[:n])
        first = min((i for i in (data.find(b"<"), data.find(b">")) if i >= 0), default=-1)
        if first < 0:
            self.run += n
        else:
            self.run += first
            if self.run <= MAX_XML_TOKEN_BYTES:
                self.run = n - 1 - max(data.rfind(b"<"), data.rfind(b">"))
        if self.run > MAX_XML_TOKEN_BYTES:
            raise FileError(
                f"{self.path}: an XML attribute or text of more than {MAX_XML_TOKEN_BYTES} bytes near byte "
                f"{self.count}: not a NAACCR file (an item holds at most a few thousand characters)"
            )
        return n


#: Bytes read at a time; at most a token's limit, so that a run of bytes is measured within one read.
_READ_BYTES = 64 * 1024


def _lines(binary: IO[bytes], path: Path) -> Iterator[tuple[int, bytes]]:
    """The lines of a text file with their numbers, each at most ``MAX_LINE_BYTES`` (a file of no line breaks,
    such as ``/dev/zero``, is refused instead of read into memory)."""
    number = 0
    while line := binary.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise FileError(
                f"{path}: line {number} is longer than {MAX_LINE_BYTES} bytes: not a file of rows (no line breaks?)"
            )
        yield number, line


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def input_format(path: Path, given: str | None = None) -> InputFormat:
    name = (given or path.suffix.lstrip(".")).lower()
    formats: dict[str, InputFormat] = {
        "csv": "csv",
        "parquet": "parquet",
        "pq": "parquet",
        "jsonl": "jsonl",
        "ndjson": "jsonl",
        "xml": "naaccr",
        "naaccr": "naaccr",
    }
    if name not in formats:
        raise FileError(f"{path}: cannot tell the input format from '{name}' (use .csv, .parquet, .jsonl or .xml)")
    return formats[name]


def output_format(path: Path, given: str | None = None) -> OutputFormat:
    name = (given or path.suffix.lstrip(".")).lower()
    formats: dict[str, OutputFormat] = {"csv": "csv", "parquet": "parquet", "pq": "parquet", "jsonl": "jsonl"}
    formats["ndjson"] = "jsonl"
    if name not in formats:
        raise FileError(f"{path}: cannot tell the output format from '{name}' (use .csv, .parquet or .jsonl)")
    return formats[name]


def _strings(columns: dict[str, list[str | None]]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String()))


def _decoded(lines: Iterator[tuple[int, bytes]]) -> Iterator[str]:
    """Lines as text; bytes that are not UTF-8 are kept as lone surrogates, so that the row is reported, not the
    file refused."""
    for number, line in lines:
        text = line.decode("utf-8", "surrogateescape")
        yield text.removeprefix("\ufeff") if number == 1 else text


def _read_csv(path: Path, batch_rows: int) -> Iterator[Chunk]:
    total = path.stat().st_size
    with path.open("rb") as raw:
        counting = _Counting(raw)
        reader = csv.reader(_decoded(_lines(io.BufferedReader(counting), path)))
        try:
            header = next(reader)
        except StopIteration:
            raise FileError(f"{path}: empty file, no header row") from None
        except csv.Error as exc:
            raise FileError(f"{path}: cannot read the header row: {exc}") from None
        if len(header) > MAX_CSV_COLUMNS:
            raise FileError(f"{path}: {len(header)} columns in the header row; at most {MAX_CSV_COLUMNS} are read")
        if _NOT_UTF8.search("".join(header)):
            raise FileError(f"{path}: the header row is not UTF-8 text")
        header = [h.strip() for h in header]
        duplicated = sorted(h for h, k in Counter(header).items() if k > 1)
        if duplicated or "" in header:
            raise FileError(f"{path}: the header must name every column once (repeated or empty: {duplicated or ['']})")
        columns: dict[str, list[str | None]] = {h: [] for h in header}
        malformed: dict[int, str] = {}
        n = 0
        yielded = False
        while True:
            problem = None
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                fields, problem = [], f"line {reader.line_num}: {exc}"
            if not fields and problem is None:
                continue  # a blank line is not a row
            if problem is None and len(fields) != len(header):
                problem = f"line {reader.line_num}: {len(fields)} fields where the header has {len(header)}"
            if problem is None and _NOT_UTF8.search("".join(fields)):
                problem = f"line {reader.line_num}: not UTF-8 text"
            if problem is None:
                for h, v in zip(header, fields, strict=True):
                    columns[h].append(v)
            else:
                malformed[n] = problem
                for h in header:
                    columns[h].append(None)
            n += 1
            if n == batch_rows:
                frame = _strings(columns)
                yield Chunk(frame, frame, malformed, counting.count, total)
                yielded = True
                columns, malformed, n = {h: [] for h in header}, {}, 0
        if n or not yielded:
            frame = _strings(columns)
            yield Chunk(frame, frame, malformed, total, total)


def _read_parquet(path: Path, batch_rows: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise FileError(f"{path}: not a readable Parquet file: {exc}") from None
    total = parquet.metadata.num_rows
    done = 0
    # polars reads a slice of rows (only the row groups it needs) several times faster than pyarrow's record
    # batches converted to polars
    rows = pl.scan_parquet(path)
    while done < total:
        frame = rows.slice(done, batch_rows).collect()
        done += frame.height
        yield Chunk(frame, frame, {}, done, total)
    if total == 0:
        empty = pl.from_arrow(parquet.schema_arrow.empty_table())
        assert isinstance(empty, pl.DataFrame)
        yield Chunk(empty, empty, {}, 0, 0)


def _json_line(number: int, line: bytes) -> tuple[Any, str | None, str | None]:
    """One JSON line: (the case or None, the reason it cannot be read or None, its text where it is UTF-8)."""
    try:
        text = line.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return None, f"line {number}: not UTF-8 text ({exc.reason} at byte {exc.start})", None
    try:
        data = parse_json(text)
    except CaseError as exc:
        return None, f"line {number}: {exc.errors[0]}", text
    if not isinstance(data, dict):
        return None, f"line {number}: a case must be a JSON object", text
    return data, None, text


def _read_jsonl(path: Path, batch_rows: int) -> Iterator[Chunk]:
    total = path.stat().st_size
    with path.open("rb") as raw:
        counting = _Counting(raw)
        cases: list[str | None] = []
        parsed: list[Any] = []
        lines: list[str | None] = []
        ids: list[str | None] = []
        malformed: dict[int, str] = {}
        yielded = False
        for number, line in _lines(io.BufferedReader(counting), path):
            if not line.strip():
                continue
            data, problem, text = _json_line(number, line)
            if problem is not None:
                malformed[len(cases)] = problem
            case_id = data.get("id") if isinstance(data, dict) else None
            cases.append(text if data is not None else None)
            parsed.append(data)
            lines.append(str(number))
            ids.append(case_id if isinstance(case_id, str) else None)
            if len(cases) == batch_rows:
                echo = _strings({"line": lines, "id": ids})
                yield Chunk(_strings({"case": cases}), echo, malformed, counting.count, total, parsed)
                yielded = True
                cases, parsed, lines, ids, malformed = [], [], [], [], {}
        if cases or not yielded:
            echo = _strings({"line": lines, "id": ids})
            yield Chunk(_strings({"case": cases}), echo, malformed, total, total, parsed)


def _local(tag: str) -> tuple[str | None, str]:
    """``{ns}Name`` -> (ns, Name)."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _read_naaccr(path: Path, batch_rows: int) -> Iterator[Chunk]:
    """NAACCR XML (specification 1.x): one row per Tumor, with its Patient's id.

    Items are matched by ``naaccrId`` in the NAACCR namespace (or no namespace); elements of other namespaces
    (local extensions) and everything inside them are skipped. A missing item is a missing value.
    """
    total = path.stat().st_size
    columns: dict[str, list[str | None]] = {
        "patient": [],
        "tumor": [],
        **{n: [] for n in NAACCR_PATIENT_ITEMS + NAACCR_ITEMS},
    }
    malformed: dict[int, str] = {}
    n = 0
    yielded = False
    stack: list[tuple[bool, str]] = []  # open elements: (in the NAACCR namespace, all the way up; local name)
    root: ET.Element | None = None
    patient_items: dict[str, str | None] = {}
    tumor_items: dict[str, str | None] = {}
    patient_problems: list[str] = []
    tumor_problems: list[str] = []
    patients = tumors_in_patient = 0
    with path.open("rb") as raw:
        counting = _XmlTokens(raw, path)
        try:
            for event, elem in ET.iterparse(io.BufferedReader(counting), events=("start", "end")):
                ns, name = _local(elem.tag)
                if event == "start":
                    ours = ns in (None, NAACCR_NAMESPACE) and (not stack or stack[-1][0])
                    if root is None:
                        root = elem
                        if name != "NaaccrData" or not ours:
                            raise FileError(f"{path}: not NAACCR XML (root element is {elem.tag}, not NaaccrData)")
                    stack.append((ours, name))
                    if ours and name == "Patient":
                        patients += 1
                        tumors_in_patient = 0
                        patient_items, patient_problems = {}, []
                    elif ours and name == "Tumor":
                        tumors_in_patient += 1
                        tumor_items, tumor_problems = {}, []
                    continue
                ours, _ = stack.pop()
                if not ours:
                    continue
                parent = stack[-1][1] if stack else ""
                if name == "Item" and parent in ("Patient", "Tumor"):
                    target, problems = (
                        (tumor_items, tumor_problems) if parent == "Tumor" else (patient_items, patient_problems)
                    )
                    item = elem.get("naaccrId")
                    if item is None:
                        problems.append(f"an Item of the {parent} has no naaccrId")
                    elif item in target:
                        problems.append(f"item {item} is given twice")
                    else:
                        target[item] = (elem.text or "").strip() or None
                elif name == "Tumor":
                    if patient_problems or tumor_problems:
                        where = f"patient {patients}, tumor {tumors_in_patient}: "
                        malformed[n] = where + "; ".join(patient_problems + tumor_problems)
                    columns["patient"].append(str(patients))
                    columns["tumor"].append(str(tumors_in_patient))
                    for item in NAACCR_PATIENT_ITEMS:
                        columns[item].append(patient_items.get(item))
                    for item in NAACCR_ITEMS:
                        columns[item].append(tumor_items.get(item))
                    elem.clear()
                    n += 1
                    if n == batch_rows:
                        frame = _strings(columns)
                        yield Chunk(frame, frame, malformed, counting.count, total)
                        yielded = True
                        columns = {k: [] for k in columns}
                        malformed, n = {}, 0
                elif name == "Patient" and root is not None:
                    root.clear()  # drop parsed patients: memory stays flat
        except ET.ParseError as exc:
            raise FileError(f"{path}: not well-formed XML: {exc}") from None
    if root is None:
        raise FileError(f"{path}: empty file")
    if n or not yielded:
        frame = _strings(columns)
        yield Chunk(frame, frame, malformed, total, total)


def read_chunks(path: Path, fmt: InputFormat, *, batch_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
    """The rows of an input file in batches."""
    if not path.exists():
        raise FileError(f"{path}: no such file")
    if path.is_dir():
        raise FileError(f"{path}: a directory; a partitioned Parquet dataset is read with --dask")
    readers = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl, "naaccr": _read_naaccr}
    return readers[fmt](path, batch_rows)


#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection): such a cell gets a leading ``'``.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells (and column names) that start like a formula, with a ``'`` before them so that a spreadsheet
    shows the text instead of running it (OWASP CSV injection guidance)."""
    pattern = "^[" + re.escape("".join(FORMULA_START)) + "]"
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    if text:
        frame = frame.with_columns(
            pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
            for c in text
        )
    renamed = {c: "'" + c for c in frame.columns if c.startswith(FORMULA_START)}
    return frame.rename(renamed) if renamed else frame


def _writable(path: Path) -> tuple[bool, Path]:
    """(written atomically, the path written): a regular file or a new path through any symlink, else a stream."""
    try:
        kind = output_kind(path)
    except (IsADirectoryError, ValueError) as exc:
        raise FileError(f"{exc}; give a file name for the output") from None
    if kind == "stream":
        return False, path
    target = path.resolve()
    if not target.parent.is_dir():
        raise FileError(f"{path}: the folder {path.parent} does not exist")
    return True, target


class AtomicWriter:
    """Writes batches to a private temporary file beside ``path`` and renames it over ``path`` on :meth:`commit`.

    On :meth:`abort` (or when the process dies) ``path`` is untouched: it does not exist, or keeps its old content;
    the temporary file of a run that was killed is removed by the next run for the same output. A character device,
    a pipe or ``/dev/stdout`` is written in place (it cannot be replaced).
    """

    def __init__(self, path: Path, fmt: OutputFormat, *, background: bool = False) -> None:
        self.path = path
        self.fmt = fmt
        self.atomic, self.target = _writable(path)
        self.temp: Path | None = None
        if self.atomic:
            remove_stale_temps(self.target, "partial")
            try:
                self.temp = private_temp(self.target, "partial")
            except OSError as exc:
                raise FileError(f"{path}: cannot write in {self.target.parent}: {exc.strerror or exc}") from None
        self._fh: IO[bytes] | None = None
        self._parquet: Any = None
        self._schema: Any = None
        # With ``background``, a batch is written by one thread of its own while the caller makes the next one
        # (pyarrow and polars let go of the GIL while they work): at most one write under way, in order.
        # A stream (a pipe, a device) is written in the caller's thread: a write blocked on it stays interruptible.
        threaded = background and self.atomic
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="mesostage-write") if threaded else None
        self._pending: Future[None] | None = None

    def _open(self) -> IO[bytes]:
        if self._fh is None:
            self._fh = (self.temp or self.target).open("wb")
        return self._fh

    def write(self, frame: pl.DataFrame) -> None:
        """Write one batch (in the background: once the batch before it is written; its error is raised here, or by
        :meth:`commit`). In the background the frame is the writer's: the caller no longer touches it (polars
        1.24 rechunks a frame in place to convert it, and a read meanwhile fails)."""
        if self._thread is None:
            self._write(frame)
            return
        self._settle()
        self._pending = self._thread.submit(self._write, frame)

    def _settle(self) -> None:
        """Wait for the write under way; its error, if any, is raised (a Ctrl-C while waiting leaves it under way,
        for :meth:`abort` to wait for)."""
        pending = self._pending
        if pending is not None:
            try:
                pending.result()
            finally:
                if pending.done():
                    self._pending = None

    def _stop_thread(self) -> None:
        """Wait for the write under way whatever it raised (a repeated Ctrl-C does not stop the wait: the file is not
        closed under a write), then end the thread; a Ctrl-C that came meanwhile is raised after."""
        interrupted: BaseException | None = None
        while self._pending is not None:
            try:
                wait([self._pending])
                self._pending = None
            except KeyboardInterrupt as exc:
                interrupted = exc
        if self._thread is not None:
            self._thread.shutdown()
            self._thread = None
        if interrupted is not None:
            raise interrupted

    def _write(self, frame: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            # string_view columns need no conversion from polars; without the Arrow schema in the file every
            # Parquet reader sees plain strings. Statistics only for the first (row number) column: for the text
            # columns they would cost a fifth of a large run and serve no query.
            table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
            if self._parquet is None:
                self._schema = table.schema
                sink = str(self.temp) if self.temp is not None else self._open()
                self._parquet = pq.ParquetWriter(
                    sink, self._schema, store_schema=False, write_statistics=self._schema.names[:1]
                )
            elif table.schema != self._schema:
                table = table.cast(self._schema)
            self._parquet.write_table(table)
            return
        first = self._fh is None
        fh = self._open()
        if self.fmt == "csv":
            neutralise_formulas(frame).write_csv(fh, include_header=first)
        else:
            frame.write_ndjson(fh)

    def commit(self) -> None:
        self._settle()
        self._stop_thread()
        if self._parquet is not None:
            self._parquet.close()
        if self._fh is not None or self._parquet is None:
            fh = self._open()  # an input of no rows still makes an (empty) output
            if not fh.closed:
                fh.flush()
                if self.temp is not None:
                    os.fsync(fh.fileno())
                fh.close()
        if self.temp is not None:
            self.temp.chmod(usual_mode(self.target if self.target.exists() else None))
            os.replace(self.temp, self.target)

    def abort(self) -> None:
        try:
            self._stop_thread()
        finally:
            self._close_and_remove()

    def _close_and_remove(self) -> None:
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            if self.temp is not None:
                self.temp.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """A small text file (the summary report) written atomically (in place to a device or a pipe).

    Raises
    ------
    FileError
        When it cannot be written (the message names the file and the reason).
    """
    writer = AtomicWriter(path, "jsonl")
    try:
        writer._open().write(text.encode("utf-8"))
        writer.commit()
    except OSError as exc:
        writer.abort()
        raise FileError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        writer.abort()
        raise
