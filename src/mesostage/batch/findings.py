"""Finding-level rows without the review: one system's categories, stage and range, straight from the system files.

``rows.finding_outcome`` runs :func:`mesostage.stage`, which stages all six systems and runs the second-opinion
review for every row, although a batch row writes one system (about 0.8 ms a row). When the review's column is not
asked for (``--no-review``), this module gives the same ``t``, ``n``, ``m``, ``prefix``, ``stage`` and range from
the same data files (``mesostage/staging/systems/*.toml``, read through :func:`mesostage.load_system`), without
building the engine's result objects (determinants, sources, notes): each component's category is the highest rank
its present findings give (``rules``), an unknown finding or an unassessed section adds its ranks as options, a
measurement falls in its bands; the stage is the first row of the system's stage table that the categories match,
given only where every combination of the open categories gives the same one; the range is the lowest and highest.
This is how ``mesostage.staging.engine`` reads the files (its module docstring); the tests and
``benchmarks/batch_bench.py`` compare the two paths row for row on random cases.

Rows this path does not cover go to the engine: a case with no system for its site, a system that does not apply
to the site, a tumour type that is not staged.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from mesostage import Case, CaseError, default_system, load_system, parse_case
from mesostage.batch.recorded import with_recorded_checks
from mesostage.batch.rows import RowOutcome, finding_outcome
from mesostage.staging.definitions import tumor_type_notes

__all__ = ["finding_staging"]

_NOTHING = -1
#: The prefix of each basis, as the engine gives it (``SystemResult.prefix``) for systems that use one.
_PREFIX = {"clinical": "c", "pathological": "p", "post_therapy": "yp"}
_SECTIONS = ("tumor", "nodes", "metastases")


@dataclass(frozen=True)
class _Rule:
    rank: int
    section: str | None  # None: a flag rule (a boolean field path)
    name: str  # the finding's name within its section, or the flag's path
    finding: str | None


@dataclass(frozen=True)
class _Measure:
    field: str
    section: str
    bands: tuple[tuple[float, int], ...]  # (above, rank), ascending
    ranks: frozenset[int]
    required: bool
    replaces: str | None


@dataclass(frozen=True)
class _Component:
    name: str
    categories: tuple[str, ...]
    floor: int
    not_assessed: str | None
    no_evidence: int | None  # the rank of T0, where tumor.no_evidence applies
    rules: tuple[_Rule, ...]
    measures: tuple[_Measure, ...]
    every: frozenset[int]
    required_sections: frozenset[str]


@dataclass(frozen=True, eq=False)  # hashed by identity: one per (system, basis), cached
class _System:
    id: str
    components: tuple[_Component, ...]
    #: per stage-table row: its stage and, per component, the ranks it accepts (None: any)
    table: tuple[tuple[str, tuple[frozenset[int] | None, ...]], ...]
    order: dict[str, int]
    requires: tuple[tuple[str, tuple[str, ...], bool], ...]  # flag, stages given without it, has a closed reason
    prefix: bool
    applies_to: frozenset[str]


def _applies(basis: tuple[str, ...] | None, case_basis: str) -> bool:
    return basis is None or case_basis in basis


@cache
def _system(system_id: str, basis: str) -> _System:
    """A system's file, prepared once per basis: ranks instead of category names."""
    defn = load_system(system_id)
    comps = []
    for comp in defn.components:
        rank = {c: i for i, c in enumerate(comp.categories)}
        rules = tuple(
            _Rule(rank[r.category], r.section, r.finding.partition(".")[2] if r.finding else r.key, r.finding)
            for r in comp.rules
            if _applies(r.basis, basis)
        )
        measures = tuple(
            _Measure(
                m.field,
                m.field.partition(".")[0],
                tuple((b.above, rank[b.category]) for b in m.bands),
                frozenset(rank[b.category] for b in m.bands),
                m.required,
                m.replaces,
            )
            for m in comp.measures
            if _applies(m.basis, basis)
        )
        every = {rank[comp.floor]} | {r.rank for r in rules} | {x for m in measures for x in m.ranks}
        no_evidence = rank[comp.no_evidence] if comp.no_evidence and "tumor" in comp.required_sections else None
        comps.append(
            _Component(
                comp.name,
                comp.categories,
                rank[comp.floor],
                comp.not_assessed,
                no_evidence,
                rules,
                measures,
                frozenset(every),
                frozenset(comp.required_sections),
            )
        )
    table = tuple(
        (
            row.stage,
            tuple(
                frozenset(c.categories.index(v) for v in row.when[c.name]) if c.name in row.when else None
                for c in comps
            ),
        )
        for row in defn.stage_table
    )
    requires = tuple((q.flag, q.without, bool(q.closed_reason)) for q in defn.requires)
    return _System(
        system_id,
        tuple(comps),
        table,
        {s: i for i, s in enumerate(defn.stages)},
        requires,
        defn.uses_prefix,
        frozenset(defn.applies_to),
    )


