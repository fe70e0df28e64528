"""Plain-language labels for the form and the results (``labels.toml``), checked when loaded."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, model_validator

from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, PCI_REGION_NAMES, SITES, TUMOR_FINDINGS, TUMOR_TYPES

__all__ = ["FindingLabel", "Group", "Labels", "SectionLabels", "labels"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
VOCABULARY: dict[str, tuple[str, ...]] = {
    "tumor": TUMOR_FINDINGS,
    "nodes": NODE_FINDINGS,
    "metastases": METASTASIS_FINDINGS,
}


class FindingLabel(BaseModel):
    model_config = _FROZEN
    name: str
    label: str
    term: str


class Group(BaseModel):
    model_config = _FROZEN
    title: str
    findings: tuple[FindingLabel, ...]


class SectionLabels(BaseModel):
    model_config = _FROZEN
    id: str
    title: str
    hint: str
    groups: tuple[Group, ...]

    @property
    def findings(self) -> tuple[FindingLabel, ...]:
        return tuple(f for g in self.groups for f in g.findings)


class SiteLabel(BaseModel):
    model_config = _FROZEN
    label: str
    hint: str


class TermLabel(BaseModel):
    model_config = _FROZEN
    label: str
    term: str


class PciCell(BaseModel):
    model_config = _FROZEN
    index: int
    row: int
    col: int


class PatientLabel(BaseModel):
    model_config = _FROZEN
    label: str
    unit: str | None = None


class Labels(BaseModel):
    model_config = _FROZEN
    sites: dict[str, SiteLabel]
    bases: dict[str, TermLabel]
    histologies: dict[str, str]
    tumor_types: dict[str, TermLabel]
    sections: tuple[SectionLabels, ...]
    paths: dict[str, str]
    measurements: dict[str, TermLabel]
    pci_regions: tuple[PciCell, ...]
    pci_scores: dict[str, str]
    patient: dict[str, PatientLabel]

    @model_validator(mode="after")
    def _complete(self) -> Labels:
        problems: list[str] = []
        if set(self.sites) != set(SITES):
            problems.append(f"sites: {sorted(self.sites)} != {sorted(SITES)}")
        if list(self.tumor_types) != list(TUMOR_TYPES):
            problems.append(f"tumor_types: {list(self.tumor_types)} != {list(TUMOR_TYPES)}")
        if [s.id for s in self.sections] != list(VOCABULARY):
            problems.append("sections must be tumor, nodes, metastases in that order")
        for section in self.sections:
            names = [f.name for f in section.findings]
            want = VOCABULARY.get(section.id, ())
            missing = set(want) - set(names)
            extra = [n for n in names if n not in want]
            twice = {n for n in names if names.count(n) > 1}
            if missing or extra or twice:
                problems.append(f"{section.id}: missing {sorted(missing)}, not in vocabulary {extra}, twice {twice}")
        grid = sorted(c.index for c in self.pci_regions)
        if grid != list(range(9)):
            problems.append(f"pci_regions must place the abdominal regions 0-8 once each, got {grid}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def section(self, section_id: str) -> SectionLabels:
        return next(s for s in self.sections if s.id == section_id)

    def finding(self, section_id: str, name: str) -> FindingLabel:
        return next(f for f in self.section(section_id).findings if f.name == name)

    def path_label(self, path: str) -> str:
        """Plain words for a case path such as ``tumor.rib``, ``nodes`` or ``tumor.psum_mm``."""
        if path in self.paths:
            return self.paths[path]
        head, _, tail = path.partition(".")
        if head in VOCABULARY and tail in VOCABULARY[head]:
            return self.finding(head, tail).label
        return path.replace("_", " ").replace(".", ": ")

    def pci_region_name(self, index: int) -> str:
        return PCI_REGION_NAMES[index].capitalize()


@cache
def labels() -> Labels:
    text = resources.files("mesostage.web").joinpath("labels.toml").read_text(encoding="utf-8")
    return Labels.model_validate(tomllib.loads(text))
