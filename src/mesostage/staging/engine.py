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
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mesostage.case import PCI_REGION_NAMES, Case
from mesostage.staging.definitions import Check, Component, Measure, Rule, SystemDefinition
from mesostage.staging.result import Determinant, PciRegion, ReviewNote, SystemResult

__all__ = ["stage_group", "stage_in_system", "unknown_outcomes"]

_NOTHING = -1
_PREFIX = {"clinical": "c", "pathological": "p", "post_therapy": "yp"}


@dataclass(frozen=True)
class _Item:
    """One unknown input of a component: its case path and the category ranks it could contribute."""

    key: str
    options: frozenset[int]
    required: bool


@dataclass(frozen=True)
class _Evaluated:
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


def _value(case: Case, path: str) -> object:
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


@dataclass(frozen=True)
class _Compiled:
    """A component's rules prepared once per basis: (rule, rank, section or None, finding name or flag path)."""

    rank: dict[str, int]
    rules: tuple[tuple[Rule, int, str | None, str], ...]
    measures: tuple[tuple[Measure, set[int]], ...]
    every_rank: frozenset[int]
    sections: frozenset[str]


# (id of the component, basis) -> (the component itself, so the id cannot be reused while cached; its compiled form)
_COMPILED: dict[tuple[int, str], tuple[Component, _Compiled]] = {}


def _compile(comp: Component, basis: str) -> _Compiled:
    cached = _COMPILED.get((id(comp), basis))
    if cached is not None and cached[0] is comp:
        return cached[1]
    rank = {c: i for i, c in enumerate(comp.categories)}
    rules = tuple(
        (r, rank[r.category], r.section, r.finding.partition(".")[2] if r.finding else r.key)
        for r in comp.rules
        if _applies(r.basis, basis)
    )
    measures = tuple((m, {rank[b.category] for b in m.bands}) for m in comp.measures if _applies(m.basis, basis))
    every = {rank[comp.floor]} | {r for _, r, _, _ in rules} | {x for _, ranks in measures for x in ranks}
    sections = frozenset(section for _, _, section, _ in rules if section is not None)
    compiled = _Compiled(rank, rules, measures, frozenset(every), sections)
    _COMPILED[(id(comp), basis)] = (comp, compiled)
    return compiled


class _Context:
    def __init__(self, system: SystemDefinition, case: Case) -> None:
        self.system = system
        self.case = case
        # per finding section: (present names, unknown names), or None when not assessed
        self.sections: dict[str, tuple[frozenset[str], frozenset[str]] | None] = {}
        for name in ("tumor", "nodes", "metastases"):
            sec = getattr(case, name)
            ok = sec is not None and sec.assessed
            self.sections[name] = (frozenset(sec.findings), frozenset(sec.unknown)) if ok else None

    def cite(self, ref: str) -> str:
        return self.system.sources[ref].cited

    def evaluate(self, comp: Component) -> _Evaluated:
        case = self.case
        compiled = _compile(comp, case.basis)
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
            m.replaces for m, _ in compiled.measures if m.replaces and isinstance(_value(case, m.field), int | float)
        }
        for rule, r, section, name in compiled.rules:
            if rule.finding in replaced:
                continue
            if section is not None:
                state_of = self.sections[section]
                if state_of is None:
                    unassessed.setdefault(section, {_NOTHING}).add(r)
                    continue
                found, unknown = state_of
                state: bool | None = True if name in found else None if name in unknown else False
            else:
                flag = _value(case, name)
                state = flag if isinstance(flag, bool) else None
            if state:
                det = Determinant(
                    component=comp.name,
                    finding=name,
                    category=rule.category,
                    reason=rule.note,
                    source=self.cite(rule.source),
                )
                present.append((r, det))
            elif state is None:
                items.append(_Item(rule.key, frozenset({_NOTHING, r}), False))
        for m, band_ranks in compiled.measures:
            section = m.field.partition(".")[0]
            if section in unassessed:
                unassessed[section] |= band_ranks
                continue
            value = _value(case, m.field)
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
            deciding = [Determinant(component=comp.name, category=comp.floor, reason=comp.floor_reason)]
        stage_opts = _reachable(known, (i.options for i in items if i.required))
        range_opts = _reachable(known, (i.options for i in items))
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


def _unique_stage(
    system: SystemDefinition, comps: Sequence[_Evaluated], choices: Sequence[Iterable[int]]
) -> str | None:
    stages = {
        _lookup(system, {c.defn.name: c.defn.categories[r] for c, r in zip(comps, combo, strict=True)})
        for combo in itertools.product(*choices)
    }
    return stages.pop() if len(stages) == 1 else None


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


