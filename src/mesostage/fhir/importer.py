"""A case from a FHIR R4 Bundle written by :func:`mesostage.fhir.to_bundle` (or shaped the same way).

The site, histology, laterality and diagnosis date come from the ``PrimaryCancerCondition``; the findings from the
input Observations in mesostage's local finding code system. A bundle that holds only TNM categories and stage
groups (from another system) has no findings to stage from: :func:`categories_from_bundle` reads those.
Every problem is a :class:`~mesostage.CaseError` naming where in the bundle it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mesostage import Case, CaseError, InputError, parse_case
from mesostage.fhir.terminology import terminology
from mesostage.limits import clip, json_problems, parse_json

__all__ = ["as_bundle_data", "case_from_bundle", "categories_from_bundle"]

_SECTIONS = ("tumor", "nodes", "metastases")
_TOPOGRAPHY = {"C38.4": "pleura", "C48.1": "peritoneum", "C48.2": "peritoneum", "C48.8": "peritoneum"}


def as_bundle_data(bundle: Any) -> dict[str, Any]:
    """A bundle (``fhir.resources`` model, mapping or JSON text) as validated JSON data."""
    from fhir.resources.R4B.bundle import Bundle

    if isinstance(bundle, Bundle):
        return bundle.model_dump(mode="json", exclude_none=True)
    if isinstance(bundle, str | bytes):
        data = parse_json(bundle, "bundle")
    else:
        try:
            data = dict(bundle)
        except (TypeError, ValueError) as exc:
            raise CaseError([InputError("bundle", f"not a FHIR Bundle as JSON: {exc}")]) from None
        if problems := json_problems(data, "bundle"):
            raise CaseError(problems)
    if not isinstance(data, dict):
        raise CaseError([InputError("bundle", f"a FHIR Bundle is a JSON object, not {type(data).__name__}")])
    if unknown := _unknown_resource_types(data):
        raise CaseError(unknown)
    try:
        model = Bundle.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[:5]
        raise CaseError([InputError("bundle." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in first]) from None
    except (KeyError, LookupError, TypeError, ValueError) as exc:
        raise CaseError([InputError("bundle", f"not a FHIR R4 Bundle that can be read ({exc!r})")]) from None
    return model.model_dump(mode="json", exclude_none=True)


def _unknown_resource_types(data: Mapping[str, Any]) -> list[InputError]:
    """Entries whose resourceType is not an R4 resource (the FHIR library fails on them without a path)."""
    from fhir.resources.R4B import get_fhir_model_class

    entries = data.get("entry")
    if not isinstance(entries, list):
        return []
    errors: list[InputError] = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            continue
        try:
            get_fhir_model_class(kind)
        except (ValueError, KeyError, LookupError):
            errors.append(
                InputError(f"bundle.entry[{i}].resource.resourceType", f"'{clip(kind)}' is not a FHIR R4 resource type")
            )
    return errors


def _codes(concept: Mapping[str, Any] | None) -> list[tuple[str | None, str | None]]:
    return [(c.get("system"), c.get("code")) for c in (concept or {}).get("coding", [])]


def _code_in(concept: Mapping[str, Any] | None, system: str) -> str | None:
    return next((code for sys, code in _codes(concept) if sys == system), None)


def _resources(data: Mapping[str, Any], kind: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, e["resource"])
        for i, e in enumerate(data.get("entry", []))
        if e.get("resource", {}).get("resourceType") == kind
    ]


def _condition(data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    term = terminology()
    conditions = _resources(data, "Condition")
    profiled = [
        c for c in conditions if term.profiles.primary_cancer_condition in c[1].get("meta", {}).get("profile", [])
    ]
    mesothelioma = [c for c in conditions if (_code_in(c[1].get("code"), term.systems.icd10cm) or "").startswith("C45")]
    chosen = profiled or mesothelioma
    if len(chosen) != 1:
        why = "no" if not chosen else "more than one"
        raise CaseError(
            [
                InputError(
                    "bundle.entry", f"{why} primary cancer Condition (mCODE PrimaryCancerCondition or ICD-10 C45.x)"
                )
            ]
        )
    i, resource = chosen[0]
    return f"bundle.entry[{i}].resource", resource


def _site(where: str, condition: Mapping[str, Any]) -> str:
    term = terminology()
    by_topography = {s.topography: name for name, s in term.sites.items()} | _TOPOGRAPHY
    for site in condition.get("bodySite", []):
        code = _code_in(site, term.systems.icdo3)
        if code is not None:
            if code in by_topography:
                return by_topography[code]
            raise CaseError(
                [
                    InputError(
                        f"{where}.bodySite",
                        f"ICD-O-3 topography {code} is not a mesothelioma site",
                        tuple(by_topography),
                    )
                ]
            )
    by_icd = {s.icd10cm: name for name, s in term.sites.items() if name != "tunica_vaginalis"}
    code = _code_in(condition.get("code"), term.systems.icd10cm)
    if code in by_icd:
        return by_icd[code]
    raise CaseError(
        [
            InputError(
                f"{where}.code",
                f"cannot tell the primary site from ICD-10-CM {code!r} without a body site",
                tuple(by_icd),
            )
        ]
    )


def _extension(resource: Mapping[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in resource.get("extension", []) if e.get("url") == url), None)


def _condition_fields(where: str, condition: Mapping[str, Any]) -> dict[str, Any]:
    term = terminology()
    fields: dict[str, Any] = {"site": _site(where, condition)}
    hist = _extension(condition, term.profiles.histology_extension)
    if hist is not None:
        code = _code_in(hist.get("valueCodeableConcept"), term.systems.icdo3)
        by_code = {h.icdo3: name for name, h in term.histologies.items()}
        if code not in by_code:
            raise CaseError(
                [
                    InputError(
                        f"{where}.extension[histologyMorphologyBehavior]",
                        f"ICD-O-3 morphology {code!r} is not a malignant mesothelioma histology",
                        tuple(by_code),
                    )
                ]
            )
        fields["histology"] = by_code[code]
    for site in condition.get("bodySite", []):
        side = _extension(site, term.profiles.laterality_extension)
        if side is not None:
            code = _code_in(side.get("valueCodeableConcept"), term.systems.snomed)
            sides = {term.laterality.left.code: "left", term.laterality.right.code: "right"}
            if code not in sides:
                raise CaseError(
                    [
                        InputError(
                            f"{where}.bodySite.extension[lateralityQualifier]",
                            f"laterality {code!r} is not left or right",
                        )
                    ]
                )
            fields["laterality"] = sides[code]
    asserted = _extension(condition, term.profiles.asserted_date_extension)
    date = asserted.get("valueDateTime") if asserted else condition.get("onsetDateTime")
    if isinstance(date, str):
        fields["diagnosis_date"] = date[:10]
    return fields


def _value(where: str, obs: Mapping[str, Any]) -> Any:
    """An input Observation's value: True/False, a number, a code; ``None`` for 'not known'."""
    if "valueBoolean" in obs:
        return obs["valueBoolean"]
    if "valueInteger" in obs:
        return obs["valueInteger"]
    if "valueQuantity" in obs:
        quantity = obs["valueQuantity"]
        if quantity.get("code", quantity.get("unit")) != "mm":
            raise CaseError([InputError(f"{where}.valueQuantity", "a thickness must be given in mm")])
        if not isinstance(quantity.get("value"), int | float):
            raise CaseError([InputError(f"{where}.valueQuantity.value", "a thickness needs its number (in mm)")])
        return float(quantity["value"])
    if "valueCodeableConcept" in obs:
        return obs["valueCodeableConcept"]
    if "dataAbsentReason" in obs:
        return None
    raise CaseError([InputError(where, "an input Observation needs a value or a dataAbsentReason")])


