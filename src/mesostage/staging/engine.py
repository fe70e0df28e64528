"""The generic staging engine: reads a :class:`SystemDefinition` and a case, gives a :class:`SystemResult`.

How the range stays exact without trying every completion
---------------------------------------------------------
Within a component (T, N, M ...) the category is the highest category any present input gives. Each unknown input
contributes a small set of options (absent, or its category; for an unknown measurement, each band), so the set of
categories a component can reach is built one input at a time (``_reachable``): its size is bounded by the number of
categories, so the work is linear in the number of unknowns instead of 2**n. The stage range is then the lowest
and highest stage over the product of the components' reachable sets (at most a few dozen table look-ups).
An unknown *matters* when, for some values of the other unknowns, switching it changes the stage; this is decided
the same way, per component, with the other inputs' reachable sets.

What is prepared once per system and basis (``_compile``): each component's rank table, its rules by finding
name with their determinants (they do not depend on the case), and the stage table as a map from category ranks
to the stage. Questions that depend only on the system and on sets of ranks (the stages a product of category sets
gives; whether a component's values can change the stage) are remembered per system, so a case with many unknowns
costs one pass over its inputs plus a few look-ups: the unknown inputs that give the same set of categories are
decided once (``_matters``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from mesostage.case import PCI_REGION_NAMES, Case
from mesostage.staging.definitions import Check, Component, Measure, Rule, SystemDefinition
from mesostage.staging.result import Determinant, PciRegion, ReviewNote, SystemResult

__all__ = ["case_value", "stage_group", "stage_in_system", "unknown_outcomes"]

_NOTHING = -1
_PREFIX = {"clinical": "c", "pathological": "p", "post_therapy": "yp"}


class _Item(NamedTuple):
    """One unknown input of a component: its case path and the category ranks it could contribute."""

    key: str
    options: frozenset[int]
    required: bool


class _Evaluated(NamedTuple):
    """A component evaluated for one case (tuples: built many times per case, never changed)."""

    defn: Component
    known: int
    items: tuple[_Item, ...]
    label: str
    determinants: tuple[Determinant, ...]
    stage_options: frozenset[int]
    range_options: frozenset[int]


def _reachable(base: int, option_sets: Iterable[frozenset[int]]) -> frozenset[int]:
    reach = {base}
    for options in option_sets:
        reach = {max(a, o) for a in reach for o in options}
    return frozenset(reach)


def _applies(basis: tuple[str, ...] | None, case_basis: str) -> bool:
    return basis is None or case_basis in basis


def case_value(case: Case, path: str) -> object:
    """The value at a dotted case path, ``None`` where any part is missing (``peritoneal.pci`` is the total)."""
    head, _, tail = path.partition(".")
    obj = getattr(case, head)
    if not tail or obj is None:
        return obj
    if path == "peritoneal.pci":
        return case.peritoneal.pci_total if case.peritoneal else None
    return getattr(obj, tail)


def _section_assessed(case: Case, section: str) -> bool:
    sec = getattr(case, section)
    return sec is not None and bool(sec.assessed)


_Hit = tuple[int, Rule, int, "Determinant", "_Item"]  # (rule index, rule, rank, its determinant, its open item)


@dataclass(frozen=True)
class _Compiled:
    """A component's rules prepared once per basis, with their determinants (they do not depend on the case)."""

    rank: dict[str, int]
    #: per finding section, finding name -> the rules that read it, in rule order
    by_name: dict[str, dict[str, tuple[_Hit, ...]]]
    #: per finding section, every rule that reads it, in rule order
    by_section: dict[str, tuple[_Hit, ...]]
    flags: tuple[_Hit, ...]
    measures: tuple[tuple[Measure, set[int]], ...]
    every_rank: frozenset[int]
    sections: frozenset[str]
    floor: Determinant


