"""The staging result (``shared/spec/CASE_FORMAT.md`` §3). Field names are the public contract."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mesostage.checks import CaseWarning

__all__ = ["Determinant", "PciRegion", "ReviewNote", "StagingResult", "SystemResult", "make"]

M = TypeVar("M", bound=BaseModel)

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Determinant(BaseModel):
    """A finding (or rule) that decided a category or the stage, with its source."""

    model_config = _FROZEN
    component: str = Field(
        description="T, N, M (or stage for a historical system); stage_group for the stage-table row"
    )
    finding: str | None = Field(None, description="the input that decided it, e.g. mediastinal_fat or psum_mm")
    category: str = Field(description="the category or stage it gave, e.g. T3, N1, IIIA")
    reason: str | None = Field(
        None, description="why, in words, where the rule needs saying (e.g. T3 N1 M0 gives stage IIIA)"
    )
    source: str | None = Field(
        None,
        description="the citation of the rule it applied, from the system's data file; [secondary source] marks one",
    )


class PciRegion(BaseModel):
    model_config = _FROZEN
    region: int = Field(description="the region's number in Sugarbaker's peritoneal cancer index, 0-12")
    name: str = Field(description="the region's name, e.g. central, right upper, pelvis")
    score: int = Field(description="its lesion-size score, 0-3, as given in the case")


class ReviewNote(BaseModel):
    """A point for a second look, raised by staging (the review adds more)."""

    model_config = _FROZEN
    code: str = Field(description="a stable name for the kind of note, e.g. reported_stage_differs (for programs)")
    severity: Literal["info", "warning", "critical"] = Field(
        description="critical: a stage given looks wrong; warning: worth a second look; info: for the record"
    )
    message: str = Field(description="the note in words")
    systems: list[str] = Field(default_factory=list, description="the system ids it is about; empty for the whole case")
    evidence: str | None = Field(None, description="what in the case raised it")
    source: str | None = Field(None, description="the citation the note rests on, where it rests on a publication")
    item: str | None = Field(None, description="the unknown case item the note is about, e.g. nodes")
    settled_by: str | None = Field(None, description="the test that would settle the item")
    possible_stages: list[str] | None = Field(None, description="the stages the item's values give")


class SystemResult(BaseModel):
    """The stage of one case in one system."""

    model_config = _FROZEN
    system: str = Field(description="the system id (tnm8, tnm9, tnm7, butchart, brigham, peritoneal_tnm)")
    name: str = Field(description="the system's full name with its edition")
    applicable: bool = Field(description="the system stages this case's site (false: see reason)")
    formal_system: bool | None = Field(
        None, description="the system is an official AJCC/UICC classification (false: historical or a proposal)"
    )
    reason: str | None = Field(None, description="why the system does not apply, or why no stage is given")
    categories: dict[str, str] = Field(default_factory=dict, description="component name to category")
    t: str | None = Field(
        None,
        description="the T category (extent of the primary tumour), e.g. T3; null for a system without T or not "
        "applicable",
    )
    n: str | None = Field(None, description="the N category (regional lymph nodes), e.g. N1")
    m: str | None = Field(None, description="the M category (distant metastasis), M0 or M1")
    prefix: str | None = Field(None, description="c, p or yp")
    stage: str | None = Field(None, description="null: cannot be determined")
    stage_range: list[str] | None = Field(
        None, description="[lowest, highest] stage over every way the unknowns could turn out"
    )
    determinants: list[Determinant] = Field(
        default_factory=list,
        description="the findings and rules that decided each category and the stage, with sources",
    )
    unknowns_that_matter: list[str] = Field(
        default_factory=list,
        description="the unknown or unassessed case items (e.g. tumor.rib, nodes) whose value could change the stage",
    )
    evidence: Literal["official", "secondary", "historical"] | None = Field(
        None,
        description="official (the AJCC/UICC tables), secondary (the table rests on a secondary source) or "
        "historical (a superseded system, for reading old records); null when not applicable",
    )
    evidence_note: str | None = Field(None, description="why the evidence level is what it is, where it needs saying")
    sources: list[str] = Field(default_factory=list, description="the citation of every rule the system used here")
    pci: int | None = Field(None, description="the peritoneal cancer index (0-39), peritoneal_tnm only")
    pci_regions: list[PciRegion] | None = Field(None, description="the PCI by region, when the case gives the regions")


class StagingResult(BaseModel):
    """The stage of one case in every requested system."""

    model_config = _FROZEN
    id: str | None = Field(None, description="the case's id, echoed back")
    site: str = Field(description="the primary site of the case: pleura, peritoneum, pericardium or tunica_vaginalis")
    default_system: str | None = Field(None, description="the system in use for this case's diagnosis date")
    formal_staging_system: bool = Field(
        True,
        description="an official AJCC/UICC system covers the site (false for the peritoneum, pericardium and tunica "
        "vaginalis)",
    )
    site_note: str | None = Field(
        None, description="how this site is staged, in words (e.g. that TNM does not cover it)"
    )
    results: list[SystemResult] = Field(description="one result per system asked for, in the order asked")
    review: list[ReviewNote] = Field(
        default_factory=list,
        description="points for a second look (most severe first): stage-changing unknowns, "
        "a reported stage that does not fit, known staging mistakes",
    )
    warnings: list[CaseWarning] = Field(
        default_factory=list,
        description="what to check in the input: answers that do not fit together, a date after today, nothing "
        "marked (mesostage.check_case)",
    )

    def result(self, system: str) -> SystemResult:
        """The result for one system id. Raises ``KeyError`` if it was not requested."""
        for r in self.results:
            if r.system == system:
                return r
        raise KeyError(system)


#: per model class: its fields in order with their plain defaults (None for a required field), and the fields whose
#: default is made new for each model (a list, a dict) with what makes it
_TEMPLATES: dict[type[BaseModel], tuple[dict[str, Any], tuple[tuple[str, Any], ...]]] = {}
_set = object.__setattr__


def make(cls: type[M], /, **values: Any) -> M:
    """``cls(**values)`` without validating, for the engine's own values: every required field given, each value
    already of its field's type (text, numbers, new lists and dicts, models of the nested types). The model is the
    one validation gives (the same fields in the same order, the same defaults, the same fields set; the tests
    compare them), built in about a fifth of the time."""
    template = _TEMPLATES.get(cls)
    if template is None:
        fields = cls.model_fields
        factories = tuple((n, info.default_factory) for n, info in fields.items() if info.default_factory is not None)
        plain = {n: None if info.is_required() or info.default_factory else info.default for n, info in fields.items()}
        template = (plain, factories)
        _TEMPLATES[cls] = template
    defaults, factories = template
    data = defaults.copy()
    data.update(values)
    for name, factory in factories:
        if name not in values:
            data[name] = factory()  # type: ignore[call-arg]  # the factories here take no argument
    out = cls.__new__(cls)
    _set(out, "__dict__", data)
    _set(out, "__pydantic_extra__", None)
    _set(out, "__pydantic_fields_set__", set(values))
    _set(out, "__pydantic_private__", None)
    return out
