"""Finding-level rows without the review, vectorised: one system's categories, stage and range for a whole batch.

``rows.finding_outcome`` runs the engine for one case. When the review's column is not asked for (``--no-review``),
a batch of valid cases is staged here with polars expressions instead, from the same system files
(``mesostage/staging/systems/*.toml``, read through :func:`mesostage.load_system`), in the way the engine reads
them (``mesostage.staging.engine``'s module docstring):

* each case is validated by the case model itself (:class:`mesostage.Case`), row by row: invalid rows keep the
  per-row error report;
* each finding list is mapped to the category ranks its rules give (``replace_strict`` on small maps built from the
  rules); a component's category is the highest rank of its present findings, flags and measurement bands (a
  maximum across columns);
* an unknown finding, an unknown flag, a missing measurement or an unassessed section adds its ranks as options.
  Every option set holds "nothing", so the categories a component can reach are its known rank and every option
  above it: a bit mask per component (``stage`` for the required inputs, ``range`` for all);
* the stage and range are looked up once per distinct combination of masks (a few dozen per system) with
  :func:`mesostage.stage_group`, the engine's stage-table reader, and joined back onto the rows.

Rows this path does not take go to the engine (``finding_outcome(..., review=False)``), one at a time: an invalid
case (its errors, as for a single case), and every row of a batch whose rows carry recorded-stage items. A case
that is not staged (a site with no system, a system that does not apply to the site, a tumour type that is not
staged) gets the engine's outcome for its site, system and tumour type, asked once per combination. The tests
and ``benchmarks/batch_bench.py`` compare the two paths row for row on random cases.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl
from pydantic import ValidationError

from mesostage import SYSTEM_IDS, Case, CaseError, default_system, load_system, parse_case, stage_group
from mesostage.batch.rows import OUTCOME_COLUMNS, RowOutcome, finding_outcome
from mesostage.staging.definitions import FLAG_FIELDS, MEASURE_FIELDS, VOCABULARY, tumor_type_notes
from mesostage.staging.engine import case_value

__all__ = ["findings_frame"]

#: The prefix of each basis, as the engine gives it (``SystemResult.prefix``) for systems that use one.
_PREFIX = {"clinical": "c", "pathological": "p", "post_therapy": "yp"}
_SECTIONS = ("tumor", "nodes", "metastases")
_INDEX = "__row"
_OUTCOME_SCHEMA: dict[str, pl.DataType] = {c: pl.String() for c in OUTCOME_COLUMNS}


@cache
def _flag_fields() -> tuple[str, ...]:
    """Every boolean case path a rule or a requirement of any system reads."""
    required = {q.flag for system_id in SYSTEM_IDS for q in load_system(system_id).requires}
    return tuple(sorted(FLAG_FIELDS | required))


_MEASURES = tuple(sorted(MEASURE_FIELDS))


@cache
def _vocabulary_index(section: str) -> dict[str, int]:
    """A bit per finding name of a section's vocabulary (a section's findings are held as one integer)."""
    return {name: 1 << k for k, name in enumerate(VOCABULARY[section])}


def _vocabulary_bits(section: str, names: Sequence[str]) -> int:
    index = _vocabulary_index(section)
    return functools.reduce(operator.or_, (index[n] for n in names), 0)


def _bits(ranks: Sequence[int]) -> int:
    return functools.reduce(operator.or_, (1 << r for r in ranks), 0)


@dataclass(frozen=True)
class _Replaceable:
    """The rules of a finding that a measurement stands for: used only where the measurement is not given."""

    field: str
    section: str
    finding: str
    rank: int  # the highest rank its rules give
    bits: int  # the ranks its rules give


@dataclass(frozen=True)
class _Measure:
    field: str
    section: str
    bands: tuple[tuple[float, int], ...]  # (above, rank), ascending
    bits: int
    required: bool
    replaces: bool


@dataclass(frozen=True)
class _Component:
    name: str
    categories: tuple[str, ...]
    floor: int
    not_assessed: str | None
    no_evidence: int | None  # the rank of T0, where tumor.no_evidence applies
    every: int  # the ranks the component can take at all (floor, rules, bands)
    present: dict[str, dict[str, int]]  # per section: finding -> the highest rank of its rules (not replaceable)
    unknown: dict[str, dict[str, int]]  # per section: finding -> the ranks of its rules, as bits
    replaceable: tuple[_Replaceable, ...]
    section_bits: dict[str, int]  # per section read by rules: the ranks of its rules that are never replaced
    flags: tuple[tuple[str, int], ...]  # (flag path, rank)
    measures: tuple[_Measure, ...]
    required_sections: frozenset[str]


@dataclass(frozen=True, eq=False)
class _System:
    id: str
    components: tuple[_Component, ...]
    requires: tuple[tuple[str, tuple[str, ...], bool], ...]  # flag, stages given without it, has a closed reason
    prefix: bool
    applies_to: frozenset[str]


def _applies(basis: tuple[str, ...] | None, case_basis: str) -> bool:
    return basis is None or case_basis in basis


@cache
def _system(system_id: str, basis: str) -> _System:
    """A system's file, prepared once per basis: ranks and rank bits instead of category names."""
    defn = load_system(system_id)
    comps = []
    for comp in defn.components:
        rank = {c: i for i, c in enumerate(comp.categories)}
        rules = [r for r in comp.rules if _applies(r.basis, basis)]
        measures = [m for m in comp.measures if _applies(m.basis, basis)]
        replaced = {m.replaces: m.field for m in measures if m.replaces}
        present: dict[str, dict[str, int]] = {}
        unknown: dict[str, dict[str, int]] = {}
        section_bits: dict[str, int] = {}
        by_finding: dict[tuple[str, str], list[int]] = {}
        flags = []
        for r in rules:
            if r.finding is None:
                flags.append((r.key, rank[r.category]))
                continue
            section, _, name = r.finding.partition(".")
            by_finding.setdefault((section, name), []).append(rank[r.category])
            section_bits.setdefault(section, 0)
        replaceable = []
        for (section, name), ranks in by_finding.items():
            field = replaced.get(f"{section}.{name}")
            if field is not None:
                replaceable.append(_Replaceable(field, section, name, max(ranks), _bits(ranks)))
                continue
            present.setdefault(section, {})[name] = max(ranks)
            unknown.setdefault(section, {})[name] = _bits(ranks)
            section_bits[section] |= _bits(ranks)
        prepared = tuple(
            _Measure(
                m.field,
                m.field.partition(".")[0],
                tuple((b.above, rank[b.category]) for b in m.bands),
                _bits([rank[b.category] for b in m.bands]),
                m.required,
                m.replaces is not None,
            )
            for m in measures
        )
        every = {rank[comp.floor]} | {rank[r.category] for r in rules} | {r for m in prepared for _, r in m.bands}
        no_evidence = rank[comp.no_evidence] if comp.no_evidence and "tumor" in comp.required_sections else None
        comps.append(
            _Component(
                comp.name,
                comp.categories,
                rank[comp.floor],
                comp.not_assessed,
                no_evidence,
                _bits(sorted(every)),
                present,
                unknown,
                tuple(replaceable),
                section_bits,
                tuple(flags),
                prepared,
                frozenset(comp.required_sections),
            )
        )
    requires = tuple((q.flag, q.without, bool(q.closed_reason)) for q in defn.requires)
    return _System(system_id, tuple(comps), requires, defn.uses_prefix, frozenset(defn.applies_to))