@dataclass
class _System:
    """A system prepared once per basis: its components, the stage table by category ranks, and what is remembered
    about it (answers that depend only on the system and on sets of ranks)."""

    defn: SystemDefinition
    comps: dict[int, _Compiled]
    table: dict[tuple[int, ...], str | None]
    unique: dict[tuple[frozenset[int], ...], str | None]
    reach: dict[tuple[frozenset[int], ...], frozenset[str]]
    differs: dict[object, bool]
    rows: dict[object, Determinant]
    reads_pci: bool


# (id of the system, basis) -> (the system itself, so the id cannot be reused while cached; its prepared form)
_COMPILED: dict[tuple[int, str], tuple[SystemDefinition, _System]] = {}
#: a bound on each remembered map of a system (cleared when reached; the answers are recomputed)
_MEMO_LIMIT = 1 << 14


def _compile_component(system: SystemDefinition, comp: Component, basis: str) -> _Compiled:
    rank = {c: i for i, c in enumerate(comp.categories)}
    by_name: dict[str, dict[str, list[_Hit]]] = {}
    by_section: dict[str, list[_Hit]] = {}
    flags: list[_Hit] = []
    for index, rule in enumerate(r for r in comp.rules if _applies(r.basis, basis)):
        name = rule.finding.partition(".")[2] if rule.finding else rule.key
        det = Determinant(
            component=comp.name,
            finding=name,
            category=rule.category,
            reason=rule.note,
            source=system.sources[rule.source].cited,
        )
        hit = (
            index,
            rule,
            rank[rule.category],
            det,
            _Item(rule.key, frozenset({_NOTHING, rank[rule.category]}), False),
        )
        section = rule.section
        if section is None:
            flags.append(hit)
        else:
            by_name.setdefault(section, {}).setdefault(name, []).append(hit)
            by_section.setdefault(section, []).append(hit)
    measures = tuple((m, {rank[b.category] for b in m.bands}) for m in comp.measures if _applies(m.basis, basis))
    hits = [h for hs in by_section.values() for h in hs] + flags
    every = {rank[comp.floor]} | {h[2] for h in hits} | {x for _, ranks in measures for x in ranks}
    return _Compiled(
        rank,
        {sec: {n: tuple(hs) for n, hs in names.items()} for sec, names in by_name.items()},
        {sec: tuple(hs) for sec, hs in by_section.items()},
        tuple(flags),
        measures,
        frozenset(every),
        frozenset(by_section),
        Determinant(component=comp.name, category=comp.floor, reason=comp.floor_reason),
    )


def _compile(system: SystemDefinition, basis: str) -> _System:
    cached = _COMPILED.get((id(system), basis))
    if cached is not None and cached[0] is system:
        return cached[1]
    comps = {id(c): _compile_component(system, c, basis) for c in system.components}
    names = [c.name for c in system.components]
    table = {
        combo: _lookup(system, {n: c.categories[r] for n, c, r in zip(names, system.components, combo, strict=True)})
        for combo in itertools.product(*(range(len(c.categories)) for c in system.components))
    }
    reads_pci = any(m.field == "peritoneal.pci" for c in system.components for m in c.measures)
    compiled = _System(system, comps, table, {}, {}, {}, {}, reads_pci)
    _COMPILED[(id(system), basis)] = (system, compiled)
    return compiled


def _remember(memo: dict[Any, Any]) -> dict[Any, Any]:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    return memo


_Sections = dict[str, tuple[frozenset[str], frozenset[str]] | None]


def case_sections(case: Case) -> _Sections:
    """Per finding section of the case: (present names, unknown names), or None when not assessed (read once per
    case by ``mesostage.staging.stage`` and passed to each system)."""
    out: _Sections = {}
    for name in ("tumor", "nodes", "metastases"):
        sec = getattr(case, name)
        ok = sec is not None and sec.assessed
        out[name] = (frozenset(sec.findings), frozenset(sec.unknown)) if ok else None
    return out


