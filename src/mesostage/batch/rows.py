"""Per-row staging: one registry row (EOD codes, T/N/M categories or case findings) to one :class:`RowOutcome`.

This is the reference path. The vectorised path (``frame.py``) must give the same outcome for every row; the tests
compare the two on every code combination, every category combination and random rows. A row never raises for
bad content: the problem comes back as ``error_kind`` and ``error`` (each error names its column or field path),
and the other rows are staged.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from mesostage import (
    Case,
    CaseError,
    InputError,
    default_system,
    load_system,
    parse_case,
    stage,
    stage_group,
)
from mesostage.batch.grid import category_labels, reach
from mesostage.batch.grid import staged as _staged
from mesostage.batch.recorded import RECORDED_COLUMNS, with_recorded_checks
from mesostage.batch.tables import EOD_SCHEMAS, EodCode, EodTable, code_categories, eod_table, summary_stage_table
from mesostage.limits import parse_json
from mesostage.staging import stage as stage_only

__all__ = [
    "CATEGORY_COLUMNS",
    "CATEGORY_SYSTEMS",
    "EOD_COLUMNS",
    "ERROR_KINDS",
    "OUTCOME_COLUMNS",
    "SELECTION_COLUMNS",
    "Problem",
    "RowOutcome",
    "case_from_row",
    "category_labels",
    "category_outcome",
    "code_text",
    "diagnosis_year",
    "eod_checks",
    "eod_codes_outcome",
    "eod_outcome",
    "eod_schema_for",
    "eod_values",
    "finding_outcome",
    "parse_category",
    "selection_problem",
    "system_for_date",
]

#: NAACCR XML item ids (also the column names of an EOD-coded CSV/Parquet file) and their fixed widths.
EOD_COLUMNS: dict[str, int] = {
    "schemaId": 5,
    "primarySite": 4,
    "histologicTypeIcdO3": 4,
    "behaviorCodeIcdO3": 1,
    "dateOfDiagnosis": 8,
    "eodPrimaryTumor": 3,
    "eodRegionalNodes": 3,
    "eodMets": 2,
    "pleuralEffusion": 1,
}
CATEGORY_COLUMNS = ("system", "t", "n", "m", "diagnosis_date")
#: Systems whose stage is a T, N, M grid: the ones a row of categories can be staged in.
CATEGORY_SYSTEMS = ("tnm8", "tnm9", "tnm7", "peritoneal_tnm")

#: Kinds of row error, in the order a row's first error is chosen from.
ERROR_KINDS = (
    "malformed_row",
    "wrong_schema",
    "not_mesothelioma",
    "not_ajcc_staged",
    "invalid_date",
    "missing_value",
    "invalid_code",
    "invalid_category",
    "invalid_case",
    "not_staged",
)

#: The derived columns added to every output row, in order.
OUTCOME_COLUMNS = (
    "system",
    "t",
    "n",
    "m",
    "prefix",
    "stage",
    "stage_range_low",
    "stage_range_high",
    "summary_stage_2018",
    "stage_source",
    "review_codes",
    "discrepancies",
    "discrepancy_detail",
    "error_kind",
    "error",
)


@dataclass(frozen=True)
class RowOutcome:
    """What a row gives: the system, T/N/M, stage and range, review codes; or an error kind and message."""

    system: str | None = None
    t: str | None = None
    n: str | None = None
    m: str | None = None
    prefix: str | None = None
    stage: str | None = None
    stage_range_low: str | None = None
    stage_range_high: str | None = None
    summary_stage_2018: str | None = None
    stage_source: str | None = None
    review_codes: str | None = None
    discrepancies: str | None = None
    discrepancy_detail: str | None = None
    error_kind: str | None = None
    error: str | None = None

    def as_tuple(self) -> tuple[str | None, ...]:
        return tuple(getattr(self, c) for c in OUTCOME_COLUMNS)


@dataclass
class _Errors:
    items: list[tuple[str, InputError]] = field(default_factory=list)

    def add(self, kind: str, column: str, message: str, allowed: Sequence[str] = ()) -> None:
        self.items.append((kind, InputError(column, message, tuple(allowed))))

    def outcome(self, system: str | None = None) -> RowOutcome:
        first = min(self.items, key=lambda item: ERROR_KINDS.index(item[0]))[0]
        return RowOutcome(system=system, error_kind=first, error="; ".join(str(e) for _, e in self.items))


def code_text(value: object, width: int | None = None) -> str | None:
    """A cell as code text: None/blank is missing; an integer cell is zero-padded to the code's fixed width."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value).zfill(width) if width else str(value)
    if isinstance(value, float) and value != value:  # NaN from a pandas/Dask partition
        return None
    text = str(value).strip()
    return text or None