def _or(terms: Sequence[pl.Expr]) -> pl.Expr:
    """The bitwise or of masks (a null term adds nothing)."""
    return functools.reduce(operator.or_, (t.fill_null(0) for t in terms), pl.lit(0, pl.Int64))


def _having(column: pl.Expr, section: str, names: Sequence[str]) -> pl.Expr:
    """Whether a section's findings (or unknowns) mask holds any of ``names``."""
    return (column & _vocabulary_bits(section, names)) != 0


def _component_exprs(comp: _Component, i: int) -> list[pl.Expr]:
    """A component's label and its stage and range masks (the ranks it can reach), as columns ``_label{i}``,
    ``_stage{i}``, ``_range{i}``."""
    present: list[pl.Expr] = [pl.lit(comp.floor, pl.Int64)]
    required: list[pl.Expr] = []
    optional: list[pl.Expr] = []
    given = {f: pl.col(f).is_not_null() for f in {r.field for r in comp.replaceable}}
    created: dict[str, pl.Expr] = {}  # per section: whether an unassessed section gives options (a rule reads it)
    for section in comp.section_bits:
        assessed = pl.col(f"{section}.assessed")
        found, unknown = pl.col(f"{section}.findings"), pl.col(f"{section}.unknown")
        names = comp.present.get(section, {})
        # the highest rank of the findings present: one test per rank, highest first
        by_rank: dict[int, list[str]] = {}
        for name, rank in names.items():
            by_rank.setdefault(rank, []).append(name)
        highest: Any = pl.lit(None, pl.Int64)
        for rank in sorted(by_rank):
            highest = pl.when(_having(found, section, by_rank[rank])).then(pl.lit(rank, pl.Int64)).otherwise(highest)
        present.append(pl.when(assessed).then(highest))
        # the ranks the unknown findings may add: one bit per rank
        for rank in range(len(comp.categories)):
            holding = [name for name, bits in comp.unknown.get(section, {}).items() if bits >> rank & 1]
            if holding:
                open_rank = assessed & _having(unknown, section, holding)
                optional.append(pl.when(open_rank).then(pl.lit(1 << rank, pl.Int64)))
        unassessed_bits = pl.lit(comp.section_bits[section], pl.Int64)
        is_created = pl.lit(bool(names))
        for r in comp.replaceable:
            if r.section != section:
                continue
            used = assessed & ~given[r.field]
            present.append(pl.when(used & _having(found, section, [r.finding])).then(pl.lit(r.rank, pl.Int64)))
            optional.append(pl.when(used & _having(unknown, section, [r.finding])).then(pl.lit(r.bits, pl.Int64)))
            unassessed_bits = unassessed_bits | pl.when(given[r.field]).then(0).otherwise(r.bits)
            is_created = is_created | ~given[r.field]
        created[section] = ~assessed & is_created
        for m in comp.measures:
            if m.section == section:
                unassessed_bits = unassessed_bits | pl.when(created[section]).then(m.bits).otherwise(0)
        side = required if section in comp.required_sections else optional
        side.append(pl.when(created[section]).then(unassessed_bits))
    for path, rank in comp.flags:
        present.append(pl.when(pl.col(path)).then(pl.lit(rank, pl.Int64)))
        optional.append(pl.when(pl.col(path).is_null()).then(pl.lit(1 << rank, pl.Int64)))
    for m in comp.measures:
        value = pl.col(m.field)
        counted = ~created[m.section] if m.section in created else pl.lit(True)
        reached: Any = pl.lit(None, pl.Int64)
        for above, rank in m.bands:  # ascending: the last band passed is the highest
            reached = pl.when(value > above).then(pl.lit(rank, pl.Int64)).otherwise(reached)
        present.append(pl.when(counted).then(reached))
        if not m.replaces:
            (required if m.required else optional).append(pl.when(counted & value.is_null()).then(m.bits))
    known = pl.max_horizontal(present)
    full = (1 << len(comp.categories)) - 1
    bit = known.replace_strict({r: 1 << r for r in range(len(comp.categories))}, return_dtype=pl.Int64)
    higher = known.replace_strict(
        {r: full & ~((1 << (r + 1)) - 1) for r in range(len(comp.categories))}, return_dtype=pl.Int64
    )
    category = known.replace_strict(dict(enumerate(comp.categories)), return_dtype=pl.String)
    stage_mask = bit | (_or(required) & higher)
    range_mask = bit | (_or([*required, *optional]) & higher)
    label = (
        pl.when(stage_mask == bit)
        .then(category)
        .otherwise(pl.lit(comp.not_assessed) if comp.not_assessed else category)
    )
    if comp.no_evidence is not None:
        t0 = pl.col("tumor.no_evidence")
        opts = comp.every & ~(1 << comp.no_evidence)
        label = pl.when(t0).then(pl.lit(comp.categories[comp.no_evidence])).otherwise(label)
        stage_mask = pl.when(t0).then(pl.lit(opts, pl.Int64)).otherwise(stage_mask)
        range_mask = pl.when(t0).then(pl.lit(opts, pl.Int64)).otherwise(range_mask)
    return [label.alias(f"_label{i}"), stage_mask.alias(f"_stage{i}"), range_mask.alias(f"_range{i}")]