class _Context:
    def __init__(self, system: SystemDefinition, case: Case, sections: _Sections | None = None) -> None:
        self.system = system
        self.case = case
        self.compiled = _compile(system, case.basis)
        self.sections = sections if sections is not None else case_sections(case)

    def cite(self, ref: str) -> str:
        return self.system.sources[ref].cited

    def evaluate(self, comp: Component) -> _Evaluated:
        case = self.case
        compiled = self.compiled.comps[id(comp)]
        rank, every_rank = compiled.rank, compiled.every_rank

        tumor = case.tumor
        if comp.no_evidence and "tumor" in comp.required_sections and tumor is not None and tumor.no_evidence:
            opts = frozenset(every_rank - {rank[comp.no_evidence]})
            det = Determinant(
                component=comp.name,
                finding="no_evidence",
                category=comp.no_evidence,
                reason="no evidence of primary tumour: the stage is set only where N and M decide it",
            )
            return _Evaluated(comp, rank[comp.no_evidence], (), comp.no_evidence, (det,), opts, opts)

        present: list[tuple[int, Determinant]] = []
        items: list[_Item] = []
        unassessed: dict[str, set[int]] = {}
        # A measured value replaces the finding it stands for (9th-edition Fmax for the fissure).
        replaced = {
            m.replaces
            for m, _ in compiled.measures
            if m.replaces and isinstance(case_value(case, m.field), int | float)
        }
        # The rules that fire or stay open, in rule order: only the names the case gives are looked at.
        hits: list[tuple[int, bool, int, Determinant, _Item]] = []
        first_open: dict[str, int] = {}
        for section, names in compiled.by_name.items():
            state_of = self.sections[section]
            if state_of is None:
                kept = [h for h in compiled.by_section[section] if h[1].finding not in replaced]
                if kept:
                    first_open[section] = kept[0][0]
                    unassessed[section] = {_NOTHING} | {h[2] for h in kept}
                continue
            for is_present, given in ((True, state_of[0]), (False, state_of[1])):
                for name in given:
                    for index, rule, r, det, item in names.get(name, ()):
                        if not replaced or rule.finding not in replaced:
                            hits.append((index, is_present, r, det, item))
        for index, rule, r, det, item in compiled.flags:
            flag = case_value(case, rule.key)
            if flag is True:
                hits.append((index, True, r, det, item))
            elif not isinstance(flag, bool):
                hits.append((index, False, r, det, item))
        hits.sort()  # by rule index (unique)
        for _, is_present, r, det, item in hits:
            if is_present:
                present.append((r, det))
            else:
                items.append(item)
        if len(unassessed) > 1:
            unassessed = {sec: unassessed[sec] for sec in sorted(unassessed, key=first_open.__getitem__)}
        for m, band_ranks in compiled.measures:
            section = m.field.partition(".")[0]
            if section in unassessed:
                unassessed[section] |= band_ranks
                continue
            value = case_value(case, m.field)
            if not isinstance(value, int | float):
                if m.replaces is None:
                    items.append(_Item(m.field, frozenset({_NOTHING} | band_ranks), m.required))
                continue
            reached = [b for b in m.bands if value > b.above]
            if reached:
                band = reached[-1]
                reason = f"{m.label} {value:g} is above {band.above:g}"
                if m.field == "peritoneal.pci":
                    reason += self._pci_trace()
                det = Determinant(
                    component=comp.name,
                    finding=m.field.partition(".")[2],
                    category=band.category,
                    reason=reason + (f"; {m.note}" if m.note else ""),
                    source=self.cite(m.source),
                )
                present.append((rank[band.category], det))
        for section, section_opts in unassessed.items():
            items.append(_Item(section, frozenset(section_opts), section in comp.required_sections))

        known = max([rank[comp.floor]] + [r for r, _ in present])
        deciding = [d for r, d in present if r == known]
        if not deciding:
            deciding = [compiled.floor]
        stage_opts = _reachable(known, {i.options: None for i in items if i.required})
        range_opts = _reachable(known, {i.options: None for i in items})
        if len(stage_opts) == 1:
            label = comp.categories[next(iter(stage_opts))]
        else:
            label = comp.not_assessed or comp.categories[known]
            open_keys = ", ".join(i.key for i in items if i.required)
            span = "-".join(comp.categories[r] for r in (min(stage_opts), max(stage_opts)))
            reason = f"{comp.not_assessed_reason or 'not assessed'} ({open_keys}); could be {span}"
            deciding = [d for r, d in present if r == max(r for r, _ in present)] if present else []
            deciding.append(Determinant(component=comp.name, finding=open_keys, category=label, reason=reason))
        optional = sorted(x for x in compiled.sections if self.sections[x] is None and x not in comp.required_sections)
        if len(stage_opts) == 1 and optional:
            # A component with no required section (M) words it in its own terms; others name the sections.
            why = comp.not_assessed_reason if not comp.required_sections and comp.not_assessed_reason else None
            why = why or f"{' and '.join(optional)} not assessed: taken as not involved for the stage; see the range"
            deciding.append(Determinant(component=comp.name, finding=None, category=label, reason=why))
        return _Evaluated(comp, known, tuple(items), label, tuple(deciding), stage_opts, range_opts)

    def _pci_trace(self) -> str:
        per = self.case.peritoneal
        if per is None or per.pci_regions is None:
            return " (PCI given as a total; no region scores)"
        parts = [f"{PCI_REGION_NAMES[i]} {s}" for i, s in enumerate(per.pci_regions) if s]
        return " (" + (" + ".join(parts) if parts else "every region 0") + ")"


