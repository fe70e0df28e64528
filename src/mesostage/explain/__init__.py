"""Explanations of a staging result: plain language for patients and families, technical for clinicians.

The patient text is built from short sentences in ``patient.toml`` and measured for readability in the tests
(Flesch-Kincaid grade 8 or below). It never states a personal prediction.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mesostage.case import SYSTEM_IDS, Case, parse_case
from mesostage.labels import label
from mesostage.readability import flesch_kincaid_grade
from mesostage.review import review as review_case
from mesostage.staging import StagingResult, SystemResult, default_system, load_system
from mesostage.staging import stage as stage_only
from mesostage.staging.result import ReviewNote

__all__ = ["Explanation", "ExplanationSection", "explain", "plain_note"]

Audience = Literal["patient", "clinician"]
_FROZEN = ConfigDict(extra="forbid", frozen=True)
_STAGE_WORDS = {"IV": "4", "III": "3", "II": "2", "I": "1"}


class ExplanationSection(BaseModel):
    """One part of an explanation, under its heading."""

    model_config = _FROZEN
    heading: str = Field(description="the section's heading")
    paragraphs: list[str] = Field(description="its paragraphs, in order")


class Explanation(BaseModel):
    """An explanation of one case's staging for one audience."""

    model_config = _FROZEN
    id: str | None = Field(None, description="the case's id, echoed back")
    audience: Audience = Field(description="patient (plain words) or clinician (categories and sources)")
    title: str = Field(description="the explanation's title")
    sections: list[ExplanationSection] = Field(description="the explanation, section by section")
    questions: list[str] = Field(default_factory=list, description="questions to ask the care team")
    disclaimer: str = Field(description="what this explanation is and is not")
    reading_grade: float = Field(description="Flesch-Kincaid grade level of the text")
    sources: list[str] = Field(default_factory=list, description="the citations the explanation rests on")

    @property
    def text(self) -> str:
        """The explanation as plain text with headings."""
        out = [self.title, "=" * len(self.title), ""]
        for section in self.sections:
            out += [section.heading, "-" * len(section.heading), *section.paragraphs, ""]
        if self.questions:
            heading = "Questions to ask your care team" if self.audience == "patient" else "Open questions"
            out += [heading, "-" * len(heading), *(f"- {q}" for q in self.questions), ""]
        if self.sources:
            out += ["Sources", "-------", *(f"- {s}" for s in self.sources), ""]
        out.append(self.disclaimer)
        return "\n".join(out)

    @property
    def prose(self) -> str:
        """The text a reader reads (headings, paragraphs, questions, disclaimer), for readability measures."""
        parts = [self.title] + [p for s in self.sections for p in [s.heading + ".", *s.paragraphs]]
        return "\n".join([*parts, *self.questions, self.disclaimer])


