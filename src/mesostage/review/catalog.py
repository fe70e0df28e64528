"""The review catalog (``catalog.toml``): codes, their texts and sources, tests that settle unknowns, twins."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from mesostage.datafiles import load_toml
from mesostage.staging.definitions import Source

__all__ = ["Catalog", "CodeEntry", "catalog"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class CodeEntry(BaseModel):
    model_config = _FROZEN
    severity: Literal["info", "warning", "critical"]
    title: str
    trigger: str
    why: str
    sources: tuple[str, ...]
    message: str


class _Settle(BaseModel):
    model_config = _FROZEN
    pattern: str
    test: str
    sources: tuple[str, ...]


class _Twin(BaseModel):
    model_config = _FROZEN
    direct: str
    separate: str
    direct_reading: str = "direct growth of the tumour (T4)"
    separate_reading: str = "separate deposits (M1)"


class _Misreadings(BaseModel):
    model_config = _FROZEN
    direct_spread: tuple[str, ...]
    diaphragm: tuple[str, ...]
    n2_stand_in: str


class Catalog(BaseModel):
    model_config = _FROZEN
    pet_caveat: str
    pet_caveat_sources: tuple[str, ...]
    sources: dict[str, Source]
    codes: dict[str, CodeEntry]
    settle: tuple[_Settle, ...]
    twins: tuple[_Twin, ...]
    misreadings: _Misreadings

    @model_validator(mode="after")
    def _sources_exist(self) -> Catalog:
        refs = [s for c in self.codes.values() for s in c.sources] + [s for e in self.settle for s in e.sources]
        refs += list(self.pet_caveat_sources)
        missing = sorted({r for r in refs if r not in self.sources})
        if missing:
            raise ValueError(f"review catalog cites undefined sources: {missing}")
        if not all(c.sources for c in self.codes.values()):
            raise ValueError("every review code needs at least one source")
        return self

    def cite(self, refs: tuple[str, ...]) -> str:
        return "; ".join(self.sources[r].cited for r in refs)

    def settled_by(self, item: str) -> tuple[str, str] | None:
        """The test that would settle a case item, and its source; ``None`` if none is listed. A test that names
        PET-CT carries the talc-pleurodesis caveat."""
        for entry in self.settle:
            if item == entry.pattern or (entry.pattern.endswith(".") and item.startswith(entry.pattern)):
                if "PET" in entry.test:
                    refs = tuple(dict.fromkeys(entry.sources + self.pet_caveat_sources))
                    return f"{entry.test}; {self.pet_caveat}", self.cite(refs)
                return entry.test, self.cite(entry.sources)
        return None


@cache
def catalog() -> Catalog:
    text = resources.files("mesostage.review").joinpath("catalog.toml").read_text(encoding="utf-8")
    return Catalog.model_validate(load_toml(text))
