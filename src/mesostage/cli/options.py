"""``mesostage options FILE``: the guideline treatment options for a case, as JSON or as text for one audience.

Registered (loaded on first use) on the Typer app in ``mesostage.cli``.
"""

from __future__ import annotations

import textwrap
from enum import StrEnum
from typing import Annotated

import typer

from mesostage import TreatmentOption, TreatmentOptions, options
from mesostage.cli.common import OutputFormat, case_errors, read_case
from mesostage.treatment import SourceRef

__all__ = ["Audience", "options_command", "render_options_text"]

_WIDTH = 100


class Audience(StrEnum):
    patient = "patient"
    clinician = "clinician"


_SECTION_TITLES = {
    "patient": {
        "first_line": "Drug treatment for the cancer",
        "local": "Surgery, radiotherapy or watching closely",
        "later_line": "Drug treatment after earlier treatment",
        "symptom": "Easing symptoms",
        "supportive": "Care and support",
        "trials": "Clinical trials",
    },
    "clinician": {
        "first_line": "First-line systemic therapy",
        "local": "Local treatment and observation",
        "later_line": "Second and later lines",
        "symptom": "Symptom control",
        "supportive": "Supportive and palliative care",
        "trials": "Clinical trials",
    },
}
_STATUS = {
    "patient": {
        "applies": "fits your case",
        "may_apply": "may fit: some details are missing or are for your team to weigh",
    },
    "clinician": {"applies": "applies", "may_apply": "may apply (inputs missing, or a caution for the team to weigh)"},
}


