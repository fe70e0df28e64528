"""The outlook result: survival figures for the case's stage, prognostic scores, what is not available and why.

Every figure and score carries its source (citation with year, tagged when secondary or unverified), its
population and its limits. Field names are part of the public API.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "NotAvailable",
    "Outcome",
    "Prognosis",
    "ScoreGroup",
    "ScoreInput",
    "ScoreItem",
    "ScoreResult",
    "SurvivalAt",
    "SurvivalContext",
    "SurvivalFigure",
    "ValidationOutcome",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)

TimeUnit = Literal["days", "months", "years"]
Evidence = Literal["primary", "secondary", "interpretation", "unverified"]


class SurvivalAt(BaseModel):
    """The share of a group alive at one time point, with the source's interval where one is published."""

    model_config = _FROZEN
    at: float = Field(gt=0)
    unit: TimeUnit
    percent: float = Field(ge=0, le=100)
    interval: tuple[float, float] | None = None
    interval_kind: str | None = Field(None, description="e.g. 95% CI or IQR")


class Outcome(BaseModel):
    """A group's published outcome: median overall survival and/or survival at time points."""

    model_config = _FROZEN
    median: float | None = Field(None, gt=0)
    median_unit: TimeUnit | None = None
    median_interval: tuple[float, float] | None = None
    median_interval_kind: str | None = None
    survival: tuple[SurvivalAt, ...] = ()


class SurvivalFigure(BaseModel):
    """One published survival figure for a group (a stage, a histology, a whole cohort), with its source."""

    model_config = _FROZEN
    id: str
    scope: str = Field(description="the group the figure describes, in the source's terms")
    site: str
    system: str | None = Field(None, description="staging system id, for a stage figure")
    stages: tuple[str, ...] = ()
    histology: str | None = None
    edition: str
    basis: str = Field(description="clinical / pathological staging, or the kind of population")
    n: int | None = Field(None, description="patients in the group, where the source gives it")
    outcome: Outcome
    evidence: Evidence
    note: str | None = None
    source: str = Field(description="citation with year; tagged [secondary source] where only that was read")
    year: int
    population: str
    population_kind: str
    statement: str = Field(description="for clinicians: the figure with its population and source")
    plain: str = Field(description="for patients: plain words, never a personal prediction")


class SurvivalContext(BaseModel):
    """Published survival for the case's stage in one staging system."""

    model_config = _FROZEN
    system: str
    system_name: str
    stage: str | None = None
    stage_range: tuple[str, str] | None = None
    figures: tuple[SurvivalFigure, ...] = ()
    not_available: str | None = Field(None, description="why no figure is shown for this stage")


class ScoreInput(BaseModel):
    """An input a score used, with the case field it came from."""

    model_config = _FROZEN
    name: str
    field: str
    value: float | int | str | bool | None
    unit: str | None = None


class ScoreItem(BaseModel):
    """One factor or component of a score, with what it contributed and its source."""

    model_config = _FROZEN
    key: str
    label: str
    present: bool | None = Field(None, description="weighted sums: whether the factor is present")
    band: str | None = Field(None, description="points: the band the value fell in")
    contribution: float | None = Field(None, description="weight or points added; null when not verifiable")
    source: str


class ValidationOutcome(BaseModel):
    """A group's outcome in a later, independent cohort."""

    model_config = _FROZEN
    label: str
    outcome: Outcome
    source: str
    population: str


class ScoreGroup(BaseModel):
    """A score's group and the group's published outcome."""

    model_config = _FROZEN
    name: str
    outcome: Outcome
    source: str
    cutoff_source: str | None = None
    note: str | None = None
    validation: tuple[ValidationOutcome, ...] = ()


class ScoreResult(BaseModel):
    """One prognostic model applied to the case."""

    model_config = _FROZEN
    model: str
    name: str
    status: Literal["computed", "ambiguous", "cannot_compute", "not_applicable"]
    message: str = Field(description="one line a person can read: the result, or why there is none")
    score: float | None = None
    score_range: tuple[float, float] | None = Field(None, description="when a boundary is printed two ways")
    group: ScoreGroup | None = None
    missing: tuple[str, ...] = Field((), description="case fields needed to compute the score")
    inputs: tuple[ScoreInput, ...] = ()
    items: tuple[ScoreItem, ...] = ()
    notes: tuple[str, ...] = ()
    evidence: Evidence
    population: str
    time_zero: str | None = None
    limits: str | None = None
    sources: tuple[str, ...] = Field(description="every source the result rests on")
    plain: str | None = Field(None, description="for patients; never a personal prediction")


class NotAvailable(BaseModel):
    """A figure or model that is deliberately left out, with the reason."""

    model_config = _FROZEN
    id: str
    name: str
    reason: str
    source: str | None = None


class Prognosis(BaseModel):
    """The outlook for one case: published survival for its stage in each system, scores, and their limits."""

    model_config = _FROZEN
    id: str | None = None
    site: str
    default_system: str | None = None
    survival: tuple[SurvivalContext, ...]
    histology: tuple[SurvivalFigure, ...] = ()
    cohorts: tuple[SurvivalFigure, ...] = ()
    scores: tuple[ScoreResult, ...]
    not_available: tuple[NotAvailable, ...]
    plain_summary: tuple[str, ...] = Field(description="patient text, Flesch-Kincaid grade 8 or below")
    caveats: tuple[str, ...]
    disclaimer: str

    def score(self, model: str) -> ScoreResult:
        """The result of one model by id (``eortc``, ``lent``, ``nlr``, ``ki67_pci``). Raises ``KeyError``."""
        for s in self.scores:
            if s.model == model:
                return s
        raise KeyError(model)

    def context(self, system: str) -> SurvivalContext:
        """The survival context in one staging system. Raises ``KeyError``."""
        for c in self.survival:
            if c.system == system:
                return c
        raise KeyError(system)