def _shown(value: Any) -> str:
    if value is None:
        return "not known"
    if isinstance(value, dict):
        return ", ".join(f"{c}" for _, c in _codes(value)) or "a concept without a code"
    return clip(repr(value))


def case_from_bundle(bundle: Any) -> Case:
    """The case recorded in a bundle (the inverse of :func:`mesostage.fhir.to_bundle`).

    Raises
    ------
    CaseError
        If the bundle is not a valid FHIR Bundle, has no primary cancer Condition, holds codes that are not
        mesothelioma, or gives a case that is not valid; each error names where it is.
    """
    data = as_bundle_data(bundle)
    term = terminology()
    where, condition = _condition(data)
    case: dict[str, Any] = _condition_fields(where, condition)
    identifier = data.get("identifier")
    if identifier and identifier.get("system") == term.local.case_id:
        case["id"] = identifier.get("value")
    for _, patient in _resources(data, "Patient")[:1]:
        # Only the sex of the patient block is carried; other genders have no value in the case format.
        if patient.get("gender") in ("female", "male"):
            case["patient"] = {"sex": patient["gender"]}
    inputs = 0
    given: dict[str, tuple[str, Any]] = {}  # finding code -> (where, value) of the first Observation of it
    conflicts: list[InputError] = []
    for i, obs in _resources(data, "Observation"):
        path = _code_in(obs.get("code"), term.local.finding)
        if path is None:
            continue
        inputs += 1
        at = f"bundle.entry[{i}].resource"
        value = _value(at, obs)
        stated = (value, obs.get("component"))
        if path in given and given[path][1] != stated:
            first_at, (first, _) = given[path]
            conflicts.append(
                InputError(
                    at,
                    f"conflicting Observations of {path}: {_shown(value)} here, {_shown(first)} in {first_at}; "
                    "keep the one that is right",
                )
            )
            continue
        given.setdefault(path, (at, stated))
        head, _, tail = path.partition(".")
        if path == "basis":
            case["basis"] = _code_in(value, term.local.observation)
        elif path == "reported_stage":
            codes = _codes(value)
            prefix = term.local.category_prefix + ":"
            found = [(s.removeprefix(prefix), c) for s, c in codes if s and s.startswith(prefix)]
            if not found:
                raise CaseError(
                    [InputError(f"{at}.valueCodeableConcept", "no stage in a mesostage category code system")]
                )
            case["reported_stage"] = {"system": found[0][0], "stage": found[0][1]}
        elif head in _SECTIONS:
            section = case.setdefault(head, {})
            if tail in ("assessed", "no_evidence", "psum_mm", "fmax_mm"):
                section[tail] = value
            elif value is True:
                section.setdefault("findings", []).append(tail)
            elif value is None:
                section.setdefault("unknown", []).append(tail)
            else:
                raise CaseError([InputError(at, f"finding {path}: true (present) or not known, got {value!r}")])
        elif path == "peritoneal.pci":
            per = case.setdefault("peritoneal", {})
            components = obs.get("component", [])
            if components:
                per["pci_regions"] = [c.get("valueInteger") for c in components]
            elif value is not None:
                per["pci"] = value
        elif head in ("peritoneal", "resection"):
            case.setdefault(head, {})[tail] = value
        elif path == "pleural_effusion_malignant":
            case[path] = value
        else:
            raise CaseError([InputError(f"{at}.code", f"unknown input code {path!r}")])
    if conflicts:
        raise CaseError(conflicts)
    if inputs == 0:
        raise CaseError(
            [
                InputError(
                    "bundle.entry",
                    "no input Observations (mesostage finding codes): this bundle has no findings to stage from; "
                    "read its categories with categories_from_bundle",
                )
            ]
        )
    return parse_case(case)


