"""The second-opinion review: findings that would change the stage and the known staging mistakes.

Every note has a stable ``code`` (documented in ``catalog.toml`` and ``docs/review.md``), a severity, a plain
message, the evidence in the case that raised it and its source. The review never changes the stage; it says what
to check.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from functools import cache
from typing import Any

from mesostage.case import SYSTEM_IDS, Case, parse_case
from mesostage.labels import label
from mesostage.review.catalog import catalog
from mesostage.staging import StagingResult, SystemResult, default_system, load_system, load_systems, stage_what_if
from mesostage.staging import stage as stage_only
from mesostage.staging.engine import Sections, case_sections, unknown_outcomes
from mesostage.staging.memo import fresh
from mesostage.staging.result import ReviewNote, make

__all__ = ["review", "review_inputs", "reviewed"]

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_TNM = ("tnm7", "tnm8", "tnm9")
_SITE_ADVICE = {
    "pleura": "For a pleural primary use TNM (the 8th edition for diagnoses 2018-2024, the 9th from 2025).",
    "peritoneum": "For a peritoneal primary only the PCI-based system (Yan 2011) exists, and it is a proposal.",
    "pericardium": "No formal staging system exists for pericardial mesothelioma.",
    "tunica_vaginalis": "No formal staging system exists for mesothelioma of the tunica vaginalis.",
}


@cache
def _cite(refs: tuple[str, ...]) -> str:
    return catalog().cite(refs)


@cache
def _settled_by(item: str) -> tuple[str, str] | None:
    return catalog().settled_by(item)


@cache
def _label(key: str) -> str:
    return label(key)


@cache
def _entry(code: str) -> tuple[str, str, str]:
    """A catalogue code's severity, cited sources and message template."""
    entry = catalog().codes[code]
    return entry.severity, _cite(entry.sources), entry.message


@cache
def _fixed(code: str, evidence: str, severity: str | None = None) -> ReviewNote:
    """A note whose every field is given by its code, its evidence and its severity (built once, shared: handed
    out only as a copy, see ``review``)."""
    return _note(code, evidence=evidence, severity=severity) if severity else _note(code, evidence=evidence)


def _note(
    code: str, *, evidence: str, systems: list[str] | None = None, more_sources: str | None = None, **fields: Any
) -> ReviewNote:
    default_severity, source, message = _entry(code)
    severity = fields.pop("severity", default_severity)
    return make(
        ReviewNote,
        code=code,
        severity=severity,
        message=message.format(**fields),
        systems=list(systems) if systems else [],  # a list of its own (validation copies it too)
        evidence=evidence,
        source=f"{source}; {more_sources}" if more_sources is not None else source,
        item=fields.get("item"),
        settled_by=fields.get("settled_by_test"),
        possible_stages=fields.get("possible_stages"),
    )


def _rank(system: str, stage: str) -> int:
    return _stage_ranks(system)[stage]


@cache
def _stage_ranks(system: str) -> dict[str, int]:
    """Each stage label of a system -> its place, lowest first."""
    return {s: i for i, s in enumerate(load_system(system).stages)}


def _present(case: Case) -> set[str]:
    out: set[str] = set()
    for name in ("tumor", "nodes", "metastases"):
        section = getattr(case, name)
        if section is not None and section.assessed:
            out |= {f"{name}.{f}" for f in section.findings}
    return out


def _categories(r: SystemResult) -> str:
    return " ".join(f"{r.prefix or ''}{v}" for v in r.categories.values())


def _computed(r: SystemResult) -> str:
    stage = r.stage or "a stage that cannot be determined yet"
    return f"{_categories(r)}, stage {stage}" if r.t is not None else f"stage {stage}"


def _moved(sections: Sections, remove: str | None, add: str) -> Sections:
    """The finding sections with one finding moved (for 'what if it were read the other way'): ``remove`` taken
    out of its section's findings and unknowns, ``add`` present in its section (assessed from then on)."""
    out = dict(sections)
    if remove:
        section, _, name = remove.partition(".")
        state = out[section]
        if state is not None:
            out[section] = (state[0] - {name}, state[1] - {name})
    section, _, name = add.partition(".")
    state = out[section]
    given, unknown = state if state is not None else (frozenset(), frozenset())
    out[section] = (given | {name}, unknown - {name})
    return out


