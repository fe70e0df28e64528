"""A case and its staging as an HL7 FHIR R4 Bundle shaped by mCODE STU4.

What goes in (type ``collection``):

* a ``CancerPatient``: gender from the case's ``patient.sex`` (else ``unknown``); identifier and name, which US
  Core requires, carry the data-absent-reason extension, as a case holds no identity;
* the ``PrimaryCancerCondition``: ICD-10-CM diagnosis code, ICD-O-3 topography as body site with the laterality
  qualifier, ICD-O-3 morphology in the histology extension, the diagnosis date as the asserted date, and the stage
  of the system in use as ``stage.summary`` pointing to its stage-group Observation;
* one Observation per recorded input (a finding present, a finding not known, a section assessed or not, a
  measurement, the basis...), coded in mesostage's local finding code system; these are what the import reads;
* for each applicable AJCC edition (tnm7, tnm8, tnm9): T, N and M category Observations and a ``TNMStageGroup``
  Observation, with the AJCC edition as ``method`` (SNOMED CT), ``focus`` on the Condition, ``hasMember`` the
  categories and ``derivedFrom`` the input Observations;
* for the other systems (Butchart, Brigham, the peritoneal PCI-based TNM): a generic ``CancerStage`` Observation
  with ``method`` and ``value`` in local code systems, as mCODE has no codes for them.

Category and stage values are in local code systems (SNOMED CT codes for mesothelioma stage groups were not
checked); ``text`` shows the label with its prefix. Only the base FHIR resources are validated (with
``fhir.resources``); the mCODE profile rules that matter here are checked by the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from mesostage import Case, StagingResult, SystemResult, __version__, load_system, parse_case, stage
from mesostage.fhir.terminology import terminology

__all__ = ["bundle_dict", "to_bundle"]

_NAMESPACE = uuid.UUID("5b0c51a4-6f53-4f3e-9c55-3c2f9a3f0e61")
DISCLAIMER = "Supports, and does not replace, a specialist's judgement. Not medical advice."


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(system: str, code: str, text: str | None = None, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


class _Builder:
    def __init__(self, case: Case, result: StagingResult) -> None:
        self.case = case
        self.result = result
        self.term = terminology()
        self.seed = case.model_dump_json()
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = self._ref("patient")
        self.condition_ref = self._ref("condition")
        self.inputs: list[str] = []

    def _ref(self, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, self.seed + '|' + key)}"

    def _add(self, key: str, resource: dict[str, Any]) -> str:
        ref = self._ref(key)
        resource["id"] = ref.removeprefix("urn:uuid:")
        self.entries.append({"fullUrl": ref, "resource": resource})
        return ref

    # ------------------------------------------------------------------ inputs
    def _input(self, path: str, value: dict[str, Any]) -> None:
        """One Observation of the case's inputs, coded by its case field path."""
        term = self.term
        resource = {
            "resourceType": "Observation",
            "status": "final",
            "code": _concept(term.local.finding, path, text=path.replace("_", " ").replace(".", ": ")),
            "subject": {"reference": self.patient_ref},
            "focus": [{"reference": self.condition_ref}],
            **value,
        }
        self.inputs.append(self._add(f"input|{path}", resource))

    def _unknown(self) -> dict[str, Any]:
        return {"dataAbsentReason": _concept(self.term.systems.data_absent, "unknown", text="not known")}

    def inputs_from_case(self) -> None:
        case, local = self.case, self.term.local
        self._input("basis", {"valueCodeableConcept": _concept(local.observation, case.basis, text=case.basis)})
        for name in ("tumor", "nodes", "metastases"):
            section = getattr(case, name)
            if section is None:
                continue
            self._input(f"{name}.assessed", {"valueBoolean": section.assessed})
            for finding in section.findings:
                self._input(f"{name}.{finding}", {"valueBoolean": True})
            for finding in section.unknown:
                self._input(f"{name}.{finding}", self._unknown())
        if case.tumor is not None:
            if case.tumor.no_evidence:
                self._input("tumor.no_evidence", {"valueBoolean": True})
            for field in ("psum_mm", "fmax_mm"):
                mm = getattr(case.tumor, field)
                if mm is not None:
                    quantity = {"value": mm, "unit": "mm", "system": self.term.systems.ucum, "code": "mm"}
                    self._input(f"tumor.{field}", {"valueQuantity": quantity})
        if case.pleural_effusion_malignant is not None:
            self._input("pleural_effusion_malignant", {"valueBoolean": case.pleural_effusion_malignant})
        if case.peritoneal is not None:
            per = case.peritoneal
            value: dict[str, Any] = {"valueInteger": per.pci_total} if per.pci_total is not None else self._unknown()
            if per.pci_regions is not None:
                value["component"] = [
                    {
                        "code": _concept(local.finding, f"peritoneal.pci_regions[{i}]", text=f"PCI region {i}"),
                        "valueInteger": score,
                    }
                    for i, score in enumerate(per.pci_regions)
                ]
            self._input("peritoneal.pci", value)
            for flag in ("nodes_positive", "extra_abdominal_metastases"):
                if getattr(per, flag) is not None:
                    self._input(f"peritoneal.{flag}", {"valueBoolean": getattr(per, flag)})
        if case.resection is not None:
            self._input("resection.performed", {"valueBoolean": case.resection.performed})
            if case.resection.margins_positive is not None:
                self._input("resection.margins_positive", {"valueBoolean": case.resection.margins_positive})
        if case.reported_stage is not None:
            rs = case.reported_stage
            concept = _concept(local.category(rs.system), rs.stage, text=f"{rs.system} stage {rs.stage}")
            self._input("reported_stage", {"valueCodeableConcept": concept})

    # ------------------------------------------------------------------ staging
    def _note(self, r: SystemResult) -> list[dict[str, str]]:
        parts = []
        if r.stage_range:
            parts.append(f"Stage range: {r.stage_range[0]} to {r.stage_range[-1]}.")
        if r.unknowns_that_matter:
            parts.append(f"Unknowns that could change the stage: {', '.join(r.unknowns_that_matter)}.")
        if r.reason:
            parts.append(r.reason)
        parts.append(f"Evidence: {r.evidence}. Derived by mesostage {__version__}. {DISCLAIMER}")
        return [{"text": " ".join(parts)}]

    def _stage_value(self, r: SystemResult) -> dict[str, Any]:
        if r.stage is None:
            return {"dataAbsentReason": _concept(self.term.systems.data_absent, "unknown", text="cannot be determined")}
        return {"valueCodeableConcept": _concept(self.term.local.category(r.system), r.stage, text=f"stage {r.stage}")}

    def _category(self) -> list[dict[str, Any]]:
        """Observation.category (US Core Simple Observation: 1..*, from the HL7 observation-category codes)."""
        coded = self.term.observation_category[self.case.basis]
        return [_concept(self.term.systems.observation_category, coded.code, display=coded.display)]

    def tnm(self, r: SystemResult) -> str:
        term, basis = self.term, self.case.basis
        method_code = term.methods[r.system]
        method = _concept(term.systems.snomed, method_code.code, text=method_code.text)
        members = []
        for comp in ("T", "N", "M"):
            label = r.categories[comp]
            code = term.observation_codes[comp][basis]
            resource = {
                "resourceType": "Observation",
                "meta": {"profile": [getattr(term.profiles, comp)]},
                "status": "final",
                "category": self._category(),
                "code": _concept(term.systems.snomed, code.code, text=code.text),
                "subject": {"reference": self.patient_ref},
                "focus": [{"reference": self.condition_ref}],
                "method": method,
                "valueCodeableConcept": _concept(term.local.category(r.system), label, text=f"{r.prefix or ''}{label}"),
                "derivedFrom": [{"reference": ref} for ref in self.inputs],
            }
            members.append(self._add(f"{r.system}|{comp}", resource))
        code = term.observation_codes["stage_group"][basis]
        group = {
            "resourceType": "Observation",
            "meta": {"profile": [term.profiles.tnm_stage_group]},
            "status": "final",
            "category": self._category(),
            "code": _concept(term.systems.snomed, code.code, text=code.text),
            "subject": {"reference": self.patient_ref},
            "focus": [{"reference": self.condition_ref}],
            "method": method,
            **self._stage_value(r),
            "hasMember": [{"reference": ref} for ref in members],
            "derivedFrom": [{"reference": ref} for ref in self.inputs],
            "note": self._note(r),
        }
        return self._add(f"{r.system}|stage", group)

    def other(self, r: SystemResult) -> str:
        term = self.term
        system = load_system(r.system)
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "meta": {"profile": [term.profiles.cancer_stage]},
            "status": "final",
            "category": self._category(),
            "code": _concept(term.local.observation, "stage", text=f"{system.short_name} stage"),
            "subject": {"reference": self.patient_ref},
            "focus": [{"reference": self.condition_ref}],
            "method": _concept(term.local.staging_system, r.system, text=system.name),
            **self._stage_value(r),
            "derivedFrom": [{"reference": ref} for ref in self.inputs],
            "note": self._note(r),
        }
        if set(r.categories) == {"T", "N", "M"}:
            resource["component"] = [
                {
                    "code": _concept(term.local.observation, comp, text=f"{comp} category"),
                    "valueCodeableConcept": _concept(term.local.category(r.system), r.categories[comp]),
                }
                for comp in ("T", "N", "M")
            ]
        return self._add(f"{r.system}|stage", resource)

    # ------------------------------------------------------------------ patient and condition
    def patient(self) -> dict[str, Any]:
        """The ``CancerPatient`` (US Core Patient): identifier, name and gender are required (1..*, 1..*, 1..1).

        A case carries no identity, and none is made up: the identifier's system and value and the name carry the
        data-absent-reason extension (``unknown``), as US Core's Missing Data rules say for required elements that
        are not coded; the gender is the case's ``patient.sex``, else ``unknown`` (the code of the required
        AdministrativeGender value set for it).
        """
        term = self.term
        absent = {"extension": [{"url": term.systems.data_absent_extension, "valueCode": "unknown"}]}
        sex = self.case.patient.sex if self.case.patient is not None else None
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": self.patient_ref.removeprefix("urn:uuid:"),
            "meta": {"profile": [term.profiles.cancer_patient]},
            "identifier": [{"_system": absent, "_value": absent}],
            "name": [absent],
            "gender": sex or "unknown",
        }
        return {"fullUrl": self.patient_ref, "resource": resource}

    def condition(self, stage_refs: dict[str, str]) -> dict[str, Any]:
        case, term = self.case, self.term
        site = term.sites[case.site]
        body_site = _concept(term.systems.icdo3, site.topography, display=site.topography_display)
        if case.laterality is not None:
            side = getattr(term.laterality, case.laterality)
            body_site["extension"] = [
                {
                    "url": term.profiles.laterality_extension,
                    "valueCodeableConcept": _concept(term.systems.snomed, side.code, display=side.display),
                }
            ]
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self.condition_ref.removeprefix("urn:uuid:"),
            "meta": {"profile": [term.profiles.primary_cancer_condition]},
            "clinicalStatus": _concept(term.systems.condition_clinical, "active"),
            "verificationStatus": _concept(term.systems.condition_verification, "confirmed"),
            "category": [_concept(term.systems.condition_category, "problem-list-item")],
            "code": _concept(term.systems.icd10cm, site.icd10cm, display=site.display),
            "bodySite": [body_site],
            "subject": {"reference": self.patient_ref},
        }
        extensions = []
        if case.histology is not None:
            hist = term.histologies[case.histology]
            concept = _concept(term.systems.icdo3, hist.icdo3, display=hist.display)
            extensions.append({"url": term.profiles.histology_extension, "valueCodeableConcept": concept})
        if case.diagnosis_date is not None:
            extensions.append(
                {"url": term.profiles.asserted_date_extension, "valueDateTime": case.diagnosis_date.isoformat()}
            )
        if extensions:
            resource["extension"] = extensions
        in_use = self.result.default_system
        if in_use in stage_refs:
            r = self.result.result(in_use)
            summary = (
                _concept(term.local.category(in_use), r.stage, text=f"stage {r.stage}")
                if r.stage
                else {"text": "cannot be determined"}
            )
            method = term.methods.get(in_use)
            stage_type = (
                _concept(term.systems.snomed, method.code, text=method.text)
                if method
                else _concept(term.local.staging_system, in_use)
            )
            resource["stage"] = [
                {"summary": summary, "assessment": [{"reference": stage_refs[in_use]}], "type": stage_type}
            ]
        return {"fullUrl": self.condition_ref, "resource": resource}

    def build(self) -> dict[str, Any]:
        self.inputs_from_case()
        stage_refs: dict[str, str] = {}
        for r in self.result.results:
            if not r.applicable:
                continue
            stage_refs[r.system] = self.tnm(r) if r.system in self.term.methods else self.other(r)
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [self.patient(), self.condition(stage_refs), *self.entries],
        }
        if self.case.id is not None:
            bundle["identifier"] = {"system": self.term.local.case_id, "value": self.case.id}
        return bundle


def bundle_dict(case: Case | Mapping[str, Any], result: StagingResult | None = None) -> dict[str, Any]:
    """The bundle as plain JSON data (see :func:`to_bundle`)."""
    parsed = parse_case(case)
    staged = result if result is not None else stage(parsed)
    return _Builder(parsed, staged).build()


def to_bundle(case: Case | Mapping[str, Any], result: StagingResult | None = None) -> Bundle:
    """A case and its staging as a FHIR R4 ``Bundle`` (mCODE STU4 shapes), validated by ``fhir.resources`` (R4B).

    Parameters
    ----------
    case
        The case (a :class:`~mesostage.Case` or a mapping in the case format).
    result
        Its staging result; staged in every system when not given.

    Raises
    ------
    CaseError
        If the case is not valid.
    """
    return Bundle.model_validate(bundle_dict(case, result))
