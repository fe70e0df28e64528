"""Decide each parsed criterion against one person: met / not met / not applicable / not enough information.

The labels are TrialGPT's four (Jin et al., Nat Commun 2024). A label says whether the person meets the criterion
*as written*: an exclusion criterion that is "met" excludes the person. ``effect`` turns that into what it means
for them (``for``, ``against``, ``unknown``, ``neutral``).

Facts about the person come from the case: site and histology, the stage range from the staging engine in the
system in use for the case, and the optional ``patient`` block. Assumptions, each stated in the reason it
produces: ``patient.prior_agents`` is taken as the complete list of agents received; a metastasis section that is
given and does not list ``brain`` means no known brain metastases; a contraindication not listed is "not known"
(never "absent").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mesostage.case import Case
from mesostage.staging import load_system, stage
from mesostage.trials.criteria import Criterion, vocabulary

__all__ = ["LABELS", "CriterionOutcome", "PatientFacts", "evaluate_criterion", "patient_facts"]

Label = Literal["met", "not met", "not applicable", "not enough information"]
Effect = Literal["for", "against", "unknown", "neutral"]
Value = Literal["yes", "no", "unknown", "na"]
LABELS: tuple[Label, ...] = ("met", "not met", "not applicable", "not enough information")
_LABEL: dict[Value, Label] = {
    "yes": "met",
    "no": "not met",
    "na": "not applicable",
    "unknown": "not enough information",
}
_SITE_WORDS = {
    "pleura": "pleural",
    "peritoneum": "peritoneal",
    "pericardium": "pericardial",
    "tunica_vaginalis": "tunica vaginalis",
}


@dataclass(frozen=True)
class PatientFacts:
    """What matching knows about the person; ``None`` means not known."""

    site: str
    histology: str | None
    histology_confirmed: bool | None
    stage_system: str | None
    stage_possible: tuple[str, ...] | None  # every stage the unknown findings still allow, in order
    age_years: int | None
    sex: str | None
    ecog: int | None
    measurable: bool | None
    brain_mets: bool | None
    brain_mets_from_staging: bool
    resectable: bool | None
    progressed: bool | None
    lines_low: int | None  # prior systemic lines: at least ... (None: not known)
    lines_high: int | None  # ... at most (None: no upper bound known)
    agent_classes: frozenset[str] | None  # classes and "agent:<name>" of prior drugs; None: not known
    contraindications: frozenset[str]


def patient_facts(case: Case) -> PatientFacts:
    p = case.patient
    system = None
    possible: tuple[str, ...] | None = None
    if case.site in ("pleura", "peritoneum"):
        result = stage(case)
        system = result.default_system
        if system is not None:
            r = result.result(system)
            if r.applicable and r.stage_range:
                labels = load_system(system).stages
                lo, hi = labels.index(r.stage_range[0]), labels.index(r.stage_range[1])
                possible = labels[lo : hi + 1]
    brain: bool | None = p.brain_metastases if p else None
    from_staging = False
    if brain is None and case.metastases is not None and case.metastases.assessed:
        if "brain" in case.metastases.findings:
            brain, from_staging = True, True
        elif "brain" not in case.metastases.unknown:
            brain, from_staging = False, True
    voc = vocabulary()
    lines_low = lines_high = None
    classes: frozenset[str] | None = None
    if p is not None:
        if p.prior_systemic_lines is not None:
            lines_low = lines_high = p.prior_systemic_lines
        elif p.prior_agents:
            lines_low = 1
        if p.prior_agents:
            found: set[str] = {"systemic"}
            for agent in p.prior_agents:
                found |= set(voc.agents[agent]) | {f"agent:{agent}"}
            if found & {"anti_pd1_pdl1", "anti_ctla4"}:
                found.add("immunotherapy")
            classes = frozenset(found)
        elif p.prior_systemic_lines == 0:
            classes = frozenset()
    return PatientFacts(
        site=case.site,
        histology=case.histology,
        histology_confirmed=p.histology_confirmed if p else None,
        stage_system=system,
        stage_possible=possible,
        age_years=p.age_years if p else None,
        sex=p.sex if p else None,
        ecog=p.ecog if p else None,
        measurable=p.measurable_disease if p else None,
        brain_mets=brain,
        brain_mets_from_staging=from_staging,
        resectable=p.resectable if p else None,
        progressed=p.progressed_after_last_line if p else None,
        lines_low=lines_low,
        lines_high=lines_high,
        agent_classes=classes,
        contraindications=frozenset(p.contraindications) if p else frozenset(),
    )


@dataclass(frozen=True)
class CriterionOutcome:
    kind: Literal["inclusion", "exclusion"]
    text: str
    context: str | None
    type: str
    label: Label
    effect: Effect
    reason: str


def _ranges_text(values: list[int]) -> str:
    if not values:
        return "none"
    if values == list(range(values[0], values[-1] + 1)) and len(values) > 1:
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


def _class_names(classes: list[str]) -> str:
    labels = vocabulary().class_labels
    return " or ".join(c.split(":", 1)[1] if c.startswith("agent:") else labels.get(c, c) for c in classes)


def _fact(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    kind = f["type"]
    if kind == "site":
        sites = f["sites"]
        if not sites:
            return "yes", "mesothelioma of any site"
        names = " or ".join(_SITE_WORDS[s] for s in sites)
        if p.site in sites:
            return "yes", f"{names} mesothelioma; yours is {_SITE_WORDS[p.site]}"
        return "no", f"{names} mesothelioma only; yours is {_SITE_WORDS[p.site]}"
    if kind == "diagnosis_confirmed":
        if p.histology_confirmed is False:
            return "no", "a confirmed diagnosis is needed; yours is marked as not yet confirmed"
        if p.histology_confirmed:
            return "yes", "your diagnosis is confirmed"
        return "na", "the diagnosis is taken as confirmed"
    if kind == "histology":
        allowed = f["allowed"]
        if p.histology is None or p.histology == "other":
            return "unknown", f"needs the cell type ({' or '.join(allowed)}); yours is not given"
        word: Value = "yes" if p.histology in allowed else "no"
        return word, f"cell type {' or '.join(allowed)}; yours is {p.histology}"
    if kind == "stage":
        return _stage(f, p)
    if kind == "resectability":
        want = "can be removed by surgery" if f["resectable"] else "cannot be removed by surgery"
        if p.resectable is None:
            return "unknown", f"the tumour must be one that {want}; not recorded for you"
        return ("yes" if p.resectable == f["resectable"] else "no"), f"the tumour must be one that {want}"
    if kind == "lines":
        return _lines(f, p)
    if kind == "progression":
        want = "progressed" if f["progressed"] else "not progressed"
        if p.progressed is None:
            return "unknown", f"the disease must have {want} after the last treatment; not recorded for you"
        return (
            "yes" if p.progressed == f["progressed"] else "no"
        ), f"the disease must have {want} after the last treatment"
    if kind == "prior_agent":
        return _agents(f, p)
    if kind == "ecog":
        scale = "Karnofsky" if f.get("scale") == "Karnofsky" else "ECOG"
        want = f"ECOG {_ranges_text(f['allowed'])}" if scale == "ECOG" else f"Karnofsky {f.get('kps')}% cut-off"
        if p.ecog is None:
            return "unknown", f"{want}; your ECOG score is not given"
        if p.ecog in f["allowed"]:
            return "yes", f"{want}; your ECOG score is {p.ecog}"
        if p.ecog in f["uncertain"]:
            return "unknown", f"{want}; ECOG {p.ecog} may fall either side of it"
        return "no", f"{want}; your ECOG score is {p.ecog}"
    if kind == "measurable":
        if p.measurable is None:
            return "unknown", "measurable disease on scans; not recorded for you"
        if f["present"]:
            if p.measurable:
                return "yes", "you have measurable disease"
            if f["or_evaluable"]:
                return "unknown", "measurable or evaluable disease; yours is not measurable"
            return "no", "measurable disease is needed; yours is recorded as not measurable"
        return ("no" if p.measurable else "yes"), "no measurable disease"
    if kind == "brain_mets":
        return _brain(f, p)
    if kind == "contraindication":
        name = f["code"].replace("_", " ")
        has = f["code"] in p.contraindications
        if not has:
            return "unknown", f"{name}: not recorded for you"
        if f["qualified"]:
            return "unknown", f"you have {name}; the criterion has exceptions, so the team must check"
        return ("yes" if f["present"] else "no"), f"you have {name}"
    if kind == "age":
        return _age(f, p)
    if kind == "pregnancy":
        if p.sex == "male":
            return "na", "about pregnancy; does not apply to men"
        return "unknown", "about pregnancy or contraception"
    return "unknown", "not checked"


def _stage(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    spec = ", ".join(a if a == b else f"{a}-{b}" for a, b in f["ranges"])
    edition = f" (TNM edition {f['edition']})" if f.get("edition") else ""
    if p.stage_system is None or p.stage_possible is None:
        return "unknown", f"stage {spec}{edition}; your stage is not known"
    labels = load_system(p.stage_system).stages
    sure: set[str] = set()
    partial: set[str] = set()
    for low, high in f["ranges"]:
        lo = _stage_index(labels, low, first=True)
        hi = _stage_index(labels, high, first=False)
        if lo is None or hi is None:
            continue
        for i in range(lo[0], hi[0] + 1):
            exact = not ((i == lo[0] and lo[1]) or (i == hi[0] and hi[1]))
            (sure if exact else partial).add(labels[i])
    possible = set(p.stage_possible)
    shown = p.stage_possible[0] if len(p.stage_possible) == 1 else f"{p.stage_possible[0]}-{p.stage_possible[-1]}"
    system = load_system(p.stage_system).short_name
    text = f"stage {spec}{edition}; yours is {shown} in {system}"
    if possible <= sure:
        return "yes", text
    if not possible & (sure | partial):
        return "no", text
    return "unknown", text + " (not decided)"


def _stage_index(labels: tuple[str, ...], token: str, *, first: bool) -> tuple[int, bool] | None:
    """Index of the first (or last) system label a criterion stage token covers, and whether only in part
    ("IB" against a system that has only "I")."""
    hits = [i for i, lab in enumerate(labels) if lab == token or (lab.startswith(token) and lab[len(token) :] in "ABC")]
    if hits:
        return (hits[0] if first else hits[-1]), False
    broader = [i for i, lab in enumerate(labels) if token.startswith(lab) and token[len(lab) :] in ("A", "B", "C")]
    return (broader[0], True) if broader else None


def _lines(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    low, high = f["min"], f["max"]
    if low == high == 0:
        want = "no prior systemic treatment"
    elif high is None:
        want = f"at least {low} prior line{'s' if low != 1 else ''} of treatment"
    elif low in (None, 0):
        want = f"at most {high} prior line{'s' if high != 1 else ''} of treatment"
    else:
        want = f"{low}-{high} prior lines of treatment" if low != high else f"exactly {low} prior line(s)"
    classes = f.get("classes") or []
    if classes:
        want += f" including {' and '.join(_class_names([c]) for c in classes)}"
    if p.lines_low is None:
        return "unknown", f"{want}; your treatment history is not given"
    value: Value
    pl, ph = p.lines_low, p.lines_high
    fmin = low or 0
    if (ph is not None and ph < fmin) or (high is not None and pl > high):
        value = "no"
    elif pl >= fmin and (high is None or (ph is not None and ph <= high)):
        value = "yes"
    else:
        value = "unknown"
    mine = f"{pl}" if pl == ph else f"at least {pl}"
    text = f"{want}; you have had {mine}"
    if value == "yes" and classes:
        if p.agent_classes is None:
            return "unknown", text + "; which drugs is not given"
        missing = [c for c in classes if c not in p.agent_classes]
        if missing:
            return "no", text + f", without {_class_names(missing)}"
    return value, text


def _agents(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    names = _class_names(f["classes"])
    if p.agent_classes is None:
        return "unknown", f"about prior {names}; your prior drugs are not given"
    had = bool(set(f["classes"]) & p.agent_classes)
    if f.get("permissive"):
        return ("yes" if had else "na"), f"prior {names} is allowed"
    if f["present"]:
        return ("yes" if had else "no"), f"prior {names}; you have {'had' if had else 'not had'} it"
    return ("no" if had else "yes"), f"no prior {names}; you have {'had' if had else 'not had'} it"


def _brain(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    where = " (from the staging findings)" if p.brain_mets_from_staging else ""
    if p.brain_mets is None:
        return "unknown", "about brain metastases; not recorded for you"
    if f["permissive"]:
        if not p.brain_mets:
            return "na", "allows some brain metastases; you have none recorded" + where
        return "unknown", "allows brain metastases only under conditions the team must check"
    if not p.brain_mets:
        return ("no" if f["present"] else "yes"), "brain metastases; you have none recorded" + where
    if f["qualified"]:
        return "unknown", "you have brain metastases; whether they count (treated, stable) needs checking"
    return ("yes" if f["present"] else "no"), "you have brain metastases" + where


def _age(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    low, high = f["min"], f["max"]
    parts = []
    if low is not None:
        parts.append(f"{'over' if f['min_strict'] else 'at least'} {low:g}")
    if high is not None:
        parts.append(f"{'under' if f['max_strict'] else 'at most'} {high:g}")
    want = "age " + " and ".join(parts)
    if p.age_years is None:
        return "unknown", f"{want}; your age is not given"
    a = p.age_years
    ok = (low is None or (a > low if f["min_strict"] else a >= low)) and (
        high is None or (a < high if f["max_strict"] else a <= high)
    )
    return ("yes" if ok else "no"), f"{want}; you are {a}"


def _combine(values: list[Value], kind: str) -> Value:
    real = [v for v in values if v != "na"]
    if not real:
        return "na"
    if kind == "exclusion":  # "A or B" is the usual reading of an exclusion
        if "yes" in real:
            return "yes"
        return "no" if all(v == "no" for v in real) else "unknown"
    if "no" in real:
        return "no"
    return "yes" if all(v == "yes" for v in real) else "unknown"


def evaluate_criterion(criterion: Criterion, p: PatientFacts) -> CriterionOutcome:
    """The label of one criterion for this person, with the reason in plain words."""
    if not criterion.facts:
        return CriterionOutcome(
            criterion.kind,
            criterion.text,
            criterion.context,
            "other",
            "not enough information",
            "unknown",
            "not checked by mesostage; ask the study team",
        )
    results = [_fact(f, p) for f in criterion.facts]
    value = _combine([v for v, _ in results], criterion.kind)
    label = _LABEL[value]
    effect: Effect
    if value == "unknown":
        effect = "unknown"
    elif value == "na":
        effect = "neutral"
    elif (value == "yes") == (criterion.kind == "inclusion"):
        effect = "for"
    else:
        effect = "against"
    # The reason shows the facts that decided the label first.
    deciding = [r for v, r in results if v == value] or [r for _, r in results]
    reason = "; ".join(dict.fromkeys(deciding))
    return CriterionOutcome(criterion.kind, criterion.text, criterion.context, criterion.type, label, effect, reason)