# ---------------------------------------------------------------------------------------------- EOD codes


@cache  # a registry file has a few thousand distinct dates; each is read by several checks
def _year(date: str) -> int | None:
    """The year of a NAACCR date (YYYYMMDD, YYYYMM, YYYY) or an ISO date (YYYY-MM-DD); None if it is not one."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        date = date.replace("-", "")
    elif not re.fullmatch(r"\d{4}(\d{2}){0,2}", date):
        return None
    year, month, day = int(date[:4]), int(date[4:6] or 1), int(date[6:8] or 1)
    if not (year >= dt.MINYEAR and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return year


def diagnosis_year(date: str | None) -> int | None:
    """The year of a diagnosis date cell (NAACCR or ISO form); None when missing or not a date."""
    return None if date is None else _year(date)


def _site(value: str) -> str:
    return value.replace(".", "").upper()


#: One problem with one column: (error kind, the error naming the column), or None.
Problem = tuple[str, InputError] | None
Check = Callable[[str | None], Problem]


def eod_schema_for(schema: str | None, date: str | None) -> str:
    """Which EOD table a row is read with: its Schema ID when that is 09370 or 00370; without one, the schema of its
    diagnosis year (2025 and later: 09370). Anything else goes to the 00370 table, whose checks report it."""
    if schema in EOD_SCHEMAS:
        return schema
    if schema is None:
        year = diagnosis_year(date)
        if year is not None and year >= eod_table("09370").diagnosis_years[0]:
            return "09370"
    return "00370"


def _schema_check(table: EodTable) -> Check:
    def check(schema: str | None) -> Problem:
        if schema is None or schema == table.schema_id:
            return None
        known = ", ".join(f"{t.schema_id} ({t.years_text})" for t in map(eod_table, EOD_SCHEMAS))
        return "wrong_schema", InputError(
            "schemaId", f"'{schema}' is not a pleural mesothelioma EOD schema: {known}", tuple(EOD_SCHEMAS)
        )

    return check


def _date_check(table: EodTable) -> Check:
    def check(date: str | None) -> Problem:
        if date is None:
            return None
        first, last = table.diagnosis_years
        year = _year(date)
        if year is None:
            return "invalid_date", InputError(
                "dateOfDiagnosis", f"'{date}' is not a date (YYYYMMDD, YYYYMM, YYYY or YYYY-MM-DD)"
            )
        if not first <= year <= last:
            return "wrong_schema", InputError(
                "dateOfDiagnosis",
                f"diagnosis year {year} is outside {table.years_text}, the years of schema {table.schema_id} "
                f"({table.schema_name})",
            )
        return None

    return check


def _site_check(table: EodTable) -> Check:
    def check(site: str | None) -> Problem:
        if site is None:
            return None
        code = _site(site)
        if code in table.unstaged_sites:
            return "not_ajcc_staged", InputError(
                "primarySite",
                f"'{site}' (lung) with a mesothelioma histology has no AJCC stage in SEER's schema (AJCC ID XX); "
                f"only pleura ({', '.join(table.staged_sites)}) is AJCC-staged",
            )
        if code not in table.staged_sites:
            return "wrong_schema", InputError(
                "primarySite",
                f"'{site}' is not a site of the pleural mesothelioma schema",
                table.staged_sites + table.unstaged_sites,
            )
        return None

    return check


def _histology_check(table: EodTable) -> Check:
    def check(hist: str | None) -> Problem:
        if hist is None or hist in table.histologies:
            return None
        return "not_mesothelioma", InputError(
            "histologicTypeIcdO3", f"'{hist}' is not a mesothelioma histology of the schema", table.histologies
        )

    return check


def _behaviour_check(table: EodTable) -> Check:
    def check(behaviour: str | None) -> Problem:
        if behaviour is None or behaviour in table.behaviours:
            return None
        return "not_mesothelioma", InputError(
            "behaviorCodeIcdO3",
            f"'{behaviour}' is not malignant: benign, in-situ and uncertain-behaviour mesothelial tumours are not "
            "staged",
            table.behaviours,
        )

    return check


def selection_problem(schema_given: bool, missing: Sequence[str]) -> Problem:
    """Without a schema id the schema is selected from site, histology and date: all three are needed."""
    if schema_given or not missing:
        return None
    return "missing_value", InputError(
        "schemaId",
        "not given, so the schema is selected from primary site, histology and diagnosis date; "
        f"missing: {', '.join(missing)}",
    )


def _code_check(table: EodTable, column: str, component: str, what: str) -> Check:
    codes = table.codes(component)

    def check(value: str | None) -> Problem:
        if value is None:
            return "missing_value", InputError(column, f"no {what} code", tuple(codes))
        if value not in codes:
            return "invalid_code", InputError(
                column, f"'{value}' is not an {what} code of schema {table.schema_id}", tuple(codes)
            )
        return None

    return check


def _effusion_check(table: EodTable) -> Check:
    codes = table.pleural_effusion_codes

    def check(value: str | None) -> Problem:
        if value is None or value in codes:
            return None
        return "invalid_code", InputError("pleuralEffusion", f"'{value}' is not a Pleural Effusion code", codes)

    return check


@cache
def eod_checks(schema_id: str) -> tuple[tuple[tuple[str, Check], ...], tuple[tuple[str, Check], ...]]:
    """The checks of an EOD row read with a schema's table, each reading one column, in the order their errors are
    reported: those before the schema-selection check (several columns), and those after it."""
    table = eod_table(schema_id)
    before = (
        ("schemaId", _schema_check(table)),
        ("dateOfDiagnosis", _date_check(table)),
        ("primarySite", _site_check(table)),
        ("histologicTypeIcdO3", _histology_check(table)),
        ("behaviorCodeIcdO3", _behaviour_check(table)),
    )
    after = (
        ("eodPrimaryTumor", _code_check(table, "eodPrimaryTumor", "T", "EOD Primary Tumor")),
        ("eodRegionalNodes", _code_check(table, "eodRegionalNodes", "N", "EOD Regional Nodes")),
        ("eodMets", _code_check(table, "eodMets", "M", "EOD Mets")),
        ("pleuralEffusion", _effusion_check(table)),
    )
    return before, after


SELECTION_COLUMNS = ("primarySite", "histologicTypeIcdO3", "dateOfDiagnosis")


def _eod_errors(values: Mapping[str, str | None], schema_id: str) -> _Errors:
    errors = _Errors()
    before, after = eod_checks(schema_id)
    problems = [check(values[column]) for column, check in before]
    missing = [c for c in SELECTION_COLUMNS if values[c] is None]
    problems.append(selection_problem(values["schemaId"] is not None, missing))
    problems += [check(values[column]) for column, check in after]
    errors.items = [p for p in problems if p is not None]
    return errors


def eod_values(record: Mapping[str, object]) -> dict[str, str | None]:
    """The EOD columns of a record as code text (missing columns are None)."""
    return {column: code_text(record.get(column), width) for column, width in EOD_COLUMNS.items()}


def _changes_stage(system_id: str, options: Sequence[Sequence[str]], i: int) -> bool:
    """Whether the choice among component i's options changes the stage for some choice of the others."""
    others = [opts if j != i else [None] for j, opts in enumerate(options)]
    for combo in itertools.product(*others):
        reached = set()
        for alt in options[i]:
            picked = [[c] if c is not None else [alt] for c in combo]
            reached.update(reach(system_id, picked))
        if len(reached) > 1:
            return True
    return False


