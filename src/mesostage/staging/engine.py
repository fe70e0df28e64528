"""The generic staging engine: reads a :class:`SystemDefinition` and a case, gives a :class:`SystemResult`.

How the range stays exact without trying every completion
---------------------------------------------------------
Within a component (T, N, M ...) the category is the highest category any present input gives. Each unknown input
contributes a small set of options (absent, or its category; for an unknown measurement, each band), so the set of
categories a component can reach is the known category and every option above it (``tables.reachable``): its
size is bounded by the number of categories, so the work is linear in the number of unknowns instead of 2**n. The
stage range is then the lowest and highest stage over the product of the components' reachable sets (at most a few
dozen table look-ups). An unknown *matters* when, for some values of the other unknowns, switching it changes the
stage; this is decided the same way, per component, with the other inputs' reachable sets.

What is prepared once per system and basis (``mesostage.staging.tables``): each component's rank table, its rules
by finding name with their determinants (they do not depend on the case), the notes of its checks and its
citation, and the stage table as a map from category ranks to the stage. Questions that depend only on the system
and on sets of ranks (the stages a product of category sets gives, the stage range, whether a component's values
can change the stage, which unknown items matter) are remembered per system, so a case with many unknowns costs
one pass over its inputs plus a few look-ups: the unknown inputs that give the same set of categories are decided
once (``_matters``). The rank sets are shared objects (one per distinct set), so those look-ups compare them by
identity. Results are built without validating again (``result.make``): the engine's values are of the fields'
types by construction. What is built once and shared (determinants, check notes, the result of a system for a
site it does not stage) is only handed out as a copy (``memo.fresh``), as every remembered result is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

from mesostage.case import PCI_REGION_NAMES, Case
from mesostage.staging.definitions import Check, Component, Requirement, SystemDefinition
from mesostage.staging.result import Determinant, PciRegion, ReviewNote, SystemResult, make
from mesostage.staging.tables import (
    MAX_CATEGORIES,
    ComponentTable,
    Item,
    SystemTables,
    lookup,
    reachable,
    reachable_stages,
    remember,
    system_tables,
    unique_stage,
)

__all__ = [
    "Sections",
    "case_sections",
    "case_value",
    "not_applicable",
    "stage_group",
    "stage_in_system",
    "stage_of",
    "unknown_outcomes",
]

_PREFIX = {"clinical": "c", "pathological": "p", "post_therapy": "yp"}
_NOT_INVOLVED = "not assessed: taken as not involved for the stage; see the range"


class _Evaluated(NamedTuple):
    """A component evaluated for one case (tuples: built many times per case, never changed)."""

    defn: Component
    known: int
    items: tuple[Item, ...]
    label: str
    determinants: tuple[Determinant, ...]
    stage_options: frozenset[int]
    range_options: frozenset[int]


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


#: per finding section (tumor, nodes, metastases): (present names, unknown names), or None when not assessed
Sections = dict[str, tuple[frozenset[str], frozenset[str]] | None]


def case_sections(case: Case) -> Sections:
    """Per finding section of the case: (present names, unknown names), or None when not assessed (read once per
    case by ``mesostage.staging.stage`` and passed to each system)."""
    out: Sections = {}
    for name in ("tumor", "nodes", "metastases"):
        sec = getattr(case, name)
        ok = sec is not None and sec.assessed
        out[name] = (frozenset(sec.findings), frozenset(sec.unknown)) if ok else None
    return out


def _evaluate(ct: ComponentTable, system: SystemDefinition, case: Case, sections: Sections) -> _Evaluated:
    """One component for one case: its known rank, open items, label, deciding determinants and rank sets."""
    comp = ct.defn
    if ct.no_evidence is not None and case.tumor is not None and case.tumor.no_evidence:
        r, det, opts = ct.no_evidence
        return _Evaluated(comp, r, (), comp.categories[r], (det,), opts, opts)

    # A measured value replaces the finding it stands for (9th-edition Fmax for the fissure).
    replaced = None
    if ct.replacing:
        replaced = {f for f, path in ct.replacing if isinstance(case_value(case, path), int | float)}
    # The rules that fire or stay open: only the names the case gives are looked at. ``present`` holds (rule index,
    # rank, determinant); ``top`` is the highest rank present.
    present: list[tuple[int, int, Determinant]] = []
    top = -2
    open_hits: list[tuple[int, Item]] = []
    unassessed: list[tuple[int, str, frozenset[int]]] = []
    for section, names in ct.by_name.items():
        state = sections[section]
        if state is None:
            if not replaced:
                first, opts = ct.unassessed[section]
                unassessed.append((first, section, opts))
            else:
                kept = [h for h in ct.by_section[section] if h.rule.finding not in replaced]
                if kept:
                    unassessed.append((kept[0].order, section, frozenset({-1} | {h.rank for h in kept})))
            continue
        given, unknown = state
        for name in given:
            hits = names.get(name)
            if hits is not None:
                for h in hits:
                    if not replaced or h.rule.finding not in replaced:
                        present.append((h.order, h.rank, h.determinant))
                        if h.rank > top:
                            top = h.rank
        for name in unknown:
            hits = names.get(name)
            if hits is not None:
                for h in hits:
                    if not replaced or h.rule.finding not in replaced:
                        open_hits.append((h.order, h.item))
    for h in ct.flags:
        flag = case_value(case, h.rule.key)
        if flag is True:
            present.append((h.order, h.rank, h.determinant))
            if h.rank > top:
                top = h.rank
        elif not isinstance(flag, bool):
            open_hits.append((h.order, h.item))
    if len(present) > 1:
        present.sort()  # by rule index (unique)
    if len(open_hits) > 1:
        open_hits.sort()
    items = [item for _, item in open_hits] if open_hits else []
    if unassessed:
        if len(unassessed) > 1:
            unassessed.sort()
        open_sections = {section: opts for _, section, opts in unassessed}
    else:
        open_sections = {}
    for m, band_ranks, open_item in ct.measures:
        section = m.field.partition(".")[0]
        if section in open_sections:
            open_sections[section] |= band_ranks
            continue
        value = case_value(case, m.field)
        if not isinstance(value, int | float):
            if m.replaces is None:
                items.append(open_item)
            continue
        reached = [b for b in m.bands if value > b.above]
        if reached:
            band = reached[-1]
            reason = f"{m.label} {value:g} is above {band.above:g}"
            if m.field == "peritoneal.pci":
                reason += _pci_trace(case)
            det = make(
                Determinant,
                component=comp.name,
                finding=m.field.partition(".")[2],
                category=band.category,
                reason=reason + (f"; {m.note}" if m.note else ""),
                source=system.sources[m.source].cited,
            )
            rank = ct.rank[band.category]
            present.append((len(present), rank, det))
            if rank > top:
                top = rank
    for section, section_opts in open_sections.items():
        items.append(Item(section, section_opts, section in comp.required_sections))

    known = top if top > ct.floor_rank else ct.floor_rank
    # ``tables.reachable`` of the required items (the stage) and of every item (the range).
    above = {o for i in items for o in i.options if o > known} if items else None
    if above:
        range_opts = _ranks(known, above)
        needed = {o for i in items if i.required for o in i.options if o > known}
        stage_opts = range_opts if needed == above else _ranks(known, needed)
    else:
        range_opts = stage_opts = _SINGLE[known]
    if len(stage_opts) == 1:
        label = comp.categories[known]
        if top != known:
            deciding = [ct.floor]
        elif len(present) == 1:
            deciding = [present[0][2]]
        else:
            deciding = [d for _, r, d in present if r == known]
        if ct.optional:
            optional = [x for x in ct.optional if sections[x] is None]
            if optional:
                # A component with no required section (M) words it in its own terms; others name the sections.
                why = comp.not_assessed_reason if not comp.required_sections and comp.not_assessed_reason else None
                why = why or f"{' and '.join(optional)} {_NOT_INVOLVED}"
                deciding.append(make(Determinant, component=comp.name, finding=None, category=label, reason=why))
    else:
        label = comp.not_assessed or comp.categories[known]
        open_keys = ", ".join(i.key for i in items if i.required)
        span = f"{comp.categories[min(stage_opts)]}-{comp.categories[max(stage_opts)]}"
        reason = f"{comp.not_assessed_reason or 'not assessed'} ({open_keys}); could be {span}"
        deciding = [d for _, r, d in present if r == top]
        deciding.append(make(Determinant, component=comp.name, finding=open_keys, category=label, reason=reason))
    return _Evaluated(comp, known, tuple(items), label, tuple(deciding), stage_opts, range_opts)


#: {rank} for each rank (shared, so that keys made of them compare by identity)
_SINGLE = tuple(frozenset({r}) for r in range(MAX_CATEGORIES))
_INTERNED: dict[frozenset[int], frozenset[int]] = {}


def _ranks(known: int, above: set[int]) -> frozenset[int]:
    """``known`` and every rank in ``above`` (all higher), as one shared set per distinct value."""
    if not above:
        return _SINGLE[known]
    ranks = frozenset((known, *above))
    found = _INTERNED.get(ranks)
    if found is None:
        remember(_INTERNED)[ranks] = found = ranks
    return found


def _pci_trace(case: Case) -> str:
    per = case.peritoneal
    if per is None or per.pci_regions is None:
        return " (PCI given as a total; no region scores)"
    parts = [f"{PCI_REGION_NAMES[i]} {s}" for i, s in enumerate(per.pci_regions) if s]
    return " (" + (" + ".join(parts) if parts else "every region 0") + ")"


def _components(
    system: SystemDefinition, case: Case, sections: Sections | None
) -> tuple[SystemTables, list[_Evaluated]]:
    tables = system_tables(system, case.basis)
    secs = sections if sections is not None else case_sections(case)
    return tables, [_evaluate(ct, system, case, secs) for ct in tables.components]


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
    stages = {lookup(system, dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices)}
    return stages.pop() if len(stages) == 1 else None


def _matters(
    tables: SystemTables,
    comps: Sequence[_Evaluated],
    choices: tuple[frozenset[int], ...],
    spans: tuple[frozenset[int], ...],
) -> list[str]:
    """The unknown inputs whose value could change the stage, in the order of the components and rules.

    Which of them matter depends only on the components' ranks and option sets (a bounded, case-independent
    domain), so the answer is remembered per system as the places of the items that matter. ``choices`` and
    ``spans``: each component's stage and range options (a component with items has its known rank lowest).
    """
    if not any(c.items for c in comps):
        return []
    key = (choices, spans, tuple([tuple([i.options for i in c.items]) for c in comps]))
    places = tables.matters.get(key)
    if places is None:
        places = _matter_places(tables, comps)
        remember(tables.matters)[key] = places
    items = [item for c in comps for item in c.items]
    return [items[p].key for p in places]


def _matter_places(tables: SystemTables, comps: Sequence[_Evaluated]) -> tuple[int, ...]:
    """``_matters`` as the places of the items that matter among every component's items, in order.

    The other inputs of a component reach the same set whatever copy of a repeated option set is left out (taking
    the highest is idempotent), so each distinct option set is decided once: linear in the number of unknowns.
    """
    out: list[int] = []
    place = 0
    free: tuple[tuple[frozenset[int], ...], ...] | None = None
    for k, comp in enumerate(comps):
        if not comp.items:
            continue
        if free is None:
            # Another component's value is one certain set (no unknowns: T0 stays open as one set) or any reachable
            # one.
            free = tuple(
                (c.stage_options,) if not c.items else tuple(frozenset({r}) for r in sorted(c.range_options))
                for c in comps
            )
        counts: dict[frozenset[int], int] = {}
        for it in comp.items:
            counts[it.options] = counts.get(it.options, 0) + 1
        everything = reachable(comp.known, counts) if len(counts) < len(comp.items) else None
        decided: dict[frozenset[int], bool] = {}
        for item in comp.items:
            options = item.options
            matters = decided.get(options)
            if matters is None:
                if everything is not None and counts[options] > 1:
                    rest = everything
                else:
                    rest = reachable(comp.known, [o for o in counts if o != options])
                outcomes = {frozenset({max(s, o) for o in options}) for s in rest}
                matters = any(_differs(tables, free, k, values) for values in outcomes if len(values) > 1)
                decided[options] = matters
            if matters:
                out.append(place)
            place += 1
    return tuple(out)


def _differs(
    tables: SystemTables,
    free: tuple[tuple[frozenset[int], ...], ...],
    k: int,
    values: frozenset[int],
) -> bool:
    """True when two of ``values`` for component ``k`` give different stages for some values of the others."""
    key = (free, k, values)
    memo = tables.differs
    found = memo.get(key)
    if found is not None:
        return found
    found = False
    others = [free[j] if j != k else (frozenset(),) for j in range(len(free))]
    for combo in itertools.product(*others):
        seen = set()
        for v in values:
            choice = tuple(combo[j] if j != k else frozenset({v}) for j in range(len(free)))
            seen.add(unique_stage(tables, choice))
            if len(seen) > 1:
                found = True
                break
        if found:
            break
    remember(memo)[key] = found
    return found


def _check_fires(check: Check, case: Case, comps: Sequence[_Evaluated], place: int, at_least: int) -> bool:
    """Whether ``check`` raises its note (``place``, ``at_least``: ``SystemTables.checks``)."""
    kind = check.kind
    if kind == "section_not_assessed":
        return check.section is not None and not _section_assessed(case, check.section)
    if kind == "flag_true":
        return check.flag is not None and case_value(case, check.flag) is True
    if kind == "measure_equals":
        return check.field is not None and case_value(case, check.field) == check.value
    if kind == "finding_with_measure_at_most":
        value = case_value(case, check.field) if check.field else None
        found = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor and case.tumor.assessed else set()
        limit = check.value if check.value is not None else float("inf")
        return isinstance(value, int | float) and value <= limit and bool(set(check.findings) & found)
    if at_least < 0 or comps[place].known < at_least:
        return False
    present = {f"tumor.{f}" for f in case.tumor.findings} if case.tumor else set()
    return not set(check.findings) <= present


def stage_in_system(
    system: SystemDefinition, case: Case, *, sections: Sections | None = None
) -> tuple[SystemResult, list[ReviewNote]]:
    """Stage one (already validated) case in one system (``sections``: ``case_sections(case)``, if already read).

    The result and notes may be shared with other cases (a note of a check, the result for another site), as the
    results staging remembers are: ``mesostage.staging.stage`` hands out copies (``memo.fresh``)."""
    if case.site not in system.applies_to:
        return _other_site(system, case.site), []
    tables, comps = _components(system, case, sections)
    choices = tuple([c.stage_options for c in comps])
    spans = tuple([c.range_options for c in comps])
    stage, reason, unmet = _stage(tables, case, choices, spans)
    stage_range = _stage_range(tables, spans)

    labels: dict[str, str] = {}
    determinants: list[Determinant] = []
    for c in comps:
        labels[c.defn.name] = c.label
        determinants += c.determinants
    if stage is not None:
        determinants.append(_stage_determinant(tables, stage, comps, tuple(labels.values()), choices))
    elif not unmet:
        reason = f"{' '.join(labels.values())}: the stage cannot be determined until the open categories are known"

    sources = [tables.main_cited] + [d.source for d in determinants if d.source]
    if unmet:
        sources += [system.sources[q.source].cited for q in unmet]
    notes = [note for chk, note, place, at in tables.checks if _check_fires(chk, case, comps, place, at)]
    reads_pci = tables.reads_pci
    peritoneal = case.peritoneal
    pci = peritoneal.pci_total if peritoneal and reads_pci else None
    regions = None
    if peritoneal and peritoneal.pci_regions is not None and reads_pci:
        regions = [
            make(PciRegion, region=i, name=PCI_REGION_NAMES[i], score=s) for i, s in enumerate(peritoneal.pci_regions)
        ]
    result = make(
        SystemResult,
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
        unknowns_that_matter=_matters(tables, comps, choices, spans),
        evidence=system.evidence,
        evidence_note=system.evidence_note,
        sources=list(dict.fromkeys(sources)),
        pci=pci,
        pci_regions=regions,
    )
    return result, notes


#: (system id, site) -> (the system, its result for a case of a site it does not stage): the same for every such
#: case, so built once and shared (as every result staging remembers, handed out only as a copy)
_OTHER_SITE: dict[tuple[str, str], tuple[SystemDefinition, SystemResult]] = {}


def _other_site(system: SystemDefinition, site: str) -> SystemResult:
    kept = _OTHER_SITE.get((system.id, site))
    if kept is None or kept[0] is not system:
        reason = system.not_applicable_reason.format(site=site.replace("_", " "))
        kept = _OTHER_SITE[(system.id, site)] = (system, not_applicable(system, reason))
    return kept[1]


def _stage_range(tables: SystemTables, choices: tuple[frozenset[int], ...]) -> list[str] | None:
    """[lowest, highest] stage some combination of the rank sets ``choices`` gives (``None``: none), remembered per
    system (a new list each time)."""
    span = tables.spans.get(choices)
    if span is None:
        reached = reachable_stages(tables, choices)
        rank = tables.stage_rank.__getitem__
        span = (min(reached, key=rank), max(reached, key=rank)) if reached else ()
        remember(tables.spans)[choices] = span
    return list(span) if span else None


def not_applicable(system: SystemDefinition, reason: str) -> SystemResult:
    """The result of a system that does not stage the case (another site, a tumour type not staged), saying why."""
    return make(
        SystemResult,
        system=system.id,
        name=system.name,
        applicable=False,
        formal_system=system.formal_system,
        reason=reason,
    )


def _stage(
    tables: SystemTables, case: Case, choices: tuple[frozenset[int], ...], spans: tuple[frozenset[int], ...]
) -> tuple[str | None, str | None, list[Requirement]]:
    """The stage of evaluated components (``None``: not determined), why no stage is given when a requirement of
    the system is not met (else ``None``), and the requirements not met; ``choices`` and ``spans`` are the
    components' stage and range options."""
    system = tables.defn
    stage = unique_stage(tables, choices)
    if not system.requires:
        return stage, None, []
    unmet = [q for q in system.requires if case_value(case, q.flag) is not True]
    if not unmet:
        return stage, None, unmet
    reached = reachable_stages(tables, spans)
    closed = next(iter(reached)) if len(reached) == 1 else None
    if closed is not None and all(q.closed_reason and closed in q.without for q in unmet):
        # Every way the missing input could turn out gives one stage (e.g. distant spread: IV-IV): that is the stage.
        return closed, "; ".join((q.closed_reason or "").format(stage=closed) for q in unmet), unmet
    return None, "; ".join(q.reason for q in unmet), unmet