def _lookup(system: SystemDefinition, cats: dict[str, str]) -> str | None:
    for row in system.stage_table:
        if all(cats[name] in values for name, values in row.when.items()):
            return row.stage
    return None


def _unique_stage(compiled: _System, choices: Sequence[frozenset[int]]) -> str | None:
    """The one stage every combination of the components' category ranks in ``choices`` gives, else ``None``."""
    key = tuple(choices)
    memo = compiled.unique
    if key in memo:
        return memo[key]
    table = compiled.table
    stages = {table[combo] for combo in itertools.product(*key)}
    found = stages.pop() if len(stages) == 1 else None
    _remember(memo)[key] = found
    return found


def _reachable_stages(compiled: _System, choices: tuple[frozenset[int], ...]) -> frozenset[str]:
    """Every stage some combination of the category ranks in ``choices`` gives."""
    memo = compiled.reach
    found = memo.get(choices)
    if found is None:
        table = compiled.table
        found = frozenset(s for combo in itertools.product(*choices) if (s := table[combo]) is not None)
        _remember(memo)[choices] = found
    return found


def stage_group(system: SystemDefinition, categories: dict[str, str]) -> str | None:
    """The stage group for given categories, e.g. ``{"T": "TX", "N": "N2", "M": "M0"}``.

    A not-assessed label (TX, NX) or T0 stands for every category the component could take; the stage is returned
    only where all of them give the same group, else ``None`` (cannot be determined).
    """
    choices: list[list[str]] = []
    for comp in system.components:
        label = categories[comp.name]
        if label in (comp.not_assessed, comp.no_evidence):
            every = (
                {comp.floor} | {r.category for r in comp.rules} | {b.category for m in comp.measures for b in m.bands}
            )
            every.discard(label)
            choices.append(sorted(every, key=comp.categories.index))
        elif label in comp.categories:
            choices.append([label])
        else:
            raise ValueError(f"{label!r} is not a {comp.name} category of {system.id}: {comp.categories}")
    names = [c.name for c in system.components]
    stages = {_lookup(system, dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices)}
    return stages.pop() if len(stages) == 1 else None


