"""A shortlist a person can take to their doctor: the chosen trials, why each may fit, what still needs checking,
whom to call and where the record is. Markdown, so it reads as plain text and converts to a page or PDF.

The text around the trial details is kept plain (Flesch-Kincaid grade 8 or lower, checked in the tests); the
criteria are quoted as the record words them.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesostage.trials.match import MatchResult, TrialMatch

__all__ = ["INTRO", "QUESTIONS", "shortlist_markdown"]

INTRO = (
    "This list shows clinical trials that may suit you, based on what we know about your illness. "
    "It is not a decision about who can join. Only the study team can say if you can take part. "
    "Take this list to your doctor or nurse and talk it over."
)
QUESTIONS = (
    "Is this trial a good fit for me?",
    "What would I need to do, and how often would I need to travel?",
    "What are the risks and the possible benefits?",
    "What happens to my usual care if I join?",
    "Can you help me contact the study team?",
)
_FICTIONAL = "FICTIONAL: this is a made-up demo trial, not a real study. Do not contact anyone about it."
_FICTIONAL_ALL = "FICTIONAL: these are made-up demo trials, not real studies. Do not contact anyone about them."
_PHASES = {"NA": "not applicable", "EARLY_PHASE1": "early phase 1"}


def _contact_lines(m: TrialMatch) -> list[str]:
    lines = []
    site = m.nearest_site
    if site is not None:
        where = ", ".join(x for x in (site.facility, site.city, site.state, site.country) if x)
        dist = f" - about {site.distance_km:.0f} km ({site.distance_miles:.0f} miles) away" if site.distance_km else ""
        status = (
            "" if site.status in (None, "RECRUITING") else f" (site status: {site.status.lower().replace('_', ' ')})"
        )
        lines.append(f"- Nearest site: {where or 'place not given'}{dist}{status}")
        for c in site.contacts[:2]:
            lines.append(f"- Site contact: {', '.join(x for x in (c.name, c.phone, c.email) if x)}")
    for c in m.central_contacts[:2]:
        lines.append(f"- Study contact: {', '.join(x for x in (c.name, c.phone, c.email) if x)}")
    if not lines:
        lines.append("- The record gives no contact: ask your doctor to reach the sponsor.")
    return lines


def _trial_block(i: int, m: TrialMatch) -> list[str]:
    title = m.title if not m.fictional or "FICTIONAL" in m.title.upper() else f"[FICTIONAL] {m.title}"
    lines = [f"## {i}. {title}", ""]
    if m.fictional:
        lines += [f"**{_FICTIONAL}**", ""]
    status = "Open now" if m.overall_status == "RECRUITING" else "Not open yet: the study cannot take anyone yet"
    lines.append(f"- {m.nct_id} - {status}")
    if m.phases:
        lines.append(
            f"- Phase: {', '.join(p.replace('PHASE', 'phase ').replace('EARLY_', 'early ') for p in m.phases)}"
        )
    lines.append(
        f"- Record: {m.url}" if m.url else "- Record: none (a FICTIONAL demo trial has no ClinicalTrials.gov page)"
    )
    lines += _contact_lines(m)
    if m.why:
        lines += ["", "Why it may suit you:"] + [f"- {w}" for w in m.why[:8]]
    if m.why_not:
        lines += ["", "Why it may not suit you:"] + [f"- {w}" for w in m.why_not]
    if m.to_check:
        lines += ["", "To check with the study team:"] + [f"- {w}" for w in m.to_check[:8]]
    unchecked = sum(1 for c in m.criteria if c.type == "other")
    if unchecked:
        lines += [
            "",
            f"{unchecked} more rules of this trial were not checked here. The study team will go through them.",
        ]
    lines.append("")
    return lines


def shortlist_markdown(result: MatchResult, nct_ids: Sequence[str] | None = None, *, limit: int = 10) -> str:
    """The shortlist for ``nct_ids`` (in that order), or for the first ``limit`` possible matches.

    Raises
    ------
    KeyError
        When an NCT id is not among the result's matches or excluded trials.
    """
    pool = {m.nct_id: m for m in (*result.matches, *result.excluded, *result.not_open)}
    if nct_ids is None:
        chosen = list(result.matches[:limit])
    else:
        missing = [n for n in nct_ids if n not in pool]
        if missing:
            raise KeyError(f"not in this match result: {', '.join(missing)}")
        chosen = [pool[n] for n in nct_ids]
    lines = ["# Clinical trials to ask about", ""]
    if result.fictional_data:
        lines += [f"**{_FICTIONAL_ALL}**", ""]
    lines += [INTRO, ""]
    as_of = f"Trial data as of {result.data_as_of} ({result.index_source})." if result.data_as_of else ""
    lines += [f"{as_of} Trials change often, so check the record before you call.".strip(), ""]
    if result.location_label:
        lines += [f"Distances are from {result.location_label}.", ""]
    if not chosen:
        lines += ["No trial on this list fits what we know so far. Ask your doctor about other options.", ""]
    for i, m in enumerate(chosen, 1):
        lines += _trial_block(i, m)
    lines += ["## Questions to ask", ""] + [f"- {q}" for q in QUESTIONS] + [""]
    lines += [f"_{result.disclaimer}_", ""]
    return "\n".join(lines)