def stage_of(system: SystemDefinition, case: Case, sections: Sections) -> str | None:
    """The stage ``stage_in_system`` gives ``case`` with the finding sections ``sections`` instead of its own (the
    review's "what if it were read the other way"), without building a result."""
    if case.site not in system.applies_to:
        return None
    tables, comps = _components(system, case, sections)
    return _stage(tables, case, tuple([c.stage_options for c in comps]), tuple([c.range_options for c in comps]))[0]


def _stage_determinant(
    tables: SystemTables,
    stage: str,
    comps: Sequence[_Evaluated],
    labels: tuple[str, ...],
    choices: tuple[frozenset[int], ...],
) -> Determinant:
    """The determinant of the stage-table row that gives ``stage`` (the first row the categories can reach)."""
    key = (stage, labels, choices)
    det = tables.rows.get(key)
    if det is None:
        system = tables.defn
        row = next(r for r in system.stage_table if r.stage == stage and _row_reachable(r.when, comps))
        combo = " ".join(labels)
        why = f"{combo} gives stage {stage}" if len(comps) > 1 else "the most advanced finding sets the stage"
        source = system.sources[row.source].cited
        det = make(Determinant, component="stage_group", category=stage, reason=why, source=source)
        remember(tables.rows)[key] = det
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
    tables, comps = _components(system, case, None)
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
                choices[k] = reachable(max(comp.known, option), required_rest)
                stage = unique_stage(tables, tuple(choices))
                if stage not in stages:
                    stages.append(stage)
            out[item.key] = stages
    return out
