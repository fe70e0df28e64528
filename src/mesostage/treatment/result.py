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
    key: str = Field(description="the source's key in the treatment knowledge file")
    citation: str = Field(description="the full citation")
    year: int = Field(description="year of publication")
    kind: str = Field(description="guideline, trial, study, regulatory or review")
    status: Literal["verified", "secondary"] = Field(
        description="verified: seen in the primary source; secondary: seen only in a summary"
    )
    note: str | None = Field(None, description="what to know about this source, where something needs saying")


class GuidelineRef(BaseModel):
    """A guideline that lists the option, with its version and date."""

    model_config = _FROZEN
    version: str = Field(description="the guideline version read")
    date: str = Field(description="publication date of that version (YYYY[-MM[-DD]])")
    listing: str = Field(description="how the guideline lists the option")
    source: SourceRef = Field(description="the guideline")


class EvidenceItem(BaseModel):
    """A trial or study behind an option, with its main result."""

    model_config = _FROZEN
    trial: str = Field(description="the trial or study")
    level: str = Field(description="the kind of evidence (for example a randomised phase 3 trial)")
    median_os_months: list[float] = Field(default_factory=list, description="[treatment, comparator] when compared")
    hr: float | None = Field(None, description="hazard ratio for death, treatment vs comparator")
    ci: str | None = Field(None, description="confidence interval of the hazard ratio, as published")
    result: str | None = Field(None, description="the result in words")
    status: Literal["verified", "secondary"] = Field(
        description="verified: seen in the primary source; secondary: seen only in a summary"
    )
    source: SourceRef = Field(description="the publication of the result")


class ConditionCheck(BaseModel):
    """One condition of an option tested against the case."""

    model_config = _FROZEN
    condition: str = Field(description="the condition's name in the treatment knowledge file")
    requirement: str = Field(description="the condition in the audience's words")
    result: CheckResult = Field(
        description="met, not_met, unknown (not recorded) or team_decides (a caution, not an exclusion: the team "
        "weighs it)"
    )
    case_value: str = Field(description="what the case says, or 'not recorded'")
    source: SourceRef = Field(description="where the condition comes from")


class Caveat(BaseModel):
    """A caution about an option for this case."""

    model_config = _FROZEN
    text: str = Field(description="the caution, in the audience's words")
    source: SourceRef = Field(description="where the caution comes from")


class TreatmentOption(BaseModel):
    """One option and how it fits this case."""

    model_config = _FROZEN
    id: str = Field(description="the option's stable id")
    option: str = Field(description="the option's name")
    category: str = Field(
        description="systemic therapy, surgery, radiotherapy, procedure, device, observation, supportive care or "
        "clinical trial"
    )
    section: str = Field(
        description="where it stands in care: first_line, local, later_line, symptom, supportive or trials"
    )
    goal: Literal["curative intent", "life-prolonging", "symptom relief", "benefit uncertain"] = Field(
        description="what the evidence shows the option can do; 'benefit uncertain': no survival gain shown"
    )
    status: OptionStatus = Field(
        description="applies: every condition holds; may_apply: none fails but some are not recorded; "
        "not_applicable: a condition fails"
    )
    text: str = Field(description="what the option is, in the audience's words")
    why: list[str] = Field(default_factory=list, description="conditions this case meets")
    would_apply_if: list[str] = Field(default_factory=list, description="conditions the case does not record")
    does_not_apply_because: list[str] = Field(default_factory=list, description="conditions this case fails")
    team_decides: list[str] = Field(default_factory=list, description="what only the care team can judge")
    cautions: list[Caveat] = Field(default_factory=list, description="cautions for this case")
    conditions: list[ConditionCheck] = Field(default_factory=list, description="each condition tested against the case")
    guidelines: list[GuidelineRef] = Field(default_factory=list, description="the guidelines that list the option")
    evidence: list[EvidenceItem] = Field(default_factory=list, description="the trials and studies behind it")
    sources: list[SourceRef] = Field(default_factory=list, description="every source of this option")
    listing_note: str | None = Field(None, description="set when no guideline listing could be verified")


class OfferedGroup(BaseModel):
    """A group of options offered at stage IV, and why."""

    model_config = _FROZEN
    options: list[str] = Field(description="ids of the options of this group that apply or may apply to the case")
    why: str = Field(description="why this group is offered, in the audience's words")
    source: SourceRef = Field(description="where that comes from")


class SymptomControl(BaseModel):
    """What can be done for one symptom."""

    model_config = _FROZEN
    symptom: str = Field(description="the symptom")
    text: str = Field(description="what can help, in the audience's words")
    options: list[str] = Field(description="the ways to control it")
    sources: list[SourceRef] = Field(description="where these come from")


class Stage4SurvivalFigure(BaseModel):
    """One published survival figure in the stage IV view (named apart from the outlook's ``SurvivalFigure``, so
    the OpenAPI document has one model of each name)."""

    model_config = _FROZEN
    label: str = Field(description="what the figure is of (a treatment, or no treatment)")
    text: str = Field(description="the figure in words")
    median_months: float = Field(description="median overall survival, months")
    comparator_months: float | None = Field(None, description="median overall survival of the comparator, months")
    one_year_percent: float | None = Field(None, description="alive at one year, %")
    population: str = Field(description="who was studied")
    source: SourceRef = Field(description="the publication")


#: The former name, kept for code that imports it.
SurvivalFigure = Stage4SurvivalFigure


class Stage4View(BaseModel):
    """Stage IV pleural mesothelioma: goals of care, what is offered and why, symptoms, survival context."""

    model_config = _FROZEN
    goals_of_care: str = Field(description="the goals of care at this stage, in the audience's words")
    goals_sources: list[SourceRef] = Field(description="where they come from")
    offered: list[OfferedGroup] = Field(description="what is offered, and why")
    symptom_control: list[SymptomControl] = Field(description="what can be done for each symptom")
    survival_context: list[Stage4SurvivalFigure] = Field(description="published survival figures, each with its source")
    survival_caveat: str = Field(description="why these figures are not a personal prediction")
    questions: list[str] = Field(description="questions to ask the care team")


class TreatmentOptions(BaseModel):
    """The guideline options for one case, in guideline order, with what was considered and set aside."""

    model_config = _FROZEN
    id: str | None = Field(None, description="the case's id")
    audience: Audience = Field(description="patient or clinician: whose words the texts are in")
    site: str = Field(description="the primary site of the case")
    histology: str | None = Field(None, description="the case's histology, where given")
    stage_system: str | None = Field(None, description="the staging system in use for this case")
    stage: str | None = Field(None, description="the stage in that system")
    stage_range: list[str] | None = Field(
        None, description="[lowest, highest] stage over every way the unknowns could turn out"
    )
    inputs: dict[str, str] = Field(default_factory=dict, description="the case facts the selection used")
    options: list[TreatmentOption] = Field(description="options that apply or may apply, in guideline order")
    not_suitable: list[TreatmentOption] = Field(description="options considered and set aside, with why")
    questions: list[str] = Field(description="questions to ask the care team")
    stage4: Stage4View | None = Field(None, description="the stage IV view (stage IV pleural mesothelioma only)")
    notes: list[str] = Field(default_factory=list, description="what to know about this answer")
    disclaimer: str = Field(DISCLAIMER, description="what this is and is not")

    def option(self, option_id: str) -> TreatmentOption:
        """An option by id, from either list. Raises ``KeyError`` if it was not considered for this site."""
        for o in (*self.options, *self.not_suitable):
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def offered_ids(self) -> list[str]:
        """Ids of the options that apply or may apply."""
        return [o.id for o in self.options]
