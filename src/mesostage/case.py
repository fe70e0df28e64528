"""The case model: what is known about one person's mesothelioma (``shared/spec/CASE_FORMAT.md`` §1).

Field names and vocabularies are the public contract; keep them exactly. A name in ``findings`` is present, a
name in ``unknown`` is not known, any other name of a given section is absent. A missing section, or one given as
``{"assessed": false}``, was not assessed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mesostage.errors import CaseError, InputError
from mesostage.limits import MAX_ECHO_CHARS, MAX_TEXT_CHARS, clip, json_problems, parse_json, plain_json
from mesostage.vocabulary import (
    BASES,
    HISTOLOGIES,
    METASTASIS_FINDINGS,
    NODE_FINDINGS,
    PCI_REGION_NAMES,
    SITES,
    SYSTEM_IDS,
    TUMOR_FINDINGS,
    TUMOR_TYPES,
    Basis,
    Histology,
    Laterality,
    MetastasisFinding,
    NodeFinding,
    Site,
    SystemId,
    TumorFinding,
    TumorType,
    stage_labels,
)

__all__ = [
    "BASES",
    "CONTRAINDICATIONS",
    "HISTOLOGIES",
    "METASTASIS_FINDINGS",
    "NODE_FINDINGS",
    "PCI_REGION_NAMES",
    "PRIOR_AGENTS",
    "SITES",
    "SYSTEM_IDS",
    "TUMOR_FINDINGS",
    "TUMOR_TYPES",
    "Biomarkers",
    "Case",
    "MetastasisSection",
    "NodeSection",
    "Patient",
    "Peritoneal",
    "ReportedStage",
    "Resection",
    "TumorSection",
    "parse_case",
    "parse_case_json",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class _SemanticErrors(ValueError):
    """Raised inside model validators; carries errors with paths relative to the model being validated."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def _both_lists(findings: Sequence[str], unknown: Sequence[str]) -> list[InputError]:
    seen = set(findings)
    if len(seen) == len(findings) and seen.isdisjoint(unknown) and len(set(unknown)) == len(unknown):
        return []  # the usual case, at the cost of two sets
    return [
        InputError(f"unknown[{i}]", f"'{name}' is also in findings: a finding is either present or unknown")
        for i, name in enumerate(unknown)
        if name in seen
    ] + [
        InputError(f"{lst}[{i}]", f"'{name}' is listed twice")
        for lst, values in (("findings", findings), ("unknown", unknown))
        for i, name in enumerate(values)
        if name in values[:i]
    ]


class _Section(BaseModel):
    model_config = _STRICT
    assessed: bool = Field(True, description="false: this section was not assessed (TX / NX; for M see the spec)")

    def _check_assessed(self, findings: Sequence[str], unknown: Sequence[str]) -> list[InputError]:
        errors = _both_lists(findings, unknown)
        if not self.assessed and (findings or unknown):
            errors.append(InputError("assessed", "a section that was not assessed cannot list findings or unknowns"))
        return errors


class TumorSection(_Section):
    """The primary tumour (pleural primary): extent findings and CT measurements."""

    findings: list[TumorFinding] = Field(
        [],
        description="tumour extent present (pleural primary), from the tumour vocabulary; a vocabulary name in "
        "neither list is absent",
    )
    unknown: list[TumorFinding] = Field(
        [],
        description="tumour extent not known (not assessed, equivocal imaging, no biopsy); it takes the lower "
        "category for the stage and widens the stage range",
    )
    no_evidence: bool = Field(False, description="true: no evidence of primary tumour (T0)")
    psum_mm: float | None = Field(
        None, ge=0, description="sum of three maximal pleural thicknesses on axial CT, mm (9th edition cT)"
    )
    fmax_mm: float | None = Field(None, ge=0, description="maximal fissural tumour thickness on CT, mm")

    @model_validator(mode="after")
    def _consistent(self) -> TumorSection:
        errors = self._check_assessed(self.findings, self.unknown)
        if not self.assessed and (self.psum_mm is not None or self.fmax_mm is not None):
            errors.append(InputError("assessed", "a tumour that was not assessed cannot have CT measurements"))
        if self.no_evidence and (self.findings or self.unknown or not self.assessed):
            errors.append(
                InputError(
                    "no_evidence", "no_evidence (T0) cannot be combined with findings, unknowns or assessed=false"
                )
            )
        if errors:
            raise _SemanticErrors(errors)
        return self


