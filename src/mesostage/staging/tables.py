"""Compiled staging tables: each system's rules prepared once per basis as look-up tables on category ranks.

A system file (``systems/*.toml``) is read as data; this module turns it, once per system and basis, into what
staging a case needs: per component the rank of each category ("highest wins" is a maximum over ranks), the rules
by finding name with their determinants (they do not depend on the case), and the stage table as a map from a
tuple of category ranks (one per component) to the stage. It holds no medical fact of its own.

The API (the staging engine uses it; the finding-level batch can use it the same way):

* :func:`system_tables` ``(system, basis)`` gives a :class:`SystemTables`, built once and kept.
* ``SystemTables.components[k]`` is the :class:`ComponentTable` of the k-th component (``system.components``
  order); ``SystemTables.table[ranks]`` is the stage (``None``: no row matches) for one rank per component.
* :func:`reachable` ``(base, option_sets)``: the ranks a component can take from the rank ``base`` of what is
  present and the option sets of its unknown inputs (each holds :data:`NOTHING`: the input may add nothing).
* :func:`unique_stage` / :func:`reachable_stages` ``(tables, choices)``: the one stage every combination of the
  components' rank sets gives (else ``None``), and every stage some combination gives. Both are remembered per
  system: they depend only on the system and on sets of ranks (a bounded, case-independent domain).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mesostage.staging.definitions import Check, Component, Measure, Rule, SystemDefinition
from mesostage.staging.result import Determinant, ReviewNote, make

__all__ = [
    "MAX_CATEGORIES",
    "NOTHING",
    "ComponentTable",
    "Hit",
    "Item",
    "SystemTables",
    "reachable",
    "reachable_stages",
    "system_tables",
    "unique_stage",
]

#: the rank of "this input adds nothing" (below every category)
NOTHING = -1
#: a bound on each remembered map of a system (cleared when reached; the answers are recomputed)
MEMO_LIMIT = 1 << 14
#: the most categories a component may have (the engine keeps one shared {rank} set per rank)
MAX_CATEGORIES = 64


class Item(NamedTuple):
    """One unknown input of a component: its case path and the category ranks it could contribute."""

    key: str
    options: frozenset[int]
    required: bool


class Hit(NamedTuple):
    """A rule of a component: its place in the file's rule order, the rule, its category rank, the determinant it
    gives when the finding is present, and its open item when the finding is unknown."""

    order: int
    rule: Rule
    rank: int
    determinant: Determinant
    item: Item


@dataclass(frozen=True)
class ComponentTable:
    """A component's rules for one basis."""

    defn: Component
    rank: dict[str, int]
    #: per finding section (in the order the rules first name it): finding name -> its rules, in rule order
    by_name: dict[str, dict[str, tuple[Hit, ...]]]
    #: per finding section, every rule that reads it, in rule order
    by_section: dict[str, tuple[Hit, ...]]
    #: per finding section: (the first rule's index, the ranks it could give) when it is not assessed
    unassessed: dict[str, tuple[int, frozenset[int]]]
    flags: tuple[Hit, ...]
    #: each measure with the ranks of its bands and its open item (when the value is not given)
    measures: tuple[tuple[Measure, frozenset[int], Item], ...]
    #: the findings a measure stands for, with the measure's field (``Measure.replaces``)
    replacing: tuple[tuple[str, str], ...]
    every_rank: frozenset[int]
    #: the finding sections the component reads that are not required, sorted by name
    optional: tuple[str, ...]
    floor_rank: int
    floor: Determinant
    #: for ``tumor.no_evidence`` (T0): its rank, determinant and the ranks left open, or None
    no_evidence: tuple[int, Determinant, frozenset[int]] | None


@dataclass
class SystemTables:
    """A system prepared for one basis, and what is remembered about it (answers on sets of ranks)."""

    defn: SystemDefinition
    components: tuple[ComponentTable, ...]
    table: dict[tuple[int, ...], str | None]
    #: stage label -> its place in ``defn.stages``
    stage_rank: dict[str, int]
    reads_pci: bool
    #: the citation of the system itself, as shown
    main_cited: str
    #: each check of the system with the note it raises (the same for every case: shared, copied when handed out)
    #: and, for a ``category_without_findings`` check, its component's place and the rank of ``at_least`` (else -1)
    checks: tuple[tuple[Check, ReviewNote, int, int], ...]
    unique: dict[tuple[frozenset[int], ...], str | None] = field(default_factory=dict)
    reach: dict[tuple[frozenset[int], ...], frozenset[str]] = field(default_factory=dict)
    #: the components' rank sets -> (lowest, highest) stage they reach, () for none (``engine._stage_range``)
    spans: dict[tuple[frozenset[int], ...], tuple[str, ...]] = field(default_factory=dict)
    differs: dict[object, bool] = field(default_factory=dict)
    #: the components' ranks and option sets -> the places of the unknown items that matter (``engine._matters``)
    matters: dict[object, tuple[int, ...]] = field(default_factory=dict)
    rows: dict[object, Determinant] = field(default_factory=dict)


def _applies(basis: tuple[str, ...] | None, case_basis: str) -> bool:
    return basis is None or case_basis in basis


