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
    category: str
    reason: str | None = None
    source: str | None = None


class PciRegion(BaseModel):
    model_config = _FROZEN
    region: int
    name: str
    score: int


class ReviewNote(BaseModel):
    """A point for a second look, raised by staging (the review adds more)."""

    model_config = _FROZEN
    code: str
    severity: Literal["info", "warning", "critical"]
    message: str
    systems: list[str] = Field(default_factory=list)
    evidence: str | None = Field(None, description="what in the case raised it")
    source: str | None = None
    item: str | None = Field(None, description="the unknown case item the note is about, e.g. nodes")
    settled_by: str | None = Field(None, description="the test that would settle the item")
    possible_stages: list[str] | None = Field(None, description="the stages the item's values give")


class SystemResult(BaseModel):
    """The stage of one case in one system."""

    model_config = _FROZEN
    system: str
    name: str
    applicable: bool
    formal_system: bool | None = Field(
        None, description="the system is an official AJCC/UICC classification (false: historical or a proposal)"
    )
    reason: str | None = Field(None, description="why the system does not apply, or why no stage is given")
    categories: dict[str, str] = Field(default_factory=dict, description="component name to category")
    t: str | None = None
    n: str | None = None
    m: str | None = None
    prefix: str | None = Field(None, description="c, p or yp")
    stage: str | None = Field(None, description="null: cannot be determined")
    stage_range: list[str] | None = Field(
        None, description="[lowest, highest] stage over every way the unknowns could turn out"
    )
    determinants: list[Determinant] = Field(default_factory=list)
    unknowns_that_matter: list[str] = Field(default_factory=list)
    evidence: Literal["official", "secondary", "historical"] | None = None
    evidence_note: str | None = None
    sources: list[str] = Field(default_factory=list)
    pci: int | None = None
    pci_regions: list[PciRegion] | None = None


class StagingResult(BaseModel):
    """The stage of one case in every requested system."""

    model_config = _FROZEN
    id: str | None = None
    site: str
    default_system: str | None = Field(None, description="the system in use for this case's diagnosis date")
    formal_staging_system: bool = True
    site_note: str | None = None
    results: list[SystemResult]
    review: list[ReviewNote] = Field(default_factory=list)
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
