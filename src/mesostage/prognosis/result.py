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
    at: float = Field(gt=0, description="the time point")
    unit: TimeUnit = Field(description="days, months or years")
    percent: float = Field(ge=0, le=100, description="alive at that time, %")
    interval: tuple[float, float] | None = Field(None, description="the source's interval for the percent, [low, high]")
    interval_kind: str | None = Field(None, description="e.g. 95% CI or IQR")


class Outcome(BaseModel):
    """A group's published outcome: median overall survival and/or survival at time points."""

    model_config = _FROZEN
    median: float | None = Field(None, gt=0, description="median overall survival")
    median_unit: TimeUnit | None = Field(None, description="days, months or years")
    median_interval: tuple[float, float] | None = Field(
        None, description="the source's interval for the median, [low, high]"
    )
    median_interval_kind: str | None = Field(None, description="e.g. 95% CI or IQR")
    survival: tuple[SurvivalAt, ...] = Field((), description="the share alive at time points")


class SurvivalFigure(BaseModel):
    """One published survival figure for a group (a stage, a histology, a whole cohort), with its source."""

    model_config = _FROZEN
    id: str = Field(description="the figure's stable id")
    scope: str = Field(description="the group the figure describes, in the source's terms")
    site: str = Field(description="the primary site the figure is for")
    system: str | None = Field(None, description="staging system id, for a stage figure")
    stages: tuple[str, ...] = Field((), description="the stage groups it covers, in that system")
    histology: str | None = Field(None, description="the histology it is for, where one")
    edition: str = Field(description="the staging edition of the data, or not stage-specific")
    basis: str = Field(description="clinical / pathological staging, or the kind of population")
    n: int | None = Field(None, description="patients in the group, where the source gives it")
    outcome: Outcome = Field(description="the published outcome")
    evidence: Evidence = Field(description="primary, secondary, interpretation or unverified")
    note: str | None = Field(None, description="what to know when reading it")
    source: str = Field(description="citation with year; tagged [secondary source] where only that was read")
    year: int = Field(description="year of the source")
    population: str = Field(description="who was studied")
    population_kind: str = Field(
        description="the kind of population (e.g. surgical_series, trial, multicentre_database)"
    )
    statement: str = Field(description="for clinicians: the figure with its population and source")
    plain: str = Field(description="for patients: plain words, never a personal prediction")


class SurvivalContext(BaseModel):
    """Published survival for the case's stage in one staging system."""

    model_config = _FROZEN
    system: str = Field(description="the staging system id")
    system_name: str = Field(description="its full name with edition")
    stage: str | None = Field(None, description="the case's stage in that system; null: cannot be determined")
    stage_range: tuple[str, str] | None = Field(
        None, description="[lowest, highest] stage over every way the unknowns could turn out"
    )
    figures: tuple[SurvivalFigure, ...] = Field((), description="published survival figures for that stage")
    not_available: str | None = Field(None, description="why no figure is shown for this stage")


class ScoreInput(BaseModel):
    """An input a score used, with the case field it came from."""

    model_config = _FROZEN
    name: str = Field(description="the input's name in the score")
    field: str = Field(description="the case field it came from")
    value: float | int | str | bool | None = Field(description="the value used")
    unit: str | None = Field(None, description="its unit, where it has one")


class ScoreItem(BaseModel):
    """One factor or component of a score, with what it contributed and its source."""

    model_config = _FROZEN
    key: str = Field(description="the factor's id in the score")
    label: str = Field(description="the factor in words")
    present: bool | None = Field(None, description="weighted sums: whether the factor is present")
    band: str | None = Field(None, description="points: the band the value fell in")
    contribution: float | None = Field(None, description="weight or points added; null when not verifiable")
    source: str = Field(description="where its weight or band comes from")


class ValidationOutcome(BaseModel):
    """A group's outcome in a later, independent cohort."""

    model_config = _FROZEN
    label: str = Field(description="the group in the later cohort")
    outcome: Outcome = Field(description="its outcome there")
    source: str = Field(description="the publication of that cohort")
    population: str = Field(description="who was studied")


class ScoreGroup(BaseModel):
    """A score's group and the group's published outcome."""

    model_config = _FROZEN
    name: str = Field(description="the group's name")
    outcome: Outcome = Field(description="the group's published outcome")
    source: str = Field(description="the publication of the score")
    cutoff_source: str | None = Field(
        None, description="where the cut-off between groups comes from, if not the score's source"
    )
    note: str | None = Field(None, description="what to know about this group")
    validation: tuple[ValidationOutcome, ...] = Field(
        (), description="the group's outcome in later, independent cohorts"
    )


class ScoreResult(BaseModel):
    """One prognostic model applied to the case."""

    model_config = _FROZEN
    model: str = Field(description="the model's id (eortc, lent, nlr, ki67_pci)")
    name: str = Field(description="its name")
    status: Literal["computed", "ambiguous", "cannot_compute", "not_applicable"] = Field(
        description="computed; ambiguous: the score is one of two values (the message says why) and the group "
        "may not be given; cannot_compute: inputs are missing; not_applicable"
    )
    message: str = Field(description="one line a person can read: the result, or why there is none")
    score: float | None = Field(None, description="the score, when computed")
    score_range: tuple[float, float] | None = Field(None, description="when a boundary is printed two ways")
    group: ScoreGroup | None = Field(None, description="the group the score falls in and its outcome")
    missing: tuple[str, ...] = Field((), description="case fields needed to compute the score")
    inputs: tuple[ScoreInput, ...] = Field((), description="the inputs used, each with its case field")
    items: tuple[ScoreItem, ...] = Field((), description="each factor and what it contributed")
    notes: tuple[str, ...] = Field((), description="what to know about this result")
    evidence: Evidence = Field(description="primary, secondary, interpretation or unverified")
    population: str = Field(description="who the model was built on")
    time_zero: str | None = Field(None, description="when survival is counted from")
    limits: str | None = Field(None, description="what the model cannot say")
    sources: tuple[str, ...] = Field(description="every source the result rests on")
    plain: str | None = Field(None, description="for patients; never a personal prediction")


class NotAvailable(BaseModel):
    """A figure or model that is deliberately left out, with the reason."""

    model_config = _FROZEN
    id: str = Field(description="the left-out figure's or model's id")
    name: str = Field(description="its name")
    reason: str = Field(description="why it is left out")
    source: str | None = Field(None, description="the source it would come from")


class Prognosis(BaseModel):
    """The outlook for one case: published survival for its stage in each system, scores, and their limits."""

    model_config = _FROZEN
    id: str | None = Field(None, description="the case's id")
    site: str = Field(description="the primary site of the case")
    default_system: str | None = Field(None, description="the staging system in use for this case")
    survival: tuple[SurvivalContext, ...] = Field(
        description="published survival for the case's stage, in each staging system"
    )
    histology: tuple[SurvivalFigure, ...] = Field((), description="published survival by histology")
    cohorts: tuple[SurvivalFigure, ...] = Field((), description="published survival of whole cohorts")
    scores: tuple[ScoreResult, ...] = Field(description="each prognostic model applied to the case")
    not_available: tuple[NotAvailable, ...] = Field(description="figures and models deliberately left out, with why")
    plain_summary: tuple[str, ...] = Field(description="patient text, Flesch-Kincaid grade 8 or below")
    caveats: tuple[str, ...] = Field(description="the limits of these figures")
    disclaimer: str = Field(description="what this is and is not")

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
