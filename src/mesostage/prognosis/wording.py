"""The words of the outlook: a clinician statement and a plain patient sentence for every figure and score.

Rules (tested): a median is always said of a group ("half of the people in this group lived longer than ...");
nothing is ever said of the reader's own future; patient text stays at Flesch-Kincaid grade 8 or below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesostage.prognosis.result import Outcome, SurvivalAt

if TYPE_CHECKING:
    from mesostage.prognosis.result import ScoreResult

__all__ = [
    "CLINICIAN_CAVEATS",
    "DISCLAIMER",
    "PLAIN_CAVEATS",
    "PLAIN_SYSTEM_NAMES",
    "describe_outcome",
    "figure_plain",
    "outcome_plain",
    "score_plain",
]

DISCLAIMER = "Supports, and does not replace, a specialist's judgement. Not medical advice."

#: How a staging system is named in patient text.
PLAIN_SYSTEM_NAMES: dict[str, str] = {
    "tnm9": "9th edition of the stage system",
    "tnm8": "8th edition of the stage system",
    "tnm7": "older 7th edition of the stage system",
    "peritoneal_tnm": "stage system for the belly lining",
}

PLAIN_CAVEATS: tuple[str, ...] = (
    "These numbers come from groups of people. They cannot say how long any one person will live.",
    "In each group, some people lived much longer than the middle number, and some lived less.",
    "Care has changed since some of these studies were done.",
    "Your care team knows your whole story. Ask them what these numbers mean for you.",
)

CLINICIAN_CAVEATS: tuple[str, ...] = (
    "Medians and survival rates describe the study population; they are not individual predictions.",
    "The populations differ: surgically weighted databases report longer survival than trial or unselected "
    "series. Compare like with like, and check the edition of every stage figure.",
    "Most figures predate current first-line immunotherapy (CheckMate 743, 2021).",
    "Stage-by-stage figures for the 8th and 9th editions could not be verified and are not shown.",
)


def _num(x: float) -> str:
    return f"{x:g}"


def _unit(value: float, unit: str) -> str:
    return unit[:-1] if value == 1 else unit


def _survival_clause(s: SurvivalAt) -> str:
    text = f"{_num(s.percent)}% alive at {_num(s.at)} {_unit(s.at, s.unit)}"
    if s.interval is not None:
        text += f" ({s.interval_kind} {_num(s.interval[0])}-{_num(s.interval[1])})"
    return text


def describe_outcome(o: Outcome) -> str:
    """The outcome in clinician terms, with the published interval where there is one."""
    parts = []
    if o.median is not None and o.median_unit is not None:
        text = f"median {_num(o.median)} {o.median_unit}"
        if o.median_interval is not None:
            text += f" ({o.median_interval_kind} {_num(o.median_interval[0])}-{_num(o.median_interval[1])})"
        parts.append(text)
    parts += [_survival_clause(s) for s in o.survival]
    return "; ".join(parts)


def outcome_plain(o: Outcome) -> list[str]:
    """Plain sentences for a group's outcome: always about the group, never about the reader."""
    sentences = []
    if o.median is not None and o.median_unit is not None:
        sentences.append(
            f"Half of the people in this group lived longer than {_num(o.median)} {o.median_unit}, and half lived less."
        )
    for s in o.survival:
        sentences.append(
            f"About {_num(round(s.percent))} in 100 of them were alive {_num(s.at)} {_unit(s.at, s.unit)} later."
        )
    return sentences


def figure_plain(year: int, plain_population: str, plain_scope: str, outcome: Outcome) -> str:
    """One short paragraph for a patient about one published figure."""
    return " ".join(
        [f"A study from {year} looked at {plain_population}.", f"This group is {plain_scope}.", *outcome_plain(outcome)]
    )


def score_plain(result: ScoreResult, plain_population: str) -> str | None:
    """A patient sentence for a score result; ``None`` when there is nothing a patient can use."""
    if result.status == "not_applicable":
        return None
    if result.group is None:
        return "This score could not be worked out from the details given. It needs more test results."
    return " ".join(
        [
            f"A score from a study of {plain_population} puts the details entered in the group named "
            f"'{result.group.name}'.",
            *outcome_plain(result.group.outcome),
            "This is a number for a group, not a forecast for one person.",
        ]
    )
