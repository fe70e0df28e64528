"""The SEER EOD 2018 code table for pleural mesothelioma (``data/eod2018_pleural_mesothelioma.toml``) and its loader.

The data file holds what is medical: which EOD code gives which AJCC 8th category, which codes lump findings that
AJCC 8th places differently, and the schema's selection rules, each with its source. This module only reads it and
checks that it is consistent with the tnm8 system file (every category exists there).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mesostage import load_system

__all__ = ["EodCode", "EodReview", "EodTable", "eod_table"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
_SOURCE_LABEL = {
    "primary": "",
    "secondary": " [secondary source]",
    "registry": " [registry coding rule, not AJCC/UICC text]",
    "interpretation": " [mesostage interpretation]",
}


class _Source(BaseModel):
    model_config = _FROZEN
    citation: str
    kind: Literal["primary", "secondary", "registry", "interpretation"]
    note: str | None = None


class EodCode(BaseModel):
    """One EOD code: the category SEER derives, and the categories it could stand for (for the stage range)."""

    model_config = _FROZEN
    category: str
    label: str
    source: str
    could_be: tuple[str, ...] = ()
    review: str | None = Field(None, description="review note raised when the choice among could_be changes the stage")
    review_always: bool = Field(False, description="raise the review note whenever the code is used")


class EodReview(BaseModel):
    model_config = _FROZEN
    severity: Literal["info", "warning", "critical"]
    source: str
    message: str


class _PleuralEffusion(BaseModel):
    model_config = _FROZEN
    source: str
    malignant: tuple[str, ...]
    not_malignant: tuple[str, ...]
    not_known: tuple[str, ...]


class EodTable(BaseModel):
    """The EOD 2018 schema for pleural mesothelioma as data: selection rules and the three code tables."""

    model_config = _FROZEN
    schema_id: str
    schema_name: str
    ajcc_edition_system: str
    diagnosis_years: tuple[int, int]
    staged_sites: tuple[str, ...]
    unstaged_sites: tuple[str, ...]
    histologies: tuple[str, ...]
    behaviours: tuple[str, ...]
    source: str
    sources: dict[str, _Source]
    primary_tumor: dict[str, EodCode]
    regional_nodes: dict[str, EodCode]
    mets: dict[str, EodCode]
    pleural_effusion: _PleuralEffusion
    reviews: dict[str, EodReview]

    @model_validator(mode="after")
    def _consistent(self) -> EodTable:
        system = load_system(self.ajcc_edition_system)
        problems: list[str] = []
        for comp_name, table in (("T", self.primary_tumor), ("N", self.regional_nodes), ("M", self.mets)):
            comp = system.component(comp_name)
            labels = set(comp.categories) | ({comp.not_assessed} if comp.not_assessed else set())
            for code, entry in table.items():
                for cat in (entry.category, *entry.could_be):
                    if cat not in labels:
                        problems.append(f"{comp_name} code {code}: {cat!r} is not a category of {system.id}")
                if entry.could_be and entry.category not in entry.could_be:
                    problems.append(f"{comp_name} code {code}: could_be must include the category")
                if entry.review is not None and entry.review not in self.reviews:
                    problems.append(f"{comp_name} code {code}: unknown review {entry.review!r}")
                if entry.source not in self.sources:
                    problems.append(f"{comp_name} code {code}: unknown source {entry.source!r}")
        for name, review in self.reviews.items():
            if review.source not in self.sources:
                problems.append(f"review {name}: unknown source {review.source!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def cite(self, ref: str) -> str:
        src = self.sources[ref]
        return src.citation + _SOURCE_LABEL[src.kind]

    @property
    def pleural_effusion_codes(self) -> tuple[str, ...]:
        pe = self.pleural_effusion
        return tuple(sorted(pe.malignant + pe.not_malignant + pe.not_known))


@cache
def eod_table() -> EodTable:
    """The EOD 2018 pleural mesothelioma table (loaded once)."""
    text = resources.files("mesostage.batch").joinpath("data", "eod2018_pleural_mesothelioma.toml").read_bytes()
    return EodTable.model_validate(tomllib.loads(text.decode("utf-8")))