@cache
def eod_codes_outcome(
    tumor: str, nodes: str, mets: str, effusion_malignant: bool, schema_id: str = "00370"
) -> RowOutcome:
    """The outcome for valid EOD codes of a schema (the table the vectorised path joins on)."""
    table = eod_table(schema_id)
    entries: tuple[EodCode, ...] = (table.primary_tumor[tumor], table.regional_nodes[nodes], table.mets[mets])
    ss = summary_stage_table().stage(*(e.ss2018 for e in entries))
    if table.derived_by == "seer":
        outcome = _seer_outcome(table, entries)
    else:
        outcome = _derived_outcome(table, (tumor, nodes, mets), entries)
    reviews = outcome.review_codes.split(";") if outcome.review_codes else []
    if effusion_malignant and "pleural_effusion_not_m1" not in reviews:
        reviews.append("pleural_effusion_not_m1")
    return replace(outcome, summary_stage_2018=ss, review_codes=";".join(reviews) or None)


def _seer_outcome(table: EodTable, entries: tuple[EodCode, ...]) -> RowOutcome:
    """EOD 2018: the categories SEER derives, the stage of the tnm8 grid; ``could_be`` widens the range."""
    system = table.ajcc_edition_system
    cats = [e.category or "" for e in entries]
    t, n, m = cats
    staged = _staged(system, t, n, m, tuple(e.could_be for e in entries))
    reviews: list[str] = []
    for i, entry in enumerate(entries):
        if entry.review is None:
            continue
        if entry.review_always:
            reviews.append(entry.review)
            continue
        stages = set()
        for alt in entry.could_be:
            picked = [*cats]
            picked[i] = alt
            stages.add(stage_group(load_system(system), dict(zip("TNM", picked, strict=True))))
        if len(stages) > 1:
            reviews.append(entry.review)
    return RowOutcome(
        system=system,
        t=t,
        n=n,
        m=m,
        stage=staged.stage,
        stage_range_low=staged.low,
        stage_range_high=staged.high,
        stage_source=table.derivation,
        review_codes=";".join(reviews) or None,
    )