@cache
def _texts() -> dict[str, Any]:
    raw = resources.files("mesostage.explain").joinpath("patient.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def plain_note(code: str) -> str | None:
    """The patient-language version of a review code's message (``None`` where the message is already plain)."""
    text: str | None = _texts()["plain_notes"].get(code)
    return text


def _grade(text: str) -> float:
    return flesch_kincaid_grade(text)


def _spoken(stage: str) -> str:
    """'IIIB' -> 'IIIB (stage 3B)': the number people say next to the Roman numeral."""
    for roman, arabic in _STAGE_WORDS.items():
        if stage.startswith(roman):
            return f"{stage} (stage {arabic}{stage[len(roman) :]})"
    return stage


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _patient(case: Case, result: StagingResult, notes: list[ReviewNote]) -> Explanation:
    t = _texts()
    sections: list[ExplanationSection] = [
        ExplanationSection(heading="About this page", paragraphs=[t["texts"]["intro"]])
    ]
    in_use = default_system(case)
    applicable = [r for r in result.results if r.applicable]
    questions = list(t["questions"]["always"])
    sources: list[str] = []
    could_be_iv = False

    if in_use is None:
        sections.append(ExplanationSection(heading="The stage", paragraphs=[t["texts"]["no_system"]]))
    else:
        r = result.result(in_use)
        paragraphs = _stage_paragraphs(r, in_use, t)
        if not r.applicable and case.tumor_type in t["not_diffuse"]:
            paragraphs = [t["not_diffuse"][case.tumor_type]]
        if case.site == "peritoneum":
            paragraphs.insert(0, t["texts"]["peritoneal_system"])
        sections.append(ExplanationSection(heading="The stage", paragraphs=paragraphs))
        sources += r.sources[:1]
        could_be_iv = bool(r.stage_range and r.stage_range[-1] == "IV")

        others = [x for x in applicable if x.system != in_use]
        if others:
            lines = [t["texts"]["why_differ"]]
            for x in others:
                name = load_system(x.system).short_name
                if x.stage:
                    meaning = t["stage_meaning"].get(x.system, {}).get(x.stage, "")
                    line = f"In {name}, the stage is {_spoken(x.stage)}. {meaning}".rstrip()
                elif load_system(x.system).requires:
                    line = f"In {name}, there is no stage here. {t['texts']['after_surgery']}"
                elif x.stage_range:
                    low, high = (_spoken(s) for s in x.stage_range)
                    line = f"In {name}, the stage cannot be worked out yet. It could be from {low} to {high}."
                else:
                    line = f"In {name}, the stage cannot be worked out from these details."
                if x.evidence == "historical":
                    line += " " + t["texts"]["historical"]
                lines.append(line)
            sections.append(ExplanationSection(heading="Other staging systems", paragraphs=lines))

        unknown_notes = [n for n in notes if n.code == "unknown_changes_stage" and n.item]
        if unknown_notes:
            lines = [t["texts"]["not_known_intro"]]
            for n in unknown_notes:
                test = f" A test that could answer this: {n.settled_by}." if n.settled_by else ""
                lines.append(f"{_sentence(label(n.item or ''))}{test}")
            if r.stage_range:
                low, high = (_spoken(s) for s in r.stage_range)
                lines.append(t["texts"]["not_known_range"].format(low=low, high=high))
            sections.append(ExplanationSection(heading="What is not known yet", paragraphs=lines))
            first_test = next((n.settled_by for n in unknown_notes if n.settled_by), None)
            if first_test:
                questions.append(t["questions"]["unknowns"].format(test=first_test))

    plain = t["plain_notes"]
    checks = [plain[n.code] for n in notes if n.severity in ("critical", "warning") and n.code in plain]
    if checks:
        sections.append(
            ExplanationSection(
                heading="Points to check", paragraphs=[t["texts"]["check_intro"], *dict.fromkeys(checks)]
            )
        )
    if any(n.severity == "critical" for n in notes):
        questions.append(t["questions"]["critical"])
    if could_be_iv and in_use is not None:
        r = result.result(in_use)
        four = t["stage_four" if _four_from_m1(r) else "stage_four_local"]
        paragraphs = list(four["paragraphs"])
        if not _four_from_m1(r):
            # What made the stage 4 in the system shown: the T4 growth, the N3 nodes, or (not yet known) either.
            causes = [four[f"because_{k}"] for k, v in (("t4", r.t), ("n3", r.n)) if r.stage == "IV" and v == k.upper()]
            paragraphs.insert(0, " ".join([four["intro"], *(causes or [four["because_either"]])]))
        sections.append(ExplanationSection(heading=four["heading"], paragraphs=paragraphs))
        questions += t["questions"]["stage_four"]
        sources += four["sources"]
    disclaimer = t["texts"]["disclaimer"]
    draft = Explanation(
        id=case.id,
        audience="patient",
        title="Your mesothelioma stage, explained",
        sections=sections,
        questions=questions,
        disclaimer=disclaimer,
        reading_grade=0.0,
        sources=sources,
    )
    return draft.model_copy(update={"reading_grade": _grade(draft.prose)})


def _four_from_m1(r: SystemResult) -> bool:
    """Did distant spread (M1) make the stage IV (or could it)? False for a 7th-edition stage IV from T4 or N3 alone."""
    if r.stage == "IV":
        return r.m == "M1"
    return r.m == "M1" or any(u.startswith("metastases") for u in r.unknowns_that_matter) or r.m is None


def _stage_paragraphs(r: SystemResult, system_id: str, t: dict[str, Any]) -> list[str]:
    name = load_system(system_id).short_name
    meanings = t["stage_meaning"][system_id]
    if r.stage is None:
        if r.stage_range:
            low, high = (_spoken(s) for s in r.stage_range)
            return [f"The system in use is {name}.", t["texts"]["cannot_determine"].format(low=low, high=high)]
        return [f"The system in use is {name}. The stage cannot be worked out from these details."]
    out = [
        f"The system in use for this diagnosis is {name}. In it, the stage is {_spoken(r.stage)}.",
        meanings[r.stage],
    ]
    if r.evidence_note and system_id == "peritoneal_tnm":
        out.append(t["texts"]["proposal"])
    return out


def _clinician(case: Case, result: StagingResult, notes: list[ReviewNote]) -> Explanation:
    sections: list[ExplanationSection] = []
    in_use = default_system(case)
    for r in result.results:
        name = load_system(r.system).name
        if not r.applicable:
            sections.append(ExplanationSection(heading=name, paragraphs=[f"Not applicable: {r.reason}"]))
            continue
        head = f"{name}{' (system in use for the diagnosis date)' if r.system == in_use else ''}"
        cats = " ".join(f"{r.prefix or ''}{v}" if r.t is not None else f"{k} {v}" for k, v in r.categories.items())
        rng = f"{r.stage_range[0]}-{r.stage_range[1]}" if r.stage_range else "none"
        lines = [f"{cats}; stage {r.stage or 'cannot be determined'}; range {rng}; evidence {r.evidence}."]
        for d in r.determinants:
            src = f" [{d.source}]" if d.source else ""
            what = "; ".join(x for x in (d.finding, d.reason) if x)
            lines.append(f"{d.category} ({d.component}): {what}{src}")
        if r.unknowns_that_matter:
            lines.append("Unknowns that matter: " + ", ".join(r.unknowns_that_matter) + ".")
        if r.reason:
            lines.append(r.reason)
        if r.evidence_note:
            lines.append(f"Evidence: {r.evidence_note}")
        sections.append(ExplanationSection(heading=head, paragraphs=lines))
    review_lines = [
        f"[{n.severity}] {n.code}: {n.message}" + (f" Settled by: {n.settled_by}." if n.settled_by else "")
        for n in notes
    ]
    sections.append(ExplanationSection(heading="Review", paragraphs=review_lines or ["No review points."]))
    questions = [f"{n.item}: {n.settled_by}" for n in notes if n.item and n.settled_by]
    sources = list(dict.fromkeys(s for r in result.results if r.applicable for s in r.sources))
    sources += list(dict.fromkeys(n.source for n in notes if n.source))
    draft = Explanation(
        id=case.id,
        audience="clinician",
        title="Staging summary across systems",
        sections=sections,
        questions=questions,
        disclaimer="Decision support only: supports, and does not replace, a specialist's judgement.",
        reading_grade=0.0,
        sources=list(dict.fromkeys(sources)),
    )
    return draft.model_copy(update={"reading_grade": _grade(draft.prose)})


def explain(
    case: Case | Mapping[str, Any], *, audience: Audience = "patient", result: StagingResult | None = None
) -> Explanation:
    """Explain a case's staging for ``audience`` ("patient" or "clinician").

    Raises
    ------
    CaseError
        If the case is not valid.
    ValueError
        If the audience is not one of the two.
    """
    if audience not in ("patient", "clinician"):
        raise ValueError(f"audience must be 'patient' or 'clinician', not {audience!r}")
    parsed = parse_case(case)
    if result is None or {r.system for r in result.results} != set(SYSTEM_IDS):
        result = stage_only(parsed)
    notes = review_case(parsed, result)
    return _patient(parsed, result, notes) if audience == "patient" else _clinician(parsed, result, notes)