def _no_evidence(case: Case, finding: str) -> bool:
    """Whether the section of ``finding`` ("tumor.diaphragm_muscle") is recorded as showing no tumour (T0): then
    the other reading of a twin finding cannot be asked about, because it needs a main tumour there."""
    block = getattr(case, finding.partition(".")[0], None)
    return bool(getattr(block, "no_evidence", False))


def _diffuse(case: Case) -> bool:
    return case.tumor_type in (None, "diffuse")


def _reported(case: Case, result: StagingResult) -> Iterator[ReviewNote]:
    rs = case.reported_stage
    if rs is None or not _diffuse(case):
        return
    r = result.result(rs.system)
    short = load_system(rs.system).short_name
    if not r.applicable:
        system_site = " or ".join(s.replace("_", " ") for s in load_system(rs.system).applies_to)
        yield _note(
            "system_not_for_site",
            evidence=f"reported {rs.system} {rs.stage}; site {case.site}",
            systems=[rs.system],
            reported_system=short,
            site=case.site.replace("_", " "),
            system_site=system_site,
            site_advice=_SITE_ADVICE[case.site],
        )
        return
    computed = _computed(r)
    evidence = f"reported {rs.system} {rs.stage}; computed {computed}"
    if r.stage_range is not None:
        low, high = (_rank(rs.system, s) for s in r.stage_range)
        reported = _rank(rs.system, rs.stage)
        outside = not low <= reported <= high
        if outside:
            yield _note(
                "reported_stage_differs",
                evidence=evidence,
                systems=[rs.system],
                system=short,
                reported=rs.stage,
                computed=computed,
                low=r.stage_range[0],
                high=r.stage_range[1],
                because=_because(r, rs.stage, reported > high),
            )
        elif r.stage != rs.stage:
            items = ", ".join(_label(u) for u in r.unknowns_that_matter) or "the open categories"
            yield _note(
                "reported_stage_unconfirmed",
                evidence=evidence,
                systems=[rs.system],
                system=short,
                reported=rs.stage,
                computed=r.stage or "no single stage",
                items=items,
            )
        if rs.stage == "IV" and r.m == "M0" and r.stage != "IV":
            yield from _misread_iv(case, r, short, evidence, computed, critical=outside)
    yield from _edition(case, result, rs.system, rs.stage)


def _because(r: SystemResult, reported: str, too_high: bool) -> str:
    deciding = [d for d in r.determinants if d.component != "stage_group" and d.finding]
    found = "; ".join(f"{_label(d.finding or d.component)} gives {d.category}" for d in deciding)
    if too_high and reported == "IV" and r.m == "M0":
        lead = "Stage IV needs distant spread (M1), and none is recorded."
    elif too_high:
        lead = "The recorded findings do not reach that stage."
    else:
        lead = "The recorded findings place it higher."
    return f"{lead} Deciding findings: {found}." if found else lead


def _misread_iv(
    case: Case, r: SystemResult, short: str, evidence: str, computed: str, *, critical: bool
) -> Iterator[ReviewNote]:
    present = _present(case)
    mis = catalog().misreadings
    severity = {} if critical else {"severity": "warning"}
    common: dict[str, Any] = {"evidence": evidence, "systems": [r.system], "system": short, "computed": computed}
    common |= severity
    direct = [f for f in mis.direct_spread if f in present and f not in mis.diaphragm]
    if direct:
        yield _note("direct_spread_reported_as_metastasis", findings=_join(direct), **common)
    diaphragm = [f for f in mis.diaphragm if f in present]
    if diaphragm:
        yield _note("diaphragm_reported_as_metastasis", findings=_join(diaphragm), **common)
    if case.pleural_effusion_malignant:
        yield _note("effusion_reported_as_metastasis", **common)
    if r.system in ("tnm8", "tnm9") and r.n == "N2":
        n2 = [f"nodes.{d.finding}" for d in r.determinants if d.component == "N" and d.category == "N2"]
        yield _note("regional_nodes_reported_as_metastasis", findings=_join(n2), **common)