def _derived_outcome(table: EodTable, codes: tuple[str, str, str], entries: tuple[EodCode, ...]) -> RowOutcome:
    """EOD V9: the categories the codes' findings give in tnm9; a stage where every combination of them gives the
    same group, else the range they allow. A code with no TNM T (in situ) is staged only where M decides (M1)."""
    system_id = table.ajcc_edition_system
    system = load_system(system_id)
    options = [list(code_categories(table.schema_id, comp, code)) for comp, code in zip("TNM", codes, strict=True)]
    in_situ = not options[0]
    if in_situ:
        options[0] = [system.component("T").not_assessed or "TX"]
    reached = reach(system_id, options)
    groups = sorted({g for g in reached if g is not None}, key=system.stages.index)
    decided = len(set(reached)) == 1 and groups
    reviews = []
    for i, entry in enumerate(entries):
        if entry.review is not None and (entry.review_always or _changes_stage(system_id, options, i)):
            reviews.append(entry.review)
    ranged = groups and not (in_situ and not decided)
    basis = entries[0].basis
    return RowOutcome(
        system=system_id,
        t=None if in_situ else "/".join(options[0]),
        n="/".join(options[1]),
        m="/".join(options[2]),
        prefix={"clinical": "c", "pathological": "p"}.get(basis or ""),
        stage=groups[0] if decided else None,
        stage_range_low=groups[0] if ranged else None,
        stage_range_high=groups[-1] if ranged else None,
        stage_source=table.derivation,
        review_codes=";".join(reviews) or None,
    )


def eod_outcome(record: Mapping[str, object]) -> RowOutcome:
    """Stage one EOD-coded row (NAACCR item names as keys): schema 00370 in AJCC 8th as SEER derives it, schema
    09370 (2025+) in TNM 9th as mesostage derives it from the code descriptors; with Summary Stage 2018 for both,
    and the recorded-stage checks where the row carries directly assigned AJCC items.

    Raises nothing for bad content: a wrong schema, an unknown code, a non-mesothelioma histology and so on come back
    as ``error_kind`` and ``error``.
    """
    values = eod_values(record)
    schema_id = eod_schema_for(values["schemaId"], values["dateOfDiagnosis"])
    errors = _eod_errors(values, schema_id)
    if errors.items:
        return errors.outcome()
    tumor, nodes, mets = values["eodPrimaryTumor"], values["eodRegionalNodes"], values["eodMets"]
    if tumor is None or nodes is None or mets is None:  # pragma: no cover - _eod_errors reports missing codes
        raise AssertionError("EOD codes missing after validation")
    malignant = values["pleuralEffusion"] in eod_table(schema_id).pleural_effusion.malignant
    outcome = eod_codes_outcome(tumor, nodes, mets, malignant, schema_id)
    return with_recorded_checks(outcome, record, diagnosis_year(values["dateOfDiagnosis"]))


