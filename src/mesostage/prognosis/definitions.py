"""The shape of the prognosis data files (``data/*.toml``) and their loader.

Loading checks that every figure, factor, band, group and caution names a source that exists, that every source
has its citation, year and population, that every condition reads a known input, and that every figure has an
outcome. A typo in a data file fails at load time and in the tests, never in a user's result.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mesostage.case import HISTOLOGIES, SITES, SYSTEM_IDS
from mesostage.prognosis.result import Outcome, SurvivalAt, TimeUnit

__all__ = [
    "INPUT_NAMES",
    "Band",
    "Caution",
    "Component",
    "Condition",
    "DataError",
    "Factor",
    "FigureDef",
    "GroupDef",
    "ModelDef",
    "NotAvailableDef",
    "PrognosisData",
    "SourceDef",
    "load_data",
    "parse_data",
]

#: The inputs a model may read (their case fields and units are in ``calculators.INPUTS``).
INPUT_NAMES = frozenset(
    {"sex", "ecog", "wbc", "diagnosis_confirmed", "histology", "pleural_ldh", "nlr", "ki67", "pci", "effusion"}
)

_DATA = ConfigDict(extra="forbid", frozen=True)


class DataError(ValueError):
    """A prognosis data file is inconsistent."""


class SourceDef(BaseModel):
    model_config = _DATA
    citation: str = Field(min_length=10)
    short: str = Field(min_length=5, description="author and year, for captions")
    year: int = Field(ge=1950, le=2100)
    kind: Literal["primary", "secondary"]
    read: str = Field(min_length=3)
    population: str = Field(min_length=3)
    population_kind: str
    n: int | None = Field(None, gt=0)
    plain_population: str = Field(min_length=3)

    def cite(self) -> str:
        """The citation as shown to users, tagged when only a secondary source was read."""
        return self.citation + (" [secondary source]" if self.kind == "secondary" else "")


class Condition(BaseModel):
    model_config = _DATA
    input: str
    op: Literal["<", "<=", ">", ">=", "==", "!=", "in"]
    value: bool | float | str | None = None
    values: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.input not in INPUT_NAMES:
            raise ValueError(f"unknown input '{self.input}' (known: {', '.join(sorted(INPUT_NAMES))})")
        if (self.op == "in") != (self.values is not None) or (self.op != "in" and self.value is None):
            raise ValueError("op 'in' takes values; every other op takes value")
        if self.input == "histology" and self.values and not set(self.values) <= set(HISTOLOGIES):
            raise ValueError(f"histology values must be among {HISTOLOGIES}")
        return self


class _OutcomeFields(BaseModel):
    """Outcome fields written inline in a figure or group."""

    model_config = _DATA
    median: float | None = Field(None, gt=0)
    median_unit: TimeUnit | None = None
    median_interval: tuple[float, float] | None = None
    median_interval_kind: str | None = None
    survival: tuple[SurvivalAt, ...] = ()

    def outcome(self) -> Outcome:
        return Outcome(
            median=self.median,
            median_unit=self.median_unit,
            median_interval=self.median_interval,
            median_interval_kind=self.median_interval_kind,
            survival=self.survival,
        )

    def _check_outcome(self, what: str, required: bool = True) -> None:
        if (self.median is None) != (self.median_unit is None):
            raise ValueError(f"{what}: median and median_unit go together")
        if self.median_interval is not None and (self.median is None or self.median_interval_kind is None):
            raise ValueError(f"{what}: a median interval needs the median and its kind (95% CI, IQR)")
        if self.median_interval is not None and self.median is not None:
            lo, hi = self.median_interval
            if not lo <= self.median <= hi:
                raise ValueError(f"{what}: median {self.median} lies outside its interval {lo}-{hi}")
        for s in self.survival:
            if s.interval is not None and (s.interval_kind is None or not s.interval[0] <= s.percent <= s.interval[1]):
                raise ValueError(f"{what}: survival interval needs its kind and must contain the value")
        if required and self.median is None and not self.survival:
            raise ValueError(f"{what}: a figure needs a median or a survival rate")


class FigureDef(_OutcomeFields):
    id: str
    source: str
    site: Literal["pleura", "peritoneum", "pericardium", "tunica_vaginalis"]
    system: str | None = None
    stages: tuple[str, ...] = ()
    histology: str | None = None
    scope: str
    plain_scope: str = Field("all the people in the study", min_length=3)
    edition: str
    basis: str
    n: int | None = Field(None, gt=0)
    evidence: Literal["primary", "secondary", "interpretation"] = "primary"
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> FigureDef:
        self._check_outcome(f"figure {self.id}")
        if self.system is not None and self.system not in SYSTEM_IDS:
            raise ValueError(f"figure {self.id}: unknown system '{self.system}'")
        if (self.system is None) != (not self.stages):
            raise ValueError(f"figure {self.id}: a stage figure needs both system and stages")
        if self.histology is not None and self.histology not in HISTOLOGIES:
            raise ValueError(f"figure {self.id}: unknown histology '{self.histology}'")
        if (self.system or self.histology) and self.plain_scope == "all the people in the study":
            raise ValueError(f"figure {self.id}: a stage or histology figure needs its plain_scope")
        if self.evidence == "interpretation" and not self.note:
            raise ValueError(f"figure {self.id}: an interpretation needs a note that explains it")
        return self


class ValidationDef(_OutcomeFields):
    source: str
    label: str


class GroupDef(_OutcomeFields):
    name: str
    source: str
    cutoff_source: str | None = None
    when: tuple[Condition, ...] = ()
    score_above: float | None = None
    score_at_most: float | None = None
    factors_above: int | None = None
    factors_at_most: int | None = None
    note: str | None = None
    validation: tuple[ValidationDef, ...] = ()


class Band(BaseModel):
    model_config = _DATA
    when: tuple[Condition, ...] = Field(min_length=1)
    points: int
    label: str


class Component(BaseModel):
    model_config = _DATA
    key: str
    label: str
    source: str
    input: str | None = None
    bands: tuple[Band, ...] = ()
    constant_points: int | None = None
    constant_label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Component:
        if (self.constant_points is None) == (not self.bands):
            raise ValueError(f"component {self.key}: give either bands or constant_points")
        return self


class Variant(BaseModel):
    model_config = _DATA
    label: str
    when: tuple[Condition, ...] = Field(min_length=1)
    source: str


class Factor(BaseModel):
    model_config = _DATA
    key: str
    label: str
    when: tuple[Condition, ...] = Field(min_length=1)
    source: str
    weight: float | None = Field(None, gt=0)
    unverified_weight: float | None = Field(None, gt=0)
    unverified_weight_note: str | None = None
    variants: dict[str, Variant] = {}

    @model_validator(mode="after")
    def _check(self) -> Factor:
        if (self.weight is None) == (self.unverified_weight is None):
            raise ValueError(f"factor {self.key}: give exactly one of weight or unverified_weight")
        if self.unverified_weight is not None and not self.unverified_weight_note:
            raise ValueError(f"factor {self.key}: an unverified weight needs a note saying where it comes from")
        return self


class Caution(BaseModel):
    model_config = _DATA
    when: tuple[Condition, ...] = Field(min_length=1)
    text: str
    source: str


class ModelDef(BaseModel):
    model_config = _DATA
    id: str
    name: str
    kind: Literal["weighted_sum", "points", "groups"]
    source: str
    applies_to: tuple[str, ...] = Field(min_length=1)
    not_applicable_reason: str = ""
    requires: tuple[Condition, ...] = ()
    requires_text: str | None = None
    score_input: str | None = None
    time_zero: str | None = None
    limits: str | None = None
    limits_source: str | None = None
    factors: tuple[Factor, ...] = ()
    components: tuple[Component, ...] = ()
    groups: tuple[GroupDef, ...] = Field(min_length=1)
    cautions: tuple[Caution, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> ModelDef:
        if not set(self.applies_to) <= set(SITES):
            raise ValueError(f"model {self.id}: applies_to must be among {SITES}")
        if (self.kind == "weighted_sum") != bool(self.factors):
            raise ValueError(f"model {self.id}: factors are for weighted_sum models only, and needed there")
        if (self.kind == "points") != bool(self.components):
            raise ValueError(f"model {self.id}: components are for points models only, and needed there")
        if self.requires and not self.requires_text:
            raise ValueError(f"model {self.id}: requires needs requires_text")
        if self.score_input is not None and self.score_input not in INPUT_NAMES:
            raise ValueError(f"model {self.id}: unknown score_input '{self.score_input}'")
        for g in self.groups:
            g._check_outcome(f"model {self.id} group {g.name}")
            by_score = g.score_above is not None or g.score_at_most is not None
            if self.kind == "groups" and (by_score or not g.when):
                raise ValueError(f"model {self.id} group {g.name}: groups models define groups by conditions")
            if self.kind != "groups" and (g.when or not by_score):
                raise ValueError(f"model {self.id} group {g.name}: score models define groups by score")
        return self

    def source_keys(self) -> set[str]:
        keys = {self.source} | {c.source for c in self.cautions}
        keys |= {self.limits_source} if self.limits_source else set()
        for f in self.factors:
            keys |= {f.source} | {v.source for v in f.variants.values()}
        keys |= {c.source for c in self.components}
        for g in self.groups:
            keys |= {g.source} | ({g.cutoff_source} if g.cutoff_source else set())
            keys |= {v.source for v in g.validation}
        return keys


class NotAvailableDef(BaseModel):
    model_config = _DATA
    id: str
    name: str
    reason: str = Field(min_length=10)
    source: str | None = None
    system: str | None = None


class PrognosisData(BaseModel):
    """Everything the prognosis package knows, validated."""

    model_config = _DATA
    sources: dict[str, SourceDef]
    figures: tuple[FigureDef, ...]
    models: dict[str, ModelDef]
    not_available: tuple[NotAvailableDef, ...]

    @model_validator(mode="after")
    def _consistent(self) -> PrognosisData:
        problems: list[str] = []
        ids = [f.id for f in self.figures]
        problems += [f"figure id '{i}' is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        refs: list[tuple[str, str | None]] = [(f"figure {f.id}", f.source) for f in self.figures]
        refs += [(f"not_available {n.id}", n.source) for n in self.not_available if n.source is not None]
        for m in self.models.values():
            refs += [(f"model {m.id}", key) for key in m.source_keys()]
        problems += [f"{where}: unknown source '{key}'" for where, key in refs if key not in self.sources]
        problems += [
            f"source {key}: short name '{s.short}' lacks the year {s.year}"
            for key, s in self.sources.items()
            if str(s.year) not in s.short
        ]
        problems += [
            f"source {key}: the citation lacks the year {s.year}"
            for key, s in self.sources.items()
            if str(s.year) not in s.citation
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def parse_data(sources: dict[str, Any], survival: dict[str, Any], models: dict[str, Any]) -> PrognosisData:
    """Validate parsed TOML tables into :class:`PrognosisData`. Raises :class:`DataError` naming the entry."""
    try:
        return PrognosisData.model_validate(
            {
                "sources": sources.get("sources", {}),
                "figures": survival.get("figures", []),
                "models": {k: {"id": k, **v} for k, v in models.get("models", {}).items()},
                "not_available": [*survival.get("not_available", []), *models.get("not_available", [])],
            }
        )
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
        raise DataError("prognosis data: " + "; ".join(lines)) from None


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("mesostage.prognosis").joinpath("data", name).read_text(encoding="utf-8"))


@cache
def load_data() -> PrognosisData:
    """The shipped prognosis data (read once)."""
    return parse_data(_read("sources.toml"), _read("survival.toml"), _read("models.toml"))