def _component(system: SystemDefinition, comp: Component, basis: str) -> ComponentTable:
    if len(comp.categories) > MAX_CATEGORIES:
        raise ValueError(f"{system.id} {comp.name}: more than {MAX_CATEGORIES} categories")
    rank = {c: i for i, c in enumerate(comp.categories)}
    by_name: dict[str, dict[str, list[Hit]]] = {}
    by_section: dict[str, list[Hit]] = {}
    flags: list[Hit] = []
    for index, rule in enumerate(r for r in comp.rules if _applies(r.basis, basis)):
        name = rule.finding.partition(".")[2] if rule.finding else rule.key
        det = make(
            Determinant,
            component=comp.name,
            finding=name,
            category=rule.category,
            reason=rule.note,
            source=system.sources[rule.source].cited,
        )
        r = rank[rule.category]
        hit = Hit(index, rule, r, det, Item(rule.key, frozenset({NOTHING, r}), False))
        section = rule.section
        if section is None:
            flags.append(hit)
        else:
            by_name.setdefault(section, {}).setdefault(name, []).append(hit)
            by_section.setdefault(section, []).append(hit)
    measures = []
    for m in comp.measures:
        if _applies(m.basis, basis):
            ranks = frozenset(rank[b.category] for b in m.bands)
            measures.append((m, ranks, Item(m.field, frozenset({NOTHING} | ranks), m.required)))
    hits = [h for hs in by_section.values() for h in hs] + flags
    every = {rank[comp.floor]} | {h.rank for h in hits} | {x for _, ranks, _ in measures for x in ranks}
    no_evidence = None
    if comp.no_evidence and "tumor" in comp.required_sections:
        det = make(
            Determinant,
            component=comp.name,
            finding="no_evidence",
            category=comp.no_evidence,
            reason="no evidence of primary tumour: the stage is set only where N and M decide it",
        )
        no_evidence = (rank[comp.no_evidence], det, frozenset(every - {rank[comp.no_evidence]}))
    return ComponentTable(
        defn=comp,
        rank=rank,
        by_name={sec: {n: tuple(hs) for n, hs in names.items()} for sec, names in by_name.items()},
        by_section={sec: tuple(hs) for sec, hs in by_section.items()},
        unassessed={sec: (hs[0].order, frozenset({NOTHING} | {h.rank for h in hs})) for sec, hs in by_section.items()},
        flags=tuple(flags),
        measures=tuple(measures),
        replacing=tuple((m.replaces, m.field) for m, _, _ in measures if m.replaces),
        every_rank=frozenset(every),
        optional=tuple(sorted(s for s in by_section if s not in comp.required_sections)),
        floor_rank=rank[comp.floor],
        floor=make(Determinant, component=comp.name, category=comp.floor, reason=comp.floor_reason),
        no_evidence=no_evidence,
    )


def lookup(system: SystemDefinition, cats: dict[str, str]) -> str | None:
    """The stage of the first stage-table row every listed component of ``cats`` matches (``None``: no row)."""
    for row in system.stage_table:
        if all(cats[name] in values for name, values in row.when.items()):
            return row.stage
    return None


# (id of the system, basis) -> (the system itself, so the id cannot be reused while kept; its tables)
_TABLES: dict[tuple[int, str], tuple[SystemDefinition, SystemTables]] = {}


def system_tables(system: SystemDefinition, basis: str) -> SystemTables:
    """The tables of ``system`` for a case of ``basis`` (clinical, pathological, post_therapy), built once."""
    kept = _TABLES.get((id(system), basis))
    if kept is not None and kept[0] is system:
        return kept[1]
    comps = tuple(_component(system, c, basis) for c in system.components)
    names = [c.name for c in system.components]
    table = {
        combo: lookup(system, {n: c.categories[r] for n, c, r in zip(names, system.components, combo, strict=True)})
        for combo in itertools.product(*(range(len(c.categories)) for c in system.components))
    }
    reads_pci = any(m.field == "peritoneal.pci" for c in system.components for m in c.measures)
    checks = tuple((chk, _note(system, chk), *_check_place(system, chk)) for chk in system.checks)
    stage_rank = {s: i for i, s in enumerate(system.stages)}
    main_cited = system.sources[system.main_source].cited
    tables = SystemTables(system, comps, table, stage_rank, reads_pci, main_cited, checks)
    _TABLES[(id(system), basis)] = (system, tables)
    return tables


def _note(system: SystemDefinition, chk: Check) -> ReviewNote:
    return make(
        ReviewNote,
        code=chk.code,
        severity=chk.severity,
        message=chk.message,
        systems=[system.id],
        source=system.sources[chk.source].cited,
    )


def _check_place(system: SystemDefinition, chk: Check) -> tuple[int, int]:
    if chk.kind != "category_without_findings" or chk.component is None or chk.at_least is None:
        return -1, -1
    place = next(k for k, c in enumerate(system.components) if c.name == chk.component)
    return place, system.components[place].categories.index(chk.at_least)


def remember(memo: dict[Any, Any]) -> dict[Any, Any]:
    """``memo``, emptied first when it has reached :data:`MEMO_LIMIT` entries."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    return memo


def reachable(base: int, option_sets: Any) -> frozenset[int]:
    """The highest of ``base`` and one option of each set, over every choice (each set holds :data:`NOTHING`, so
    this is ``base`` and every option above it: linear in the number of sets)."""
    return frozenset({base} | {o for options in option_sets for o in options if o > base})


def unique_stage(tables: SystemTables, choices: tuple[frozenset[int], ...]) -> str | None:
    """The one stage every combination of the components' category ranks in ``choices`` gives, else ``None``."""
    memo = tables.unique
    if choices in memo:
        return memo[choices]
    table = tables.table
    stages = {table[combo] for combo in itertools.product(*choices)}
    found = stages.pop() if len(stages) == 1 else None
    remember(memo)[choices] = found
    return found


def reachable_stages(tables: SystemTables, choices: tuple[frozenset[int], ...]) -> frozenset[str]:
    """Every stage some combination of the category ranks in ``choices`` gives."""
    memo = tables.reach
    found = memo.get(choices)
    if found is None:
        table = tables.table
        found = frozenset(s for combo in itertools.product(*choices) if (s := table[combo]) is not None)
        remember(memo)[choices] = found
    return found