def _value(case: Case, path: str) -> object:
    """The value at a dotted case path, None where any part is missing (``peritoneal.pci`` is the total)."""
    head, _, tail = path.partition(".")
    obj = getattr(case, head)
    if not tail or obj is None:
        return obj
    if path == "peritoneal.pci":
        return case.peritoneal.pci_total if case.peritoneal else None
    return getattr(obj, tail)


def _reachable(base: int, options: list[frozenset[int]]) -> frozenset[int]:
    """The categories a component can take: the highest of its known rank and one option of each open input. Every
    input's options include 'nothing', so these are the known rank and every option above it."""
    out = {base}
    for opts in options:
        out.update(o for o in opts if o > base)
    return frozenset(out)


def _evaluate(comp: _Component, case: Case, sections: Mapping[str, Any]) -> tuple[str, frozenset[int], frozenset[int]]:
    """A component's label and the ranks it can take for the stage (required inputs open) and for the range."""
    tumor = case.tumor
    if comp.no_evidence is not None and tumor is not None and tumor.no_evidence:
        opts = comp.every - {comp.no_evidence}
        return comp.categories[comp.no_evidence], opts, opts
    present: list[int] = []
    required: list[frozenset[int]] = []
    optional: list[frozenset[int]] = []
    unassessed: dict[str, set[int]] = {}
    replaced = {m.replaces for m in comp.measures if m.replaces and isinstance(_value(case, m.field), int | float)}
    for rule in comp.rules:
        if rule.finding is not None and rule.finding in replaced:
            continue
        if rule.section is not None:
            state_of = sections[rule.section]
            if state_of is None:
                unassessed.setdefault(rule.section, {_NOTHING}).add(rule.rank)
                continue
            found, unknown = state_of
            state: bool | None = True if rule.name in found else None if rule.name in unknown else False
        else:
            flag = _value(case, rule.name)
            state = flag if isinstance(flag, bool) else None
        if state:
            present.append(rule.rank)
        elif state is None:
            optional.append(frozenset({_NOTHING, rule.rank}))
    for m in comp.measures:
        if m.section in unassessed:
            unassessed[m.section] |= m.ranks
            continue
        value = _value(case, m.field)
        if not isinstance(value, int | float):
            if m.replaces is None:
                (required if m.required else optional).append(frozenset({_NOTHING} | m.ranks))
            continue
        reached = [r for above, r in m.bands if value > above]
        if reached:
            present.append(reached[-1])
    for section, ranks in unassessed.items():
        (required if section in comp.required_sections else optional).append(frozenset(ranks))
    known = max([comp.floor, *present])
    stage_opts = _reachable(known, required)
    range_opts = _reachable(known, required + optional)
    if len(stage_opts) == 1:
        label = comp.categories[next(iter(stage_opts))]
    else:
        label = comp.not_assessed or comp.categories[known]
    return label, stage_opts, range_opts