def _matters(compiled: _System, comps: Sequence[_Evaluated]) -> list[str]:
    """The unknown inputs whose value could change the stage, in the order of the components and rules.

    The other inputs of a component reach the same set whatever copy of a repeated option set is left out (taking
    the highest is idempotent), so each distinct option set is decided once: linear in the number of unknowns.
    """
    # Another component's value is one certain set (no unknowns: T0 stays open as one set) or any reachable one.
    free = tuple(
        (c.stage_options,) if not c.items else tuple(frozenset({r}) for r in sorted(c.range_options)) for c in comps
    )
    out: list[str] = []
    for k, comp in enumerate(comps):
        if not comp.items:
            continue
        counts = Counter(it.options for it in comp.items)
        everything = _reachable(comp.known, counts)
        decided: dict[frozenset[int], bool] = {}
        for item in comp.items:
            options = item.options
            matters = decided.get(options)
            if matters is None:
                others = (o for o in counts if o != options)
                rest = everything if counts[options] > 1 else _reachable(comp.known, others)
                outcomes = {frozenset({max(s, o) for o in options}) for s in rest}
                matters = any(_differs(compiled, free, k, values) for values in outcomes if len(values) > 1)
                decided[options] = matters
            if matters:
                out.append(item.key)
    return out


def _differs(
    compiled: _System,
    free: tuple[tuple[frozenset[int], ...], ...],
    k: int,
    values: frozenset[int],
) -> bool:
    """True when two of ``values`` for component ``k`` give different stages for some values of the others."""
    key = (free, k, values)
    memo = compiled.differs
    found = memo.get(key)
    if found is not None:
        return found
    found = False
    others = [free[j] if j != k else (frozenset(),) for j in range(len(free))]
    for combo in itertools.product(*others):
        seen = set()
        for v in values:
            choice = [combo[j] if j != k else frozenset({v}) for j in range(len(free))]
            seen.add(_unique_stage(compiled, choice))
            if len(seen) > 1:
                found = True
                break
        if found:
            break
    _remember(memo)[key] = found
    return found


def _check_fires(check: Check, case: Case, comps: Sequence[_Evaluated]) -> bool:
    if check.kind == "section_not_assessed":
        return check.section is not None and not _section_assessed(case, check.section)
    if check.kind == "flag_true":
        return check.flag is not None and case_value(case, check.flag) is True
    if check.kind == "measure_equals":
        return check.field is not None and case_value(case, check.field) == check.value
    if check.kind == "finding_with_measure_at_most":
        value = case_value(case, check.field) if check.field else None
        found = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor and case.tumor.assessed else set()
        limit = check.value if check.value is not None else float("inf")
        return isinstance(value, int | float) and value <= limit and bool(set(check.findings) & found)
    comp = next(c for c in comps if c.defn.name == check.component)
    if check.at_least is None or comp.known < comp.defn.categories.index(check.at_least):
        return False
    present = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor else set()
    return not set(check.findings) <= present