def categories_from_bundle(bundle: Any) -> list[dict[str, str | None]]:
    """The stage groups and T/N/M categories in a bundle: ``[{"system", "stage", "T", "N", "M"}]``.

    Reads the stage Observations whose ``method`` is an AJCC edition (SNOMED CT) or a mesostage staging system
    and whose value is in a mesostage category code system.
    """
    data = as_bundle_data(bundle)
    term = terminology()
    by_method = {m.code: system for system, m in term.methods.items()}
    observations = {
        e.get("fullUrl"): e["resource"]
        for e in data.get("entry", [])
        if e["resource"].get("resourceType") == "Observation"
    }
    out: list[dict[str, str | None]] = []
    for obs in observations.values():
        if not obs.get("hasMember") and _code_in(obs.get("code"), term.local.observation) != "stage":
            continue
        system = by_method.get(_code_in(obs.get("method"), term.systems.snomed) or "") or _code_in(
            obs.get("method"), term.local.staging_system
        )
        if system is None:
            continue
        category_system = term.local.category(system)
        row: dict[str, str | None] = {
            "system": system,
            "stage": _code_in(obs.get("valueCodeableConcept"), category_system),
        }
        for member in obs.get("hasMember", []):
            cat = observations.get(member.get("reference"), {})
            label = _code_in(cat.get("valueCodeableConcept"), category_system)
            if label:
                row[label[0]] = label
        for comp in obs.get("component", []):
            name = _code_in(comp.get("code"), term.local.observation)
            if name in ("T", "N", "M"):
                row[name] = _code_in(comp.get("valueCodeableConcept"), category_system)
        out.append(row)
    return out
