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

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from mesostage.case import Case
from mesostage.staging import load_system, stage
from mesostage.trials.criteria import Criterion, vocabulary
from mesostage.trials.labs import analytes, check_lab, check_organ_disease, check_organ_function

__all__ = ["LABELS", "CriterionOutcome", "PatientFacts", "evaluate_all", "evaluate_criterion", "patient_facts"]

Label = Literal["met", "not met", "not applicable", "not enough information"]
Effect = Literal["for", "against", "unknown", "neutral"]
# "ask": not enough information, and the answer turns on something the person HAS (a drug they had and a waiting
# time, an effusion and whether it is controlled, brain metastases and whether they count, results outside the usual
# limits against "adequate organ function"): an open question about them, not a routine unknown.
Value = Literal["yes", "no", "unknown", "ask", "na"]
LABELS: tuple[Label, ...] = ("met", "not met", "not applicable", "not enough information")
_LABEL: dict[Value, Label] = {
    "yes": "met",
    "no": "not met",
    "na": "not applicable",
    "unknown": "not enough information",
    "ask": "not enough information",
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
    # stage in each TNM edition (pleura): every stage the unknowns still allow, and the T, N and M categories
    stage_by_system: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tnm_by_system: dict[str, dict[str, str | None]] = field(default_factory=dict)
    labs: dict[str, float] = field(default_factory=dict)  # case field name -> value
    brain_mets_treated_stable: bool | None = None
    effusion: bool | None = None
    prior_chest_surgery: bool | None = None
    prior_chest_radiotherapy: bool | None = None
    biomarkers: dict[str, Any] = field(default_factory=dict)
    tumor_type: str | None = None  # WHO 2021 type; the case format assumes diffuse when not given
    # where the disease has spread (contralateral_thoracic, intra_abdominal, confined_peritoneal, distant): True,
    # False, or None when the findings do not say
    extent: dict[str, bool | None] = field(default_factory=dict)
    # days since the last treatment of each kind ("systemic", "radiotherapy", "surgery"), from the case's dates;
    # a kind without a date (or with a date after today) is absent
    days_since: dict[str, int] = field(default_factory=dict)
    as_of: dt.date | None = None  # the date days_since counts to


@functools.cache
def _lab_fields() -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for a in analytes().values() for f in (a.field, a.uln_field) if f is not None))


def _possible(system: str, r: Any) -> tuple[str, ...] | None:
    if not (r.applicable and r.stage_range):
        return None
    labels = load_system(system).stages
    lo, hi = labels.index(r.stage_range[0]), labels.index(r.stage_range[1])
    return tuple(labels[lo : hi + 1])


_CONTRALATERAL_THORAX = frozenset(
    {
        "contralateral_pleura_direct",
        "contralateral_mediastinal",
        "contralateral_internal_mammary",
        "contralateral_hilar",
        "contralateral_supraclavicular",
        "lung_contralateral",
        "pleura_contralateral_discontinuous",
    }
)
_ABDOMEN = frozenset({"transdiaphragmatic", "peritoneum_discontinuous", "liver", "adrenal"})
#: lymph nodes on the other side: in the chest, but whether they take the disease beyond "one hemithorax" is for the
#: surgeons (a contralateral mediastinal node lies in the middle of the chest)
_CONTRALATERAL_NODES = frozenset(
    {
        "contralateral_mediastinal",
        "contralateral_internal_mammary",
        "contralateral_hilar",
        "contralateral_supraclavicular",
    }
)


def _extent(case: Case) -> dict[str, bool | None]:
    """Where the disease has spread, from the staging findings: a section not assessed, or a finding listed as
    unknown, leaves the answer open."""
    if case.site == "peritoneum":
        extra = case.peritoneal.extra_abdominal_metastases if case.peritoneal else None
        return {
            "intra_abdominal": True,
            "confined_peritoneal": None if extra is None else not extra,
            "distant": extra,
            "contralateral_thoracic": False if extra is False else None,
            "contralateral_pleura_lung": False if extra is False else None,
        }
    if case.site != "pleura":
        return {}
    sections = [s for s in (case.tumor, case.nodes, case.metastases) if s is not None]
    if len(sections) < 3 or not all(s.assessed for s in sections):
        return {"confined_peritoneal": False}

    def spread(names: frozenset[str], among: list[Any]) -> bool | None:
        if any(set(s.findings) & names for s in among):
            return True
        if any(set(s.unknown) & names for s in among):
            return None
        return False

    metastases = case.metastases
    assert metastases is not None
    distant: bool | None = bool(metastases.findings) or (None if metastases.unknown else False)
    return {
        "contralateral_thoracic": spread(_CONTRALATERAL_THORAX, sections),
        "contralateral_pleura_lung": spread(_CONTRALATERAL_THORAX - _CONTRALATERAL_NODES, sections),
        "contralateral_nodes": spread(_CONTRALATERAL_NODES, sections),
        "intra_abdominal": spread(_ABDOMEN, sections),
        "confined_peritoneal": False,
        "distant": distant,
    }