def stage_in_system(
    system: SystemDefinition, case: Case, *, sections: _Sections | None = None
) -> tuple[SystemResult, list[ReviewNote]]:
    """Stage one (already validated) case in one system (``sections``: ``case_sections(case)``, if already read)."""
    if case.site not in system.applies_to:
        why_not = system.not_applicable_reason.format(site=case.site.replace("_", " "))
        result = SystemResult(
            system=system.id, name=system.name, applicable=False, formal_system=system.formal_system, reason=why_not
        )
        return result, []
    ctx = _Context(system, case, sections)
    compiled = ctx.compiled
    comps = [ctx.evaluate(c) for c in system.components]
    stage = _unique_stage(compiled, [c.stage_options for c in comps])
    reachable = _reachable_stages(compiled, tuple(c.range_options for c in comps))
    ordered = sorted(reachable, key=system.stages.index)
    stage_range = [ordered[0], ordered[-1]] if ordered else None

    labels = {c.defn.name: c.label for c in comps}
    determinants = [d for c in comps for d in c.determinants]
    reason: str | None = None
    unmet = [q for q in system.requires if case_value(case, q.flag) is not True]
    closed = stage_range[0] if stage_range is not None and stage_range[0] == stage_range[1] else None
    if unmet and closed is not None and all(q.closed_reason and closed in q.without for q in unmet):
        # Every way the missing input could turn out gives one stage (e.g. distant spread: IV-IV): that is the stage.
        stage, reason = closed, "; ".join((q.closed_reason or "").format(stage=closed) for q in unmet)
    elif unmet:
        stage, reason = None, "; ".join(q.reason for q in unmet)
    if stage is not None:
        determinants.append(_stage_determinant(compiled, stage, comps, tuple(labels.values())))
    elif not unmet:
        reason = f"{' '.join(labels.values())}: the stage cannot be determined until the open categories are known"

    sources = [ctx.cite(system.main_source)] + [d.source for d in determinants if d.source]
    sources += [ctx.cite(q.source) for q in unmet]
    notes = [
        ReviewNote(
            code=chk.code,
            severity=chk.severity,
            message=chk.message,
            systems=[system.id],
            source=ctx.cite(chk.source),
        )
        for chk in system.checks
        if _check_fires(chk, case, comps)
    ]
    reads_pci = compiled.reads_pci
    pci = case.peritoneal.pci_total if case.peritoneal and reads_pci else None
    regions = None
    if case.peritoneal and case.peritoneal.pci_regions is not None and reads_pci:
        regions = [
            PciRegion(region=i, name=PCI_REGION_NAMES[i], score=s) for i, s in enumerate(case.peritoneal.pci_regions)
        ]
    result = SystemResult(
        system=system.id,
        name=system.name,
        applicable=True,
        formal_system=system.formal_system,
        reason=reason,
        categories=labels,
        t=labels.get("T"),
        n=labels.get("N"),
        m=labels.get("M"),
        prefix=_PREFIX[case.basis] if system.uses_prefix else None,
        stage=stage,
        stage_range=stage_range,
        determinants=determinants,
        unknowns_that_matter=_matters(compiled, comps),
        evidence=system.evidence,
        evidence_note=system.evidence_note,
        sources=list(dict.fromkeys(sources)),
        pci=pci,
        pci_regions=regions,
    )
    return result, notes


def _stage_determinant(
    compiled: _System, stage: str, comps: Sequence[_Evaluated], labels: tuple[str, ...]
) -> Determinant:
    """The determinant of the stage-table row that gives ``stage`` (the first row the categories can reach)."""
    key = (stage, labels, tuple(c.stage_options for c in comps))
    det = compiled.rows.get(key)
    if det is None:
        system = compiled.defn
        row = next(r for r in system.stage_table if r.stage == stage and _row_reachable(r.when, comps))
        combo = " ".join(labels)
        why = f"{combo} gives stage {stage}" if len(comps) > 1 else "the most advanced finding sets the stage"
        source = system.sources[row.source].cited
        det = Determinant(component="stage_group", category=stage, reason=why, source=source)
        _remember(compiled.rows)[key] = det
    return det


def _row_reachable(when: dict[str, tuple[str, ...]], comps: Sequence[_Evaluated]) -> bool:
    return all(
        any(c.defn.categories[r] in when[c.defn.name] for r in c.stage_options) for c in comps if c.defn.name in when
    )


def unknown_outcomes(system: SystemDefinition, case: Case) -> dict[str, list[str | None]]:
    """For each unknown input: the stages it gives over its possible values, every other input as for ``stage``.

    ``None`` in a list means the stage cannot be determined for that value (another category is still open).
    Used to say how far each unknown could move the stage, and which test would settle it.
    """
    if case.site not in system.applies_to:
        return {}
    ctx = _Context(system, case)
    comps = [ctx.evaluate(c) for c in system.components]
    out: dict[str, list[str | None]] = {}
    certain = [c.stage_options for c in comps]
    for k, comp in enumerate(comps):
        required = [it.options for it in comp.items if it.required]
        for i, item in enumerate(comp.items):
            required_rest = required
            if item.required:
                required_rest = [it.options for j, it in enumerate(comp.items) if j != i and it.required]
            stages: list[str | None] = []
            for option in sorted(item.options):
                choices = list(certain)
                choices[k] = _reachable(max(comp.known, option), required_rest)
                stage = _unique_stage(ctx.compiled, choices)
                if stage not in stages:
                    stages.append(stage)
            out[item.key] = stages
    return out
