"""The generic selection engine: tests each option's named conditions against the facts of a case.

An option *applies* when every condition is met, *may apply* when none fails but some are not recorded, and is
*not applicable* when one fails. Options keep the guideline order of their data file (``rank``). The engine knows
no medicine: the conditions, cut-offs, texts and sources are all in ``data/``.
"""

from __future__ import annotations

from collections.abc import Iterable

from mesostage.case import Case
from mesostage.treatment.facts import ALL, Fact, Facts, derive_facts, stage_key, stage_summary
from mesostage.treatment.knowledge import (
    FACTS,
    Criterion,
    KnowledgeBase,
    OptionEntry,
    Part,
    load_knowledge_base,
)
from mesostage.treatment.result import (
    Audience,
    Caveat,
    CheckResult,
    ConditionCheck,
    EvidenceItem,
    GuidelineRef,
    OfferedGroup,
    SourceRef,
    Stage4SurvivalFigure,
    Stage4View,
    SymptomControl,
    TreatmentOption,
    TreatmentOptions,
)

__all__ = ["check", "select_options"]

_MET: CheckResult = "met"
_NOT_MET: CheckResult = "not_met"
_UNKNOWN: CheckResult = "unknown"
_TEAM: CheckResult = "team_decides"


def _bounds(fact: Fact, low: float | None, high: float | None, strict_low: bool = False) -> CheckResult:
    """Does the fact's number lie in [low, high] (``strict_low``: above low)? Exact when the fact's bounds say so."""
    f_low = fact.low if fact.low is not None else float("-inf")
    f_high = fact.high if fact.high is not None else float("inf")
    if fact.low is None and fact.high is None:
        return _UNKNOWN
    lo = low if low is not None else float("-inf")
    hi = high if high is not None else float("inf")

    def inside(x: float) -> bool:
        return (x > lo if strict_low else x >= lo) and x <= hi

    if inside(f_low) and inside(f_high):
        return _MET
    if f_high < lo or (strict_low and f_high <= lo) or f_low > hi:
        return _NOT_MET
    return _UNKNOWN


def _part(part: Part, facts: Facts) -> CheckResult:
    return _bounds(facts[part.fact], part.min if part.above is None else part.above, part.max, part.above is not None)


def _list_test(fact: Fact, wanted: frozenset[str], *, any_of: bool) -> CheckResult:
    hit = bool(fact.present & wanted)
    could = fact.maybe == ALL or bool(fact.maybe & wanted)
    if hit:
        return _MET if any_of else _NOT_MET
    if could:
        return _UNKNOWN
    return _NOT_MET if any_of else _MET


def check(criterion: Criterion, facts: Facts, kb: KnowledgeBase) -> CheckResult:
    """Test one named condition against the facts. A failed *soft* condition gives ``team_decides``."""
    result = _test(criterion, facts, kb)
    return _TEAM if result == _NOT_MET and criterion.soft else result


def _test(criterion: Criterion, facts: Facts, kb: KnowledgeBase) -> CheckResult:
    if criterion.unless_all is not None:
        parts = [_part(p, facts) for p in criterion.unless_all]
        if all(r == _MET for r in parts):
            return _NOT_MET
        return _MET if _NOT_MET in parts else _UNKNOWN
    if criterion.all_of is not None:
        parts = [_part(p, facts) for p in criterion.all_of]
        if all(r == _MET for r in parts):
            return _MET
        return _NOT_MET if _NOT_MET in parts else _UNKNOWN
    assert criterion.fact is not None
    kind = FACTS[criterion.fact]
    fact = facts[stage_key(criterion.edition) if kind == "stage" else criterion.fact]
    if kind == "list":
        if criterion.any_of is not None:
            return _list_test(fact, kb.expand(criterion.any_of), any_of=True)
        return _list_test(fact, kb.expand(criterion.none_of or ()), any_of=False)
    if kind == "number":
        if criterion.above is not None:
            return _bounds(fact, criterion.above, criterion.max, strict_low=True)
        return _bounds(fact, criterion.min, criterion.max)
    if kind == "stage":
        if fact.stages is None:
            return _UNKNOWN
        wanted = frozenset(criterion.in_ or criterion.not_in or ())
        inside = fact.stages <= wanted
        outside = not (fact.stages & wanted)
        if criterion.in_ is not None:
            return _MET if inside else _NOT_MET if outside else _UNKNOWN
        return _MET if outside else _NOT_MET if inside else _UNKNOWN
    if fact.value is None:
        return _UNKNOWN
    if kind == "flag":
        return _MET if fact.value == criterion.is_ else _NOT_MET
    if criterion.in_ is not None:
        return _MET if fact.value in criterion.in_ else _NOT_MET
    return _NOT_MET if fact.value in (criterion.not_in or ()) else _MET