def _days_since(p: Any, today: dt.date) -> dict[str, int]:
    if p is None:
        return {}
    dates = {
        "systemic": p.last_systemic_therapy_date,
        "radiotherapy": p.last_radiotherapy_date,
        "surgery": p.last_surgery_date,
    }
    return {kind: (today - d).days for kind, d in dates.items() if d is not None and d <= today}


def patient_facts(case: Case, *, today: dt.date | None = None) -> PatientFacts:
    """What matching knows about the person in ``case``; ``today`` (default: this computer's date) is the date
    the waiting times after the last treatment are counted to."""
    p = case.patient
    system = None
    possible: tuple[str, ...] | None = None
    by_system: dict[str, tuple[str, ...]] = {}
    tnm: dict[str, dict[str, str | None]] = {}
    if case.site in ("pleura", "peritoneum"):
        result = stage(case)
        system = result.default_system
        if system is not None:
            possible = _possible(system, result.result(system))
        if case.site == "pleura":
            for edition in ("tnm7", "tnm8", "tnm9"):
                r = result.result(edition)
                if (got := _possible(edition, r)) is not None:
                    by_system[edition] = got
                tnm[edition] = {"t": r.t, "n": r.n, "m": r.m}
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
        stage_by_system=by_system,
        tnm_by_system=tnm,
        labs={f: v for f in _lab_fields() if p is not None and (v := getattr(p, f)) is not None},
        brain_mets_treated_stable=p.brain_metastases_treated_stable if p else None,
        effusion=case.pleural_effusion_malignant,
        prior_chest_surgery=p.prior_chest_surgery if p else None,
        prior_chest_radiotherapy=p.prior_chest_radiotherapy if p else None,
        biomarkers=p.biomarkers.model_dump(exclude_none=True) if p and p.biomarkers else {},
        tumor_type=case.tumor_type,
        extent=_extent(case),
        days_since=_days_since(p, today := today or dt.date.today()),
        as_of=today,
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
    # the label is "not enough information" about something the person has: the trial cannot be shown as fitting
    # until the study team has answered it
    open_question: bool = False


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
        if f.get("subgroup"):
            return "na", f"a rule for {allowed[0]} mesothelioma only"
        if len(allowed) == 3:
            return "yes", "any cell type"
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
        if f.get("any"):
            return "yes", "measurable or non-measurable disease: any disease will do"
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
            return "ask", f"you have {name}; the criterion has exceptions, so the team must check"
        return ("yes" if f["present"] else "no"), f"you have {name}"
    if kind == "age":
        return _age(f, p)
    if kind == "tumor_type":
        mine = (p.tumor_type or "diffuse").replace("_", " ")
        assumed = "" if p.tumor_type else ", as assumed when the type is not given"
        has_it = p.tumor_type in f["excluded"]
        # an exclusion is met, an inclusion ("... are not eligible") not met, when the person has the type
        value: Value = ("yes" if has_it else "no") if f.get("kind") == "exclusion" else ("no" if has_it else "yes")
        return value, f"well-differentiated papillary mesothelial tumours are not eligible; yours is {mine}{assumed}"
    if kind == "cohort":
        if f.get("exempt"):
            return "yes", "people with mesothelioma are exempt from this requirement"
        return "na", f"this part of the trial is for {f['disease']}, not mesothelioma"
    if kind == "tnm":
        return _tnm(f, p)
    if kind == "extent":
        return _extent_value(f, p)
    if kind == "washout":
        return _washout(f, p)
    if kind == "current_treatment":
        if f.get("permissive"):
            return "na", "treatment at the same time is allowed; it does not count against you"
        if p.progressed is True:
            return "no", "treatment you are receiving now; your disease progressed after the last treatment"
        if p.lines_high == 0:
            return "no", "treatment you are receiving now; you have had no treatment yet"
        return "unknown", "treatment you are receiving now: not recorded for you"
    if kind in ("prior_surgery", "prior_radiotherapy"):
        return _prior_local(f, p)
    if kind == "effusion":
        return _effusion(f, p)
    if kind == "biomarker":
        return _biomarker(f, p)
    if kind == "lab":
        return _lab(f, p)
    if kind == "organ_disease":
        if "kidney" in f["systems"] and "renal_impairment" in p.contraindications:
            return ("yes" if f["present"] else "no"), "kidney disease: you have renal impairment recorded"
        said, why = check_organ_disease(f, p.labs)
        return {"yes": "yes", "no": "no", "ask": "ask"}.get(said, "unknown"), why  # type: ignore[return-value]
    if kind == "organ_function":
        said, why = check_organ_function(f, p.labs)
        return ("ask" if said == "ask" else "unknown"), why
    if kind == "pregnancy":
        if p.sex == "male":
            return "na", "about pregnancy; does not apply to men"
        return "unknown", "about pregnancy or contraception"
    return "unknown", "not checked"


