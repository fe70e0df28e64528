"""The facts of a case that option conditions test, each known, bounded or not recorded.

Nothing is guessed: a fact the case does not record stays unknown, and an option that depends on it is shown as
"may apply" with the condition that would decide it. The stage is the set of stages the default staging system still
allows (its ``stage_range``), so an unknown finding that could make the disease stage IV keeps stage-IV options open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mesostage.case import SYSTEM_IDS, Case
from mesostage.errors import CaseError, InputError
from mesostage.staging import StagingResult, default_system, load_system, stage

__all__ = ["ALL", "Fact", "Facts", "derive_facts", "stage_key", "stage_summary"]

#: Marker for "any value may be present" in a list fact.
ALL: frozenset[str] = frozenset({"*"})


@dataclass(frozen=True)
class Fact:
    """One fact. Use the attributes of its kind (see ``knowledge.FACTS``).

    value: a value or flag (``None``: not recorded). low/high: bounds of a number (both ``None``: not recorded;
    equal: known). present/maybe: items of a list known present / possibly present (``ALL``: anything).
    stages: the stages still possible (``None``: no staging).
    """

    display: str
    value: str | bool | None = None
    low: float | None = None
    high: float | None = None
    present: frozenset[str] = frozenset()
    maybe: frozenset[str] = frozenset()
    stages: frozenset[str] | None = None


Facts = dict[str, Fact]

_NOT_RECORDED = "not recorded"


def _flag(value: bool | None) -> Fact:
    return Fact(display=_NOT_RECORDED if value is None else ("yes" if value else "no"), value=value)


def _number(value: float | None, unit: str = "") -> Fact:
    if value is None:
        return Fact(display=_NOT_RECORDED)
    shown = f"{value:g}{unit}"
    return Fact(display=shown, low=float(value), high=float(value))


def _listed(items: Sequence[str], maybe: frozenset[str], *, none_text: str = "none") -> Fact:
    shown = ", ".join(items) if items else none_text
    if maybe == ALL:
        shown = f"{shown} (list may be incomplete)" if items else _NOT_RECORDED
    elif maybe:
        shown += f"; not known: {', '.join(sorted(maybe))}"
    return Fact(display=shown, present=frozenset(items), maybe=maybe)


def _section_facts(case: Case, name: str) -> tuple[list[str], frozenset[str]]:
    section = getattr(case, name, None)
    if section is None or not section.assessed:
        return [], ALL
    return list(section.findings), frozenset(section.unknown)


def _distant(case: Case) -> Fact:
    if case.site == "peritoneum":
        p = case.peritoneal
        return _flag(p.extra_abdominal_metastases if p else None)
    findings, maybe = _section_facts(case, "metastases")
    if findings:
        return Fact(display=f"yes ({', '.join(findings)})", value=True)
    if maybe:
        return Fact(display=_NOT_RECORDED if maybe == ALL else f"not known ({', '.join(sorted(maybe))})")
    return _flag(False)


def stage_key(edition: str | None) -> str:
    """The fact name of the stage in one staging system (a stage condition names its edition)."""
    return f"stage@{edition}"


def _stage(
    case: Case, result: StagingResult | None, system: str | None = None
) -> tuple[Fact, str | None, str | None, list[str] | None]:
    system = system or default_system(case)
    if system is None or result is None:
        return Fact(display="no formal staging system for this site"), None, None, None
    r = result.result(system)
    if not r.applicable:
        return Fact(display=f"not staged in {system}: {r.reason}"), system, None, None
    if not r.stage_range:
        return Fact(display="cannot be determined"), system, r.stage, None
    order = load_system(system).stages
    low, high = order.index(r.stage_range[0]), order.index(r.stage_range[1])
    possible = frozenset(order[low : high + 1])
    shown = r.stage if r.stage_range[0] == r.stage_range[1] else f"{r.stage} (could be {' to '.join(r.stage_range)})"
    return Fact(display=f"{shown} ({system})", stages=possible), system, r.stage, list(r.stage_range)


def _spread_beyond(case: Case) -> Fact:
    p = case.peritoneal
    values = (p.nodes_positive, p.extra_abdominal_metastases) if p else (None, None)
    if any(v is True for v in values):
        return _flag(True)
    return _flag(False) if all(v is False for v in values) else _flag(None)


def _treatment_history(case: Case) -> tuple[Fact, Fact]:
    pt = case.patient
    if pt is None:
        return Fact(display=_NOT_RECORDED), Fact(display=_NOT_RECORDED, maybe=ALL)
    agents = list(pt.prior_agents)
    lines = pt.prior_systemic_lines
    if lines == 0 and agents:
        raise CaseError(
            [InputError("patient.prior_agents", "prior agents are listed but patient.prior_systemic_lines is 0")]
        )
    if lines is not None:
        lines_fact = _number(lines)
    elif agents:
        lines_fact = Fact(display="at least 1 (prior agents listed)", low=1.0, high=None)
    else:
        lines_fact = Fact(display=_NOT_RECORDED)
    # Listed agents are taken as the full history; none listed after treatment means the history is not known.
    maybe = frozenset() if agents or lines == 0 else ALL
    return lines_fact, _listed(agents, maybe)


def derive_facts(case: Case) -> tuple[Facts, StagingResult | None]:
    """The facts of ``case`` for the option conditions, and its staging in the default system (if any)."""
    system = default_system(case)
    # Every system, so that each stage condition is read in the edition it was written in (NCCN/ASCO: AJCC 8th).
    result = stage(case) if system else None
    stage_fact, _, _, _ = _stage(case, result)
    pt = case.patient
    lines, agents = _treatment_history(case)
    nodes, nodes_maybe = _section_facts(case, "nodes") if case.site == "pleura" else ([], ALL)
    facts: Facts = {
        "site": Fact(display=case.site, value=case.site),
        "histology": Fact(display=case.histology or _NOT_RECORDED, value=case.histology),
        "stage": stage_fact,
        "ecog": _number(pt.ecog if pt else None),
        "prior_systemic_lines": lines,
        "prior_agents": agents,
        "contraindications": _listed(list(pt.contraindications), frozenset(), none_text="none recorded")
        if pt
        else Fact(display=_NOT_RECORDED, maybe=ALL),
        "nodes": _listed(nodes, nodes_maybe),
        "distant_metastasis": _distant(case),
        "resectable": _flag(pt.resectable if pt else None),
        "chest_pain": _flag(pt.chest_pain if pt else None),
        "pleural_effusion_malignant": _flag(case.pleural_effusion_malignant),
        "pci": _number(case.peritoneal.pci_total if case.peritoneal else None),
        "ki67_percent": _number(pt.ki67_percent if pt else None, "%"),
        "peritoneal_spread_beyond": _spread_beyond(case),
        "tumor_type": Fact(
            display=case.tumor_type or "diffuse (not recorded; the usual type)", value=case.tumor_type or "diffuse"
        ),
    }
    for edition in SYSTEM_IDS:
        facts[stage_key(edition)] = _stage(case, result, edition)[0] if result else Fact(display=_NOT_RECORDED)
    return facts, result


def stage_summary(case: Case, result: StagingResult | None) -> tuple[str | None, str | None, list[str] | None]:
    """(system, stage, stage_range) of the default system, for the result header."""
    _, system, stage_label, stage_range = _stage(case, result)
    return system, stage_label, stage_range
