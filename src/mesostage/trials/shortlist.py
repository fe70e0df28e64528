"""A shortlist a person can take to their doctor: the chosen trials, why each may fit, what still needs checking,
whom to call and where the record is. Markdown, so it reads as plain text and converts to a page or PDF.

The text around the trial details is kept plain (Flesch-Kincaid grade 8 or lower, checked in the tests); the
criteria are quoted as the record words them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mesostage.trials.match import MatchResult, TrialMatch

__all__ = [
    "INTRO",
    "QUESTIONS",
    "Shortlist",
    "ShortlistTrial",
    "build_shortlist",
    "render_markdown",
    "shortlist_markdown",
]

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


@dataclass(frozen=True)
class ShortlistTrial:
    """One trial of a shortlist: its heading, the facts (id and status, phase, record, sites and contacts), the
    lists of reasons (title, items) and the note on the rules not checked."""

    heading: str
    fictional_warning: str | None
    facts: tuple[str, ...]
    lists: tuple[tuple[str, tuple[str, ...]], ...]
    unchecked: str | None


@dataclass(frozen=True)
class Shortlist:
    """A shortlist's content, rendered as Markdown (:func:`shortlist_markdown`) or as a printable page (web)."""

    title: str
    fictional_warning: str | None
    intro: str
    as_of: str
    distances_from: str | None
    empty: str | None
    trials: tuple[ShortlistTrial, ...]
    questions: tuple[str, ...]
    disclaimer: str


def _short(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _contact_lines(m: TrialMatch, contacts: int) -> list[str]:
    lines = []
    site = m.nearest_site
    if site is not None:
        where = ", ".join(x for x in (site.facility, site.city, site.state, site.country) if x)
        dist = f" - about {site.distance_km:.0f} km ({site.distance_miles:.0f} miles) away" if site.distance_km else ""
        status = (
            "" if site.status in (None, "RECRUITING") else f" (site status: {site.status.lower().replace('_', ' ')})"
        )
        lines.append(f"Nearest site: {where or 'place not given'}{dist}{status}")
        for c in site.contacts[:contacts]:
            lines.append(f"Site contact: {', '.join(x for x in (c.name, c.phone, c.email) if x)}")
    for c in m.central_contacts[:contacts]:
        lines.append(f"Study contact: {', '.join(x for x in (c.name, c.phone, c.email) if x)}")
    if not lines:
        lines.append("The record gives no contact: ask your doctor to reach the sponsor.")
    return lines


def _trial(
    i: int, m: TrialMatch, reasons: int, reasons_against: int | None, contacts: int, text_limit: int | None
) -> ShortlistTrial:
    title = m.title if not m.fictional or "FICTIONAL" in m.title.upper() else f"[FICTIONAL] {m.title}"
    status = "Open now" if m.overall_status == "RECRUITING" else "Not open yet: the study cannot take anyone yet"
    facts = [f"{m.nct_id} - {status}"]
    if m.phases:
        facts.append(f"Phase: {', '.join(p.replace('PHASE', 'phase ').replace('EARLY_', 'early ') for p in m.phases)}")
    facts.append(
        f"Record: {m.url}" if m.url else "Record: none (a FICTIONAL demo trial has no ClinicalTrials.gov page)"
    )
    facts += _contact_lines(m, contacts)
    lists = [
        (title_, tuple(_short(w, text_limit) for w in items))
        for title_, items in (
            ("Check first - the study team must answer this about you:", m.open_questions[:reasons]),
            ("Why it may suit you:", m.why[:reasons]),
            ("Why it may not suit you:", m.why_not[:reasons_against]),
            ("To check with the study team:", [w for w in m.to_check if w not in m.open_questions][:reasons]),
        )
        if items
    ]
    unchecked = sum(1 for c in m.criteria if c.type == "other")
    return ShortlistTrial(
        heading=f"{i}. {_short(title, None if text_limit is None else 160)}",
        fictional_warning=_FICTIONAL if m.fictional else None,
        facts=tuple(facts),
        lists=tuple(lists),
        unchecked=f"{unchecked} more rules of this trial were not checked here. The study team will go through them."
        if unchecked
        else None,
    )


def build_shortlist(
    result: MatchResult,
    nct_ids: Sequence[str] | None = None,
    *,
    limit: int = 10,
    reasons: int = 8,
    reasons_against: int | None = None,
    contacts: int = 2,
    text_limit: int | None = None,
) -> Shortlist:
    """The shortlist for ``nct_ids`` (in that order), or for the first ``limit`` possible matches. ``reasons``
    caps the reasons for and the points to check per trial, ``reasons_against`` the reasons against (default all),
    ``contacts`` the site and study contacts, ``text_limit`` the length of each reason (and, when given, a title is cut
    at 160 characters: a one-page print).

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
    as_of = f"Trial data as of {result.data_as_of} ({result.index_source})." if result.data_as_of else ""
    return Shortlist(
        title="Clinical trials to ask about",
        fictional_warning=_FICTIONAL_ALL if result.fictional_data else None,
        intro=INTRO,
        as_of=f"{as_of} Trials change often, so check the record before you call.".strip(),
        distances_from=f"Distances are from {result.location_label}." if result.location_label else None,
        empty=None
        if chosen
        else "No trial on this list fits what we know so far. Ask your doctor about other options.",
        trials=tuple(_trial(i, m, reasons, reasons_against, contacts, text_limit) for i, m in enumerate(chosen, 1)),
        questions=QUESTIONS,
        disclaimer=result.disclaimer,
    )


def shortlist_markdown(result: MatchResult, nct_ids: Sequence[str] | None = None, *, limit: int = 10) -> str:
    """The shortlist for ``nct_ids`` (in that order), or for the first ``limit`` possible matches, as Markdown.

    Raises
    ------
    KeyError
        When an NCT id is not among the result's matches or excluded trials.
    """
    return render_markdown(build_shortlist(result, nct_ids, limit=limit))


def render_markdown(sl: Shortlist) -> str:
    """A shortlist as Markdown."""
    lines = [f"# {sl.title}", ""]
    if sl.fictional_warning:
        lines += [f"**{sl.fictional_warning}**", ""]
    lines += [sl.intro, "", sl.as_of, ""]
    if sl.distances_from:
        lines += [sl.distances_from, ""]
    if sl.empty:
        lines += [sl.empty, ""]
    for t in sl.trials:
        lines += [f"## {t.heading}", ""]
        if t.fictional_warning:
            lines += [f"**{t.fictional_warning}**", ""]
        lines += [f"- {f}" for f in t.facts]
        for title, items in t.lists:
            lines += ["", title] + [f"- {w}" for w in items]
        if t.unchecked:
            lines += ["", t.unchecked]
        lines.append("")
    lines += ["## Questions to ask", ""] + [f"- {q}" for q in sl.questions] + [""]
    lines += [f"_{sl.disclaimer}_", ""]
    return "\n".join(lines)
