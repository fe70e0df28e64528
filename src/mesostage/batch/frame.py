"""The vectorised path: a polars frame of rows to a frame of outcomes, the same as the per-row path row for row.

How it stays identical to ``rows.py``: valid EOD codes (7 x 5 x 5 combinations, with and without a malignant
effusion) and valid category combinations are few, so their outcomes are computed once by the per-row functions
into small look-up frames, and the rows are joined on them. Validity is decided with polars expressions; a row that
fails any check goes to the per-row function, which writes the error messages (errors are rare in registry data,
and the messages then cannot differ). Case findings have no vectorised path: each case goes through the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal

import polars as pl

from mesostage import CaseError
from mesostage.batch.rows import (
    CATEGORY_SYSTEMS,
    EOD_COLUMNS,
    OUTCOME_COLUMNS,
    RowOutcome,
    case_from_row,
    category_labels,
    category_outcome,
    eod_codes_outcome,
    eod_outcome,
    finding_outcome,
    system_for_date,
)
from mesostage.batch.tables import eod_table

__all__ = ["OUTCOME_SCHEMA", "InputKind", "detect_kind", "outcome_frame", "stage_frame"]

InputKind = Literal["eod", "categories", "findings"]
OUTCOME_SCHEMA: dict[str, pl.DataType] = {c: pl.String() for c in OUTCOME_COLUMNS}
_INDEX = "__row_index"


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
    """A column as code text like ``rows._text``; the flag says whether polars can do it (else: per row)."""
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


@cache
def _eod_lookup() -> pl.DataFrame:
    table = eod_table()
    rows = [
        (tumor, nodes, mets, malignant, *eod_codes_outcome(tumor, nodes, mets, malignant).as_tuple())
        for tumor, nodes, mets, malignant in itertools.product(
            table.primary_tumor, table.regional_nodes, table.mets, (False, True)
        )
    ]
    schema: dict[str, pl.DataType] = {
        "_tumor": pl.String(),
        "_nodes": pl.String(),
        "_mets": pl.String(),
        "_malignant": pl.Boolean(),
        **OUTCOME_SCHEMA,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _date_ok(date: pl.Expr, first: int, last: int) -> pl.Expr:
    """Valid NAACCR or ISO date with a year in [first, last] (as ``rows._year`` reads it)."""
    eight = date.str.contains(r"^\d{8}$") & date.str.to_date("%Y%m%d", strict=False).is_not_null()
    iso = date.str.contains(r"^\d{4}-\d{2}-\d{2}$") & date.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    short = date.str.contains(r"^\d{4}(0[1-9]|1[0-2])?$")
    year = date.str.slice(0, 4).cast(pl.Int32, strict=False)
    return (eight | iso | short) & year.is_between(first, last)


def _eod_frame(df: pl.DataFrame) -> pl.DataFrame:
    table = eod_table()
    exprs: dict[str, pl.Expr] = {}
    vectorisable = True
    for column, width in EOD_COLUMNS.items():
        expr, ok = _text_expr(df, column, width)
        exprs[column] = expr
        vectorisable &= ok
    if not vectorisable:
        return _per_row(df, eod_outcome)
    first, last = table.diagnosis_years
    schema, site, date = pl.col("schemaId"), pl.col("primarySite"), pl.col("dateOfDiagnosis")
    hist, behaviour, effusion = pl.col("histologicTypeIcdO3"), pl.col("behaviorCodeIcdO3"), pl.col("pleuralEffusion")
    site_code = site.str.replace_all(".", "", literal=True).str.to_uppercase()
    valid = (
        (schema.is_null() | (schema == table.schema_id))
        & (date.is_null() | _date_ok(date, first, last))
        & (site.is_null() | site_code.is_in(list(table.staged_sites)))
        & (hist.is_null() | hist.is_in(list(table.histologies)))
        & (behaviour.is_null() | behaviour.is_in(list(table.behaviours)))
        & (schema.is_not_null() | (site.is_not_null() & hist.is_not_null() & date.is_not_null()))
        & pl.col("eodPrimaryTumor").is_in(list(table.primary_tumor))
        & pl.col("eodRegionalNodes").is_in(list(table.regional_nodes))
        & pl.col("eodMets").is_in(list(table.mets))
        & (effusion.is_null() | effusion.is_in(list(table.pleural_effusion_codes)))
    ).fill_null(False)
    keyed = (
        df.lazy()
        .select(**exprs)
        .with_row_index(_INDEX)
        .select(
            _INDEX,
            valid.alias("_valid"),
            pl.col("eodPrimaryTumor").alias("_tumor"),
            pl.col("eodRegionalNodes").alias("_nodes"),
            pl.col("eodMets").alias("_mets"),
            effusion.is_in(list(table.pleural_effusion.malignant)).fill_null(False).alias("_malignant"),
        )
        .collect()
    )
    good = keyed.filter(pl.col("_valid")).join(
        _eod_lookup(), on=["_tumor", "_nodes", "_mets", "_malignant"], how="left", maintain_order="left"
    )
    return _combine(df, good, keyed.filter(~pl.col("_valid"))[_INDEX], eod_outcome)


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


def _findings_frame(df: pl.DataFrame, system: str | None) -> pl.DataFrame:
    outcomes = []
    for record in df.iter_rows(named=True):
        try:
            data = case_from_row(record)
        except CaseError as exc:
            outcomes.append(
                RowOutcome(system=system, error_kind="invalid_case", error="; ".join(str(e) for e in exc.errors))
            )
            continue
        outcomes.append(finding_outcome(data, system=system))
    return outcome_frame(outcomes)


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


def stage_frame(df: pl.DataFrame, kind: InputKind, *, system: str | None = None) -> pl.DataFrame:
    """The outcome columns (``rows.OUTCOME_COLUMNS``) for every row of ``df``, in order.

    ``kind`` is ``eod`` (NAACCR item names as columns), ``categories`` (``t``, ``n``, ``m`` and optionally
    ``system`` and ``diagnosis_date``) or ``findings`` (a ``case`` JSON column, or one column per case field path).
    ``system`` is the staging system for category and finding rows that do not name one.
    """
    if kind == "eod":
        return _eod_frame(df)
    if kind == "categories":
        return _categories_frame(df, system)
    return _findings_frame(df, system)
