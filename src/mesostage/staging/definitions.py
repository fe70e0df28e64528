"""The shape of a staging-system data file (``systems/*.toml``) and its loader.

A system file holds everything medical about one staging system: its components (T, N, M or a single stage
component), the rule that maps each finding, flag or measurement to a category, the stage table, the decisions
taken where sources conflict, and the source of every entry. The engine (``engine.py``) knows none of it.
Loading checks that the file is internally consistent (categories, stages, sources and finding names exist), so a
typo in a data file fails at load time and in the tests, never in a user's result.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mesostage.datafiles import load_toml
from mesostage.errors import CaseError, InputError
from mesostage.vocabulary import (
    BASES,
    METASTASIS_FINDINGS,
    NODE_FINDINGS,
    SITES,
    SYSTEM_IDS,
    TUMOR_FINDINGS,
)

__all__ = [
    "Check",
    "Component",
    "Decision",
    "Measure",
    "Rule",
    "Source",
    "StageRow",
    "SystemDefinition",
    "check_system_ids",
    "load_system",
    "load_systems",
    "site_notes",
    "stage_labels",
]

Evidence = Literal["official", "secondary", "historical"]
SourceKind = Literal["primary", "secondary", "registry", "interpretation"]
Severity = Literal["info", "warning", "critical"]

#: Field paths a rule may read besides the finding vocabularies: boolean flags of the case.
FLAG_FIELDS = frozenset(
    {
        "peritoneal.nodes_positive",
        "peritoneal.extra_abdominal_metastases",
        "resection.margins_positive",
        "resection.performed",
        "pleural_effusion_malignant",
    }
)
#: Numeric field paths a measure may read.
MEASURE_FIELDS = frozenset({"tumor.psum_mm", "tumor.fmax_mm", "peritoneal.pci"})
VOCABULARY = {"tumor": TUMOR_FINDINGS, "nodes": NODE_FINDINGS, "metastases": METASTASIS_FINDINGS}

_FROZEN = ConfigDict(extra="forbid", frozen=True)


_KIND_LABEL = {
    "primary": "",
    "secondary": " [secondary source]",
    "registry": " [registry coding rule, not AJCC/UICC text]",
    "interpretation": " [mesostage interpretation]",
}


class Source(BaseModel):
    """A cited source; ``kind`` says how far to trust it and is shown next to the citation."""

    model_config = _FROZEN
    citation: str
    kind: SourceKind
    note: str | None = None

    @property
    def cited(self) -> str:
        """The citation as shown to users, with its kind marked unless it is a primary source."""
        return self.citation + _KIND_LABEL[self.kind]


class Rule(BaseModel):
    """A finding (``section.name``) or a boolean flag (a field path) that, when present/true, gives ``category``."""

    model_config = _FROZEN
    finding: str | None = None
    flag: str | None = None
    category: str
    source: str
    basis: tuple[str, ...] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Rule:
        if (self.finding is None) == (self.flag is None):
            raise ValueError("a rule needs exactly one of 'finding' or 'flag'")
        if self.finding is not None:
            section, _, name = self.finding.partition(".")
            if name not in VOCABULARY.get(section, ()):
                raise ValueError(f"unknown finding {self.finding!r}")
        if self.flag is not None and self.flag not in FLAG_FIELDS:
            raise ValueError(f"unknown flag {self.flag!r}; known: {sorted(FLAG_FIELDS)}")
        if self.basis is not None and not set(self.basis) <= set(BASES):
            raise ValueError(f"unknown basis in {self.basis}")
        return self

    @property
    def key(self) -> str:
        return self.finding or self.flag or ""

    @property
    def section(self) -> str | None:
        return self.finding.partition(".")[0] if self.finding else None


class Band(BaseModel):
    """A value strictly above ``above`` contributes ``category`` (the highest band reached wins)."""

    model_config = _FROZEN
    above: float
    category: str


class Measure(BaseModel):
    model_config = _FROZEN
    field: str
    label: str
    bands: tuple[Band, ...]
    required: bool = False
    basis: tuple[str, ...] | None = None
    source: str
    note: str | None = None
    replaces: str | None = Field(
        None,
        description="a finding this measurement stands for: when the value is measured the finding's rules are not "
        "used (a conflict is for review); when it is not, the finding alone decides and the measure adds nothing",
    )

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if self.field not in MEASURE_FIELDS:
            raise ValueError(f"unknown measure field {self.field!r}")
        limits = [b.above for b in self.bands]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise ValueError(f"bands of {self.field} must be strictly ascending")
        return self


class Component(BaseModel):
    """One axis of a staging system (T, N, M, or the single axis of a historical system)."""

    model_config = _FROZEN
    name: str
    categories: tuple[str, ...] = Field(description="all categories, lowest first (the rank used for 'highest wins')")
    floor: str = Field(description="the category when no rule fires")
    floor_reason: str
    not_assessed: str | None = Field(
        None, description="label when a required input is unknown and leaves the category open (e.g. TX)"
    )
    not_assessed_reason: str | None = None
    required_sections: tuple[str, ...] = ()
    no_evidence: str | None = Field(None, description="label for tumor.no_evidence (T0); its stage is open")
    rules: tuple[Rule, ...] = ()
    measures: tuple[Measure, ...] = ()


class StageRow(BaseModel):
    """One row of the stage table: the first row whose every listed component matches gives the stage."""

    model_config = _FROZEN
    stage: str
    when: dict[str, tuple[str, ...]]
    source: str


class Check(BaseModel):
    """A note the staging raises for review (the full second-opinion review builds on these)."""

    model_config = _FROZEN
    code: str
    severity: Severity
    kind: Literal[
        "section_not_assessed",
        "category_without_findings",
        "flag_true",
        "measure_equals",
        "finding_with_measure_at_most",
    ]
    message: str
    source: str
    section: str | None = None
    component: str | None = None
    at_least: str | None = None
    findings: tuple[str, ...] = ()
    flag: str | None = None
    field: str | None = None
    value: float | None = None


class Requirement(BaseModel):
    """A condition without which the system gives no stage (the range is still computed), except where the range is
    closed on a stage listed in ``without`` (it needs no such input), and ``closed_reason`` says so."""

    model_config = _FROZEN
    flag: str
    reason: str
    source: str
    without: tuple[str, ...] = Field(
        (), description="stages given without the requirement when the range is closed on them (Brigham: IV-IV)"
    )
    closed_reason: str | None = Field(
        None, description="shown when the range is one of ``without`` ({stage}) although the requirement is not met"
    )


class Decision(BaseModel):
    """How a conflict between sources, or a gap in them, was decided for this system."""

    model_config = _FROZEN
    topic: str
    decision: str
    sources: tuple[str, ...]


class Deviation(BaseModel):
    """A stage-table cell where this system deliberately differs from the SEER machine-readable table."""

    model_config = _FROZEN
    t: str
    n: str
    m: str
    seer: str
    ours: str | None = None
    reason: str


class SystemDefinition(BaseModel):
    model_config = _FROZEN
    id: str
    name: str
    short_name: str
    formal_system: bool = Field(
        False, description="an official AJCC/UICC classification (False: historical, or a research proposal)"
    )
    applies_to: tuple[str, ...]
    not_applicable_reason: str
    evidence: Evidence
    evidence_note: str | None = None
    main_source: str = Field(description="the source id of the system itself")
    uses_prefix: bool = False
    stages: tuple[str, ...] = Field(description="stage labels, lowest first")
    sources: dict[str, Source]
    components: tuple[Component, ...]
    stage_table: tuple[StageRow, ...]
    requires: tuple[Requirement, ...] = ()
    checks: tuple[Check, ...] = ()
    decisions: tuple[Decision, ...] = ()
    seer_deviations: tuple[Deviation, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> SystemDefinition:
        problems: list[str] = []
        if self.id not in SYSTEM_IDS:
            problems.append(f"id {self.id!r} is not one of {SYSTEM_IDS}")
        problems += [f"site {s!r} unknown" for s in self.applies_to if s not in SITES]
        names = [c.name for c in self.components]
        refs: list[str] = [r.source for r in self.stage_table] + [c.source for c in self.checks]
        refs += [self.main_source] + [q.source for q in self.requires] + [s for d in self.decisions for s in d.sources]
        for comp in self.components:
            cats = set(comp.categories)
            labels = [comp.floor] + [r.category for r in comp.rules]
            labels += [b.category for m in comp.measures for b in m.bands]
            problems += [f"{comp.name}: category {c!r} not in categories" for c in labels if c not in cats]
            refs += [r.source for r in comp.rules] + [m.source for m in comp.measures]
        for row in self.stage_table:
            if row.stage not in self.stages:
                problems.append(f"stage table: {row.stage!r} not in stages")
            for comp_name, values in row.when.items():
                if comp_name not in names:
                    problems.append(f"stage table: unknown component {comp_name!r}")
                    continue
                cats = set(next(c for c in self.components if c.name == comp_name).categories)
                problems += [f"stage table: {v!r} not a {comp_name} category" for v in values if v not in cats]
        problems += [f"source {r!r} is not defined" for r in refs if r not in self.sources]
        if problems:
            raise ValueError(f"{self.id}: " + "; ".join(problems))
        return self

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    def source_citation(self, ref: str) -> str:
        return self.sources[ref].citation


class _SiteNote(BaseModel):
    model_config = _FROZEN
    site: str
    formal_system: bool
    note: str
    source: str


class _TypeNote(BaseModel):
    model_config = _FROZEN
    tumor_type: str
    note: str
    source: str


class _SiteNotes(BaseModel):
    model_config = _FROZEN
    sites: tuple[_SiteNote, ...]
    tumor_types: tuple[_TypeNote, ...] = ()


def _read(name: str) -> dict[str, object]:
    text = resources.files("mesostage.staging").joinpath("systems", name).read_text(encoding="utf-8")
    return load_toml(text)


@cache
def load_system(system_id: str) -> SystemDefinition:
    """Load and check one system file. Raises ``KeyError`` for an unknown id."""
    if system_id not in SYSTEM_IDS:
        raise KeyError(system_id)
    return SystemDefinition.model_validate(_read(f"{system_id}.toml"))


def load_systems() -> tuple[SystemDefinition, ...]:
    """All systems, in the contract's order."""
    return tuple(load_system(s) for s in SYSTEM_IDS)


@cache
def site_notes() -> dict[str, tuple[bool, str, str]]:
    """Per site: (has a formal staging system, note, source)."""
    notes = _SiteNotes.model_validate(_read("sites.toml"))
    return {n.site: (n.formal_system, n.note, n.source) for n in notes.sites}


@cache
def tumor_type_notes() -> dict[str, tuple[str, str]]:
    """Per WHO tumour type that is not staged (every type but diffuse): (note, source)."""
    notes = _SiteNotes.model_validate(_read("sites.toml"))
    return {n.tumor_type: (n.note, n.source) for n in notes.tumor_types}


def check_system_ids(systems: Iterable[str] | None) -> list[str]:
    """The requested system ids (all six by default). Raises ``CaseError`` naming each unknown id."""
    wanted = list(systems) if systems is not None else list(SYSTEM_IDS)
    bad = [
        InputError(f"systems[{i}]", f"unknown system '{s}'", SYSTEM_IDS)
        for i, s in enumerate(wanted)
        if s not in SYSTEM_IDS
    ]
    if bad:
        raise CaseError(bad)
    return wanted


def stage_labels(system_id: str) -> tuple[str, ...]:
    return load_system(system_id).stages
