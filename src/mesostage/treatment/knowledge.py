"""The shape of the treatment knowledge base (``data/*.toml``) and its loader.

The data files hold everything medical: the sources (each with a year), the named conditions an option needs (one
test of one fact of the case each, with its cut-off's source), the options per site with their goal, guideline
listings, evidence and two texts, the questions to ask, and the stage-4 view. The engine (``engine.py``) knows none
of it. Loading cross-checks the files (every source, condition, fact, agent, finding and stage label exists), so a
typo fails at load time and in the tests, never in a user's result.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mesostage.case import (
    CONTRAINDICATIONS,
    HISTOLOGIES,
    NODE_FINDINGS,
    PRIOR_AGENTS,
    SITES,
    SYSTEM_IDS,
    TUMOR_TYPES,
)
from mesostage.staging import load_system

__all__ = [
    "FACTS",
    "GOALS",
    "SECTIONS",
    "SITE_FILES",
    "Caution",
    "Criterion",
    "Evidence",
    "GuidelineListing",
    "KnowledgeBase",
    "OptionEntry",
    "Question",
    "SiteFile",
    "Source",
    "Stage4Definition",
    "load_knowledge_base",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

Goal = Literal["curative intent", "life-prolonging", "symptom relief", "benefit uncertain"]
Section = Literal["first_line", "local", "later_line", "symptom", "supportive", "trials"]
GOALS: tuple[str, ...] = ("curative intent", "life-prolonging", "symptom relief", "benefit uncertain")
#: The sections an option can belong to. Options are ordered by their guideline ``rank`` alone, so a site file decides
#: where its sections fall (peritoneal CRS-HIPEC evaluation comes before systemic therapy, pleural surgery after it).
SECTIONS: tuple[str, ...] = ("first_line", "local", "later_line", "symptom", "supportive", "trials")
SITE_FILES: tuple[str, ...] = ("pleura", "peritoneum", "pericardium", "tunica_vaginalis", "supportive")

#: Facts the engine derives from a case, and the kind of test each takes.
FACTS: dict[str, Literal["value", "number", "flag", "list", "stage"]] = {
    "site": "value",
    "histology": "value",
    "stage": "stage",
    "ecog": "number",
    "prior_systemic_lines": "number",
    "pci": "number",
    "ki67_percent": "number",
    "prior_agents": "list",
    "contraindications": "list",
    "nodes": "list",
    "distant_metastasis": "flag",
    "resectable": "flag",
    "chest_pain": "flag",
    "pleural_effusion_malignant": "flag",
    "peritoneal_spread_beyond": "flag",
    "tumor_type": "value",
}
_TESTS_BY_KIND: dict[str, frozenset[str]] = {
    "value": frozenset({"in", "not_in"}),
    "stage": frozenset({"in", "not_in"}),
    "number": frozenset({"min", "max", "above"}),
    "flag": frozenset({"is"}),
    "list": frozenset({"any_of", "none_of"}),
}


_ISO_DAY = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class Source(BaseModel):
    """A citation. ``status`` is ``verified`` (seen in the primary source) or ``secondary`` (seen only in a summary).

    Guidelines and trials also carry the ``version`` read, its publication ``date`` and the day the entry was last
    ``checked`` against the stored literature for anything newer (loading fails when a guideline lacks them)."""

    model_config = _STRICT
    citation: str = Field(min_length=10)
    year: int = Field(ge=1950, le=2100)
    kind: Literal["guideline", "trial", "study", "regulatory", "review"]
    status: Literal["verified", "secondary"]
    note: str | None = None
    version: str | None = Field(None, min_length=2, description="guideline version or trial report read")
    date: str | None = Field(None, pattern=_ISO_DAY, description="publication date of that version (YYYY[-MM[-DD]])")
    checked: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="day last checked for a newer version (YYYY-MM-DD)"
    )
    newer: str | None = Field(None, description="what the last check found (or did not find) that is newer")

    @model_validator(mode="after")
    def _dated(self) -> Source:
        if self.kind in ("guideline", "trial") and None in (self.version, self.date, self.checked):
            raise ValueError(f"a {self.kind} source needs version, date and checked")
        return self


class Part(BaseModel):
    """One part of an ``unless_all`` condition: a number test."""

    model_config = _STRICT
    fact: str
    above: float | None = None
    min: float | None = None
    max: float | None = None


class Criterion(BaseModel):
    """A named condition: one test of one fact (or an ``unless_all`` of number tests)."""

    model_config = _STRICT
    fact: str | None = None
    in_: tuple[str, ...] | None = Field(None, alias="in")
    not_in: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    above: float | None = None
    is_: bool | None = Field(None, alias="is")
    any_of: tuple[str, ...] | None = None
    none_of: tuple[str, ...] | None = None
    unless_all: tuple[Part, ...] | None = None
    all_of: tuple[Part, ...] | None = Field(None, description="met only when every part holds (for cautions)")
    edition: str | None = Field(
        None, description="the staging system a stage condition is written in (tnm8 for NCCN/ASCO); required for stage"
    )
    soft: bool = Field(
        False,
        description="a failed soft condition does not set the option aside: the option may apply and the team decides",
    )
    label: str = Field(min_length=3, description="clinician wording of the requirement")
    plain: str = Field(min_length=3, description="patient wording: 'for people who ...'")
    source: str

    def tests(self) -> set[str]:
        names = ("in_", "not_in", "min", "max", "above", "is_", "any_of", "none_of", "unless_all", "all_of")
        return {n.rstrip("_") for n in names if getattr(self, n) is not None}


class Caution(BaseModel):
    model_config = _STRICT
    text: str
    plain: str
    source: str
    only_if: tuple[str, ...] = Field((), description="conditions that must hold (or be unknown) for it to show")


class GuidelineListing(BaseModel):
    model_config = _STRICT
    source: str
    version: str
    date: str
    listing: str


class Evidence(BaseModel):
    model_config = _STRICT
    trial: str
    level: str
    median_os_months: tuple[float, ...] = Field((), max_length=2, description="(treatment, comparator) if compared")
    hr: float | None = Field(None, gt=0)
    ci: str | None = None
    result: str | None = None
    source: str
    status: Literal["verified", "secondary"] | None = Field(None, description="default: the source's status")


class OptionEntry(BaseModel):
    model_config = _STRICT
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    option: str
    category: Literal[
        "systemic therapy",
        "surgery",
        "radiotherapy",
        "procedure",
        "device",
        "observation",
        "supportive care",
        "clinical trial",
    ]
    section: Section
    rank: int
    goal: Goal
    when: tuple[str, ...]
    team_decides: tuple[str, ...] = ()
    patient_text: str
    clinician_text: str
    questions: tuple[str, ...] = ()
    cautions: tuple[Caution, ...] = ()
    guidelines: tuple[GuidelineListing, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def source_keys(self) -> list[str]:
        keys = (
            [g.source for g in self.guidelines] + [e.source for e in self.evidence] + [c.source for c in self.cautions]
        )
        return list(dict.fromkeys(keys))


class Question(BaseModel):
    model_config = _STRICT
    text: str
    when: tuple[str, ...] = ()


class SiteFile(BaseModel):
    model_config = _STRICT
    site: str
    title: str
    options: tuple[OptionEntry, ...]
    questions: tuple[Question, ...] = ()


class Survival(BaseModel):
    model_config = _STRICT
    label: str
    plain: str
    median_months: float = Field(gt=0)
    comparator_months: float | None = None
    one_year_percent: float | None = None
    population: str
    source: str


class Offered(BaseModel):
    model_config = _STRICT
    options: tuple[str, ...]
    why_patient: str
    why_clinician: str
    source: str


class SymptomEntry(BaseModel):
    model_config = _STRICT
    symptom: str
    patient: str
    clinician: str
    options: tuple[str, ...]
    sources: tuple[str, ...] = Field(min_length=1)


class Stage4Definition(BaseModel):
    model_config = _STRICT
    when: tuple[str, ...]
    goals_patient: str
    goals_clinician: str
    goals_sources: tuple[str, ...] = Field(min_length=1)
    survival_caveat_patient: str
    survival_caveat_clinician: str
    survival: tuple[Survival, ...]
    offered: tuple[Offered, ...]
    symptoms: tuple[SymptomEntry, ...]
    questions: tuple[Question, ...] = ()


class KnowledgeBase(BaseModel):
    """Everything in ``data/``, cross-checked."""

    model_config = _STRICT
    sources: dict[str, Source]
    agent_classes: dict[str, tuple[str, ...]]
    criteria: dict[str, Criterion]
    sites: tuple[SiteFile, ...]
    stage4: Stage4Definition

    @property
    def options(self) -> tuple[OptionEntry, ...]:
        return tuple(o for f in self.sites for o in f.options)

    def expand(self, names: tuple[str, ...]) -> frozenset[str]:
        """Values of a list test, with ``@class`` names replaced by their members."""
        out: set[str] = set()
        for name in names:
            out.update(self.agent_classes[name[1:]] if name.startswith("@") else (name,))
        return frozenset(out)

    @model_validator(mode="after")
    def _cross_check(self) -> KnowledgeBase:
        problems: list[str] = []
        all_stages = {s for sid in SYSTEM_IDS for s in load_system(sid).stages}
        for cls, members in self.agent_classes.items():
            problems += [f"agent class {cls}: unknown agent {a!r}" for a in members if a not in PRIOR_AGENTS]
        for name, c in self.criteria.items():
            problems += self._check_criterion(name, c, all_stages)
        problems += self._check_entries()
        if problems:
            raise ValueError("treatment knowledge base: " + "; ".join(problems))
        return self

    def _check_criterion(self, name: str, c: Criterion, all_stages: set[str]) -> list[str]:
        where = f"criterion {name}"
        problems = [] if c.source in self.sources else [f"{where}: unknown source {c.source!r}"]
        tests = c.tests()
        parts = c.unless_all if c.unless_all is not None else c.all_of
        if parts is not None:
            if c.fact is not None or len(tests) != 1:
                return [*problems, f"{where}: unless_all / all_of stands alone, without fact or other tests"]
            for part in parts:
                if FACTS.get(part.fact) != "number":
                    problems.append(f"{where}: a part needs a number fact, got {part.fact!r}")
            return problems
        if c.fact not in FACTS:
            return [*problems, f"{where}: unknown fact {c.fact!r}"]
        kind = FACTS[c.fact]
        if kind == "stage":
            if c.edition not in SYSTEM_IDS:
                return [*problems, f"{where}: a stage condition names its edition (one of {SYSTEM_IDS})"]
            all_stages = set(load_system(c.edition).stages)
        elif c.edition is not None:
            problems.append(f"{where}: edition is only for stage conditions")
        if not tests or not tests <= _TESTS_BY_KIND[kind]:
            problems.append(
                f"{where}: fact {c.fact} ({kind}) takes {sorted(_TESTS_BY_KIND[kind])}, got {sorted(tests)}"
            )
        allowed: dict[str, set[str]] = {
            "site": set(SITES),
            "histology": set(HISTOLOGIES),
            "tumor_type": set(TUMOR_TYPES),
            "stage": all_stages,
            "contraindications": set(CONTRAINDICATIONS),
            "nodes": set(NODE_FINDINGS),
        }
        values = (c.in_ or ()) + (c.not_in or ())
        if c.fact == "prior_agents":
            unknown_cls = [v for v in (c.any_of or ()) + (c.none_of or ()) if v.startswith("@")]
            problems += [f"{where}: unknown agent class {v!r}" for v in unknown_cls if v[1:] not in self.agent_classes]
            values = tuple(v for v in (c.any_of or ()) + (c.none_of or ()) if not v.startswith("@"))
            problems += [f"{where}: unknown agent {v!r}" for v in values if v not in PRIOR_AGENTS]
        elif c.fact in allowed:
            values += (c.any_of or ()) + (c.none_of or ())
            problems += [f"{where}: {v!r} is not a value of {c.fact}" for v in values if v not in allowed[c.fact]]
        return problems

    def _check_entries(self) -> list[str]:
        problems: list[str] = []
        seen: set[str] = set()
        for f in self.sites:
            if f.site != "any" and f.site not in SITES:
                problems.append(f"file for unknown site {f.site!r}")
            for o in f.options:
                if o.id in seen:
                    problems.append(f"option {o.id}: duplicate id")
                seen.add(o.id)
                names = list(o.when) + [n for c in o.cautions for n in c.only_if]
                problems += [f"option {o.id}: unknown condition {n!r}" for n in names if n not in self.criteria]
                problems += [f"option {o.id}: unknown source {k!r}" for k in o.source_keys() if k not in self.sources]
                if not o.source_keys():
                    problems.append(f"option {o.id}: no source")
            for q in f.questions:
                problems += [
                    f"question {q.text[:30]!r}: unknown condition {n!r}" for n in q.when if n not in self.criteria
                ]
        s4 = self.stage4
        keys = [*s4.goals_sources, *(s.source for s in s4.survival), *(o.source for o in s4.offered)]
        keys += [k for s in s4.symptoms for k in s.sources]
        problems += [f"stage4: unknown source {k!r}" for k in keys if k not in self.sources]
        ids = [i for o in s4.offered for i in o.options] + [i for s in s4.symptoms for i in s.options]
        problems += [f"stage4: unknown option {i!r}" for i in ids if i not in seen]
        names = [*s4.when, *(n for q in s4.questions for n in q.when)]
        problems += [f"stage4: unknown condition {n!r}" for n in names if n not in self.criteria]
        return problems


def _read(name: str) -> dict[str, object]:
    text = resources.files("mesostage.treatment").joinpath("data", f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _site_file(name: str) -> dict[str, object]:
    """A site file, with its ``requires`` (conditions every option of the file needs) put in front of each ``when``."""
    data = _read(name)
    required = data.pop("requires", [])
    if not isinstance(required, list):
        raise ValueError(f"{name}.toml: requires must be a list of condition names")
    options = data.get("options", [])
    if required and isinstance(options, list):
        for option in options:
            option["when"] = [*required, *(n for n in option.get("when", []) if n not in required)]
    return data


@cache
def load_knowledge_base() -> KnowledgeBase:
    """Load and cross-check every data file (cached)."""
    criteria = _read("criteria")
    return KnowledgeBase.model_validate(
        {
            "sources": _read("sources"),
            "agent_classes": criteria["agent_classes"],
            "criteria": criteria["criteria"],
            "sites": [_site_file(name) for name in SITE_FILES],
            "stage4": _read("stage4"),
        }
    )