def _matters(system: SystemDefinition, comps: Sequence[_Evaluated]) -> list[str]:
    """The unknown inputs whose value could change the stage, in the order of the components and rules."""
    # Another component's value is one certain set (no unknowns: T0 stays open as one set) or any reachable one.
    free: list[list[frozenset[int]]] = [
        [c.stage_options] if not c.items else [frozenset({r}) for r in sorted(c.range_options)] for c in comps
    ]
    out: list[str] = []
    for k, comp in enumerate(comps):
        for i, item in enumerate(comp.items):
            rest = _reachable(comp.known, (it.options for j, it in enumerate(comp.items) if j != i))
            outcomes = {frozenset({max(s, o) for o in item.options}) for s in rest}
            if any(_differs(system, comps, free, k, values) for values in outcomes if len(values) > 1):
                out.append(item.key)
    return out


def _differs(
    system: SystemDefinition,
    comps: Sequence[_Evaluated],
    free: Sequence[Sequence[frozenset[int]]],
    k: int,
    values: frozenset[int],
) -> bool:
    """True when two of ``values`` for component ``k`` give different stages for some values of the others."""
    others = [free[j] if j != k else [frozenset()] for j in range(len(comps))]
    for combo in itertools.product(*others):
        seen = set()
        for v in values:
            choice = [combo[j] if j != k else frozenset({v}) for j in range(len(comps))]
            seen.add(_unique_stage(system, comps, choice))
            if len(seen) > 1:
                return True
    return False


def _check_fires(check: Check, case: Case, comps: Sequence[_Evaluated]) -> bool:
    if check.kind == "section_not_assessed":
        return check.section is not None and not _section_assessed(case, check.section)
    if check.kind == "flag_true":
        return check.flag is not None and _value(case, check.flag) is True
    if check.kind == "measure_equals":
        return check.field is not None and _value(case, check.field) == check.value
    if check.kind == "finding_with_measure_at_most":
        value = _value(case, check.field) if check.field else None
        found = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor and case.tumor.assessed else set()
        limit = check.value if check.value is not None else float("inf")
        return isinstance(value, int | float) and value <= limit and bool(set(check.findings) & found)
    comp = next(c for c in comps if c.defn.name == check.component)
    if check.at_least is None or comp.known < comp.defn.categories.index(check.at_least):
        return False
    present = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor else set()
    return not set(check.findings) <= present


def stage_in_system(system: SystemDefinition, case: Case) -> tuple[SystemResult, list[ReviewNote]]:
    """Stage one (already validated) case in one system."""
    if case.site not in system.applies_to:
        why_not = system.not_applicable_reason.format(site=case.site.replace("_", " "))
        result = SystemResult(
            system=system.id, name=system.name, applicable=False, formal_system=system.formal_system, reason=why_not
        )
        return result, []
    ctx = _Context(system, case)
    comps = [ctx.evaluate(c) for c in system.components]
    stage = _unique_stage(system, comps, [c.stage_options for c in comps])
    reachable = {
        _lookup(system, {c.defn.name: c.defn.categories[r] for c, r in zip(comps, combo, strict=True)})
        for combo in itertools.product(*(sorted(c.range_options) for c in comps))
    }
    ordered = sorted((s for s in reachable if s is not None), key=system.stages.index)
    stage_range = [ordered[0], ordered[-1]] if ordered else None

    labels = {c.defn.name: c.label for c in comps}
    determinants = [d for c in comps for d in c.determinants]
    reason: str | None = None
    unmet = [q for q in system.requires if _value(case, q.flag) is not True]
    closed = stage_range[0] if stage_range is not None and stage_range[0] == stage_range[1] else None
    if unmet and closed is not None and all(q.closed_reason and closed in q.without for q in unmet):
        # Every way the missing input could turn out gives one stage (e.g. distant spread: IV-IV): that is the stage.
        stage, reason = closed, "; ".join((q.closed_reason or "").format(stage=closed) for q in unmet)
    elif unmet:
        stage, reason = None, "; ".join(q.reason for q in unmet)
    if stage is not None:
        row = next(r for r in system.stage_table if r.stage == stage and _row_reachable(r.when, comps))
        combo = " ".join(labels.values())
        why = f"{combo} gives stage {stage}" if len(comps) > 1 else "the most advanced finding sets the stage"
        determinants.append(
            Determinant(component="stage_group", category=stage, reason=why, source=ctx.cite(row.source))
        )
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
    pci_fields = {m.field for c in system.components for m in c.measures}
    pci = case.peritoneal.pci_total if case.peritoneal and "peritoneal.pci" in pci_fields else None
    regions = None
    if case.peritoneal and case.peritoneal.pci_regions is not None and "peritoneal.pci" in pci_fields:
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
        unknowns_that_matter=_matters(system, comps),
        evidence=system.evidence,
        evidence_note=system.evidence_note,
        sources=list(dict.fromkeys(sources)),
        pci=pci,
        pci_regions=regions,
    )
    return result, notes


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
    for k, comp in enumerate(comps):
        for i, item in enumerate(comp.items):
            required_rest = [it.options for j, it in enumerate(comp.items) if j != i and it.required]
            stages: list[str | None] = []
            for option in sorted(item.options):
                choices = [c.stage_options for c in comps]
                choices[k] = _reachable(max(comp.known, option), required_rest)
                stage = _unique_stage(system, comps, choices)
                if stage not in stages:
                    stages.append(stage)
            out[item.key] = stages
    return out