def _ranks(mask: int) -> list[int]:
    return [r for r in range(mask.bit_length()) if mask >> r & 1]


@cache
def _stage_and_range(system: _System, masks: tuple[int, ...], unmet: tuple[bool, ...]) -> tuple[str | None, ...]:
    """Stage, lowest and highest stage for the components' stage and range masks (and the requirements not met), by
    the engine's stage-table reader: the stage where every combination of the open categories gives the same one."""
    defn = load_system(system.id)
    comps = system.components
    n = len(comps)

    def reached(sets: Sequence[int]) -> set[str | None]:
        # Each category is given as itself: a mask never holds T0 where T0 is the no-evidence label (the no-evidence
        # masks leave it out, and no rule or band gives it), and a not-assessed label is not a category.
        choices = [[c.categories[r] for r in _ranks(s)] for c, s in zip(comps, sets, strict=True)]
        names = [c.name for c in comps]
        return {stage_group(defn, dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices)}

    stages = reached(masks[:n])
    stage = stages.pop() if len(stages) == 1 else None
    ordered = sorted((s for s in reached(masks[n:]) if s is not None), key=defn.stages.index)
    low, high = (ordered[0], ordered[-1]) if ordered else (None, None)
    missing = [(without, closed) for (_, without, closed), no in zip(system.requires, unmet, strict=True) if no]
    if missing:
        # Every way the missing input could turn out gives one stage (Brigham: IV-IV): that is the stage.
        shut = low if low is not None and low == high else None
        given = shut is not None and all(closed and shut in without for without, closed in missing)
        stage = shut if given else None
    return stage, low, high


