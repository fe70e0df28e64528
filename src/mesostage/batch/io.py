"""Reading registry files in batches and writing the output atomically.

Readers stream: a CSV, JSON Lines or NAACCR XML file is read in batches of rows, so memory stays flat whatever the
file size; a Parquet file is read by row groups. A row the reader cannot split into fields (a CSV line with the
wrong number of fields, a JSON line that is not valid JSON, a NAACCR item without an id or given twice) is kept as a
row and reported as ``malformed_row``. A problem with the file itself (not found, no header, not well-formed XML)
is a :class:`FileError`, and then no output is written at all.

Writers write to a temporary file beside the output and rename it over the output only when every row is written,
so a crash or Ctrl-C never leaves a half-written output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl

from mesostage.batch.recorded import RECORDED_COLUMNS
from mesostage.batch.rows import EOD_COLUMNS

__all__ = [
    "NAACCR_ITEMS",
    "NAACCR_NAMESPACE",
    "AtomicWriter",
    "Chunk",
    "FileError",
    "InputFormat",
    "OutputFormat",
    "input_format",
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
    measure progress (bytes for text files, rows for Parquet).
    """

    rows: pl.DataFrame
    echo: pl.DataFrame
    malformed: dict[int, str] = field(default_factory=dict)
    done: int = 0
    total: int | None = None


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (progress for streamed text and XML)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


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


def _read_csv(path: Path, batch_rows: int) -> Iterator[Chunk]:
    total = path.stat().st_size
    with path.open("rb") as raw:
        counting = _Counting(raw)
        text = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise FileError(f"{path}: empty file, no header row") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileError(f"{path}: cannot read the header row: {exc}") from None
        header = [h.strip() for h in header]
        duplicated = sorted({h for h in header if header.count(h) > 1})
        if duplicated or "" in header:
            raise FileError(f"{path}: the header must name every column once (repeated or empty: {duplicated or ['']})")
        columns: dict[str, list[str | None]] = {h: [] for h in header}
        malformed: dict[int, str] = {}
        n = 0
        yielded = False
        try:
            for fields in reader:
                if not fields:
                    continue  # a blank line is not a row
                if len(fields) == len(header):
                    for h, v in zip(header, fields, strict=True):
                        columns[h].append(v)
                else:
                    malformed[n] = f"line {reader.line_num}: {len(fields)} fields where the header has {len(header)}"
                    for h in header:
                        columns[h].append(None)
                n += 1
                if n == batch_rows:
                    frame = _strings(columns)
                    yield Chunk(frame, frame, malformed, counting.count, total)
                    yielded = True
                    columns, malformed, n = {h: [] for h in header}, {}, 0
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileError(f"{path}: line {reader.line_num}: {exc}") from None
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
    for batch in parquet.iter_batches(batch_size=batch_rows):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        done += frame.height
        yield Chunk(frame, frame, {}, done, total)
    if total == 0:
        empty = pl.from_arrow(parquet.schema_arrow.empty_table())
        assert isinstance(empty, pl.DataFrame)
        yield Chunk(empty, empty, {}, 0, 0)


def _read_jsonl(path: Path, batch_rows: int) -> Iterator[Chunk]:
    total = path.stat().st_size
    with path.open("rb") as raw:
        counting = _Counting(raw)
        text = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig")
        cases: list[str | None] = []
        lines: list[str | None] = []
        ids: list[str | None] = []
        malformed: dict[int, str] = {}
        yielded = False
        try:
            for number, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    malformed[len(cases)] = f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}"
                    data = None
                if data is not None and not isinstance(data, dict):
                    malformed[len(cases)] = f"line {number}: a case must be a JSON object"
                case_id = data.get("id") if isinstance(data, dict) else None
                cases.append(line if isinstance(data, dict) else None)
                lines.append(str(number))
                ids.append(case_id if isinstance(case_id, str) else None)
                if len(cases) == batch_rows:
                    echo = _strings({"line": lines, "id": ids})
                    yield Chunk(_strings({"case": cases}), echo, malformed, counting.count, total)
                    yielded = True
                    cases, lines, ids, malformed = [], [], [], {}
        except UnicodeDecodeError as exc:
            raise FileError(f"{path}: not UTF-8 text: {exc}") from None
        if cases or not yielded:
            yield Chunk(_strings({"case": cases}), _strings({"line": lines, "id": ids}), malformed, total, total)


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
        counting = _Counting(raw)
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


class AtomicWriter:
    """Writes batches to a temporary file beside ``path`` and renames it over ``path`` on :meth:`commit`.

    On :meth:`abort` (or when the process dies) ``path`` is untouched: it does not exist, or keeps its old content.
    """

    def __init__(self, path: Path, fmt: OutputFormat) -> None:
        self.path = path
        self.fmt = fmt
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise FileError(f"{path}: the folder {directory} does not exist")
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=directory)
        self.temp = Path(name)
        try:
            os.close(fd)
            _usual_mode(self.temp)
        except BaseException:  # Ctrl-C right after the file was made: leave nothing behind
            self.temp.unlink(missing_ok=True)
            raise
        self._fh: IO[bytes] | None = None
        self._parquet: Any = None
        self._schema: Any = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            # string_view columns need no conversion from polars; without the Arrow schema in the file every
            # Parquet reader sees plain strings. Statistics only for the first (row number) column: for the text
            # columns they would cost a fifth of a large run and serve no query.
            table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(
                    self.temp, self._schema, store_schema=False, write_statistics=self._schema.names[:1]
                )
            elif table.schema != self._schema:
                table = table.cast(self._schema)
            self._parquet.write_table(table)
            return
        if self._fh is None:
            self._fh = self.temp.open("wb")
            if self.fmt == "csv":
                frame.write_csv(self._fh, include_header=True)
                return
        if self.fmt == "csv":
            frame.write_csv(self._fh, include_header=False)
        else:
            frame.write_ndjson(self._fh)

    def commit(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            self.temp.unlink(missing_ok=True)


def _usual_mode(path: Path) -> None:
    """mkstemp makes the file private (0600); the output gets the mode a new file usually gets (0666 less umask)."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)


def write_text_atomically(path: Path, text: str) -> None:
    """A small text file (the summary report) written atomically."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    _usual_mode(Path(name))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
