"""The options for a case (``mesostage.options``): what the API returns and the CLI prints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DISCLAIMER",
    "Audience",
    "Caveat",
    "ConditionCheck",
    "EvidenceItem",
    "GuidelineRef",
    "OfferedGroup",
    "SourceRef",
    "Stage4SurvivalFigure",
    "Stage4View",
    "SurvivalFigure",
    "SymptomControl",
    "TreatmentOption",
    "TreatmentOptions",
]

Audience = Literal["patient", "clinician"]
OptionStatus = Literal["applies", "may_apply", "not_applicable"]
CheckResult = Literal["met", "not_met", "unknown", "team_decides"]

DISCLAIMER = (
    "Options from published guidelines, for discussion with your specialist team. This supports, and does not "
    "replace, a specialist's judgement. It is not medical advice."
)

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class SourceRef(BaseModel):
    """A cited source; ``status`` secondary means it was seen only in a summary, not the primary text."""

    model_config = _FROZEN
    key: str
    citation: str
    year: int
    kind: str
    status: Literal["verified", "secondary"]
    note: str | None = None


class GuidelineRef(BaseModel):
    """A guideline that lists the option, with its version and date."""

    model_config = _FROZEN
    version: str
    date: str
    listing: str
    source: SourceRef


class EvidenceItem(BaseModel):
    model_config = _FROZEN
    trial: str
    level: str
    median_os_months: list[float] = Field(default_factory=list, description="[treatment, comparator] when compared")
    hr: float | None = Field(None, description="hazard ratio for death, treatment vs comparator")
    ci: str | None = None
    result: str | None = None
    status: Literal["verified", "secondary"]
    source: SourceRef


class ConditionCheck(BaseModel):
    """One condition of an option tested against the case."""

    model_config = _FROZEN
    condition: str
    requirement: str = Field(description="the condition in the audience's words")
    result: CheckResult = Field(
        description="met, not_met, unknown (not recorded) or team_decides (a caution, not an exclusion: the team "
        "weighs it)"
    )
    case_value: str = Field(description="what the case says, or 'not recorded'")
    source: SourceRef


class Caveat(BaseModel):
    model_config = _FROZEN
    text: str
    source: SourceRef


class TreatmentOption(BaseModel):
    """One option and how it fits this case."""

    model_config = _FROZEN
    id: str
    option: str
    category: str
    section: str
    goal: Literal["curative intent", "life-prolonging", "symptom relief", "benefit uncertain"] = Field(
        description="what the evidence shows the option can do; 'benefit uncertain': no survival gain shown"
    )
    status: OptionStatus = Field(
        description="applies: every condition holds; may_apply: none fails but some are not recorded; "
        "not_applicable: a condition fails"
    )
    text: str
    why: list[str] = Field(default_factory=list, description="conditions this case meets")
    would_apply_if: list[str] = Field(default_factory=list, description="conditions the case does not record")
    does_not_apply_because: list[str] = Field(default_factory=list, description="conditions this case fails")
    team_decides: list[str] = Field(default_factory=list, description="what only the care team can judge")
    cautions: list[Caveat] = Field(default_factory=list)
    conditions: list[ConditionCheck] = Field(default_factory=list)
    guidelines: list[GuidelineRef] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list, description="every source of this option")
    listing_note: str | None = Field(None, description="set when no guideline listing could be verified")


class OfferedGroup(BaseModel):
    model_config = _FROZEN
    options: list[str] = Field(description="ids of the options of this group that apply or may apply to the case")
    why: str
    source: SourceRef


class SymptomControl(BaseModel):
    model_config = _FROZEN
    symptom: str
    text: str
    options: list[str]
    sources: list[SourceRef]


class Stage4SurvivalFigure(BaseModel):
    """One published survival figure in the stage IV view (named apart from the outlook's ``SurvivalFigure``, so
    the OpenAPI document has one model of each name)."""

    model_config = _FROZEN
    label: str
    text: str
    median_months: float
    comparator_months: float | None = None
    one_year_percent: float | None = None
    population: str
    source: SourceRef


#: The former name, kept for code that imports it.
SurvivalFigure = Stage4SurvivalFigure


class Stage4View(BaseModel):
    """Stage IV pleural mesothelioma: goals of care, what is offered and why, symptoms, survival context."""

    model_config = _FROZEN
    goals_of_care: str
    goals_sources: list[SourceRef]
    offered: list[OfferedGroup]
    symptom_control: list[SymptomControl]
    survival_context: list[Stage4SurvivalFigure]
    survival_caveat: str
    questions: list[str]


class TreatmentOptions(BaseModel):
    """The guideline options for one case, in guideline order, with what was considered and set aside."""

    model_config = _FROZEN
    id: str | None = None
    audience: Audience
    site: str
    histology: str | None = None
    stage_system: str | None = Field(None, description="the staging system in use for this case")
    stage: str | None = None
    stage_range: list[str] | None = None
    inputs: dict[str, str] = Field(default_factory=dict, description="the case facts the selection used")
    options: list[TreatmentOption] = Field(description="options that apply or may apply, in guideline order")
    not_suitable: list[TreatmentOption] = Field(description="options considered and set aside, with why")
    questions: list[str]
    stage4: Stage4View | None = None
    notes: list[str] = Field(default_factory=list)
    disclaimer: str = DISCLAIMER

    def option(self, option_id: str) -> TreatmentOption:
        """An option by id, from either list. Raises ``KeyError`` if it was not considered for this site."""
        for o in (*self.options, *self.not_suitable):
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def offered_ids(self) -> list[str]:
        """Ids of the options that apply or may apply."""
        return [o.id for o in self.options]