def _group_outcomes(frame: pl.DataFrame, system_id: str, basis: str) -> pl.DataFrame:
    """The outcome columns (with the row index) of the rows of one system and basis."""
    system = _system(system_id, basis)
    n = len(system.components)
    exprs = [e for i, c in enumerate(system.components) for e in _component_exprs(c, i)]
    unmet = [pl.col(flag).fill_null(False).not_().alias(f"_unmet{k}") for k, (flag, _, _) in enumerate(system.requires)]
    evaluated = frame.select(_INDEX, *exprs, *unmet)
    keys = [f"_stage{i}" for i in range(n)] + [f"_range{i}" for i in range(n)] + [e.meta.output_name() for e in unmet]
    distinct = evaluated.select(keys).unique()
    looked_up = [_stage_and_range(system, row[: 2 * n], row[2 * n :]) for row in distinct.iter_rows()]
    found = distinct.with_columns(
        *(
            pl.Series(name, [v[k] for v in looked_up], dtype=pl.String)
            for k, name in enumerate(("stage", "stage_range_low", "stage_range_high"))
        )
    )
    labels = {c.name: f"_label{i}" for i, c in enumerate(system.components)}
    none = pl.lit(None, pl.String)
    prefix = pl.lit(_PREFIX[basis] if system.prefix else None, pl.String)
    return evaluated.join(found, on=keys, how="left").select(
        _INDEX,
        system=pl.lit(system_id, pl.String),
        t=pl.col(labels["T"]) if "T" in labels else none,
        n=pl.col(labels["N"]) if "N" in labels else none,
        m=pl.col(labels["M"]) if "M" in labels else none,
        prefix=prefix,
        stage=pl.col("stage"),
        stage_range_low=pl.col("stage_range_low"),
        stage_range_high=pl.col("stage_range_high"),
        summary_stage_2018=none,
        stage_source=pl.lit(f"mesostage engine ({system_id})", pl.String),
        review_codes=none,
        discrepancies=none,
        discrepancy_detail=none,
        error_kind=none,
        error=none,
    )


def _valid(data: Mapping[str, Any], checked: bool) -> Case | None:
    """The case where ``data`` is valid (``parse_case``), else None. ``checked``: ``data`` was parsed from JSON by
    ``parse_json``, whose limits are those ``parse_case`` checks, so only the model validates it."""
    try:
        return Case.model_validate(data) if checked else parse_case(data)
    except (ValidationError, CaseError):
        return None


