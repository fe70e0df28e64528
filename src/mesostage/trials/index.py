"""The local trial index: one SQLite file (FTS5 for text, tables for structured fields) in the user's data dir.

Where it lives: ``$MESOSTAGE_TRIALS_INDEX``, else ``$MESOSTAGE_DATA_DIR/trials.sqlite`` when that variable is set
(tests use a temporary directory), else ``trials.sqlite`` in ``platformdirs.user_data_dir("mesostage")``. Every
command also takes an explicit path. The file is only ever replaced whole (see :mod:`mesostage.trials.importer`), so
a reader never sees half an import.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mesostage.settings import INDEX_FILENAME, settings
from mesostage.trials.scope import takes_site
from mesostage.trials.study import Trial, trial_from_dict

__all__ = [
    "DATA_DIR_ENV",
    "INDEX_FILENAME",
    "REBUILD_HINT",
    "DamagedIndex",
    "IndexedTrial",
    "OutdatedIndex",
    "TrialIndex",
    "create_schema",
    "default_index_path",
]

DATA_DIR_ENV = "MESOSTAGE_DATA_DIR"

#: The index format. Criteria and scope are read once, at import, and stored: a reader that reads more (new facts,
#: a wider scope) needs an index written by it. 2: criteria read by the real-text reader (new fact types); trials
#: carry start_date. 3: dated waiting times (washout facts carry their days), "no standard treatment" and "now or in
#: the last N months" facts, and the all-comer scope of records that kept only their eligibility text (session 6).
SCHEMA_VERSION = "3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trial (
    id INTEGER PRIMARY KEY,
    nct_id TEXT NOT NULL UNIQUE,
    brief_title TEXT NOT NULL,
    overall_status TEXT NOT NULL,
    last_known_status TEXT,
    study_type TEXT,
    phases TEXT NOT NULL,
    min_age_years REAL,
    max_age_years REAL,
    sex TEXT,
    scope TEXT NOT NULL,
    fictional INTEGER NOT NULL,
    last_update TEXT,
    source TEXT NOT NULL,
    data TEXT NOT NULL,
    criteria TEXT
);
CREATE INDEX IF NOT EXISTS trial_scope_status ON trial (scope, overall_status);
CREATE TABLE IF NOT EXISTS condition (trial_id INTEGER NOT NULL, name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS condition_trial ON condition (trial_id);
CREATE TABLE IF NOT EXISTS site (
    trial_id INTEGER NOT NULL,
    facility TEXT, status TEXT, city TEXT, state TEXT, zip TEXT, country TEXT, lat REAL, lon REAL
);
CREATE INDEX IF NOT EXISTS site_trial ON site (trial_id);
CREATE VIRTUAL TABLE IF NOT EXISTS trial_fts USING fts5(
    title, conditions, interventions, eligibility, tokenize = 'porter unicode61'
);
"""


#: How to make a new index, for every message about a damaged or foreign one.
REBUILD_HINT = (
    "rebuild it with 'mesostage trials import FILE' (or 'mesostage trials sync'), or 'mesostage trials demo' for "
    "the FICTIONAL demo trials"
)


class DamagedIndex(ValueError):
    """The index file cannot be read (damaged, truncated, or not an index): what is wrong and how to rebuild it."""

    def __init__(self, path: Path | None, problem: str) -> None:
        where = str(path) if path is not None else "the trial index"
        super().__init__(f"{where}: the trial index cannot be read ({problem}); {REBUILD_HINT}")


class OutdatedIndex(DamagedIndex):
    """An index written in another format by another version of mesostage: which, and how to make a new one."""

    def __init__(self, path: Path | None, found: str | None) -> None:
        where = str(path) if path is not None else "the trial index"
        older = found is None or (found.isdigit() and int(found) < int(SCHEMA_VERSION))
        written = f"index format {found}" if found is not None else "an index format without a version"
        if older:
            problem = (
                f"was written by an older version of mesostage ({written}; this version reads format "
                f"{SCHEMA_VERSION}, because trial criteria are read when trials are imported and this version reads "
                "more of them)"
            )
        else:
            problem = (
                f"was written by a newer version of mesostage ({written}; this version reads format {SCHEMA_VERSION})"
            )
        ValueError.__init__(self, f"{where}: the trial index {problem}; {REBUILD_HINT}")
        self.found = found


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Damage (SQLITE_CORRUPT, SQLITE_NOTADB, a read error) rather than a bad query, such as FTS5 syntax."""
    return not isinstance(exc, sqlite3.OperationalError) or "disk i/o" in str(exc).lower()


def default_index_path() -> Path:
    """``$MESOSTAGE_TRIALS_INDEX``, else ``$MESOSTAGE_DATA_DIR/trials.sqlite``, else ``trials.sqlite`` in the
    platform's user data directory (:mod:`mesostage.settings`)."""
    return settings().index_path


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))