def _join(keys: list[str]) -> str:
    names = [_label(k) for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _edition(case: Case, result: StagingResult, reported_system: str, reported: str) -> Iterator[ReviewNote]:
    expected = default_system(case)
    if reported_system not in _TNM or expected is None or expected == reported_system:
        return
    other = result.result(expected)
    common: dict[str, Any] = {
        "systems": [reported_system, expected],
        "reported_system": load_system(reported_system).short_name,
        "expected_system": load_system(expected).short_name,
        "expected_stage": other.stage or "no single stage",
    }
    if case.diagnosis_date is not None:
        yield _note(
            "edition_mismatch",
            evidence=f"diagnosis {case.diagnosis_date}; reported in {reported_system}",
            date=case.diagnosis_date.isoformat(),
            **common,
        )
    else:
        yield _note(
            "editions_not_comparable",
            evidence=f"reported {reported_system} {reported}; in use {expected}",
            reported=reported,
            **common,
        )


def _unknowns(case: Case, result: StagingResult) -> Iterator[ReviewNote]:
    system_id = default_system(case)
    if system_id is None:
        return
    r = result.result(system_id)
    if not r.applicable or not r.unknowns_that_matter:
        return
    outcomes = unknown_outcomes(load_system(system_id), case)
    ranks = _stage_ranks(system_id)
    notes: list[tuple[int, int, ReviewNote]] = []
    for item in r.unknowns_that_matter:
        stages = [s for s in outcomes.get(item, []) if s is not None]
        if r.stage_range and len(stages) < 2:
            stages = list(dict.fromkeys([*stages, *r.stage_range]))
        ranked = sorted(stages, key=ranks.__getitem__)
        shift = ranks[ranked[-1]] - ranks[ranked[0]] if ranked else 0
        test = _settled_by(item)
        settled = f"What would settle it: {test[0]}." if test else ""
        words = _label(item)
        note = _note(
            "unknown_changes_stage",
            evidence=f"{item} unknown; {system_id} outcomes {ranked}",
            systems=[system_id],
            more_sources=test[1] if test else None,
            label=words[0].upper() + words[1:],
            system=load_system(system_id).short_name,
            stages=" or ".join(ranked) if ranked else "different",
            settled_by=settled,
            item=item,
            settled_by_test=test[0] if test else None,
            possible_stages=ranked,
        )
        notes.append((-shift, len(notes), note))
    yield from (n for _, _, n in sorted(notes))


def _contiguity(case: Case, result: StagingResult) -> Iterator[ReviewNote]:
    system_id = default_system(case)
    if system_id not in _TNM:
        return
    r = result.result(system_id)
    present = _present(case)
    short = load_system(system_id).short_name
    sections: Sections | None = None
    for twin in catalog().twins:
        for have, other, reading, other_reading in (
            (twin.direct, twin.separate, twin.direct_reading, twin.separate_reading),
            (twin.separate, twin.direct, twin.separate_reading, twin.direct_reading),
        ):
            if have not in present or other in present or _no_evidence(case, other):
                continue
            sections = sections or case_sections(case)
            swapped = stage_what_if(case, system_id, _moved(sections, have, other))
            if swapped == r.stage:
                continue
            yield _note(
                "contiguity_check",
                evidence=f"{have} present; swapped reading gives {swapped}",
                systems=[system_id],
                finding=label(have)[0].upper() + label(have)[1:],
                reading=reading,
                other_reading=other_reading,
                system=short,
                other_stage=swapped or "undetermined",
                computed=r.stage or "undetermined",
            )


def _peridiaphragmatic(case: Case, result: StagingResult) -> Iterator[ReviewNote]:
    nodes = case.nodes
    if nodes is None or not nodes.assessed:
        return
    if "peridiaphragmatic" not in nodes.findings and "peridiaphragmatic" not in nodes.unknown:
        return
    stand_in = catalog().misreadings.n2_stand_in
    found = "peridiaphragmatic" in nodes.findings
    sections = case_sections(case)
    as_found = sections if found else _moved(sections, None, "nodes.peridiaphragmatic")
    in_use = default_system(case)
    for system_id in [in_use if in_use in ("tnm8", "tnm9") else "tnm8"]:
        system = load_system(system_id)
        # None for both where the case is not staged in that system (a tumour type not staged): no note.
        ours = stage_what_if(case, system_id, as_found)
        seer = stage_what_if(case, system_id, _moved(as_found, "nodes.peridiaphragmatic", stand_in))
        if ours != seer:
            yield _note(
                "peridiaphragmatic_node_conflict",
                evidence=f"peridiaphragmatic nodes {'present' if found else 'unknown'}",
                systems=[system_id],
                system=system.short_name,
                computed=ours or "undetermined",
                other_stage=seer or "undetermined",
            )


def _pathology(case: Case, result: StagingResult, raised: list[ReviewNote]) -> Iterator[ReviewNote]:
    if case.site in ("pleura", "peritoneum") and case.histology is None:
        yield _fixed("histology_not_recorded", "histology missing")
    if case.site == "pleura" and case.histology == "epithelioid" and case.basis == "clinical":
        yield _fixed("small_biopsy_histology", "epithelioid histology, clinical basis")
    if case.site == "pleura" and case.patient is not None and case.patient.talc_pleurodesis:
        yield _fixed("pet_after_talc_pleurodesis", "patient.talc_pleurodesis true")
    yield _fixed("pathology_confirmation", f"site {case.site}")
    if _diffuse(case):
        yield _fixed("carcinoma_panel", "diffuse mesothelioma (always shown)")
    if case.site == "pleura":
        yield _fixed("germline_testing", "pleural mesothelioma (always shown)")
    system_id = default_system(case)
    r = result.result(system_id) if system_id else None
    could_be_iv = r is not None and r.stage_range is not None and r.stage_range[-1] == "IV"
    urgent = could_be_iv or any(n.severity == "critical" for n in raised)
    if urgent:
        yield _fixed("specialist_review", "stage IV possible or a critical note raised", "warning")
    else:
        yield _fixed("specialist_review", "always shown", "info")


@cache
def _staging_codes() -> frozenset[str]:
    """Codes raised by the staging data files themselves (and the site note), not by the review checks."""
    extra = {"no_formal_staging_system", "not_diffuse_mesothelioma"}
    return frozenset({c.code for s in load_systems() for c in s.checks} | extra)


def review_inputs(case: Case) -> Hashable:
    """What the review reads of a case besides the staging inputs (``mesostage.staging.memo.KEYED``) and the
    staging result: two cases that agree on both get the same review. Keep it in step with the checks above."""
    talc = case.patient.talc_pleurodesis if case.patient is not None else None
    reported = (case.reported_stage.system, case.reported_stage.stage) if case.reported_stage is not None else None
    return (case.diagnosis_date, case.histology, case.tumor_type, reported, talc)


def review(case: Case | Mapping[str, Any], result: StagingResult | None = None) -> list[ReviewNote]:
    """The second-opinion review of a case: staging notes plus the review checks, most severe first.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format.
    result
        Its staging result, if already computed; systems it lacks are staged here.

    Raises
    ------
    CaseError
        If the case is not valid.
    """
    parsed = parse_case(case)
    if result is not None and {r.system for r in result.results} == set(SYSTEM_IDS):
        full = result
    else:
        full = stage_only(parsed)
    return [fresh(n) for n in reviewed(parsed, full)]


def reviewed(parsed: Case, full: StagingResult) -> list[ReviewNote]:
    """``review`` of a validated case with its staging result in every system. The notes may be shared (with
    ``full`` and between cases): the caller copies what it hands out (``memo.fresh``)."""
    # Only the notes staging itself raised: a result from mesostage.stage() already carries a full review.
    staging_codes = _staging_codes()
    notes: list[ReviewNote] = [n for n in full.review if n.code in staging_codes]
    for check in (_reported, _contiguity, _peridiaphragmatic, _unknowns):
        notes.extend(check(parsed, full))
    notes.extend(_pathology(parsed, full, notes))
    return sorted(notes, key=lambda n: _SEVERITY_ORDER[n.severity])  # stable: in order within a severity