class NodeSection(_Section):
    """Regional lymph nodes (pleural primary). Distant nodes go under metastases as ``distant_nodes``."""

    findings: list[NodeFinding] = Field(
        [],
        description="regional node stations involved, from the node vocabulary; a name in neither list is not "
        "involved. Nodes beyond these are metastases (distant_nodes)",
    )
    unknown: list[NodeFinding] = Field(
        [], description="regional node stations whose involvement is not known (not sampled, equivocal imaging)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> NodeSection:
        if errors := self._check_assessed(self.findings, self.unknown):
            raise _SemanticErrors(errors)
        return self


class MetastasisSection(_Section):
    """Distant metastases. Contiguity matters: direct extension is a T finding, discontinuous disease is here."""

    findings: list[MetastasisFinding] = Field(
        [],
        description="distant metastases present (discontinuous disease: direct extension is a tumour finding), from "
        "the metastasis vocabulary; a name in neither list is absent",
    )
    unknown: list[MetastasisFinding] = Field(
        [], description="distant sites not known (not imaged, equivocal); any of them could make the stage IV"
    )

    @model_validator(mode="after")
    def _consistent(self) -> MetastasisSection:
        if errors := self._check_assessed(self.findings, self.unknown):
            raise _SemanticErrors(errors)
        return self


class Peritoneal(BaseModel):
    """Peritoneal primary: the Peritoneal Cancer Index and the Yan 2011 N and M findings."""

    model_config = _STRICT
    pci_regions: list[int] | None = Field(
        None, description="13 lesion-size scores (0-3), region order 0 central ... 12 lower ileum"
    )
    pci: int | None = Field(None, ge=0, le=39, description="Peritoneal Cancer Index, 0-39")
    nodes_positive: bool | None = Field(
        None, description="regional lymph nodes involved (N1 in the PCI-based system); null: not known"
    )
    extra_abdominal_metastases: bool | None = Field(
        None, description="metastases outside the abdomen (M1 in the PCI-based system); null: not known"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Peritoneal:
        errors: list[InputError] = []
        if self.pci_regions is not None:
            if len(self.pci_regions) != len(PCI_REGION_NAMES):
                errors.append(InputError("pci_regions", f"needs exactly 13 region scores, got {len(self.pci_regions)}"))
            for i, score in enumerate(self.pci_regions):
                if not 0 <= score <= 3:
                    name = PCI_REGION_NAMES[i] if i < len(PCI_REGION_NAMES) else "?"
                    errors.append(
                        InputError(
                            f"pci_regions[{i}]",
                            f"lesion-size score {score} for region {i} ({name}) is outside 0-3",
                            ("0", "1", "2", "3"),
                        )
                    )
            if not errors and self.pci is not None and sum(self.pci_regions) != self.pci:
                errors.append(
                    InputError("pci", f"pci {self.pci} differs from the sum of pci_regions ({sum(self.pci_regions)})")
                )
        if errors:
            raise _SemanticErrors(errors)
        return self

    @property
    def pci_total(self) -> int | None:
        """The PCI: the given value, else the sum of the region scores, else None (not known)."""
        if self.pci is not None:
            return self.pci
        return sum(self.pci_regions) if self.pci_regions is not None else None


class Resection(BaseModel):
    model_config = _STRICT
    performed: bool = Field(description="a resection of the tumour was done (the revised Brigham system needs it)")
    margins_positive: bool | None = Field(
        None, description="tumour at the resection margins; only with performed: true; null: not known"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Resection:
        if not self.performed and self.margins_positive is not None:
            raise _SemanticErrors([InputError("margins_positive", "resection margins need performed: true")])
        return self


class ReportedStage(BaseModel):
    """A stage someone already gave (for the review to compare)."""

    model_config = _STRICT
    system: SystemId = Field(
        description="the system or edition that stage is in: tnm8, tnm9, tnm7, butchart, brigham or peritoneal_tnm"
    )
    stage: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="the stage as given, one of that system's stage labels (e.g. IIIA, IV)",
        examples=["IV"],
    )


Sex = Literal["female", "male"]
PriorAgent = Literal[
    "cisplatin",
    "carboplatin",
    "pemetrexed",
    "raltitrexed",
    "gemcitabine",
    "vinorelbine",
    "bevacizumab",
    "nivolumab",
    "ipilimumab",
    "pembrolizumab",
    "atezolizumab",
    "durvalumab",
    "tremelimumab",
    "other_immunotherapy",
    "other_chemotherapy",
    "mesothelin_targeted",
    "cell_therapy",
    "vaccine",
    "parp_inhibitor",
    "other",
]
Contraindication = Literal[
    "autoimmune_disease",
    "organ_transplant",
    "interstitial_lung_disease",
    "high_dose_steroids",
    "renal_impairment",
    "hearing_loss",
    "peripheral_neuropathy",
    "active_infection",
]
PRIOR_AGENTS: tuple[str, ...] = get_args(PriorAgent)
CONTRAINDICATIONS: tuple[str, ...] = get_args(Contraindication)


class Biomarkers(BaseModel):
    """Tumour markers that trials select on (all optional; a marker not given is not known)."""

    model_config = _STRICT
    mesothelin: Literal["positive", "negative"] | None = Field(
        None, description="mesothelin expression (IHC): positive or negative"
    )
    bap1: Literal["loss", "retained"] | None = Field(
        None, description="BAP1 nuclear expression (IHC): loss or retained"
    )
    mtap: Literal["loss", "retained"] | None = Field(None, description="MTAP expression (IHC): loss or retained")
    cdkn2a: Literal["deleted", "intact"] | None = Field(
        None, description="CDKN2A (p16) homozygous deletion (e.g. by FISH): deleted or intact"
    )
    nf2: Literal["altered", "wild_type"] | None = Field(None, description="NF2 mutation or loss: altered or wild_type")
    pdl1_tps_percent: float | None = Field(None, ge=0, le=100, description="PD-L1 tumour proportion score, %")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _only_iso_date(cls: type[BaseModel], value: object) -> object:
    """Only an ISO date string (or a date): a number such as 0 would otherwise become 1970-01-01."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


class Patient(BaseModel):
    """Optional details about the person, used by the options, outlook and trial matching. Units are in the names;
    a value outside its plausible range is an input error (never clipped)."""

    model_config = _STRICT
    age_years: int | None = Field(None, ge=0, le=120, description="age in whole years, 0-120")
    sex: Sex | None = Field(None, description="female or male (prognostic scores, trial criteria)")
    ecog: int | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4")
    weight_loss: bool | None = Field(None, description="clinically significant weight loss")
    chest_pain: bool | None = Field(None, description="chest pain (prognostic scores; palliative care options)")
    histology_confirmed: bool | None = Field(
        None, description="false when the diagnosis is only probable/possible (e.g. no central review)"
    )
    wbc_10e9_per_l: float | None = Field(None, gt=0, le=500, description="white-cell count, 10^9/L")
    haemoglobin_g_per_l: float | None = Field(None, ge=30, le=250, description="haemoglobin, g/L")
    albumin_g_per_l: float | None = Field(None, ge=5, le=70, description="serum albumin, g/L")
    platelets_10e9_per_l: float | None = Field(None, ge=1, le=3000, description="platelets, 10^9/L")
    serum_ldh_u_per_l: float | None = Field(None, ge=10, le=20000, description="serum LDH, U/L")
    pleural_fluid_ldh_u_per_l: float | None = Field(None, ge=10, le=100000, description="pleural-fluid LDH, U/L")
    neutrophils_10e9_per_l: float | None = Field(None, ge=0, le=200, description="neutrophils, 10^9/L")
    lymphocytes_10e9_per_l: float | None = Field(None, ge=0, le=200, description="lymphocytes, 10^9/L")
    ki67_percent: float | None = Field(None, ge=0, le=100, description="Ki-67 proliferation index, %")
    prior_systemic_lines: int | None = Field(None, ge=0, le=20, description="number of prior systemic therapy lines")
    prior_agents: list[PriorAgent] = Field(
        [],
        description="every systemic agent or class received before (taken as the complete list: one not listed was "
        "not received)",
    )
    contraindications: list[Contraindication] = Field(
        [],
        description="conditions that rule out or need caution for a treatment (e.g. autoimmune_disease rules out "
        "immune checkpoint inhibitors; renal_impairment, hearing_loss, peripheral_neuropathy add a carboplatin "
        "caution)",
    )
    measurable_disease: bool | None = Field(
        None, description="at least one measurable lesion (e.g. by mRECIST 1.1; trial criteria); null: not known"
    )
    brain_metastases: bool | None = Field(None, description="brain metastases present (trial criteria)")
    location: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="US ZIP code or 'City, Country' (for trial distances)",
    )
    resectable: bool | None = Field(
        None,
        description="a specialist team's judgement that the tumour can be fully removed (pleura: macroscopic complete "
        "resection; peritoneum: complete cytoreduction) and that the person is fit for the operation",
    )
    talc_pleurodesis: bool | None = Field(
        None, description="talc pleurodesis was done before the staging scans (PET-CT uptake in the pleura can be talc)"
    )
    progressed_after_last_line: bool | None = Field(
        None, description="the disease progressed on or after the most recent systemic therapy (trial matching)"
    )
    # Organ function for trial criteria (docs/case-format.md); the *_uln_* fields are the lab's upper limit of
    # normal, for criteria written as "x ULN".
    creatinine_umol_per_l: float | None = Field(None, ge=10, le=3000, description="serum creatinine, umol/L")
    creatinine_clearance_ml_per_min: float | None = Field(
        None, ge=1, le=300, description="creatinine clearance (measured or Cockcroft-Gault), mL/min"
    )
    bilirubin_umol_per_l: float | None = Field(None, ge=1, le=1000, description="total bilirubin, umol/L")
    ast_u_per_l: float | None = Field(None, ge=1, le=20000, description="AST (SGOT), U/L")
    alt_u_per_l: float | None = Field(None, ge=1, le=20000, description="ALT (SGPT), U/L")
    bilirubin_uln_umol_per_l: float | None = Field(
        None, ge=5, le=50, description="the lab's upper limit of normal for total bilirubin, umol/L"
    )
    ast_uln_u_per_l: float | None = Field(
        None, ge=10, le=100, description="the lab's upper limit of normal for AST, U/L"
    )
    alt_uln_u_per_l: float | None = Field(
        None, ge=10, le=100, description="the lab's upper limit of normal for ALT, U/L"
    )
    creatinine_uln_umol_per_l: float | None = Field(
        None, ge=40, le=200, description="the lab's upper limit of normal for creatinine, umol/L"
    )
    brain_metastases_treated_stable: bool | None = Field(
        None, description="brain metastases treated and stable (meaningful when brain_metastases is true)"
    )
    prior_chest_surgery: bool | None = Field(None, description="an operation on the chest before (lung or pleura)")
    prior_chest_radiotherapy: bool | None = Field(None, description="radiotherapy to the chest before")
    # Dates of the last treatment of each kind, for trial waiting times ("at least 4 weeks since prior chemotherapy");
    # docs/case-format.md.
    last_systemic_therapy_date: dt.date | None = Field(
        None,
        strict=False,
        description="YYYY-MM-DD: the last dose of any drug treatment for the cancer (chemotherapy, immunotherapy, "
        "targeted or trial drug)",
    )
    last_radiotherapy_date: dt.date | None = Field(
        None, strict=False, description="YYYY-MM-DD: the last radiotherapy treatment for the cancer"
    )
    last_surgery_date: dt.date | None = Field(
        None, strict=False, description="YYYY-MM-DD: the last operation (surgery) for the cancer"
    )
    biomarkers: Biomarkers | None = Field(None, description="tumour markers that trials select on")

    _iso_dates = field_validator(
        "last_systemic_therapy_date", "last_radiotherapy_date", "last_surgery_date", mode="before"
    )(_only_iso_date)

    @model_validator(mode="after")
    def _consistent(self) -> Patient:
        if self.brain_metastases_treated_stable is not None and self.brain_metastases is False:
            raise _SemanticErrors(
                [
                    InputError(
                        "brain_metastases_treated_stable",
                        "is about brain metastases, but brain_metastases is false: leave it out or correct one",
                    )
                ]
            )
        return self


_PLEURAL_SECTIONS = ("tumor", "nodes", "laterality")


class Case(BaseModel):
    """One person's case, as in ``shared/spec/CASE_FORMAT.md`` §1."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="mesostage case")

    id: str | None = Field(None, max_length=MAX_TEXT_CHARS, description="the case's identifier (free text)")
    diagnosis_date: dt.date | None = Field(None, strict=False, description="YYYY-MM-DD; picks the default TNM edition")
    site: Site = Field(
        description="where the mesothelioma started: pleura, peritoneum, pericardium or tunica_vaginalis (required)"
    )
    laterality: Laterality | None = Field(None, description="left or right; pleural primary only")
    histology: Histology | None = Field(None, description="epithelioid, biphasic, sarcomatoid or other")
    tumor_type: TumorType | None = Field(
        None,
        description="WHO 2021 type: diffuse (diffuse mesothelioma, assumed when not given), localized (localized "
        "mesothelioma), in_situ (mesothelioma in situ) or well_differentiated_papillary (well-differentiated papillary "
        "mesothelial tumour); only diffuse disease is staged",
    )
    basis: Basis = Field(
        "clinical",
        description="what the categories rest on: clinical (prefix c), pathological (p) or post_therapy (yp)",
    )
    tumor: TumorSection | None = Field(
        None, description="the primary tumour (pleura only); missing or assessed: false is not assessed (TX)"
    )
    nodes: NodeSection | None = Field(
        None, description="regional lymph nodes (pleura only); missing or assessed: false is not assessed (NX)"
    )
    metastases: MetastasisSection | None = Field(
        None,
        description="distant metastases; missing stages as M0 with a stage range up to IV and a review note (there "
        "is no MX)",
    )
    pleural_effusion_malignant: bool | None = Field(None, description="recorded; never changes T, N or M by itself")
    peritoneal: Peritoneal | None = Field(None, description="the PCI and the N and M findings of a peritoneal primary")
    resection: Resection | None = Field(None, description="surgery and its margins (the revised Brigham system only)")
    reported_stage: ReportedStage | None = Field(
        None, description="a stage someone already gave; the review compares it with the stage the findings give"
    )
    patient: Patient | None = Field(
        None, description="optional details about the person, for the options, the outlook and trial matching"
    )

    _iso_date = field_validator("diagnosis_date", mode="before")(_only_iso_date)

    @model_validator(mode="after")
    def _site_consistent(self) -> Case:
        errors: list[InputError] = []
        if self.site != "pleura":
            errors.extend(
                InputError(name, f"'{name}' describes a pleural primary and cannot be given for site '{self.site}'")
                for name in (*_PLEURAL_SECTIONS, "pleural_effusion_malignant")
                if getattr(self, name) is not None
            )
        if self.site == "peritoneum" and self.metastases is not None:
            errors.append(
                InputError(
                    "metastases",
                    "for a peritoneal primary give distant spread as peritoneal.extra_abdominal_metastases",
                )
            )
        if self.site != "peritoneum" and self.peritoneal is not None:
            errors.append(InputError("peritoneal", f"the peritoneal block is for site 'peritoneum', not '{self.site}'"))
        if self.reported_stage is not None:
            labels = stage_labels(self.reported_stage.system)
            if self.reported_stage.stage not in labels:
                errors.append(
                    InputError(
                        "reported_stage.stage",
                        f"'{clip(self.reported_stage.stage)}' is not a stage of {self.reported_stage.system}",
                        labels,
                    )
                )
        if errors:
            raise _SemanticErrors(errors)
        return self


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_ALLOWED_BY_FIELD: dict[str, tuple[str, ...]] = {
    "site": SITES,
    "laterality": get_args(Laterality),
    "histology": HISTOLOGIES,
    "tumor_type": TUMOR_TYPES,
    "basis": BASES,
    "system": SYSTEM_IDS,
    "sex": get_args(Sex),
}
_VOCABULARY_BY_SECTION: dict[str, tuple[str, ...]] = {
    "tumor": TUMOR_FINDINGS,
    "nodes": NODE_FINDINGS,
    "metastases": METASTASIS_FINDINGS,
}
_MODEL_BY_PATH: dict[str, type[BaseModel]] = {
    "": Case,
    "tumor": TumorSection,
    "nodes": NodeSection,
    "metastases": MetastasisSection,
    "peritoneal": Peritoneal,
    "resection": Resection,
    "reported_stage": ReportedStage,
    "patient": Patient,
}


def _allowed_for(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    names = [p for p in loc if isinstance(p, str)]
    if len(names) >= 2 and names[0] in _VOCABULARY_BY_SECTION and names[1] in ("findings", "unknown"):
        return _VOCABULARY_BY_SECTION[names[0]]
    if names[-1] == "prior_agents":
        return PRIOR_AGENTS
    if names[-1] == "contraindications":
        return CONTRAINDICATIONS
    return _ALLOWED_BY_FIELD.get(names[-1], ()) if names else ()


def _shown(value: object) -> str:
    """A value as an error message repeats it: its repr, cut short (a 60 kB id is not echoed whole), with the
    length of the value itself (not of its repr, which adds quotes and escapes)."""
    if isinstance(value, str) and len(value) > MAX_ECHO_CHARS:
        return f"{value[:MAX_ECHO_CHARS]!r}... ({len(value)} characters)"
    return clip(repr(value))


def _did_you_mean(given: object, allowed: Sequence[str]) -> str:
    """ " (did you mean 'rib'?)" for a near miss of an allowed name, else ""."""
    if not isinstance(given, str) or not allowed:
        return ""
    close = difflib.get_close_matches(given.strip().lower().replace(" ", "_").replace("-", "_"), allowed, n=2)
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)" if close else ""


def _convert(exc: ValidationError) -> list[InputError]:
    errors: list[InputError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _SemanticErrors):
            prefix = _path(loc)
            for inner in cause.errors:
                path = f"{prefix}.{inner.path}" if prefix else inner.path
                errors.append(InputError(path, inner.message, inner.allowed))
            continue
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
            model = _MODEL_BY_PATH.get(parent)
            allowed = tuple(model.model_fields) if model else ()
            hint = _did_you_mean(loc[-1], allowed)
            errors.append(InputError(_path(loc), f"unknown field '{loc[-1]}'{hint}", allowed))
        elif kind in ("literal_error", "enum"):
            allowed = _allowed_for(loc)
            hint = _did_you_mean(err["input"], allowed)
            errors.append(InputError(_path(loc), f"{_shown(err['input'])} is not an allowed value{hint}", allowed))
        elif kind == "missing":
            errors.append(InputError(_path(loc), "this field is required", _allowed_for(loc)))
        else:
            errors.append(InputError(_path(loc), f"{err['msg']} (got {_shown(err['input'])})"))
    return errors


def parse_case(data: Case | Mapping[str, Any]) -> Case:
    """Validate a case given as a mapping (for example parsed JSON).

    Raises
    ------
    CaseError
        With one :class:`InputError` per problem, each naming the field path and the allowed values.
    """
    if isinstance(data, Case):
        return data
    if isinstance(data, Mapping) and (problems := json_problems(data)):
        raise CaseError(problems)
    return _validate(data)


def _validate(data: object) -> Case:
    if not isinstance(data, Mapping):
        raise CaseError([InputError("", f"a case must be a JSON object, got {type(data).__name__}")])
    try:
        return Case.model_validate(dict(data))
    except ValidationError as exc:
        raise CaseError(_convert(exc)) from None


@cache
def _one_pass_reading_agrees() -> bool:
    """Whether pydantic-core's JSON parser reads a case exactly as ``json.loads`` does, duplicate keys included.
    Release 2.23 (reached by ``make test-lowest``) was seen to keep another of two equal ``site`` keys of a case
    than ``json.loads`` (tests/test_case_json.py); 2.50 agrees. With an older release than 2.50 every case is read
    the careful way (the same answer, a little slower)."""
    from pydantic_core import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    return (major, minor) >= (2, 50)


def parse_case_json(text: str | bytes) -> Case:
    """Parse and validate one case from JSON text (within the limits of :mod:`mesostage.limits`).

    Text with no number or escape near a limit (``plain_json``) is validated in one pass by pydantic's JSON parser
    (a case nests 4 levels, far below ``MAX_JSON_DEPTH``, so a valid one is within every limit); anything it refuses
    is read again the careful way, so that every error is the one ``parse_case`` gives for the parsed text.
    """
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if plain_json(data) and _one_pass_reading_agrees():
        try:
            case = Case.model_validate_json(data)
        except ValidationError:
            pass
        else:
            # pydantic keeps the last of a key given twice; parse_json refuses it. Outside strings, JSON has one
            # colon per key, so as many colons as the fields the models were given means no key came twice (a
            # colon inside a string, "12:30", only sends the text the careful way).
            if data.count(b":") == _fields_given(case):
                return case
    return _validate(parse_json(text))  # parse_json has checked the limits (and repeated keys) parse_case checks


@cache
def _nested(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that hold a model or a list of models (each read from a JSON object)."""

    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(holds_model(arg) for arg in get_args(annotation))

    return tuple(name for name, info in model.model_fields.items() if holds_model(info.annotation))


def _fields_given(model: BaseModel) -> int:
    """How many fields the JSON objects behind ``model`` and its nested models gave (each key once, however often
    it was written; every object of a case is a model that forbids other keys)."""
    count = len(model.model_fields_set)
    for name in _nested(type(model)):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            count += _fields_given(value)
        elif isinstance(value, list | tuple):
            count += sum(_fields_given(item) for item in value if isinstance(item, BaseModel))
    return count
