"""Import ClinicalTrials.gov API v2 study JSON into the local index: streaming, bounded memory, transactional.

Accepted sources: the bulk download zip (one ``NCT*.json`` per study, any folder depth), a directory of study JSON
files, and a JSON file holding one study, an array of studies or a search response (``{"studies": [...]}``).

Transactional: a new index file is written beside the old one and moved over it only when the import has
finished (``os.replace`` is atomic), so an interrupted or failed import leaves the previous index exactly as it was.
A malformed record is counted and reported with its NCT id (or its file name) and never stops the import; a source
that cannot be read at all (a truncated zip, broken JSON syntax in a single-file source) fails the import as a
whole, again leaving the previous index intact.

Fictional demo records and real records are never mixed in one index: importing real records drops the demo ones.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, Literal

from filelock import FileLock, Timeout

from mesostage.limits import clip
from mesostage.safeio import private_temp, remove_stale_temps, usual_mode
from mesostage.trials.criteria import Criterion, parse_trial
from mesostage.trials.index import SCHEMA_VERSION, DamagedIndex, OutdatedIndex, TrialIndex, create_schema
from mesostage.trials.jsonstream import JsonStreamError, UnreadableStudy, iter_json_studies
from mesostage.trials.scope import mesothelioma_scope, reading_site
from mesostage.trials.study import StudyError, Trial, parse_study

__all__ = [
    "DEMO_SOURCE",
    "ImportFailed",
    "ImportReport",
    "Malformed",
    "import_records",
    "import_source",
    "iter_source",
    "load_demo",
]

DEMO_SOURCE = "mesostage bundled FICTIONAL demo trials"
_BATCH = 500
#: Records read between two progress messages (INFO, logger ``mesostage.trials.importer``).
LOG_EVERY = 1000
log = logging.getLogger(__name__)
#: How long an import waits for another import into the same index to finish.
_LOCK_WAIT_SECONDS = 600
Mode = Literal["replace", "merge"]
Scope = Literal["mesothelioma", "all"]


class ImportFailed(RuntimeError):
    """The source could not be read as a whole; the previous index is unchanged."""


@dataclass(frozen=True)
class Malformed:
    """One record that could not be imported: its NCT id when it has one, where it was, and why."""

    nct_id: str | None
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.nct_id or '(no NCT id)'} [{self.where}]: {self.message}"


@dataclass
class ImportReport:
    source: str
    mode: str
    scope: str
    read: int = 0
    imported: int = 0
    skipped_out_of_scope: int = 0
    duplicates: int = 0
    malformed: list[Malformed] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    fictional_removed: int = 0
    index_total: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"Imported {self.imported} of {self.read} records from {self.source} ({self.mode}, scope {self.scope}) "
            f"in {self.seconds:.1f} s; the index now holds {self.index_total} trials.",
        ]
        if self.skipped_out_of_scope:
            lines.append(f"{self.skipped_out_of_scope} records were not about mesothelioma and were left out.")
        if self.duplicates:
            lines.append(f"{self.duplicates} records repeated an NCT id; the last one read was kept.")
        if self.fictional_removed:
            lines.append(
                f"{self.fictional_removed} FICTIONAL demo trials were removed: demo and real records are never mixed."
            )
        if self.malformed:
            lines.append(f"{len(self.malformed)} malformed records were skipped:")
            lines += [f"  {m}" for m in self.malformed[:50]]
            if len(self.malformed) > 50:
                lines.append(f"  ... and {len(self.malformed) - 50} more")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warnings about record contents (kept, see the JSON report).")
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """What was read so far, kept and left out (the progress messages' fields)."""
        return {
            "read": self.read,
            "kept": self.imported,
            "out_of_scope": self.skipped_out_of_scope,
            "malformed": len(self.malformed),
            "duplicates": self.duplicates,
        }

    def log_progress(self, done: bool = False) -> None:
        """One INFO message with the counts (no record content: NCT ids and texts stay in the report)."""
        c = self.counts()
        log.info(
            "trials import %s: %d records read, %d kept, %d not about mesothelioma, %d malformed, %d duplicates%s",
            "finished" if done else "under way",
            *c.values(),
            f"; the index holds {self.index_total} trials ({self.seconds:.1f} s)" if done else "",
            extra={**c, "done": done, "source": self.source} | ({"index_total": self.index_total} if done else {}),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mode": self.mode,
            "scope": self.scope,
            "read": self.read,
            "imported": self.imported,
            "skipped_out_of_scope": self.skipped_out_of_scope,
            "duplicates": self.duplicates,
            "malformed": [{"nct_id": m.nct_id, "where": m.where, "message": m.message} for m in self.malformed],
            "warnings": [{"nct_id": n, "message": w} for n, w in self.warnings],
            "fictional_removed": self.fictional_removed,
            "index_total": self.index_total,
            "seconds": round(self.seconds, 3),
        }


#: One item of a source: a parsed record (any JSON value) or the reason it could not be read.
Record = tuple[str, Any | Malformed]


def _nct_from_name(name: str) -> str | None:
    stem = Path(name).name.split(".")[0]
    return stem if stem.startswith("NCT") and stem[3:].isdigit() else None


def _stream(fh: IO[bytes], where: str, *, single_file: bool) -> Iterator[Record]:
    try:
        for i, record in enumerate(iter_json_studies(fh)):
            if isinstance(record, UnreadableStudy):
                record = Malformed(_nct_from_name(where), f"{where}#{i}", record.reason)
            yield (f"{where}#{i}", record)
    except JsonStreamError as exc:
        if single_file:
            raise ImportFailed(f"{where}: {exc}") from None
        yield (where, Malformed(_nct_from_name(where), where, str(exc)))
    except UnicodeDecodeError as exc:
        if single_file:
            raise ImportFailed(f"{where}: not UTF-8 text ({exc.reason})") from None
        yield (where, Malformed(_nct_from_name(where), where, f"not UTF-8 text ({exc.reason})"))


#: A zip member up to this size (a bulk download holds one study of a few kB per member) is read whole and
#: decoded in one step when it is one plain study object; anything else goes through the streaming reader.
_WHOLE_MEMBER_BYTES = 8 * 1024 * 1024


def _one_study(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any] | None:
    """The member as one study object, decoded in one step; None when it is anything else (an array, a search
    response, broken or damaged data): the streaming reader then reads it and says exactly what is wrong."""
    if info.file_size > _WHOLE_MEMBER_BYTES:
        return None
    try:
        value = json.loads(archive.read(info).decode("utf-8-sig"))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not value or isinstance(value.get("studies"), list):
        return None
    return value


def _iter_zip(path: Path) -> Iterator[Record]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{path}: not a readable zip archive, perhaps truncated or damaged ({exc})") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".json"):
                continue
            study = _one_study(archive, info)
            if study is not None:
                yield (f"{info.filename}#0", study)
                continue
            try:
                with archive.open(info) as member:
                    yield from _stream(member, info.filename, single_file=False)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                yield (info.filename, Malformed(_nct_from_name(info.filename), info.filename, f"damaged member: {exc}"))


def _iter_directory(path: Path) -> Iterator[Record]:
    for file in sorted(p for p in path.rglob("*.json") if p.is_file()):
        rel = str(file.relative_to(path))
        try:
            with file.open("rb") as fh:
                yield from _stream(fh, rel, single_file=False)
        except OSError as exc:
            yield (rel, Malformed(_nct_from_name(rel), rel, f"cannot read: {exc}"))


def iter_source(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Every record of a source, one at a time (see the module docstring for the accepted sources)."""
    p = Path(path)
    if p.is_dir():
        return _iter_directory(p)
    if not p.is_file():
        raise ImportFailed(f"no such file or directory: {p}")
    if p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
        return _iter_zip(p)

    def single() -> Iterator[Record]:
        with p.open("rb") as fh:
            yield from _stream(fh, p.name, single_file=True)

    return single()


def trial_criteria(trial: Trial, scope: str) -> list[Criterion]:
    """The criteria of one trial as matching reads them (criteria.parse_trial in the trial's context)."""
    return parse_trial(
        trial.eligibility_text,
        brief_title=trial.brief_title,
        official_title=trial.official_title,
        start_date=trial.start_date,
        mpm_site=reading_site(scope),
        nct_id=trial.nct_id,
    )


def _row(trial: Trial, scope: str, source: str) -> tuple[Any, ...]:
    criteria = None
    if scope:
        criteria = json.dumps([c.to_dict() for c in trial_criteria(trial, scope)], separators=(",", ":"))
    return (
        trial.nct_id,
        trial.brief_title,
        trial.overall_status,
        trial.last_known_status,
        trial.study_type,
        ",".join(trial.phases),
        trial.min_age_years,
        trial.max_age_years,
        trial.sex,
        scope,
        int(trial.fictional),
        trial.last_update,
        source,
        json.dumps(trial.to_dict(), separators=(",", ":"), ensure_ascii=False),
        criteria,
    )


def _write_batch(conn: sqlite3.Connection, batch: list[tuple[Trial, str]], source: str) -> int:
    """Upsert a batch; returns how many NCT ids were already present (re-import is idempotent)."""
    ids = [t.nct_id for t, _ in batch]
    marks = ",".join("?" * len(ids))
    old = [r[0] for r in conn.execute(f"SELECT id FROM trial WHERE nct_id IN ({marks})", ids)]
    if old:
        omarks = ",".join("?" * len(old))
        for table, key in (("trial_fts", "rowid"), ("condition", "trial_id"), ("site", "trial_id"), ("trial", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {key} IN ({omarks})", old)
    for trial, scope in batch:
        cur = conn.execute(
            "INSERT INTO trial (nct_id, brief_title, overall_status, last_known_status, study_type, phases, "
            "min_age_years, max_age_years, sex, scope, fictional, last_update, source, data, criteria) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _row(trial, scope, source),
        )
        rowid = cur.lastrowid
        conn.executemany("INSERT INTO condition VALUES (?, ?)", [(rowid, c) for c in trial.conditions])
        conn.executemany(
            "INSERT INTO site VALUES (?,?,?,?,?,?,?,?,?)",
            [(rowid, s.facility, s.status, s.city, s.state, s.zip, s.country, s.lat, s.lon) for s in trial.sites],
        )
        conn.execute(
            "INSERT INTO trial_fts (rowid, title, conditions, interventions, eligibility) VALUES (?,?,?,?,?)",
            (
                rowid,
                " ".join(filter(None, (trial.brief_title, trial.official_title, trial.acronym))),
                " ; ".join((*trial.conditions, *trial.keywords)),
                " ; ".join(trial.interventions),
                trial.eligibility_text,
            ),
        )
    return len(old)


def _nct_of(record: Any) -> str | None:
    with contextlib.suppress(AttributeError, TypeError):
        nct = record["protocolSection"]["identificationModule"]["nctId"]
        return nct if isinstance(nct, str) else None
    return None


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {clip(str(exc))}" if str(exc) else type(exc).__name__


def _check_mergeable(old: sqlite3.Connection, final: Path) -> None:
    """A merge keeps the studies already stored with the criteria read when they were imported: only into an index
    of this version's format (an older one's criteria are not what this version reads)."""
    try:
        row = old.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ImportFailed(f"cannot merge into {final}: {DamagedIndex(final, str(exc))}") from None
    if row is None or str(row[0]) != SCHEMA_VERSION:
        outdated = OutdatedIndex(final, None if row is None else str(row[0]))
        raise ImportFailed(f"cannot merge into {final}: {outdated} (without --merge, the new import replaces it)")


def _write_checked(conn: sqlite3.Connection, batch: list[tuple[Trial, str]], source: str, report: ImportReport) -> None:
    """Write a batch; when one study cannot be stored (text that is not Unicode, a number SQLite cannot hold),
    write them one at a time, report that study and keep the others."""
    conn.execute("SAVEPOINT batch")
    try:
        _write_batch(conn, batch, source)
    except (UnicodeEncodeError, OverflowError, sqlite3.Error, ValueError):
        conn.execute("ROLLBACK TO batch")
        for trial, scope in batch:
            conn.execute("SAVEPOINT one")
            try:
                _write_batch(conn, [(trial, scope)], source)
            except (UnicodeEncodeError, OverflowError, sqlite3.Error, ValueError) as exc:
                conn.execute("ROLLBACK TO one")
                report.malformed.append(Malformed(trial.nct_id, trial.nct_id, f"cannot be stored ({_reason(exc)})"))
                report.imported -= 1
            conn.execute("RELEASE one")
    conn.execute("RELEASE batch")


def _lock(index_path: Path) -> FileLock:
    """The lock that one import at a time holds on an index (``.NAME.lock`` beside it)."""
    return FileLock(index_path.with_name(f".{index_path.name}.lock"), timeout=_LOCK_WAIT_SECONDS)


def import_records(
    records: Iterable[Record],
    index_path: str | os.PathLike[str],
    *,
    source: str,
    mode: Mode = "replace",
    scope: Scope = "mesothelioma",
    data_as_of: str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Write records into the index at ``index_path`` as one all-or-nothing step (see the module docstring).

    ``mode="replace"`` builds the index from these records alone; ``"merge"`` adds them to (or updates them in) the
    existing index. ``scope="mesothelioma"`` keeps only studies about mesothelioma (including basket trials whose
    criteria name it); ``"all"`` keeps every study.

    Raises
    ------
    ImportFailed
        When the source cannot be read, or no valid study is in it; the previous index is left as it was.
    """
    if mode not in ("replace", "merge"):
        raise ValueError(f"mode must be 'replace' or 'merge', not {mode!r}")
    if scope not in ("mesothelioma", "all"):
        raise ValueError(f"scope must be 'mesothelioma' or 'all', not {scope!r}")
    final = Path(index_path)
    if final.is_dir():
        raise ImportFailed(f"{final} is a directory: give the index file's name")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImportFailed(f"cannot make the folder {final.parent}: {exc.strerror or exc}") from None
    lock = _lock(final)
    try:
        Path(lock.lock_file).touch(exist_ok=True)  # filelock would retry a lock file it cannot make until time-out
    except OSError as exc:
        raise ImportFailed(f"cannot write in the folder {final.parent}: {exc.strerror or exc}") from None
    try:
        with lock:
            return _import_locked(records, final, source, mode, scope, data_as_of, progress)
    except Timeout:
        raise ImportFailed(
            f"{final}: another import into this index has held its lock for {_LOCK_WAIT_SECONDS // 60} minutes; "
            "wait for it to finish (or remove the lock file of an import that was killed)"
        ) from None


def _import_locked(
    records: Iterable[Record],
    final: Path,
    source: str,
    mode: Mode,
    scope: Scope,
    data_as_of: str | None,
    progress: Callable[[ImportReport], None] | None,
) -> ImportReport:
    remove_stale_temps(final, "importing")  # left by an import that was killed; never another running one's
    temp = private_temp(final, "importing")
    report = ImportReport(source=source, mode=mode, scope=scope)
    started = time.perf_counter()
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(temp, isolation_level=None)  # explicit BEGIN/COMMIT below
        if mode == "merge" and final.is_file():
            with sqlite3.connect(f"{final.resolve().as_uri()}?mode=ro", uri=True) as old:
                _check_mergeable(old, final)
                old.backup(conn)
        # The temporary file is discarded on any failure, so its journal stays in memory (not OFF: a study that
        # cannot be stored is rolled back to its savepoint, which needs a journal).
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        create_schema(conn)
        conn.execute("BEGIN")
        seen: set[str] = set()
        batch: list[tuple[Trial, str]] = []
        real_records = False
        for where, record in records:
            if report.read and report.read % LOG_EVERY == 0:
                report.log_progress()
            report.read += 1
            if isinstance(record, Malformed):
                report.malformed.append(record)
                continue
            try:
                trial = parse_study(record)
            except StudyError as exc:
                report.malformed.append(Malformed(exc.nct_id, where, exc.message))
                continue
            except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
                # A shape no check foresaw: this study is reported, the others are read.
                report.malformed.append(Malformed(_nct_of(record), where, f"cannot be read ({_reason(exc)})"))
                continue
            report.warnings += [(trial.nct_id, w) for w in trial.warnings]
            trial_scope = mesothelioma_scope(trial)
            if scope == "mesothelioma" and not trial_scope:
                report.skipped_out_of_scope += 1
                continue
            real_records |= not trial.fictional
            if trial.nct_id in seen:
                report.duplicates += 1
                report.imported -= 1
                batch = [(t, s) for t, s in batch if t.nct_id != trial.nct_id]
            seen.add(trial.nct_id)
            batch.append((trial, trial_scope))
            report.imported += 1
            if len(batch) >= _BATCH:
                _write_checked(conn, batch, source, report)
                batch = []
                if progress is not None:
                    progress(report)
        if batch:
            _write_checked(conn, batch, source, report)
        if report.imported == 0:
            detail = f"{report.read} records read, {len(report.malformed)} malformed"
            if report.skipped_out_of_scope:
                kept = "keep them with --all-studies, scope 'all'"
                detail += f", {report.skipped_out_of_scope} not about mesothelioma ({kept})"
            raise ImportFailed(f"no valid study to import from {source} ({detail})")
        if real_records:
            report.fictional_removed = _drop_fictional(conn)
        report.index_total = int(conn.execute("SELECT count(*) FROM trial").fetchone()[0])
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        scope_counts = dict(conn.execute("SELECT scope, count(*) FROM trial GROUP BY scope").fetchall())
        fictional_count = int(conn.execute("SELECT count(*) FROM trial WHERE fictional = 1").fetchone()[0])
        meta = {
            # Counts kept here so that matching need not scan a full-registry index for them.
            "scope_counts": json.dumps(scope_counts),
            "fictional_count": str(fictional_count),
            "source": source,
            "imported_at": now,
            "data_as_of": data_as_of or now[:10],
            "fictional_only": "0" if real_records or not _only_fictional(conn) else "1",
            "last_import": json.dumps({k: v for k, v in report.as_dict().items() if k != "warnings"}),
        }
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
        conn.execute("COMMIT")
        conn.close()
        conn = None
        temp.chmod(usual_mode(final if final.exists() else None))
        os.replace(temp, final)
    finally:
        if conn is not None:
            conn.close()
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    report.seconds = time.perf_counter() - started
    report.log_progress(done=True)
    return report


def _drop_fictional(conn: sqlite3.Connection) -> int:
    ids = [r[0] for r in conn.execute("SELECT id FROM trial WHERE fictional = 1")]
    for i in range(0, len(ids), _BATCH):
        chunk = ids[i : i + _BATCH]
        marks = ",".join("?" * len(chunk))
        for table, key in (("trial_fts", "rowid"), ("condition", "trial_id"), ("site", "trial_id"), ("trial", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)
    return len(ids)


def _only_fictional(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM trial WHERE fictional = 0 LIMIT 1").fetchone() is None


def import_source(
    path: str | os.PathLike[str],
    index_path: str | os.PathLike[str],
    *,
    mode: Mode = "replace",
    scope: Scope = "mesothelioma",
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a bulk zip, a directory of study JSON files or a search-result JSON file (see :func:`import_records`)."""
    p = Path(path)
    records = iter_source(p)
    # The registry changes daily: "data as of" is the date of the downloaded file, not the date of the import.
    as_of = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).date().isoformat()
    return import_records(
        records, index_path, source=str(p), mode=mode, scope=scope, data_as_of=as_of, progress=progress
    )


def demo_records() -> Iterator[Record]:
    """The bundled FICTIONAL demo trials (a search response in the API v2 layout)."""
    ref = resources.files("mesostage.trials").joinpath("data", "demo_trials.json")
    with ref.open("rb") as fh:
        yield from _stream(fh, "demo_trials.json", single_file=True)


def load_demo(index_path: str | os.PathLike[str]) -> ImportReport:
    """Replace the index with the bundled FICTIONAL demo trials."""
    return import_records(demo_records(), index_path, source=DEMO_SOURCE, mode="replace", scope="mesothelioma")


def demo_index() -> TrialIndex:
    """An in-memory index of the demo trials (used when no index has been imported yet)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.sqlite"
        load_demo(path)
        disk = sqlite3.connect(path)
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        disk.backup(memory)
        disk.close()
    return TrialIndex(memory)
