"""The SEER EOD code tables for pleural mesothelioma and their loaders.

Two schemas: EOD 2018 (``data/eod2018_pleural_mesothelioma.toml``, schema 00370, 2018-2024), where SEER derives the
AJCC 8th category of every code, and EOD V9 (``data/eod2025_pleural_mesothelioma.toml``, schema 09370, 2025+),
where SEER derives none and each code is mapped to the case findings its descriptor lists; the TNM 9th category of
such a code is what the tnm9 system file gives those findings (:func:`code_categories`). Also the Summary Stage
2018 combination table (``data/summary_stage_2018.toml``). The data files hold what is medical, each entry with its
source; this module only reads them and checks them against the system files.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mesostage import load_system

__all__ = [
    "EOD_SCHEMAS",
    "EodCode",
    "EodReview",
    "EodTable",
    "SummaryStageTable",
    "code_categories",
    "eod_table",
    "summary_stage_table",
]

#: The EOD schemas read, by NAACCR Schema ID: EOD 2018 (AJCC 8th, SEER-derived) and V9 (2025+, derived by mesostage).
EOD_SCHEMAS = {"00370": "eod2018_pleural_mesothelioma.toml", "09370": "eod2025_pleural_mesothelioma.toml"}
SummaryComponent = Literal["IS", "L", "RE", "RN", "D", "U", "NONE", "NA"]

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


class FindingsAlternative(BaseModel):
    """What one bullet (or group of bullets) of a code's descriptor says, as case-format findings."""

    model_config = _FROZEN
    tumor: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    metastases: tuple[str, ...] = ()
    psum_mm: float | None = None
    fmax_mm: float | None = None
    no_evidence: bool = False
    not_assessed: bool = False
    pleural_effusion_malignant: bool = False


class EodCode(BaseModel):
    """One EOD code: the category SEER derives (or the findings it stands for), its Summary Stage component, and
    the categories it could stand for (for the stage range)."""

    model_config = _FROZEN
    category: str | None = Field(None, description="the category SEER derives (SEER-derived schemas)")
    findings: tuple[FindingsAlternative, ...] = Field((), description="the findings the code stands for")
    basis: Literal["clinical", "pathological"] | None = None
    no_tnm: bool = Field(False, description="the code has no TNM category (in situ)")
    ss2018: SummaryComponent
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
    derived_by: Literal["seer", "mesostage"] = "seer"
    derivation: str = Field(description="what the stage_source column says of the stage of this schema's rows")
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
                if (entry.category is None) == (self.derived_by == "seer") or (entry.findings and entry.category):
                    problems.append(f"{comp_name} code {code}: give a category (SEER-derived) or findings, not both")
                cats = (entry.category, *entry.could_be) if entry.category else entry.could_be
                for cat in cats:
                    if cat not in labels:
                        problems.append(f"{comp_name} code {code}: {cat!r} is not a category of {system.id}")
                if entry.could_be and entry.category and entry.category not in entry.could_be:
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

    @property
    def years_text(self) -> str:
        first, last = self.diagnosis_years
        return f"{first}-{last}" if last < 9999 else f"{first} and later"

    def codes(self, component: str) -> dict[str, EodCode]:
        return {"T": self.primary_tumor, "N": self.regional_nodes, "M": self.mets}[component]


def _data(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files("mesostage.batch").joinpath("data", name).read_bytes().decode("utf-8"))


@cache
def eod_table(schema_id: str = "00370") -> EodTable:
    """The EOD code table of a pleural mesothelioma schema (00370: EOD 2018; 09370: V9, 2025+), loaded once."""
    return EodTable.model_validate(_data(EOD_SCHEMAS[schema_id]))


def _alternative_case(component: str, alt: FindingsAlternative, basis: str) -> dict[str, object]:
    """A pleural case holding one alternative of a code, with the other two sections at their floor."""
    tumor: dict[str, object] = {"findings": ["parietal_pleura"]}
    if component == "T":
        tumor = {"assessed": False} if alt.not_assessed else {"findings": list(alt.tumor)}
        if alt.no_evidence:
            tumor = {"no_evidence": True}
        for name in ("psum_mm", "fmax_mm"):
            if getattr(alt, name) is not None:
                tumor[name] = getattr(alt, name)
    nodes: dict[str, object] = {"assessed": True, "findings": list(alt.nodes) if component == "N" else []}
    if component == "N" and alt.not_assessed:
        nodes = {"assessed": False}
    mets: dict[str, object] = {"assessed": True, "findings": list(alt.metastases) if component == "M" else []}
    case: dict[str, object] = {"site": "pleura", "basis": basis, "tumor": tumor, "nodes": nodes, "metastases": mets}
    if alt.pleural_effusion_malignant:
        case["pleural_effusion_malignant"] = True
    return case


def code_categories(schema_id: str, component: str, code: str) -> tuple[str, ...]:
    """The categories an EOD code stands for, in the system's order: SEER's category (and its ``could_be``) for a
    SEER-derived schema; for the V9 schema, what the system file gives each of the code's findings alternatives
    (both bases where the code names none). Empty for a code with no TNM category (in situ)."""
    return _all_categories(schema_id)[component, code]


@cache
def _all_categories(schema_id: str) -> dict[tuple[str, str], tuple[str, ...]]:
    table = eod_table(schema_id)
    return {(comp, code): _categories(table, comp, code) for comp in ("T", "N", "M") for code in table.codes(comp)}


def _categories(table: EodTable, component: str, code: str) -> tuple[str, ...]:
    from mesostage import stage

    entry = table.codes(component)[code]
    system = load_system(table.ajcc_edition_system)
    found: set[str | None] = set()
    if entry.category is not None:
        found = {entry.category, *entry.could_be}
    else:
        for alt in entry.findings:
            for basis in (entry.basis,) if entry.basis else ("clinical", "pathological"):
                result = stage(_alternative_case(component, alt, basis), systems=[system.id]).result(system.id)
                found.add({"T": result.t, "N": result.n, "M": result.m}[component])
    comp = system.component(component)
    order = [*comp.categories, comp.not_assessed]
    return tuple(sorted((c for c in found if c is not None), key=order.index))


class _SummaryRow(BaseModel):
    model_config = _FROZEN
    t: tuple[str, ...]
    n: tuple[str, ...]
    m: tuple[str, ...]
    stage: str


class SummaryStageTable(BaseModel):
    """SEER's Summary Stage 2018 combination of the T, N and M components (first matching row)."""

    model_config = _FROZEN
    source: str
    sources: dict[str, _Source]
    codes: dict[str, str]
    rows: tuple[_SummaryRow, ...]

    def stage(self, t: str, n: str, m: str) -> str | None:
        for row in self.rows:
            if all(v in allowed or "*" in allowed for v, allowed in ((t, row.t), (n, row.n), (m, row.m))):
                return row.stage
        return None


@cache
def summary_stage_table() -> SummaryStageTable:
    return SummaryStageTable.model_validate(_data("summary_stage_2018.toml"))
