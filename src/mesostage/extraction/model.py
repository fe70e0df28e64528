"""What extraction gives back: a draft case, and the evidence for every answer it filled."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KINDS", "Conflict", "Evidence", "Extraction", "Kind"]

Kind = Literal["ct", "pet", "mri", "pathology", "operative", "combined", "other"]
#: Report kinds a caller may name (``combined`` and ``other`` are only detected).
KINDS: tuple[str, ...] = ("ct", "pet", "mri", "pathology", "operative")

Why = Literal[
    "affirmed",  # stated, with a word that calls it abnormal ("consistent with", "enlarged", "invades")
    "stated",  # named with no qualifying word
    "negated",  # "no", "without", "negative for", "not involved"...
    "hedged",  # "suspicious for", "possible", "cannot be excluded", "likely reactive"...
    "prior",  # only on an earlier study, or resolved
    "benign",  # a benign cause named (talc, calcified plaques, cyst)
    "not_assessed",  # the report says it was not looked at
    "measured",  # a measurement
    "implied",  # follows from another finding (fissure -> visceral pleura)
    "overturned",  # an earlier test called it present; a later, more definitive test in the text did not find it
    "not_named",  # the section is described and this item is not named: absent by the case-format rule
    "detected",  # a document-level answer (site, side, cell type, basis, kind)
]


class Evidence(BaseModel):
    """Where one answer came from."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="the answer, as a case path: tumor.fissure, nodes.subcarinal, laterality...")
    value: str = Field(description="present / absent / unknown / not_assessed, or the value set (e.g. 'left', '31')")
    why: Why
    cue: str | None = Field(None, description="the word that decided it (e.g. 'cannot be excluded')")
    text: str = Field(description="the words of the report that name it")
    start: int = Field(description="character offset of `text` in the report")
    end: int
    sentence: str
    sentence_start: int
    report: int = Field(0, description="which report (0-based) when several were combined")
    note: str | None = None


class Conflict(BaseModel):
    """Two reports that say different things about one answer; the draft case leaves it not known."""

    model_config = ConfigDict(frozen=True)

    field: str
    values: list[str] = Field(description="what each report says, in report order")
    reports: list[int]
    evidence: list[Evidence]
    message: str


class Extraction(BaseModel):
    """A draft case drawn from report text. Check every answer against the report before staging."""

    is_mesothelioma: bool | None = Field(
        description="false: the report describes another disease, so there is nothing to stage; "
        "null: the text does not name the diagnosis"
    )
    message: str | None = None
    kinds: list[Kind]
    case: dict[str, Any] | None = Field(description="the draft case in the case format, or null")
    evidence: list[Evidence] = []
    conflicts: list[Conflict] = []
    notes: list[str] = []

    def deciding(self) -> dict[str, Evidence]:
        """For each answer, the first evidence that agrees with the value in the draft case."""
        out: dict[str, Evidence] = {}
        for ev in self.evidence:
            if ev.field not in out and self._agrees(ev):
                out[ev.field] = ev
        return out

    def _agrees(self, ev: Evidence) -> bool:
        case = self.case or {}
        section, _, name = ev.field.partition(".")
        if section in ("tumor", "nodes", "metastases") and name and name not in ("psum_mm", "fmax_mm"):
            block = case.get(section)
            if block is None:
                return ev.value == "not_assessed"
            value = (
                "present"
                if name in block.get("findings", ())
                else "unknown"
                if name in block.get("unknown", ())
                else "absent"
            )
            return ev.value == value
        return True
