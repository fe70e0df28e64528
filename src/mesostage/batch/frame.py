"""The vectorised path: a polars frame of rows to a frame of outcomes, the same as the per-row path row for row.

How it stays identical to ``rows.py``: valid EOD codes (7 x 5 x 5 combinations, with and without a malignant
effusion) and valid category combinations are few, so their outcomes are computed once by the per-row functions
into small look-up frames, and the rows are joined on them. The checks of an EOD row each read one column, and
registry columns have few distinct values, so each check of the per-row path runs once per distinct value and its
verdict and message are mapped onto the rows. A category row that fails goes to the per-row function. Case
findings without the review are staged by ``findings.findings_frame`` (polars expressions over the system files,
the engine for the rows they do not take); with the review each case goes through :func:`mesostage.stage`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, Literal

import polars as pl

from mesostage import CaseError
from mesostage.batch.findings import findings_frame
from mesostage.batch.recorded import RECORDED_COLUMNS, recorded_check, recorded_values
from mesostage.batch.rows import (
    CATEGORY_SYSTEMS,
    EOD_COLUMNS,
    ERROR_KINDS,
    OUTCOME_COLUMNS,
    SELECTION_COLUMNS,
    Problem,
    RowOutcome,
    case_from_row,
    category_labels,
    category_outcome,
    code_text,
    diagnosis_year,
    eod_checks,
    eod_outcome,
    eod_schema_for,
    finding_outcome,
    selection_problem,
    system_for_date,
)
from mesostage.batch.tables import EOD_SCHEMAS

__all__ = [
    "OUTCOME_SCHEMA",
    "Counts",
    "InputKind",
    "detect_kind",
    "outcome_frame",
    "stage_frame",
    "stage_frame_counted",
]

InputKind = Literal["eod", "categories", "findings"]
OUTCOME_SCHEMA: dict[str, pl.DataType] = {c: pl.String() for c in OUTCOME_COLUMNS}
_INDEX = "__row_index"
#: Rows per (system, stage, error kind) of the outcome columns.
Counts = dict[tuple[str | None, str | None, str | None], int]


def detect_kind(columns: list[str]) -> InputKind | None:
    """The kind of input a set of columns holds: EOD codes, T/N/M categories or case findings (None: unknown)."""
    names = set(columns)
    if names & {"eodPrimaryTumor", "eodRegionalNodes", "eodMets"}:
        return "eod"
    if {"t", "n", "m"} <= names or {"T", "N", "M"} <= names:
        return "categories"
    if "case" in names or "site" in names:
        return "findings"
    return None


def outcome_frame(outcomes: list[RowOutcome]) -> pl.DataFrame:
    return pl.DataFrame([o.as_tuple() for o in outcomes], schema=OUTCOME_SCHEMA, orient="row")


def _text_expr(df: pl.DataFrame, column: str, width: int | None) -> tuple[pl.Expr, bool]:
    """A column as code text like ``rows.code_text``; the flag says whether polars can do it (else: per row)."""
    if column not in df.columns:
        return pl.lit(None, pl.String), True
    dtype = df.schema[column]
    col = pl.col(column)
    if dtype == pl.String:
        stripped = col.str.strip_chars()
        return pl.when(stripped == "").then(None).otherwise(stripped), True
    if dtype.is_integer():
        text = col.cast(pl.String)
        return (text.str.zfill(width) if width else text), True
    if dtype == pl.Date:
        return col.cast(pl.String), True
    if dtype == pl.Null:
        return pl.lit(None, pl.String), True
    return pl.lit(None, pl.String), False


_ROUTE = "__eod_schema"


def _distinct(df: pl.DataFrame, columns: Sequence[str]) -> dict[str, list[Any]]:
    """The distinct values of each column (``[None]`` for a column that is not there), in one pass of polars; a
    column of one value throughout (a registry file's site or behaviour, often) is found by a comparison, cheaper
    than hashing it."""
    present = [c for c in dict.fromkeys(columns) if c in df.columns]
    values: dict[str, list[Any]] = {}
    if df.height:
        full = [c for c in present if df[c].null_count() == 0]
        first = df.row(0, named=True)
        same = df.select(pl.col(c).eq(first[c]).all() for c in full).row(0) if full else ()
        values = {c: [first[c]] for c, one in zip(full, same, strict=True) if one}
    rest = [c for c in present if c not in values]
    found = df.select(pl.col(c).unique().implode() for c in rest).row(0) if rest else ()
    values |= {c: list(v) for c, v in zip(rest, found, strict=True)}
    return {c: values.get(c, [None]) for c in columns}


@lru_cache(maxsize=1 << 16)
def _checked_value(schema_id: str, column: str, kind: str, raw: Any) -> tuple[str | None, Problem]:
    """One raw value of a column (``kind``: the name of its Python type): its code text (as ``rows.code_text`` reads
    it) and what the schema's check of the column says of it. Registry columns have few distinct values and the same
    ones come back batch after batch, so each check of the per-row path runs a few times, not per row."""
    text = code_text(raw, EOD_COLUMNS[column])
    before, after = eod_checks(schema_id)
    return text, dict((*before, *after))[column](text)


def _raw(df: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if column in df.columns else pl.lit(None)


def _problem_exprs(df: pl.DataFrame, column: str, checked: Mapping[Any, Any], i: int, schema_id: str) -> list[pl.Expr]:
    """Rank of the error kind and the message of one check, as expressions (null where the check passes)."""
    ranks = {raw: ERROR_KINDS.index(p[0]) for raw, (_, p) in checked.items() if p is not None and raw is not None}
    texts = {raw: str(p[1]) for raw, (_, p) in checked.items() if p is not None and raw is not None}
    col = _raw(df, column)
    rank = col.replace_strict(ranks, default=None, return_dtype=pl.Int32) if ranks else pl.lit(None, pl.Int32)
    text = col.replace_strict(texts, default=None, return_dtype=pl.String) if texts else pl.lit(None, pl.String)
    on_null = checked.get(None, (None, None))[1]
    if on_null is None:
        on_null = _code_null_problem(column, schema_id)
    if on_null is not None:
        rank = pl.when(col.is_null()).then(pl.lit(ERROR_KINDS.index(on_null[0]), pl.Int32)).otherwise(rank)
        text = pl.when(col.is_null()).then(pl.lit(str(on_null[1]))).otherwise(text)
    return [rank.alias(f"_rank{i}"), text.alias(f"_text{i}")]


def _code_null_problem(column: str, schema_id: str) -> Problem:
    """What a check says of a missing value (a blank cell is read as missing)."""
    before, after = eod_checks(schema_id)
    return dict((*before, *after))[column](None)


def _selection_exprs(df: pl.DataFrame, blank: Mapping[str, list[Any]], i: int) -> list[pl.Expr]:
    """The schema-selection check (several columns), from the per-row function once per pattern of missing values."""
    pattern = pl.lit(0, pl.Int32)
    for bit, column in enumerate(SELECTION_COLUMNS):
        missing = _raw(df, column).is_null() | _raw(df, column).is_in(pl.Series(blank[column]))
        pattern = pattern + missing.cast(pl.Int32) * (1 << bit)
    ranks: dict[int, int] = {}
    texts: dict[int, str] = {}
    for code in range(1 << len(SELECTION_COLUMNS)):
        absent = [c for bit, c in enumerate(SELECTION_COLUMNS) if code & (1 << bit)]
        problem = selection_problem(False, absent)
        if problem is not None:
            ranks[code], texts[code] = ERROR_KINDS.index(problem[0]), str(problem[1])
    no_schema = _raw(df, "schemaId").is_null() | _raw(df, "schemaId").is_in(pl.Series(blank["schemaId"]))
    return [
        pl.when(no_schema).then(pattern.replace_strict(ranks, default=None, return_dtype=pl.Int32)).alias(f"_rank{i}"),
        pl.when(no_schema).then(pattern.replace_strict(texts, default=None, return_dtype=pl.String)).alias(f"_text{i}"),
    ]


def _eod_frame(df: pl.DataFrame) -> tuple[pl.DataFrame, Counts | None]:
    for column in (*EOD_COLUMNS, *RECORDED_COLUMNS):
        if column in df.columns and not _vectorisable(df.schema[column]):
            return _per_row(df, eod_outcome), None
    distinct = _distinct(df, list(EOD_COLUMNS))
    # Each row is read with the table of its schema: its Schema ID, else its diagnosis year (once per distinct value).
    by_id = {_route("schemaId", type(raw).__name__, raw) for raw in distinct["schemaId"]}
    schemas = by_id - {None}
    if None in by_id:
        schemas |= {_route("dateOfDiagnosis", type(raw).__name__, raw) for raw in distinct["dateOfDiagnosis"]}
    used = tuple(c for c in EOD_SCHEMAS if c in schemas) or ("00370",)
    index, outcomes, errors = _verdicts(df, distinct, used)
    out = _outcome_columns(outcomes, index, errors)
    # the summary's counts, by outcome (an integer) instead of by the text columns
    system, stage = OUTCOME_COLUMNS.index("system"), OUTCOME_COLUMNS.index("stage")
    counts: Counts = {}
    for i, n in index.to_frame("i").group_by("i").len().iter_rows():
        if i:
            key = outcomes[i][system], outcomes[i][stage], None
            counts[key] = counts.get(key, 0) + n
    if errors:
        bad = (index == 0).arg_true()
        out = _with_problems(df.select(c for c in EOD_COLUMNS if c in df.columns)[bad], bad, out, used)
        for kind, n in out["error_kind"].gather(bad).to_frame().group_by("error_kind").len().iter_rows():
            counts[None, None, kind] = n
    return _recorded_frame(df, out, "dateOfDiagnosis"), counts


@lru_cache(maxsize=1 << 16)
def _route(column: str, kind: str, raw: Any) -> str | None:
    """The schema a row is read with by its Schema ID (None: blank, see the date), or by its diagnosis date alone
    (``rows.eod_schema_for``), from one raw value (``kind``: the name of its Python type)."""
    text = code_text(raw, EOD_COLUMNS[column])
    if column == "schemaId":
        return None if text is None else eod_schema_for(text, None)
    return eod_schema_for(None, text)


@lru_cache(maxsize=1 << 16)
def _class_of(schemas: tuple[str, ...], column: str, kind: str, raw: Any) -> object:
    """What decides, of a row read with one of ``schemas``, the part one raw value of a column plays: the schema it
    routes the row to, whether each schema's check passes, and for a code column its code (else whether it is blank).
    Values of one class give the same outcome in the per-row path."""
    verdicts = tuple(_checked_value(s, column, kind, raw)[1] is None for s in schemas)
    text = code_text(raw, EOD_COLUMNS[column])
    what = text if column in _OUTCOME_TEXT and any(verdicts) else text is None
    routed = _route(column, kind, raw) if column in ("schemaId", "dateOfDiagnosis") else None
    return routed, verdicts, what


#: The per-row function's outcome (None: an error) by the schemas read and the class of each column's values: the
#: same classes come back batch after batch.
_CLASS_OUTCOMES: dict[object, tuple[str | None, ...] | None] = {}
_UNKNOWN = object()
#: Columns whose code text decides the outcome of a valid row (the others decide only whether a row is valid).
_OUTCOME_TEXT = ("eodPrimaryTumor", "eodRegionalNodes", "eodMets", "pleuralEffusion")


def _verdicts(
    df: pl.DataFrame, distinct: Mapping[str, list[Any]], schemas: tuple[str, ...]
) -> tuple[pl.Series, list[tuple[str | None, ...]], bool]:
    """Each row's outcome as an index into a list of outcomes (0: the row has an error, see ``_with_problems``), the
    outcomes, and whether any row has an error.

    Every column is coded once to a small integer: raw values that the per-row path reads alike (``_class_of``)
    share a code, so a column of one such class costs no pass at all. The codes of a row make one integer key; the
    per-row function (``eod_outcome``) runs once per distinct key, on one raw value of each class."""
    classes: dict[str, list[Any]] = {}  # per column: one raw value standing for each class
    signatures: dict[str, list[object]] = {}
    coded: dict[str, dict[Any, int]] = {}
    for column, values in distinct.items():
        seen: dict[object, int] = {}
        codes: dict[Any, int] = {}
        for raw in values:
            signature = _class_of(schemas, column, type(raw).__name__, raw)
            if signature not in seen:
                seen[signature] = len(seen)
                classes.setdefault(column, []).append(raw)
                signatures.setdefault(column, []).append(signature)
            codes[raw] = seen[signature]
        coded[column] = codes
    key: pl.Expr = pl.lit(0, pl.UInt64)
    varying = False
    stride = 1
    strides: dict[str, int] = {}
    for column, reps in classes.items():
        strides[column] = stride
        if len(reps) > 1:
            key, varying = key + _class_expr(df, column, coded[column]) * stride, True
        stride *= max(len(reps), 1)
    keys = df.select(key.alias("key")).to_series() if varying else pl.repeat(0, df.height, dtype=pl.UInt64, eager=True)
    outcomes: list[tuple[str | None, ...]] = [RowOutcome().as_tuple()]
    number = {}
    present = keys.unique().to_list()
    for k in present:
        which = {c: (k // strides[c]) % len(reps) for c, reps in classes.items()}
        signature = (schemas, *(signatures[c][i] for c, i in which.items()))
        found = _CLASS_OUTCOMES.get(signature, _UNKNOWN)
        if found is _UNKNOWN:
            if len(_CLASS_OUTCOMES) > 1 << 14:
                _CLASS_OUTCOMES.clear()
            staged = eod_outcome({c: classes[c][i] for c, i in which.items()})
            found = _CLASS_OUTCOMES[signature] = staged.as_tuple() if staged.error_kind is None else None
        if isinstance(found, tuple):
            number[k] = len(outcomes)
            outcomes.append(found)
    old = pl.Series(list(number), dtype=pl.UInt64)
    new = pl.Series(list(number.values()), dtype=pl.UInt32)
    if stride <= 1 << 22:  # a dense table of every possible key: one gather instead of a hash look-up per row
        index = pl.zeros(stride, pl.UInt32, eager=True).scatter(old, new).gather(keys)
    else:
        index = keys.replace_strict(old, new, default=0, return_dtype=pl.UInt32)
    return index, outcomes, len(number) < len(present)


def _class_expr(df: pl.DataFrame, column: str, classes: Mapping[Any, int]) -> pl.Expr:
    """A column's class codes (``classes``: the class of each distinct raw value, None included), UInt64.

    Registry codes are mostly fixed-width digits (``"300"``, ``"00370"``): where every distinct value of a column is
    such a string of one width (or a whole number below 100,000), the column is read as a number and its class taken
    from a table by that number, several times cheaper than looking each text up."""
    values = [raw for raw in classes if raw is not None]
    dtype = df.schema[column]
    numbers: pl.Expr | None = None
    if dtype == pl.String and all(isinstance(r, str) and r.isascii() and r.isdigit() for r in values):
        if len({len(r) for r in values}) == 1 and len(values[0]) <= 5:  # one width: the number gives the text back
            numbers = pl.col(column).str.to_integer(strict=False)
    elif dtype.is_integer() and all(0 <= r < 100_000 for r in values):
        numbers = pl.col(column)
    if numbers is not None and values:
        table = pl.zeros(max(int(r) for r in values) + 1, pl.UInt64, eager=True)
        table = table.scatter([int(r) for r in values], [classes[r] for r in values])
        code = pl.lit(table).gather(numbers)
    else:
        mapping = {raw: code for raw, code in classes.items() if raw is not None}
        code = pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.UInt64)
    return code.fill_null(classes[None]) if None in classes else code


def _outcome_columns(outcomes: list[tuple[str | None, ...]], index: pl.Series, errors: bool) -> pl.DataFrame:
    """The outcome columns of every row from its index: a column whose value is the same for every outcome used is
    made as one value repeated, the others are gathered together."""
    used = outcomes if errors else outcomes[1:]
    constant = {}
    varying = []
    for position, name in enumerate(OUTCOME_COLUMNS):
        values = {o[position] for o in used}
        if len(values) == 1:
            constant[name] = pl.repeat(values.pop(), index.len(), dtype=pl.String, eager=True).alias(name)
        else:
            varying.append(pl.Series(name, [o[position] for o in outcomes], dtype=pl.String))
    gathered = pl.DataFrame(varying)[index] if varying else pl.DataFrame()
    return pl.DataFrame([constant[c] if c in constant else gathered[c] for c in OUTCOME_COLUMNS], schema=OUTCOME_SCHEMA)


def _with_problems(df: pl.DataFrame, bad: pl.Series, out: pl.DataFrame, schemas: tuple[str, ...]) -> pl.DataFrame:
    """The rows with errors (``df``, at positions ``bad`` of ``out``): the messages of the failing checks, in the
    per-row path's order, joined by "; ", and the first error's kind. Expressions over the raw values these rows
    hold only (a few of the batch's); each check is that of the row's schema."""
    held = _distinct(df, list(EOD_COLUMNS))
    checked = {
        s: {c: {raw: _checked_value(s, c, type(raw).__name__, raw) for raw in held[c]} for c in EOD_COLUMNS}
        for s in schemas
    }
    if len(schemas) > 1:
        ids = {raw: _route("schemaId", type(raw).__name__, raw) for raw in held["schemaId"] if raw is not None}
        years = {raw: _route("dateOfDiagnosis", type(raw).__name__, raw) for raw in held["dateOfDiagnosis"]}
        years.pop(None, None)
        route = _raw(df, "schemaId").replace_strict(ids, default=None, return_dtype=pl.String) if ids else pl.lit(None)
        year_route = (
            _raw(df, "dateOfDiagnosis").replace_strict(years, default="00370", return_dtype=pl.String)
            if years
            else pl.lit("00370")
        )
        df = df.with_columns(pl.coalesce(route, year_route).alias(_ROUTE))
    first, *others = schemas
    problems = _schema_problems(df, first, checked[first])
    for schema_id in others:
        problems = [
            pl.when(pl.col(_ROUTE) == schema_id).then(other).otherwise(expr)
            for expr, other in zip(problems, _schema_problems(df, schema_id, checked[schema_id]), strict=True)
        ]
    kinds = dict(enumerate(ERROR_KINDS))
    failed = df.select(*(e.alias(f"_e{i}") for i, e in enumerate(problems))).select(
        pl.min_horizontal(pl.col(f"_e{i}").struct.field("rank") for i in range(len(problems))).replace_strict(
            kinds, return_dtype=pl.String
        ),
        pl.concat_str(
            [pl.col(f"_e{i}").struct.field("text") for i in range(len(problems))], separator="; ", ignore_nulls=True
        ),
    )
    return out.with_columns(
        out["error_kind"].scatter(bad, failed.to_series(0)), out["error"].scatter(bad, failed.to_series(1))
    )


def _recorded_frame(df: pl.DataFrame, out: pl.DataFrame, date_column: str) -> pl.DataFrame:
    """The recorded-stage checks of every row, once per distinct combination of derived outcome, diagnosis date
    and recorded items (registry files have few), by the per-row function."""
    present = [c for c in RECORDED_COLUMNS if c in df.columns]
    if not present:
        return out
    keys = ["system", "t", "n", "m", "prefix", "stage", "stage_range_low", "stage_range_high", "error_kind"]
    frame = pl.concat(
        [out.select(keys), df.select(_raw(df, date_column).alias("_date"), *(pl.col(c) for c in present))],
        how="horizontal",
    )
    distinct = frame.unique(maintain_order=False)
    checked = []
    for row in distinct.iter_rows(named=True):
        derived = RowOutcome(**{k: row[k] for k in keys})
        year = diagnosis_year(code_text(row["_date"], EOD_COLUMNS.get(date_column)))
        checked.append(recorded_check(recorded_values(row), year, derived))
    found = distinct.with_columns(
        pl.Series("_codes", [c for c, _ in checked], dtype=pl.String),
        pl.Series("_detail", [d for _, d in checked], dtype=pl.String),
    )
    joined = frame.join(found, on=frame.columns, how="left", nulls_equal=True, maintain_order="left")
    return out.with_columns(discrepancies=joined["_codes"], discrepancy_detail=joined["_detail"])


def _schema_problems(df: pl.DataFrame, schema_id: str, checked: Mapping[str, Mapping[Any, Any]]) -> list[pl.Expr]:
    """Per check of rows read with one schema's table, in the per-row path's order, its part of the row's errors: a
    (rank, text) struct, null where the check passes."""
    before, after = eod_checks(schema_id)
    # raw values read as missing (blank text), per column: for the schema-selection check
    blank = {c: [raw for raw, (text, _) in checked[c].items() if text is None and raw is not None] for c in checked}
    flat: list[pl.Expr] = []
    for i, (column, _) in enumerate(before):
        flat += _problem_exprs(df, column, checked[column], i, schema_id)
    n = len(before)
    flat += _selection_exprs(df, blank, n)
    for j, (column, _) in enumerate(after, start=n + 1):
        flat += _problem_exprs(df, column, checked[column], j, schema_id)
    return [pl.struct(rank=flat[2 * k], text=flat[2 * k + 1]) for k in range(len(flat) // 2)]


def _vectorisable(dtype: pl.DataType) -> bool:
    """Column types whose values ``rows.code_text`` reads the same way, one distinct value at a time."""
    return dtype == pl.String or dtype.is_integer() or dtype in (pl.Date, pl.Null)


@cache
def _category_lookup() -> pl.DataFrame:
    rows = []
    for system in CATEGORY_SYSTEMS:
        for t, n, m in itertools.product(*(category_labels(system, c) for c in ("T", "N", "M"))):
            outcome = category_outcome({"system": system, "t": t, "n": n, "m": m})
            rows.append((system, t, n, m, *outcome.as_tuple()))
    schema = {"_system": pl.String(), "_t": pl.String(), "_n": pl.String(), "_m": pl.String(), **OUTCOME_SCHEMA}
    return pl.DataFrame(rows, schema=schema, orient="row").drop("prefix")


def _categories_frame(df: pl.DataFrame, system: str | None) -> pl.DataFrame:
    def col(name: str) -> tuple[pl.Expr, bool]:
        if name not in df.columns and name.upper() in df.columns:
            return _text_expr(df, name.upper(), None)
        return _text_expr(df, name, None)

    exprs = {name: col(name) for name in ("system", "t", "n", "m", "diagnosis_date")}
    if not all(ok for _, ok in exprs.values()):
        return _per_row(df, lambda r: category_outcome(r, system=system))
    frame = df.lazy().select(**{f"_in_{k}": e for k, (e, _) in exprs.items()}).with_row_index(_INDEX).collect()
    # The edition for a date comes from the per-row function, once per distinct date.
    dates = frame["_in_diagnosis_date"].drop_nulls().unique().to_list()
    by_date = pl.DataFrame(
        {"_in_diagnosis_date": dates, "_dated": [system_for_date(d) for d in dates]},
        schema={"_in_diagnosis_date": pl.String(), "_dated": pl.String()},
    )
    pattern = r"^(c|p|yc|yp)?([TNM].*)$"
    keyed = (
        frame.join(by_date, on="_in_diagnosis_date", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(pl.col("_in_system"), pl.lit(system, pl.String), pl.col("_dated")).alias("_system"),
            *(pl.col(f"_in_{c}").str.extract(pattern, 2).alias(f"_{c}") for c in ("t", "n", "m")),
            pl.col("_in_t").str.extract(pattern, 1).alias("prefix"),
        )
        .join(_category_lookup(), on=["_system", "_t", "_n", "_m"], how="left", maintain_order="left")
    )
    # A row is valid exactly when its system and its three categories are in the look-up.
    hit = pl.col("system").is_not_null()
    return _combine(df, keyed.filter(hit), keyed.filter(~hit)[_INDEX], lambda r: category_outcome(r, system=system))


def _findings_frame(df: pl.DataFrame, system: str | None, review: bool, cases: Sequence[Any] | None) -> pl.DataFrame:
    rows: list[Mapping[str, Any] | RowOutcome] = []
    checked: list[bool] = []
    records = list(df.iter_rows(named=True)) if cases is None or review else [{}] * df.height
    for i, record in enumerate(records):
        data = cases[i] if cases is not None else None
        parsed = data is not None  # parsed by the JSON Lines reader, within the limits
        if data is None:
            try:
                data = case_from_row(record)
            except CaseError as exc:
                errors = "; ".join(str(e) for e in exc.errors)
                rows.append(RowOutcome(system=system, error_kind="invalid_case", error=errors))
                checked.append(False)
                continue
            parsed = record.get("case") is not None  # parsed from JSON text by parse_json
        rows.append(data)
        checked.append(parsed)
    if review:
        pairs = zip(rows, records, strict=True)
        return outcome_frame(
            [r if isinstance(r, RowOutcome) else finding_outcome(r, system=system, record=rec) for r, rec in pairs]
        )
    recorded = any(c in df.columns for c in RECORDED_COLUMNS)
    return findings_frame(rows, system=system, records=records if recorded else None, checked=checked)


def _per_row(df: pl.DataFrame, fn: Callable[[Mapping[str, Any]], RowOutcome]) -> pl.DataFrame:
    return outcome_frame([fn(record) for record in df.iter_rows(named=True)])


def _combine(
    df: pl.DataFrame, good: pl.DataFrame, bad: pl.Series, fn: Callable[[Mapping[str, Any]], RowOutcome]
) -> pl.DataFrame:
    """Valid rows from the look-up, the others from the per-row function, back in input order."""
    good = good.select(_INDEX, *OUTCOME_COLUMNS)
    if bad.len() == 0:
        return good.drop(_INDEX)
    failed = outcome_frame([fn(record) for record in df[bad].iter_rows(named=True)]).with_columns(bad.alias(_INDEX))
    return pl.concat([good, failed.select(_INDEX, *OUTCOME_COLUMNS)]).sort(_INDEX).drop(_INDEX)


def stage_frame(
    df: pl.DataFrame,
    kind: InputKind,
    *,
    system: str | None = None,
    review: bool = True,
    cases: Sequence[Any] | None = None,
) -> pl.DataFrame:
    """The outcome columns (``rows.OUTCOME_COLUMNS``) for every row of ``df``, in order (see
    :func:`stage_frame_counted`)."""
    return stage_frame_counted(df, kind, system=system, review=review, cases=cases)[0]


def stage_frame_counted(
    df: pl.DataFrame,
    kind: InputKind,
    *,
    system: str | None = None,
    review: bool = True,
    cases: Sequence[Any] | None = None,
) -> tuple[pl.DataFrame, Counts | None]:
    """The outcome columns (``rows.OUTCOME_COLUMNS``) for every row of ``df``, in order.

    ``kind`` is ``eod`` (NAACCR item names as columns), ``categories`` (``t``, ``n``, ``m`` and optionally
    ``system`` and ``diagnosis_date``) or ``findings`` (a ``case`` JSON column, or one column per case field path).
    ``system`` is the staging system for category and finding rows that do not name one. Without ``review``,
    finding rows are staged in their one system without the second-opinion review (vectorised:
    ``findings.findings_frame``) and ``review_codes`` is empty. ``cases``: for finding rows, each row's case
    already parsed from its ``case`` column within the limits (``io.Chunk.cases``; None where a row has none), so
    that it is not parsed again.

    With them, where staging has them without another pass over the rows (EOD rows), the number of rows of each
    (system, stage, error kind), as ``run.BatchSummary.add`` counts them; else None.
    """
    if kind == "eod":
        return _eod_frame(df)
    if kind == "categories":
        return _categories_frame(df, system), None
    return _findings_frame(df, system, review, cases), None