def _case_value(criterion: Criterion, facts: Facts) -> str:
    parts = criterion.unless_all if criterion.unless_all is not None else criterion.all_of
    if parts is not None:
        return "; ".join(f"{p.fact} {facts[p.fact].display}" for p in parts)
    assert criterion.fact is not None
    if FACTS[criterion.fact] == "stage":
        return facts[stage_key(criterion.edition)].display
    return facts[criterion.fact].display


def _ref(kb: KnowledgeBase, key: str) -> SourceRef:
    s = kb.sources[key]
    return SourceRef(key=key, citation=s.citation, year=s.year, kind=s.kind, status=s.status, note=s.note)


def _holds(names: Iterable[str], facts: Facts, kb: KnowledgeBase) -> bool:
    """True when no named condition fails (met or not recorded)."""
    return all(check(kb.criteria[n], facts, kb) != _NOT_MET for n in names)


def _evaluate(entry: OptionEntry, facts: Facts, kb: KnowledgeBase, audience: Audience) -> TreatmentOption:
    checks: list[ConditionCheck] = []
    why: list[str] = []
    unknown: list[str] = []
    failed: list[str] = []
    for name in entry.when:
        c = kb.criteria[name]
        result = check(c, facts, kb)
        value = _case_value(c, facts)
        words = c.plain if audience == "patient" else c.label
        checks.append(
            ConditionCheck(
                condition=name, requirement=words, result=result, case_value=value, source=_ref(kb, c.source)
            )
        )
        shown = words if audience == "patient" else f"{words} (case: {value})"
        {_MET: why, _UNKNOWN: unknown, _TEAM: unknown, _NOT_MET: failed}[result].append(shown)
    status = "not_applicable" if failed else "may_apply" if unknown else "applies"
    cautions = [
        Caveat(text=c.plain if audience == "patient" else c.text, source=_ref(kb, c.source))
        for c in entry.cautions
        if all(check(kb.criteria[n], facts, kb) == _MET for n in c.only_if)
    ]
    guidelines = [
        GuidelineRef(version=g.version, date=g.date, listing=g.listing, source=_ref(kb, g.source))
        for g in entry.guidelines
    ]
    evidence = [
        EvidenceItem(
            trial=e.trial,
            level=e.level,
            median_os_months=list(e.median_os_months),
            hr=e.hr,
            ci=e.ci,
            result=e.result,
            status=e.status or kb.sources[e.source].status,
            source=_ref(kb, e.source),
        )
        for e in entry.evidence
    ]
    keys = entry.source_keys() + [kb.criteria[n].source for n in entry.when]
    real_guidelines = [
        g for g in entry.guidelines if kb.sources[g.source].kind == "guideline" and g.source != "mesostage"
    ]
    note = None
    if not real_guidelines:
        note = (
            "No guideline listing could be verified for this option; it rests on the trial evidence shown."
            if audience == "clinician"
            else "We could not check that a guideline lists this option."
        )
    return TreatmentOption(
        id=entry.id,
        option=entry.option,
        category=entry.category,
        section=entry.section,
        goal=entry.goal,
        status=status,
        text=entry.patient_text if audience == "patient" else entry.clinician_text,
        why=why,
        would_apply_if=unknown,
        does_not_apply_because=failed,
        team_decides=list(entry.team_decides),
        cautions=cautions,
        conditions=checks,
        guidelines=guidelines,
        evidence=evidence,
        sources=[_ref(kb, k) for k in dict.fromkeys(keys)],
        listing_note=note,
    )


def _order(options: list[TreatmentOption], kb: KnowledgeBase) -> list[TreatmentOption]:
    rank = {o.id: o.rank for o in kb.options}
    return sorted(options, key=lambda o: (rank[o.id], o.id))