# ---------------------------------------------------------------------------------------------- T/N/M categories

_CATEGORY = re.compile(r"^(c|p|yc|yp)?([TNM].*)$")


def parse_category(value: str) -> tuple[str | None, str]:
    """Split a category into its prefix (c, p, yc, yp) and root (``"ypT3"`` -> ``("yp", "T3")``)."""
    match = _CATEGORY.match(value)
    if match is None:
        return None, value
    return match.group(1), match.group(2)


def _system_for(system: str | None, date: str | None, errors: _Errors) -> str | None:
    if system is not None:
        if system not in CATEGORY_SYSTEMS:
            errors.add("invalid_category", "system", f"'{system}' is not a T/N/M staging system", CATEGORY_SYSTEMS)
            return None
        return system
    if date is None:
        errors.add(
            "missing_value",
            "system",
            "no staging system: give a system column, the --system option or a diagnosis_date",
            CATEGORY_SYSTEMS,
        )
        return None
    try:
        case = parse_case({"site": "pleura", "diagnosis_date": date})
    except CaseError:
        errors.add("invalid_date", "diagnosis_date", f"'{date}' is not a date (YYYY-MM-DD)")
        return None
    return default_system(case)


def system_for_date(date: str) -> str | None:
    """The TNM edition for a diagnosis date (YYYY-MM-DD), None if it is not a date."""
    errors = _Errors()
    return _system_for(None, date, errors)


def category_outcome(record: Mapping[str, object], *, system: str | None = None) -> RowOutcome:
    """Stage one row of T, N, M categories (with or without c/p/yc/yp prefixes) in its system.

    The system is the row's ``system`` column, else ``system``, else the TNM edition for the row's
    ``diagnosis_date``. TX and NX (and T0) stand for every category: the stage is given only where all of them give
    the same group, as in :func:`mesostage.stage_group`.
    """
    errors = _Errors()
    values = {c: code_text(record.get(c, record.get(c.upper()))) for c in CATEGORY_COLUMNS}
    system_id = _system_for(values["system"] or system, values["diagnosis_date"], errors)
    roots: dict[str, str] = {}
    prefixes: list[str | None] = []
    for comp in ("T", "N", "M"):
        column = comp.lower()
        value = values[column]
        if value is None:
            errors.add("missing_value", column, f"no {comp} category")
            continue
        prefix, root = parse_category(value)
        if system_id is not None and root not in category_labels(system_id, comp):
            errors.add(
                "invalid_category",
                column,
                f"'{value}' is not a {comp} category of {system_id}",
                category_labels(system_id, comp),
            )
            continue
        roots[comp] = root
        prefixes.append(prefix)
    if errors.items:
        return errors.outcome(system_id)
    assert system_id is not None
    return _category_codes_outcome(system_id, roots["T"], roots["N"], roots["M"], prefixes[0])


@cache
def _category_codes_outcome(system_id: str, t: str, n: str, m: str, prefix: str | None) -> RowOutcome:
    staged = _staged(system_id, t, n, m)
    return RowOutcome(
        system=system_id,
        stage_source=f"{system_id} stage table",
        t=t,
        n=n,
        m=m,
        prefix=prefix,
        stage=staged.stage,
        stage_range_low=staged.low,
        stage_range_high=staged.high,
    )


# ---------------------------------------------------------------------------------------------- case findings


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return args[0]
    return annotation


@cache
def _field_type(path: str) -> Any:
    """The type of a case field path (``tumor.psum_mm`` -> float), read from the public case model."""
    model: Any = Case
    annotation: Any = None
    for part in path.split("."):
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        annotation = _unwrap(model.model_fields[part].annotation)
        model = annotation
    return annotation