_ORDINAL_WORD = {"7": "7th", "8": "8th", "9": "9th"}


def _edition_system(f: dict[str, Any], p: PatientFacts) -> tuple[str | None, tuple[str, ...] | None, str]:
    """The system a stage criterion is read in, the person's stages in it, and the words that say which edition
    and why: the one the trial names, else the one in force at the trial's start, else the case's own."""
    edition = f.get("edition")
    if edition and p.site == "pleura" and f"tnm{edition}" in ("tnm7", "tnm8", "tnm9"):
        system = f"tnm{edition}"
        if f.get("edition_from", "named") == "named":
            why = f" (TNM {_ORDINAL_WORD[edition]} edition, as the trial names)"
        else:
            date = str(f["edition_from"]).removeprefix("start ")
            why = (
                f" (the trial names no edition: read in the {_ORDINAL_WORD[edition]}, the edition in force when it "
                f"started, {date})"
            )
        return system, p.stage_by_system.get(system), why
    if p.site != "pleura":
        return None, None, " (the trial names no stage system for your site: the study team must check)"
    era = f.get("edition_era")
    if era:
        system = f"tnm{era}"
        why = (
            f" (the trial names no edition and no start date; its registration number dates it to the time of the "
            f"{_ORDINAL_WORD[era]} edition: read in that edition)"
        )
        return system, p.stage_by_system.get(system), why
    why = " (the trial names no edition and gives no start date: read in your case's edition)"
    return p.stage_system, p.stage_possible, why


