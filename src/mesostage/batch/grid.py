"""Stage look-ups over a T, N, M grid where a category may stand for several (TX, NX, T0, or a code's alternatives).

Shared by the per-row EOD and category paths and the recorded-stage checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from mesostage import load_system, stage_group

__all__ = ["Staged", "category_labels", "every_category", "reach", "staged"]


@dataclass(frozen=True)
class Staged:
    stage: str | None
    low: str | None
    high: str | None


def every_category(system_id: str, comp_name: str, label: str) -> list[str]:
    """The categories a label can stand for: itself, or every category for TX/NX/T0 (as ``stage_group`` reads them)."""
    system = load_system(system_id)
    comp = system.component(comp_name)
    if label in (comp.not_assessed, comp.no_evidence):
        every = {comp.floor} | {r.category for r in comp.rules} | {b.category for m in comp.measures for b in m.bands}
        every.discard(label)
        return sorted(every, key=comp.categories.index)
    return [label]


@cache
def staged(system_id: str, t: str, n: str, m: str, alternatives: tuple[tuple[str, ...], ...] = ()) -> Staged:
    """Stage and range of a T/N/M combination; ``alternatives`` (per component, may be empty) widen the range."""
    system = load_system(system_id)
    grid = stage_group(system, {"T": t, "N": n, "M": m})
    options = []
    alts_by_component = list(alternatives) + [()] * (3 - len(alternatives))
    for name, label, alts in zip(("T", "N", "M"), (t, n, m), alts_by_component, strict=True):
        labels = alts or (label,)
        options.append(sorted({c for lab in labels for c in every_category(system_id, name, lab)}))
    reached = {stage_group(system, dict(zip("TNM", combo, strict=True))) for combo in itertools.product(*options)}
    ordered = sorted((s for s in reached if s is not None), key=system.stages.index)
    return Staged(grid, ordered[0] if ordered else None, ordered[-1] if ordered else None)


@cache
def category_labels(system_id: str, component: str) -> tuple[str, ...]:
    """The categories of a component, and its not-assessed label (TX, NX) where it has one."""
    comp = load_system(system_id).component(component)
    return comp.categories + ((comp.not_assessed,) if comp.not_assessed else ())


def reach(system_id: str, options: Sequence[Sequence[str]]) -> list[str | None]:
    """The stage group of every combination of the T, N and M options (TX/NX/T0 stand for every category)."""
    system = load_system(system_id)
    expanded = [
        sorted({c for lab in opts for c in every_category(system_id, name, lab)})
        for name, opts in zip("TNM", options, strict=True)
    ]
    return [stage_group(system, dict(zip("TNM", combo, strict=True))) for combo in itertools.product(*expanded)]
