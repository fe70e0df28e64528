"""The code tables of the FHIR export and import (``data/mcode.toml``), read once and checked for consistency."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from mesostage import HISTOLOGIES, SITES, SYSTEM_IDS

__all__ = ["Terminology", "terminology"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class _Source(BaseModel):
    model_config = _FROZEN
    citation: str
    kind: Literal["primary", "secondary", "registry", "interpretation"]


class _Local(BaseModel):
    model_config = _FROZEN
    finding: str
    staging_system: str
    observation: str
    case_id: str
    category_prefix: str

    def category(self, system_id: str) -> str:
        """The local code system of one staging system's categories and stages."""
        return f"{self.category_prefix}:{system_id}"


class _Systems(BaseModel):
    model_config = _FROZEN
    snomed: str
    icd10cm: str
    icdo3: str
    ucum: str
    data_absent: str
    condition_clinical: str
    condition_verification: str
    condition_category: str
    observation_category: str
    data_absent_extension: str


class _Profiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    cancer_patient: str
    primary_cancer_condition: str
    cancer_stage: str
    tnm_stage_group: str
    T: str
    N: str
    M: str
    histology_extension: str
    laterality_extension: str
    asserted_date_extension: str
    source: str


class _Site(BaseModel):
    model_config = _FROZEN
    icd10cm: str
    display: str
    topography: str
    topography_display: str
    source: str
    note: str | None = None


class _Histology(BaseModel):
    model_config = _FROZEN
    icdo3: str
    display: str
    source: str
    note: str | None = None


class _Coded(BaseModel):
    model_config = _FROZEN
    code: str
    display: str | None = None
    text: str | None = None
    source: str | None = None


class _Laterality(BaseModel):
    model_config = _FROZEN
    left: _Coded
    right: _Coded
    source: str


class Terminology(BaseModel):
    model_config = _FROZEN
    fhir_version: str
    sources: dict[str, _Source]
    local: _Local
    systems: _Systems
    profiles: _Profiles
    sites: dict[str, _Site]
    histologies: dict[str, _Histology]
    laterality: _Laterality
    methods: dict[str, _Coded]
    observation_codes: dict[str, dict[str, _Coded]]
    observation_category: dict[str, _Coded]

    @model_validator(mode="after")
    def _consistent(self) -> Terminology:
        problems = []
        if set(self.sites) != set(SITES):
            problems.append(f"sites must be exactly {SITES}")
        if set(self.histologies) != set(HISTOLOGIES):
            problems.append(f"histologies must be exactly {HISTOLOGIES}")
        if not set(self.methods) <= set(SYSTEM_IDS):
            problems.append("methods name unknown systems")
        cited = [s.source for s in self.sites.values()] + [h.source for h in self.histologies.values()]
        cited += [m.source for m in self.methods.values() if m.source] + [self.laterality.source, self.profiles.source]
        cited += [c.source for c in self.observation_category.values() if c.source]
        if set(self.observation_category) != set(self.observation_codes["stage_group"]):
            problems.append("observation_category must name every basis of observation_codes")
        problems += [f"unknown source {ref!r}" for ref in cited if ref not in self.sources]
        if problems:
            raise ValueError("; ".join(problems))
        return self


@cache
def terminology() -> Terminology:
    text = resources.files("mesostage.fhir").joinpath("data", "mcode.toml").read_bytes().decode("utf-8")
    return Terminology.model_validate(tomllib.loads(text))