def _stage4(facts: Facts, kb: KnowledgeBase, audience: Audience, offered: list[TreatmentOption]) -> Stage4View | None:
    s4 = kb.stage4
    if not all(check(kb.criteria[n], facts, kb) == _MET for n in s4.when):
        return None
    open_ids = {o.id for o in offered}
    patient = audience == "patient"
    groups = [
        OfferedGroup(
            options=[i for i in g.options if i in open_ids],
            why=g.why_patient if patient else g.why_clinician,
            source=_ref(kb, g.source),
        )
        for g in s4.offered
    ]
    return Stage4View(
        goals_of_care=s4.goals_patient if patient else s4.goals_clinician,
        goals_sources=[_ref(kb, k) for k in s4.goals_sources],
        offered=[g for g in groups if g.options],
        symptom_control=[
            SymptomControl(
                symptom=s.symptom,
                text=s.patient if patient else s.clinician,
                options=[i for i in s.options if i in open_ids],
                sources=[_ref(kb, k) for k in s.sources],
            )
            for s in s4.symptoms
        ],
        survival_context=[
            Stage4SurvivalFigure(
                label=f.label,
                text=f.plain if patient else f.label,
                median_months=f.median_months,
                comparator_months=f.comparator_months,
                one_year_percent=f.one_year_percent,
                population=f.population,
                source=_ref(kb, f.source),
            )
            for f in s4.survival
        ],
        survival_caveat=s4.survival_caveat_patient if patient else s4.survival_caveat_clinician,
        questions=[q.text for q in s4.questions if _holds(q.when, facts, kb)],
    )


def _notes(case: Case, facts: Facts, kb: KnowledgeBase, used: set[str]) -> list[str]:
    notes: list[str] = []
    used = {v for c in kb.criteria.values() if c.fact == "contraindications" for v in (c.any_of or c.none_of or ())}
    unused = sorted(facts["contraindications"].present - used)
    if unused:
        notes.append(
            f"Recorded contraindications not used by any rule here: {', '.join(unused)}. "
            "Their effect on each option was not verified; discuss them with the team."
        )
    if case.histology in (None, "other") and "histology" in used:
        notes.append(
            "The cell type (histology) is not recorded as epithelioid, biphasic or sarcomatoid; "
            "several options depend on it."
        )
    s = facts["stage"].stages
    if s is not None and "IV" in s and len(s) > 1:
        notes.append(
            "The stage could be IV depending on findings not yet known; the stage-4 view is shown only once "
            "distant spread is confirmed."
        )
    if case.site in ("pericardium", "tunica_vaginalis"):
        notes.append("No guideline covers this site; its options rest on case series and on pleural guidance.")
    return notes


def _used_facts(entries: list[OptionEntry], kb: KnowledgeBase) -> set[str]:
    used: set[str] = set()
    for name in {n for e in entries for n in e.when}:
        c = kb.criteria[name]
        if c.fact is not None and FACTS[c.fact] == "stage":
            used.add(stage_key(c.edition))  # shown as, e.g., stage@tnm8: the edition the rule is read in
        else:
            used.update([c.fact] if c.fact else [p.fact for p in c.unless_all or c.all_of or ()])
    return used


def select_options(case: Case, audience: Audience, kb: KnowledgeBase | None = None) -> TreatmentOptions:
    """The options for ``case`` (already validated), for ``audience``."""
    kb = kb or load_knowledge_base()
    facts, staging = derive_facts(case)
    entries = [o for f in kb.sites if f.site in (case.site, "any") for o in f.options]
    evaluated = [_evaluate(e, facts, kb, audience) for e in entries]
    offered = _order([o for o in evaluated if o.status != "not_applicable"], kb)
    set_aside = _order([o for o in evaluated if o.status == "not_applicable"], kb)
    questions = [
        q.text for f in kb.sites if f.site in (case.site, "any") for q in f.questions if _holds(q.when, facts, kb)
    ]
    questions += [q for o in offered for q in next(e.questions for e in entries if e.id == o.id)]
    stage4 = _stage4(facts, kb, audience, offered)
    if stage4:
        questions += stage4.questions
    system, stage_label, stage_range = stage_summary(case, staging)
    used = _used_facts(entries, kb)
    return TreatmentOptions(
        id=case.id,
        audience=audience,
        site=case.site,
        histology=case.histology,
        stage_system=system,
        stage=stage_label,
        stage_range=stage_range,
        inputs={name: fact.display for name, fact in facts.items() if name in used},
        options=offered,
        not_suitable=set_aside,
        questions=list(dict.fromkeys(questions)),
        stage4=stage4,
        notes=_notes(case, facts, kb, used),
    )