class _Inputs:
    """The inputs the rules read, one column each, filled case by case (so that the case models need not be kept):
    the row index, system, basis, per section whether it was assessed and its findings and unknowns (each a bit
    mask over the section's vocabulary: a valid case lists a name once), no evidence of tumour, every flag and
    measurement."""

    def __init__(self) -> None:
        self.flags = _flag_fields()
        self.schema: dict[str, pl.DataType] = {_INDEX: pl.Int64(), "_system": pl.String(), "_basis": pl.String()}
        self.schema["tumor.no_evidence"] = pl.Boolean()
        for section in _SECTIONS:
            self.schema[f"{section}.assessed"] = pl.Boolean()
            self.schema[f"{section}.findings"] = pl.Int64()
            self.schema[f"{section}.unknown"] = pl.Int64()
        self.schema |= dict.fromkeys(self.flags, pl.Boolean()) | dict.fromkeys(_MEASURES, pl.Float64())
        self.cols: dict[str, list[Any]] = {name: [] for name in self.schema}
        self.index_of = {section: _vocabulary_index(section) for section in _SECTIONS}

    def add(self, index: int, wanted: str, case: Case) -> None:
        cols = self.cols
        cols[_INDEX].append(index)
        cols["_system"].append(wanted)
        cols["_basis"].append(case.basis)
        for section in _SECTIONS:
            sec = getattr(case, section)
            assessed = sec is not None and sec.assessed
            bit = self.index_of[section]
            cols[f"{section}.assessed"].append(assessed)
            cols[f"{section}.findings"].append(sum(bit[f] for f in sec.findings) if assessed else 0)
            cols[f"{section}.unknown"].append(sum(bit[f] for f in sec.unknown) if assessed else 0)
        cols["tumor.no_evidence"].append(case.tumor is not None and case.tumor.no_evidence)
        for path in self.flags:
            value = case_value(case, path)
            cols[path].append(value if isinstance(value, bool) else None)
        for path in _MEASURES:
            value = case_value(case, path)
            cols[path].append(float(value) if isinstance(value, int | float) else None)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.cols, schema=self.schema)


def findings_frame(
    cases: Sequence[Mapping[str, Any] | RowOutcome],
    *,
    system: str | None = None,
    records: Sequence[Mapping[str, object]] | None = None,
    checked: Sequence[bool] | None = None,
) -> pl.DataFrame:
    """The outcome columns of every case, in order, as ``rows.finding_outcome(..., review=False)`` gives them: one
    system (``system``, else the case's default system), no review, ``review_codes`` empty.

    ``cases``: each row's case (a mapping), or its outcome already decided (a row that could not be read as a
    case). ``records``: the flat rows, for their recorded-stage items (a batch with any goes the per-row way).
    ``checked``: per row, whether its case was parsed by :func:`mesostage.limits.parse_json` (its limits checked).
    """
    done: dict[int, RowOutcome] = {}
    inputs = _Inputs()
    not_staged: dict[tuple[str, str | None, str], RowOutcome] = {}
    notes = tumor_type_notes()
    for i, data in enumerate(cases):
        if isinstance(data, RowOutcome):
            done[i] = data
            continue
        case = None if records else _valid(data, checked[i] if checked is not None else False)
        if case is None:
            done[i] = finding_outcome(data, system=system, record=records[i] if records else None, review=False)
            continue
        wanted = system or default_system(case)
        tumor_type = case.tumor_type or "diffuse"
        if case.basis not in _PREFIX:  # a basis the prefixes here do not know yet: the engine decides
            done[i] = finding_outcome(case, system=system, review=False)
            continue
        if (
            wanted is None
            or notes.get(tumor_type) is not None
            or case.site not in _system(wanted, case.basis).applies_to
        ):
            # Not staged: the engine's outcome names the site, the system or the tumour type and nothing else of
            # the case, so it is asked once per combination (the valid case goes as its model: not validated again).
            key = (case.site, wanted, tumor_type)
            if key not in not_staged:
                not_staged[key] = finding_outcome(case, system=system, review=False)
            done[i] = not_staged[key]
            continue
        inputs.add(i, wanted, case)
    parts = []
    if inputs.cols[_INDEX]:
        frame = inputs.frame()
        for (wanted, basis), group in frame.group_by("_system", "_basis"):
            parts.append(_group_outcomes(group, str(wanted), str(basis)))
    if done:
        rows = [(i, *o.as_tuple()) for i, o in done.items()]
        parts.append(pl.DataFrame(rows, schema={_INDEX: pl.Int64(), **_OUTCOME_SCHEMA}, orient="row"))
    if not parts:
        return pl.DataFrame(schema=_OUTCOME_SCHEMA)
    return pl.concat(parts).sort(_INDEX).drop(_INDEX)