def _stage(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    spec = ", ".join(a if a == b else f"{a}-{b}" for a, b in f["ranges"])
    if f.get("pleural_only") and p.site != "pleura":
        return "ask", (
            f"stage {spec}: the trial started ({f['pleural_only']}) before any staging of {_SITE_WORDS[p.site]} "
            "mesothelioma existed (2011), so it names a stage of pleural mesothelioma: the study team must say whether "
            "your disease fits"
        )
    system_id, stages, edition = _edition_system(f, p)
    if system_id is None or stages is None:
        return "unknown", f"stage {spec}{edition}; your stage is not known"
    p = replace(p, stage_system=system_id, stage_possible=stages)
    assert p.stage_system is not None
    assert p.stage_possible is not None
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


def _tnm_pairs(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    """T and N categories named together ("T1N1, T2N0, T3N1 disease"): the person's pair must be one of them."""
    spec = ", ".join(f"T{t}N{n}" for t, n in f["pairs"])
    system_id, _, edition = _edition_system(f, p)
    cats = p.tnm_by_system.get(system_id or "") or {}
    t, n = (cats.get(c) or f"{c.upper()}?" for c in "tn")
    if not (t[1:2].isdigit() and n[1:2].isdigit()):
        return "unknown", f"{spec}{edition}; your T and N categories are not known"
    value: Value = "yes" if [int(t[1]), int(n[1])] in f["pairs"] else "no"
    return value, f"{spec}{edition}; yours is {t} {n}"


def _tnm(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    if "pairs" in f:
        return _tnm_pairs(f, p)
    parts = [f"{c.upper()}{f[c][0]}" + (f"-{f[c][1]}" if f[c][1] != f[c][0] else "") for c in "tnm" if c in f]
    spec = " ".join(parts)
    system_id, _, edition = _edition_system(f, p)
    cats = p.tnm_by_system.get(system_id or "")
    if not cats:
        return "unknown", f"{spec}{edition}; your T, N and M categories are not known"
    values: list[Value] = []
    mine = []
    for c in "tnm":
        if c not in f:
            continue
        got = cats.get(c)
        digit = got[1:2] if got else ""
        mine.append(got or f"{c.upper()}?")
        if not digit.isdigit():
            values.append("unknown")
            continue
        values.append("yes" if f[c][0] <= int(digit) <= f[c][1] else "no")
    value: Value = "no" if "no" in values else ("yes" if all(v == "yes" for v in values) else "unknown")
    if value == "yes" and f.get("qualified"):
        # "T4 disease with invasion to heart and diaphragm": the category fits, the structures named are to check
        return "unknown", f"check first: {spec}{edition} with the structures the trial names; yours is {' '.join(mine)}"
    return value, f"{spec}{edition}; yours is {' '.join(mine)}"


_EXTENT_WORDS = {
    "contralateral_thoracic": "disease on the other side of the chest",
    "contralateral_pleura_lung": "disease in the other lung or pleura",
    "intra_abdominal": "disease in the abdomen",
    "confined_peritoneal": "disease only inside the abdomen (peritoneal cavity)",
    "distant": "metastases (distant spread)",
}


def _extent_value(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    known = [p.extent.get(w) for w in f["what"]]
    has = True if True in known else (False if known and all(k is False for k in known) else None)
    what = " or ".join(_EXTENT_WORDS[w] for w in f["what"])
    if has is None and f.get("loose") and p.resectable is True and f["present"]:
        has = False  # "a metastatic tumour": a tumour that can be removed is not one (unless metastases are found)
    if has is None:
        return "unknown", f"about {what}: your staging findings do not say"
    mine = f"you have {what}" if has else f"you have no {what} recorded"
    if f.get("nodes_open") and not has and p.extent.get("contralateral_nodes"):
        # "Disease confined to one hemi-thorax" (NCT02040272) with a lymph node on the other side
        return "unknown", f"{mine}, but a lymph node on the other side: whether it counts is for the surgeons"
    if f.get("loose") and f["present"] and not has and p.resectable is not True:
        # "a metastatic solid tumor" (NCT02614456) is often written for any advanced cancer: a tumour that cannot be
        # removed may be what the trial means; the study team decides
        return "unknown", f"a metastatic cancer; {mine}, and an advanced tumour may count: the study team decides"
    if f["permissive"]:
        return ("yes" if has else "na"), f"{what} allowed; {mine}"
    return ("yes" if has == f["present"] else "no"), f"{'' if f['present'] else 'no '}{what}; {mine}"


def _had(classes: list[str], p: PatientFacts) -> bool | None:
    """Whether the person has had any of these drugs or classes; None when it cannot be told: their drugs are not
    given, or a drug the case cannot name ("doxorubicin") may be among those recorded only as "other"."""
    if p.agent_classes is None:
        return None
    if set(classes) & p.agent_classes:
        return True
    voc = vocabulary()
    unnamed = {c.removeprefix("agent:") for c in classes if c.removeprefix("agent:") in voc.unlisted_agents}
    for name in unnamed:
        for other in ("other", "other_chemotherapy", "other_immunotherapy"):
            if f"agent:{other}" in p.agent_classes and (
                not voc.agents[other] or set(voc.agents[other]) & set(voc.agents[name])
            ):
                return None
    return False


def _washout(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    """A time since the last treatment: never a ban; it applies only to what the person has had. With the date of
    the last treatment of each kind concerned, a waiting time that has passed is decided (the same as not having
    had it); one that has not passed yet stays open, with the date it will have passed, because the last drug may
    not have been of the kind the trial names."""
    what = [_class_names([c]) for c in f["classes"]] + list(f["local"])
    names = " or ".join(what) or "the last treatment"
    had: bool | None = False
    if f["classes"]:
        had = _had(f["classes"], p)
    local_had = [{"surgery": p.prior_chest_surgery, "radiotherapy": p.prior_chest_radiotherapy}[x] for x in f["local"]]
    if not f["classes"] and not f["local"]:
        had = None if p.agent_classes is None else bool(p.agent_classes)
    not_had: Value = "no" if f.get("had_within") else "na"
    if had is False and all(x is False for x in local_had):
        if f.get("had_within"):
            return "no", f"{names} within a recent period; you have not had it"
        return "na", f"a waiting time after {names}; you have not had it"
    # every kind of treatment the criterion concerns that the person has had, or may have had
    kinds = ["systemic"] if had is not False else []
    kinds += [x for x, h in zip(f["local"], local_had, strict=True) if h is not False]
    window = f.get("days")
    if window is not None and kinds and all(k in p.days_since for k in kinds):
        since = min(p.days_since[k] for k in kinds)
        shortest, longest = window
        if since >= longest:
            return not_had, f"a waiting time after {names}; your last was {_ago(since)}, longer than the time asked"
        if since < shortest:
            ready = (p.as_of or dt.date.today()) + dt.timedelta(days=longest - since)
            return "unknown", (
                f"a waiting time after {names}: your last treatment was {_ago(since)}, less than the time asked; "
                f"the study team can say if it counts (it will have passed by {ready.isoformat()})"
            )
        return "unknown", (
            f"a waiting time after {names}: your last treatment was {_ago(since)}, about the time asked; the study "
            "team can say if it has passed"
        )
    return "unknown", f"a waiting time after {names}: needs the date of your last treatment (not in the case)"


def _ago(days: int) -> str:
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 90:
        return f"{days // 7} weeks ago"
    return f"about {days * 12 // 365} months ago"


def _prior_local(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    surgery = f["type"] == "prior_surgery"
    name = "an operation on the chest" if surgery else "radiotherapy to the chest"
    had = p.prior_chest_surgery if surgery else p.prior_chest_radiotherapy
    if had is None:
        return "unknown", f"about prior {'surgery' if surgery else 'radiotherapy'}: needs whether you have had {name}"
    if f["permissive"]:
        return ("yes" if had else "na"), f"prior {'surgery' if surgery else 'radiotherapy'} is allowed"
    if had and f.get("specific"):
        return "ask", f"you have had {name}; whether it was the kind named needs checking"
    word = "had" if had else "not had"
    return (
        "yes" if had == f["present"] else "no"
    ), f"{'no ' if not f['present'] else ''}prior {name}; you have {word} it"


def _effusion(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    if f.get("permissive"):
        if p.effusion is False:
            return "na", "about how a pleural effusion is handled; you have none recorded"
        if p.effusion:
            return "ask", "you have a pleural effusion: needs whether it has been treated and is under control"
        return "unknown", "about how a pleural effusion is handled (treated, drained, controlled): needs checking"
    if f.get("conditional") and p.effusion is False:
        return "na", "about the lung after a pleural effusion is drained; you have no effusion recorded"
    if p.effusion is None:
        return "unknown", "about a malignant pleural effusion (fluid around the lung): not recorded for you"
    if not p.effusion:
        return ("no" if f["present"] else "yes"), "a malignant pleural effusion; you have none recorded"
    if f["qualified"]:
        return "unknown", "you have a malignant pleural effusion; whether it is of the kind named needs checking"
    if f["symptomatic"] and f["present"]:
        return "unknown", "a malignant pleural effusion that causes symptoms; yours is recorded, its symptoms are not"
    return ("yes" if f["present"] else "no"), "a malignant pleural effusion; you have one"


_MARKER_WORDS = {
    "mesothelin": "mesothelin test",
    "bap1": "BAP1 test",
    "mtap": "MTAP test",
    "cdkn2a": "CDKN2A (p16) test",
    "nf2": "NF2 test",
    "pdl1": "PD-L1 score (TPS)",
}


def _biomarker(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    marker = f["marker"]
    words = _MARKER_WORDS[marker]
    if marker == "pdl1":
        tps = p.biomarkers.get("pdl1_tps_percent")
        if "min_percent" in f:
            want = f"PD-L1 of at least {f['min_percent']}%"
            ok = None if tps is None else tps >= f["min_percent"]
        else:
            want = "PD-L1 below 1%"
            ok = None if tps is None else tps < f["max_percent"]
        if ok is None:
            return "unknown", f"{want}: needs your {words}"
        return ("yes" if ok else "no"), f"{want}; yours is {tps:g}%"
    got = p.biomarkers.get(marker)
    want = f"{marker.upper()} {f['want'].replace('_', ' ')}"
    if p.histology is not None and p.histology in f.get("exempt", ()):
        return "yes", f"{want}: the trial takes {p.histology} mesothelioma as {f['want']} without a test"
    if got is None:
        return "unknown", f"{want}: needs your {words} result"
    if got == f["want"] and f.get("min_percent"):
        return (
            "ask",
            f"{want} in at least {f['min_percent']}% of the tumour; yours is {got}: needs the share of tumour cells",
        )
    return ("yes" if got == f["want"] else "no"), f"{want}; yours is {got.replace('_', ' ')}"


def _lab(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    results = [check_lab(t, p.labs) for t in f["any_of"]]
    values = [v for v, _ in results]
    undecided: Value = "ask" if "ask" in values else "unknown"
    value: Value = "yes" if "yes" in values else ("no" if all(v == "no" for v in values) else undecided)
    reasons = [r for v, r in results if v == value] or [r for _, r in results]
    return value, " or ".join(reasons)


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
        joiner = " or " if f.get("classes_any") else " and "
        want += f" including {joiner.join(_class_names([c]) for c in classes)}"
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
    if value == "no" and f.get("or_refused") and ph is not None and ph < fmin:
        return "ask", text + "; the trial also takes people who refused it: needs whether you did"
    if value == "no" and f.get("no_standard") and ph == 0:
        # docs/trials.md: an untreated person who could have standard treatment does not meet "no standard
        # treatment exists" / "not eligible for treatment"; the study team decides if there is a reason they cannot
        return (
            value,
            text + "; standard first treatment exists for mesothelioma"
            " (if your doctors say you cannot have it, ask the study team)",
        )
    if value == "yes" and f.get("recent_months"):
        return (
            "ask",
            text + f"; it must be now or in the last {f['recent_months']:g} months: needs when your last one was",
        )
    if value == "yes" and classes:
        if p.agent_classes is None:
            return "unknown", text + "; which drugs is not given"
        missing = [c for c in classes if c not in p.agent_classes]
        if f.get("classes_any") and len(missing) < len(classes):
            missing = []
        if missing:
            return "no", text + f", without {_class_names(missing)}"
    return value, text


def _agents(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    names = _class_names(f["classes"])
    had = _had(f["classes"], p)
    if f.get("side_effects"):
        # "Grade 3 or Grade 4 irAEs related to prior cancer immunotherapy" (NCT04296994): only for those who had it
        if had is False:
            return "na", f"about side effects of earlier {names}; you have not had it"
        return "unknown", f"about side effects of earlier {names}: not in the case; the study team will ask"
    if had is None:
        if p.agent_classes is None:
            return "unknown", f"about prior {names}; your prior drugs are not given"
        return "unknown", f"about prior {names}; your drugs recorded as other may include it"
    if f.get("permissive"):
        return ("yes" if had else "na"), f"prior {names} is allowed"
    if f["present"]:
        return ("yes" if had else "no"), f"prior {names}; you have {'had' if had else 'not had'} it"
    return ("no" if had else "yes"), f"no prior {names}; you have {'had' if had else 'not had'} it"


def _brain(f: dict[str, Any], p: PatientFacts) -> tuple[Value, str]:
    where = " (from the staging findings)" if p.brain_mets_from_staging else ""
    if p.brain_mets is None:
        return "unknown", "about brain metastases; not recorded for you"
    active = f.get("active")
    if not p.brain_mets:
        if f["permissive"]:
            return "na", "allows some brain metastases; you have none recorded" + where
        return ("no" if f["present"] else "yes"), "brain metastases; you have none recorded" + where
    stable = p.brain_mets_treated_stable
    state = "treated and stable" if stable else "not treated and stable"
    if f["permissive"]:
        # "Patients with intracranial metastases, which have been treated ... may be eligible ..."
        if stable:
            ok: Value = "yes" if f.get("kind", "inclusion") == "inclusion" else "no"
            return ok, f"allows brain metastases that are treated and stable; yours are {state}"
        return "ask", "allows brain metastases only under conditions the team must check"
    if active and stable is not None:
        # "no untreated or symptomatic brain metastases", "CNS metastases (unless treated ...)": do the person's
        # count?
        counts = not stable
        return (
            "yes" if counts == f["present"] else "no"
        ), f"about active or untreated brain metastases; yours are {state}"
    if f["qualified"] or active:
        return "ask", "you have brain metastases; whether they count (treated, stable) needs checking"
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
    undecided: Value = "ask" if "ask" in real else "unknown"
    if kind == "exclusion":  # "A or B" is the usual reading of an exclusion
        if "yes" in real:
            return "yes"
        return "no" if all(v == "no" for v in real) else undecided
    if "no" in real:
        return "no"
    return "yes" if all(v == "yes" for v in real) else undecided


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
    sub = next((f for f in criterion.facts if f.get("subgroup")), None)
    if sub is not None and p.histology is not None and p.histology not in sub["allowed"]:
        return CriterionOutcome(
            criterion.kind,
            criterion.text,
            criterion.context,
            criterion.type,
            "not applicable",
            "neutral",
            f"a rule for {sub['allowed'][0]} mesothelioma only; yours is {p.histology}",
        )
    results = [_fact(f, p) for f in criterion.facts]
    value = _combine([v for v, _ in results], criterion.kind)
    label = _LABEL[value]
    effect: Effect
    if value in ("unknown", "ask"):
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
    return CriterionOutcome(
        criterion.kind, criterion.text, criterion.context, criterion.type, label, effect, reason, value == "ask"
    )


def _title_yields_to_text(criteria: tuple[Criterion, ...] | list[Criterion], outcomes: list[CriterionOutcome]) -> None:
    """A line of treatment read from the title ("as First-line Treatment") gives way when the criteria themselves
    ask about prior treatment and the person passes them (NCT02397928 excludes "Previous chemotherapy" only)."""
    text_ok = any(
        c.context != "the trial's title"
        and any(f["type"] in ("prior_agent", "lines") for f in c.facts)
        and outcomes[i].effect == "for"
        for i, c in enumerate(criteria)
    )
    if not text_ok:
        return
    for i, c in enumerate(criteria):
        o = outcomes[i]
        if c.context == "the trial's title" and o.type == "lines" and o.label == "not met":
            why = "the trial's own criteria on prior treatment are met; the study team decides"
            outcomes[i] = CriterionOutcome(
                o.kind, o.text, o.context, o.type, "not enough information", "unknown", f"{o.reason}; {why}"
            )


def evaluate_all(
    criteria: tuple[Criterion, ...] | list[Criterion],
    p: PatientFacts,
    *,
    evaluate: Callable[[Criterion, PatientFacts], CriterionOutcome] = evaluate_criterion,
) -> list[CriterionOutcome]:
    """Every criterion of a trial, with alternatives ("one of the following") taken together: when one
    alternative is met, the others do not apply to the person; when none is met but one is undecided, the others
    are not enough to rule the person out. ``evaluate`` labels one criterion (matching passes one that reuses the
    label of a criterion with the same facts already decided for this person)."""
    outcomes = [evaluate(c, p) for c in criteria]
    for i, c in enumerate(criteria):
        o = outcomes[i]
        if c.kind == "exclusion" and c.group is not None and o.label == "met":
            # an exclusion for one cohort of the trial ("Phase II only: ..."): the team decides the cohort
            why = "it applies to one part of the trial only; the study team decides which part fits you"
            outcomes[i] = CriterionOutcome(
                o.kind, o.text, o.context, o.type, "not enough information", "unknown", f"{o.reason}; {why}"
            )
    _title_yields_to_text(criteria, outcomes)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(criteria):
        if c.group is not None and c.kind == "inclusion":
            groups.setdefault(c.group, []).append(i)
    for members in groups.values():
        labels = {outcomes[i].label for i in members}
        if "not met" not in labels or labels == {"not met"}:
            continue
        met = "met" in labels
        for i in members:
            o = outcomes[i]
            if o.label != "not met":
                continue
            if met:
                label: Label = "not applicable"
                effect: Effect = "neutral"
                why = "another of the alternatives listed applies to you"
            else:
                label, effect, why = "not enough information", "unknown", "another of the alternatives may apply to you"
            outcomes[i] = CriterionOutcome(o.kind, o.text, o.context, o.type, label, effect, f"{o.reason}; {why}")
    return outcomes