class _Refs:
    """Numbers each source once, in order of first use."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[int, SourceRef]] = {}

    def __call__(self, ref: SourceRef) -> str:
        if ref.key not in self.keys:
            self.keys[ref.key] = (len(self.keys) + 1, ref)
        return f"[{self.keys[ref.key][0]}]"

    def lines(self) -> list[str]:
        out: list[str] = []
        for n, ref in self.keys.values():
            flag = " [secondary source]" if ref.status == "secondary" else ""
            out += _wrap(f"[{n}] {ref.citation} ({ref.year}){flag}", indent="    ", first="")
        return out


def _wrap(text: str, indent: str = "     ", first: str | None = None) -> list[str]:
    lead = indent if first is None else first
    return textwrap.wrap(text, _WIDTH, initial_indent=lead, subsequent_indent=indent, break_on_hyphens=False) or [lead]


def _months(values: list[float]) -> str:
    return " vs ".join(f"{v:g}" for v in values) + " months"


def _option_lines(n: int, o: TreatmentOption, audience: str, refs: _Refs) -> list[str]:
    patient = audience == "patient"
    lines = _wrap(o.option, first=f"{n:>2}. ")
    lines += _wrap(f"Goal: {o.goal}. Status: {_STATUS[audience][o.status]}.")
    lines += _wrap(o.text)
    if o.why:
        lines += _wrap(("Why it fits: " if patient else "Conditions met: ") + "; ".join(o.why) + ".")
    if o.would_apply_if:
        lines += _wrap(
            ("It would fit if it is " if patient else "Would apply if: ") + "; ".join(o.would_apply_if) + "."
        )
    if o.team_decides:
        lines += _wrap(("Your team decides: " if patient else "Team judgement: ") + "; ".join(o.team_decides) + ".")
    for c in o.cautions:
        lines += _wrap(f"Note: {c.text} {refs(c.source)}")
    for g in o.guidelines:
        flag = " (seen in a summary)" if g.source.status == "secondary" else ""
        lines += _wrap(f"Listed by: {g.version}, {g.date}: {g.listing}{flag} {refs(g.source)}")
    if o.listing_note:
        lines += _wrap(o.listing_note)
    for e in o.evidence:
        parts = [f"{e.trial} ({e.level})"]
        if e.median_os_months:
            parts.append(f"median survival {_months(e.median_os_months)}")
        if e.hr is not None:
            parts.append(f"HR {e.hr:g}" + (f" ({e.ci})" if e.ci else ""))
        if e.result:
            parts.append(e.result)
        flag = " [secondary]" if e.status == "secondary" else ""
        lines += _wrap(f"Evidence: {'; '.join(parts)}{flag} {refs(e.source)}")
    return lines


def render_options_text(result: TreatmentOptions) -> str:
    """The options as plain text for the result's audience, sources numbered at the end."""
    audience = result.audience
    patient = audience == "patient"
    refs = _Refs()
    stage = f"stage {result.stage} ({result.stage_system})" if result.stage else "stage not determined"
    if result.stage_range and result.stage_range[0] != result.stage_range[1]:
        stage += f", could be {result.stage_range[0]} to {result.stage_range[1]}"
    head = f"Treatment options - case {result.id or '(no id)'}"
    lines = [head, "=" * len(head)]
    lines += _wrap(
        f"Site: {result.site.replace('_', ' ')}; cell type: {result.histology or 'not recorded'}; {stage}.", first=""
    )
    lines += _wrap(result.disclaimer, indent="", first="")
    lines += ["", "OPTIONS THAT FIT, IN THE ORDER THE GUIDELINES GIVE" if patient else "OPTIONS (GUIDELINE ORDER)"]
    section = None
    for n, o in enumerate(result.options, start=1):
        if o.section != section:
            section = o.section
            lines += ["", f"-- {_SECTION_TITLES[audience][section]} --"]
        lines += _option_lines(n, o, audience, refs)
    if result.stage4:
        s4 = result.stage4
        lines += ["", "STAGE 4: WHAT IS OFFERED AND WHY" if patient else "STAGE IV VIEW"]
        lines += _wrap("Goals of care: " + s4.goals_of_care + " " + "".join(refs(s) for s in s4.goals_sources))
        for g in s4.offered:
            lines += _wrap(f"{g.why} (options: {', '.join(g.options)}) {refs(g.source)}")
        for sc in s4.symptom_control:
            lines += _wrap(f"{sc.symptom.capitalize()}: {sc.text} " + "".join(refs(s) for s in sc.sources))
        lines += _wrap("Published survival:" if patient else "Survival context:")
        for f in s4.survival_context:
            figures = (
                ""
                if patient
                else f": median {f.median_months:g} months"
                + (f" vs {f.comparator_months:g}" if f.comparator_months is not None else "")
                + (f"; 1-year {f.one_year_percent:g}%" if f.one_year_percent is not None else "")
            )
            lines += _wrap(f"- {f.text}{figures} {refs(f.source)}")
        lines += _wrap(s4.survival_caveat)
    if result.not_suitable:
        lines += ["", "CONSIDERED BUT NOT SUITABLE NOW" if patient else "CONSIDERED AND SET ASIDE"]
        for o in result.not_suitable:
            lead = "It is " if patient else "Fails: "
            lines += _wrap(f"- {o.option}. {lead}{'; '.join(o.does_not_apply_because)}.", first=" ")
    lines += ["", "QUESTIONS TO ASK YOUR CARE TEAM"] + [f" - {q}" for q in result.questions]
    if result.notes:
        lines += ["", "NOTES"] + [x for note in result.notes for x in _wrap(f"- {note}", first=" ")]
    lines += ["", "SOURCES", *refs.lines()]
    return "\n".join(lines)


def options_command(
    file: Annotated[str, typer.Argument(help="case JSON file, or - for standard input")],
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="json or text")] = OutputFormat.json,
    audience: Annotated[Audience, typer.Option("--audience", "-a", help="patient or clinician")] = Audience.patient,
) -> None:
    """Treatment options for one case from the guidelines, with goals, evidence, sources and questions."""
    with case_errors():
        result = options(read_case(file), audience=audience.value)
    typer.echo(result.model_dump_json(indent=2) if output is OutputFormat.json else render_options_text(result))