@dataclass(frozen=True, slots=True)
class IndexedTrial:
    """A trial as stored: the normalised record, its mesothelioma scope and its parsed criteria (JSON-ready)."""

    trial: Trial
    scope: str
    criteria: list[dict[str, Any]] | None


class TrialIndex:
    """Read access to an index file (or to an in-memory connection built by the importer)."""

    def __init__(self, conn: sqlite3.Connection, *, path: Path | None = None) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TrialIndex:
        """Open an existing index read-only. Raises FileNotFoundError when there is none."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"no trial index at {p}")
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DamagedIndex(p, f"not a mesostage trial index: {exc}") from None
        if version is None or version[0] != SCHEMA_VERSION:
            conn.close()
            raise OutdatedIndex(p, None if version is None else str(version[0]))
        return cls(conn, path=p)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> TrialIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of a query; a damaged file is a :class:`DamagedIndex` naming the file and how to rebuild it."""
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise DamagedIndex(self.path, str(exc)) from None
            raise

    def meta(self) -> dict[str, str]:
        return dict(self._all("SELECT key, value FROM meta"))

    def count(self) -> int:
        return int(self._all("SELECT count(*) FROM trial")[0][0])

    def counts_by_scope(self) -> dict[str, int]:
        """Trials per mesothelioma scope ("" = not about mesothelioma), as counted at import."""
        stored = self._meta_value("scope_counts")
        if stored is not None:
            return {str(k): int(v) for k, v in json.loads(stored).items()}
        rows = self._all("SELECT scope, count(*) FROM trial GROUP BY scope")
        return {str(scope): int(n) for scope, n in rows}

    def has_fictional(self) -> bool:
        stored = self._meta_value("fictional_count")
        if stored is not None:
            return int(stored) > 0
        return bool(self._all("SELECT 1 FROM trial WHERE fictional = 1 LIMIT 1"))

    def _meta_value(self, key: str) -> str | None:
        rows = self._all("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def get(self, nct_id: str) -> IndexedTrial | None:
        rows = self._all("SELECT data, scope, criteria FROM trial WHERE nct_id = ?", (nct_id,))
        return _row(rows[0]) if rows else None

    def mesothelioma_trials(self, site: str, *, statuses: Sequence[str] | None = None) -> Iterator[IndexedTrial]:
        """Trials whose scope takes a ``site`` primary (the site itself, ``any`` or ``basket``), optionally only
        those with one of ``statuses``. Uses the (scope, status) index, so it is fast on a full-registry index."""
        scopes = [s for s in self.counts_by_scope() if s]
        wanted = [s for s in scopes if takes_site(s, site)]
        if not wanted:
            return
        sql = f"SELECT data, scope, criteria FROM trial WHERE scope IN ({','.join('?' * len(wanted))})"
        params: list[str] = list(wanted)
        if statuses is not None:
            sql += f" AND overall_status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        try:
            for row in self._conn.execute(sql + " ORDER BY nct_id", params):
                yield _row(row)
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise DamagedIndex(self.path, str(exc)) from None
            raise

    def search(self, query: str, *, limit: int = 20) -> list[tuple[str, str, str, float]]:
        """Full-text search (SQLite FTS5 syntax) over titles, conditions, interventions and eligibility text.
        Returns (nct_id, title, status, bm25 rank) best first."""
        rows = self._all(
            "SELECT t.nct_id, t.brief_title, t.overall_status, bm25(trial_fts) AS r FROM trial_fts "
            "JOIN trial t ON t.id = trial_fts.rowid WHERE trial_fts MATCH ? ORDER BY r LIMIT ?",
            (query, limit),
        )
        return [(str(a), str(b), str(c), float(d)) for a, b, c, d in rows]


def _row(row: tuple[str, str, str | None]) -> IndexedTrial:
    data, scope, criteria = row
    return IndexedTrial(
        trial=trial_from_dict(json.loads(data)),
        scope=scope,
        criteria=json.loads(criteria) if criteria is not None else None,
    )
