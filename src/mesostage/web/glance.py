"""The first screen of the results (patient view): the questions families ask most, each answered in a line or two,
in their words, from what the sections below already computed (no extra work per page).

The questions and their order come from the real questions in ``benchmarks/questions/real.json``: what the stage
means, how sure it is, the stage a person was told, the treatments to ask about, surgery, the aim of treatment, the
outlook, clinical trials, and what to ask. Each answer links to the section that holds the detail. Nothing here is
advice: the treatments are the ones the guidelines list, for the care team to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mesostage import load_system
from mesostage.labels import humanize
from mesostage.web.answer import what_was_found

if TYPE_CHECKING:
    from mesostage.web.view import Analysis

__all__ = ["GlanceRow", "glance"]

#: What the aim of a listed treatment means, in plain words (the ``goal`` of a treatment option).
_AIMS = {
    "life-prolonging": "to help you live longer",
    "curative intent": "to control the cancer for a long time",
    "symptom relief": "to ease symptoms",
}
#: How many treatments the first screen names (the rest are counted).
NAMED_TREATMENTS = 2


@dataclass(frozen=True)
class GlanceRow:
    """One question and its short answer; ``href`` is the section with the detail."""

    id: str
    question: str
    answer: str
    href: str
    link: str = ""  # the link's words, where the answer ends with one


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _lower_first(name: str) -> str:
    """An option's name inside a sentence: "Lung-sparing surgery" as "lung-sparing surgery" (not "CRS-HIPEC")."""
    return name[0].lower() + name[1:] if name[:2].isupper() is False and name[:1].isupper() else name


def _meaning(a: Analysis) -> str:
    r = a.in_use.result if a.in_use is not None else None
    found = what_was_found(a.case, r).removeprefix("The findings entered show ")
    parts = [found[:1].upper() + found[1:]]
    if r is not None:
        stages = load_system(r.system).stages
        if r.pci is not None:
            parts.append(f"The PCI score is {r.pci} out of 39: it adds up the tumour seen in 13 parts of the belly.")
        if len(stages) > 1:
            parts.append(f"Stages go from {stages[0]} to {stages[-1]}, the most advanced stage.")
    else:
        parts.append("There is no formal staging system for this site. Doctors say in words how far it has grown.")
    return " ".join(p for p in parts if p)


def _how_sure(a: Analysis) -> str:
    ans = a.answer
    if ans is None:
        return ""
    if ans.in_use.settled:
        head = f"Settled in the {ans.in_use.name}: new scans or surgery could still change it."
    else:
        head = f"Not settled yet. {ans.depends} Tests that answer this would settle it."
    r = a.in_use.result if a.in_use is not None else None
    if r is not None and r.evidence != "official":
        # as the Stage section says it: a system that is not the official book is taken with care
        where = (
            "a research paper, not the official staging book"
            if r.evidence == "secondary" and r.pci is not None
            else ("a secondary source, not the official book" if r.evidence == "secondary" else "an old system")
        )
        head += f" Take it with some care: its rules come from {where}."
    return " ".join((head, *ans.others))


def _treatments(d: Mapping[str, Any], treated: bool) -> str:
    first = d["first"]
    if not first:
        return ""
    names = [o.option for o in first[:NAMED_TREATMENTS]]
    more = len(first) - len(names)
    lead = "After a first treatment, the guidelines list" if treated else "Listed first by the guidelines"
    text = f"{lead}: {'; '.join(names)}"
    if more:
        text += f"; and {more} more"
    return text + "."


def _surgery(d: Mapping[str, Any]) -> str:
    found = d["options"]
    listed = [o for o in found.options if o.category == "surgery"]
    if listed:
        o = listed[0]
        text = f"It may be, for some people: {_lower_first(o.option)}."
        if o.goal == "benefit uncertain":
            text += " Its benefit is not certain."
        return text + " The care team decides."
    set_aside = [o for o in found.not_suitable if o.category == "surgery"]
    if set_aside and set_aside[0].does_not_apply_because:
        return (
            f"Surgery to remove it does not fit this situation in the guidelines: they list it "
            f"{set_aside[0].does_not_apply_because[0]}. Ask your care team."
        )
    return "No operation to remove it is listed for this situation. Ask your care team."


def _aim(d: Mapping[str, Any]) -> str:
    found = d["options"]
    if found.stage4 is not None:
        # The stage-4 goals of care (sourced in the options data): the sentences after "Stage 4 means ...".
        sentences = [s.strip() + "." for s in found.stage4.goals_of_care.split(".") if s.strip()]
        return " ".join((*sentences[1:3], "The care team decides what fits."))
    first = d["first"]
    aims = list(dict.fromkeys(_AIMS[o.goal] for o in first if o.goal in _AIMS))
    if not aims:
        return ""
    text = f"They aim {' and '.join(aims)}"
    if any("does not cure mesothelioma" in o.text for o in first):
        text += "; the drug treatments do not cure mesothelioma"
    return text + ". Care to ease symptoms goes alongside. The care team decides what fits."


def _trials(d: Any) -> str:
    if "list" not in d:
        return ""
    listed = d["list"]
    n = len(listed.matches)
    if n == 0:
        return "No clinical trial in the list fits what was entered."
    text = f"{n} clinical {'trial' if n == 1 else 'trials'} may fit"
    if listed.fictional_data:
        text += " (demo data: FICTIONAL)"
    return text + ". The study team checks who can take part."


def _ask(a: Analysis) -> str:
    notes = len(a.sections["review"]["notes"])
    questions = a.summary.questions
    parts = []
    if questions:
        parts.append(f"Questions to ask: {_sentence(questions[0])}")
    what = f"the {notes} {'point' if notes == 1 else 'points'} to check below" if notes else "the stage"
    parts.append(f"A team that treats a lot of mesothelioma can check {what}, as a second opinion.")
    return " ".join(parts)


def glance(a: Analysis) -> tuple[GlanceRow, ...]:
    """The short answers of the first screen, most asked first; empty in the clinician view."""
    if a.view == "clinician":
        return ()
    options = a.sections["options"]
    treated = a.case.patient is not None and bool(a.case.patient.prior_systemic_lines or a.case.patient.prior_agents)
    rows = [
        GlanceRow("glance-meaning", "What the stage means", _meaning(a), "#stage"),
        GlanceRow("glance-sure", "How sure it is", _how_sure(a), "#stage"),
        GlanceRow(
            "glance-told",
            f"The stage you were told ({a.case.reported_stage.stage})" if a.case.reported_stage else "",
            a.answer.verdict if a.answer is not None else "",
            "#review",
        ),
        GlanceRow(
            "glance-treatments",
            "Treatments to ask about, and their aim",
            " ".join(x for x in (_treatments(options, treated), _aim(options)) if x),
            "#options",
        ),
        GlanceRow("glance-surgery", "Can it be removed by surgery?", _surgery(options), "#options"),
        GlanceRow(
            "glance-outlook",
            "How long?",
            "Studies give numbers for groups of people. No one can say how long one person will live.",
            "#outlook",
            "See what studies of other people found",
        ),
        GlanceRow("glance-trials", "Clinical trials", _trials(a.sections["trials"]), "#trials"),
        GlanceRow("glance-ask", "What to ask next", _ask(a), "#review"),
    ]
    if a.answer is None or a.answer.in_use.settled:
        rows.insert(5, rows.pop(1))  # a settled stage: how sure it is comes after the outlook, not second
    return tuple(
        GlanceRow(r.id, r.question, humanize(r.answer), r.href, r.link) for r in rows if r.question and r.answer
    )