def _lookup(system: _System, ranks: tuple[int, ...]) -> str | None:
    for stage, when in system.table:
        if all(allowed is None or r in allowed for allowed, r in zip(when, ranks, strict=True)):
            return stage
    return None


@cache
def _stage(system: _System, choices: tuple[frozenset[int], ...]) -> str | None:
    """The stage where every combination of the choices gives the same one, else None."""
    stages = {_lookup(system, combo) for combo in itertools.product(*choices)}
    return stages.pop() if len(stages) == 1 else None


@cache
def _range(system: _System, choices: tuple[frozenset[int], ...]) -> tuple[str, str] | None:
    reached = {_lookup(system, combo) for combo in itertools.product(*(sorted(c) for c in choices))}
    ordered = sorted((s for s in reached if s is not None), key=system.order.__getitem__)
    return (ordered[0], ordered[-1]) if ordered else None


def _staged(system: _System, case: Case) -> tuple[dict[str, str], str | None, tuple[str, str] | None]:
    sections: dict[str, tuple[frozenset[str], frozenset[str]] | None] = {}
    for name in _SECTIONS:
        sec = getattr(case, name)
        ok = sec is not None and sec.assessed
        sections[name] = (frozenset(sec.findings), frozenset(sec.unknown)) if ok else None
    evaluated = [_evaluate(c, case, sections) for c in system.components]
    stage = _stage(system, tuple(s for _, s, _ in evaluated))
    stage_range = _range(system, tuple(r for _, _, r in evaluated))
    unmet = [(without, closed) for flag, without, closed in system.requires if _value(case, flag) is not True]
    if unmet:
        # Every way the missing input could turn out gives one stage (Brigham: IV-IV): that is the stage.
        shut = stage_range[0] if stage_range is not None and stage_range[0] == stage_range[1] else None
        given = shut is not None and all(closed and shut in without for without, closed in unmet)
        stage = shut if given else None
    labels = {c.name: label for c, (label, _, _) in zip(system.components, evaluated, strict=True)}
    return labels, stage, stage_range


def _parsed(data: Mapping[str, Any], checked: bool) -> Case:
    """``parse_case``; where ``data`` was parsed from JSON by ``parse_json`` (``checked``), its limits were checked
    then and only the model validates it (an invalid case still gets ``parse_case``'s errors)."""
    if checked:
        try:
            return Case.model_validate(data)
        except ValidationError:
            pass
    return parse_case(data)


def finding_staging(
    data: Mapping[str, Any],
    *,
    system: str | None = None,
    record: Mapping[str, object] | None = None,
    checked: bool = False,
) -> RowOutcome:
    """One case's outcome in ``system`` (or its default system), the same as ``rows.finding_outcome(...,
    review=False)`` gives it: no review, ``review_codes`` empty. ``checked``: ``data`` comes from
    :func:`mesostage.limits.parse_json` (its limits are checked)."""
    try:
        case = _parsed(data, checked)
    except CaseError as exc:
        return RowOutcome(system=system, error_kind="invalid_case", error="; ".join(str(e) for e in exc.errors))
    wanted = system or default_system(case)
    if (
        wanted is None
        or case.basis not in _PREFIX
        or tumor_type_notes().get(case.tumor_type or "diffuse") is not None
        or case.site not in _system(wanted, case.basis).applies_to
    ):
        return finding_outcome(data, system=system, record=record, review=False)
    compiled = _system(wanted, case.basis)
    labels, stage, stage_range = _staged(compiled, case)
    low, high = stage_range or (None, None)
    outcome = RowOutcome(
        system=wanted,
        t=labels.get("T"),
        n=labels.get("N"),
        m=labels.get("M"),
        prefix=_PREFIX[case.basis] if compiled.prefix else None,
        stage=stage,
        stage_range_low=low,
        stage_range_high=high,
        stage_source=f"mesostage engine ({wanted})",
    )
    year = case.diagnosis_date.year if case.diagnosis_date else None
    return with_recorded_checks(outcome, record or {}, year)