def _cell(path: str, value: object) -> object:
    """One flat cell as the case field's value: CSV text is converted by the field's type, never guessed."""
    if not isinstance(value, str):
        if hasattr(value, "tolist"):  # a numpy array from a pandas/Dask partition
            value = value.tolist()
        return list(value) if isinstance(value, tuple) else value
    text = value.strip()
    kind = _field_type(path)
    if get_origin(kind) is list:
        items = [x.strip() for x in text.split(";")] if text else []
        if get_args(kind) == (int,):
            try:
                return [int(x) for x in items]
            except ValueError:
                raise CaseError(
                    [InputError(path, f"'{text}' is not a list of whole numbers separated by ';'")]
                ) from None
        return items
    if kind is bool:
        if text not in ("true", "false"):
            raise CaseError([InputError(path, f"'{text}' is not true or false", ("true", "false"))])
        return text == "true"
    if kind in (int, float):
        try:
            number = float(text)
        except ValueError:
            raise CaseError([InputError(path, f"'{text}' is not a number")]) from None
        if kind is int:
            if not number.is_integer():
                raise CaseError([InputError(path, f"'{text}' is not a whole number")])
            return int(number)
        return number
    return text


def case_from_row(row: Mapping[str, object]) -> dict[str, Any]:
    """A case in the contract format from a flat row.

    Either a ``case`` column holding the case as JSON, or one column per field path (``site``, ``tumor.findings``,
    ``nodes.assessed``, ``peritoneal.pci`` ...). In CSV text a list is written with ``;`` between items, a
    boolean as ``true``/``false``; an empty cell means the field is not given. A section (``tumor``, ``nodes`` ...)
    is given when any of its cells is; write ``nodes.assessed`` = ``true`` for "assessed, nothing found".
    """
    if "case" in row and row["case"] is not None:
        text = row["case"]
        if not isinstance(text, str):
            raise CaseError([InputError("case", "the case column must hold the case as JSON text")])
        data = parse_json(text, "case")
        if not isinstance(data, dict):
            raise CaseError([InputError("case", "the case must be a JSON object")])
        return data
    case: dict[str, Any] = {}
    errors: list[InputError] = []
    for path, value in row.items():
        if (
            path in ("case", "row", *RECORDED_COLUMNS)
            or value is None
            or (isinstance(value, str) and not value.strip())
        ):
            continue
        if isinstance(value, float) and value != value:
            continue
        try:
            converted = _cell(path, value)
        except CaseError as exc:
            errors.extend(exc.errors)
            continue
        head, _, tail = path.partition(".")
        if tail:
            section = case.setdefault(head, {})
            if isinstance(section, dict):
                section[tail] = converted
        else:
            case[head] = converted
    if errors:
        raise CaseError(errors)
    return case


def finding_outcome(
    data: Mapping[str, Any] | Case,
    *,
    system: str | None = None,
    record: Mapping[str, object] | None = None,
    review: bool = True,
) -> RowOutcome:
    """Stage one case (contract format) with the per-case engine, in ``system`` or the case's default system;
    ``record`` (the flat row) may carry recorded-stage items to check against the result. With ``review`` the
    second-opinion review's codes are in ``review_codes`` (:func:`mesostage.stage`); without, the case is staged in
    that one system only (:func:`mesostage.staging.stage`) and ``review_codes`` is empty."""
    try:
        case = parse_case(data)
        wanted = system or default_system(case)
        systems = [wanted] if wanted else []
        result = stage(case, systems=systems) if review else stage_only(case, systems=systems)
    except CaseError as exc:
        return RowOutcome(system=system, error_kind="invalid_case", error="; ".join(str(e) for e in exc.errors))
    if wanted is None:
        reason = result.site_note or "no staging system applies to this site"
        return RowOutcome(error_kind="not_staged", error=f"site: {reason}")
    r = result.result(wanted)
    if not r.applicable:
        return RowOutcome(system=wanted, error_kind="not_staged", error=f"system: {r.reason}")
    low, high = (r.stage_range[0], r.stage_range[-1]) if r.stage_range else (None, None)
    codes = []
    if review:
        codes = list(dict.fromkeys(n.code for n in result.review if not n.systems or wanted in n.systems))
    outcome = RowOutcome(
        system=wanted,
        t=r.t,
        n=r.n,
        m=r.m,
        prefix=r.prefix,
        stage=r.stage,
        stage_range_low=low,
        stage_range_high=high,
        stage_source=f"mesostage engine ({wanted})",
        review_codes=";".join(codes) or None,
    )
    year = case.diagnosis_date.year if case.diagnosis_date else None
    return with_recorded_checks(outcome, record or {}, year)
