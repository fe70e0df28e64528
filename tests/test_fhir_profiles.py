"""Every resource of the export meets the required elements of each profile it claims in ``meta.profile``.

The requirements below are written from the profile definitions, not from the export:

* mCODE STU4 (hl7.fhir.us.mcode 4.0.0; HL7/fhir-mCODE-ig, commit 543477b5, input/fsh): ``SD_Patient.fsh``
  (CancerPatient, parent US Core Patient), ``SD_Condition.fsh`` (PrimaryCancerCondition, parent US Core Condition
  Problems and Health Concerns), ``SD_Staging.fsh`` (CancerStage, parent US Core Simple Observation),
  ``SD_Staging_TNM.fsh`` (TNMCategory, parent US Core Simple Observation; TNMStageGroup, parent CancerStage); its
  ``sushi-config.yaml`` depends on US Core 6.1.0.
* US Core 6.1.0 (HL7/US-Core, tag 6.1.0, input/resources-yaml): us-core-patient, us-core-simple-observation,
  us-core-condition-problems-health-concerns, ValueSet us-core-simple-observation-category; and the Missing Data
  section of general-requirements.md (a required element without data: the data-absent-reason extension for a
  non-coded element, the value set's "unknown" code for a coded one with a required binding).
* FHIR R4 base cardinalities (Observation.status 1..1, Observation.code 1..1, Condition.subject 1..1).
"""

from __future__ import annotations

from typing import Any

import pytest

from mesostage.fhir import bundle_dict, case_from_bundle
from tests.factories import pleural_case
from tests.test_fhir import EXAMPLE

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
# Codes of the HL7 observation-category code system (terminology.hl7.org); us-core-simple-observation-category
# includes all of it and the US Core category code system.
OBSERVATION_CATEGORY_CODES = {
    "social-history",
    "vital-signs",
    "imaging",
    "laboratory",
    "procedure",
    "survey",
    "exam",
    "therapy",
    "activity",
}
ADMINISTRATIVE_GENDER = {"male", "female", "other", "unknown"}
# us-core-problem-or-health-concern: condition-category problem-list-item, and US Core's health-concern.
PROBLEM_OR_HEALTH_CONCERN = {(CONDITION_CATEGORY, "problem-list-item"), (CONDITION_CATEGORY, "health-concern")}

# The elements with min >= 1 of each profile, with the profile (or base resource) that sets the minimum.
US_CORE_SIMPLE_OBSERVATION = {
    "status": "R4 Observation 1..1",
    "category": "US Core Simple Observation 1..*",
    "code": "R4 Observation 1..1",
    "subject": "US Core Simple Observation 1..1",
}
REQUIRED: dict[str, dict[str, str]] = {
    "mcode-cancer-patient": {
        "identifier": "US Core Patient 1..*",
        "identifier.system": "US Core Patient 1..1",
        "identifier.value": "US Core Patient 1..1",
        "name": "US Core Patient 1..* (us-core-6: family or given, or the data-absent-reason extension)",
        "gender": "US Core Patient 1..1",
    },
    "mcode-primary-cancer-condition": {
        "category": "US Core Condition Problems and Health Concerns 1..* (slice us-core 1..1)",
        "code": "US Core Condition Problems and Health Concerns 1..1",
        "subject": "R4 Condition 1..1",
    },
    "mcode-cancer-stage": dict(US_CORE_SIMPLE_OBSERVATION),
    "mcode-tnm-stage-group": {
        **US_CORE_SIMPLE_OBSERVATION,
        "method": "TNMStageGroup 1..1",
        "focus": "TNMStageGroup 1..1",
    },
    **{
        f"mcode-tnm-{name}-category": {**US_CORE_SIMPLE_OBSERVATION, "method": "TNMCategory 1..1"}
        for name in ("primary-tumor", "regional-nodes", "distant-metastases")
    },
}


def _absent(element: Any) -> bool:
    """The element carries the data-absent-reason extension (and so stands for a required element without data)."""
    return isinstance(element, dict) and any(e.get("url") == DATA_ABSENT for e in element.get("extension", []))


def _present(node: dict[str, Any], path: str) -> bool:
    """``path`` (dotted, every step must be present in every repetition) is there: a value, or a primitive's
    ``_name`` extension with a data-absent reason, as FHIR JSON writes an extension on a primitive."""
    head, _, rest = path.partition(".")
    value = node.get(head)
    if value is None and _absent(node.get("_" + head)):
        return not rest
    if value is None or value == []:
        return False
    if not rest:
        return True
    items = value if isinstance(value, list) else [value]
    return all(isinstance(item, dict) and _present(item, rest) for item in items)


def claimed(bundle: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for entry in bundle["entry"]:
        for profile in entry["resource"].get("meta", {}).get("profile", []):
            out.append((profile.removeprefix(MCODE), entry["resource"]))
    return out


CASES = [
    EXAMPLE,
    {"site": "pleura"},  # no patient block, no findings: every required element still there
    pleural_case(["parietal_pleura", "rib"], ["scalene"], ["liver"]),
    {"site": "peritoneum", "basis": "pathological", "peritoneal": {"pci": 12, "nodes_positive": False}},
]


@pytest.mark.parametrize("case", CASES)
def test_every_claimed_profile_is_one_this_test_knows(case: dict[str, Any]) -> None:
    profiles = {name for name, _ in claimed(bundle_dict(case))}
    assert profiles <= set(REQUIRED), profiles - set(REQUIRED)
    assert {"mcode-cancer-patient", "mcode-primary-cancer-condition"} <= profiles


@pytest.mark.parametrize("profile", sorted(REQUIRED))
@pytest.mark.parametrize("case", CASES)
def test_required_elements_of_each_profile(profile: str, case: dict[str, Any]) -> None:
    for name, resource in claimed(bundle_dict(case)):
        if name != profile:
            continue
        missing = [f"{path} ({why})" for path, why in REQUIRED[profile].items() if not _present(resource, path)]
        assert not missing, f"{profile}: missing {missing}"


@pytest.mark.parametrize("case", CASES)
def test_observation_categories_come_from_the_us_core_value_set(case: dict[str, Any]) -> None:
    observations = [r for name, r in claimed(bundle_dict(case)) if r["resourceType"] == "Observation"]
    assert observations
    for resource in observations:
        codings = [c for concept in resource["category"] for c in concept["coding"]]
        assert any(
            (c["system"] == OBSERVATION_CATEGORY and c["code"] in OBSERVATION_CATEGORY_CODES)
            or c["system"] == US_CORE_CATEGORY
            for c in codings
        ), codings
        # CancerStage and TNMCategory: value[x] only CodeableConcept (or absent, with dataAbsentReason)
        assert "valueCodeableConcept" in resource or "dataAbsentReason" in resource
        assert not [k for k in resource if k.startswith("value") and k != "valueCodeableConcept"]


@pytest.mark.parametrize("case", CASES)
def test_condition_category_is_a_problem_or_health_concern(case: dict[str, Any]) -> None:
    ((_, condition),) = [c for c in claimed(bundle_dict(case)) if c[0] == "mcode-primary-cancer-condition"]
    codings = {(c["system"], c["code"]) for concept in condition["category"] for c in concept["coding"]}
    assert codings & PROBLEM_OR_HEALTH_CONCERN


@pytest.mark.parametrize("case", CASES)
def test_patient_identity_is_never_made_up(case: dict[str, Any]) -> None:
    ((_, patient),) = [c for c in claimed(bundle_dict(case)) if c[0] == "mcode-cancer-patient"]
    # A case holds no name or identifier: US Core's Missing Data rule, the data-absent-reason extension.
    assert all(_absent(name) and "family" not in name and "given" not in name for name in patient["name"])
    for identifier in patient["identifier"]:
        assert "system" not in identifier
        assert "value" not in identifier
        assert _absent(identifier["_system"])
        assert _absent(identifier["_value"])
    assert patient["gender"] in ADMINISTRATIVE_GENDER
    sex = (case.get("patient") or {}).get("sex")
    # gender has a required binding: without a sex, the value set's own "unknown" code
    assert patient["gender"] == (sex or "unknown")


def test_unknown_gender_reads_back_as_no_sex() -> None:
    back = case_from_bundle(bundle_dict({"site": "pleura", "tumor": {"findings": ["parietal_pleura"]}}))
    assert back.patient is None


def test_must_support_elements_are_sent_where_the_case_has_the_data() -> None:
    """Must-support elements (mCODE CancerConditionCommonRules and PrimaryCancerCondition; CancerStage and
    TNMCategory: value, method, focus) are present when the case holds their data: EXAMPLE has a diagnosis date, a
    laterality and a histology."""
    found = claimed(bundle_dict(EXAMPLE))
    ((_, condition),) = [c for c in found if c[0] == "mcode-primary-cancer-condition"]
    urls = {e["url"] for e in condition["extension"]}
    assert "http://hl7.org/fhir/StructureDefinition/condition-assertedDate" in urls  # US Core assertedDate MS
    assert MCODE + "mcode-histology-morphology-behavior" in urls
    (site,) = condition["bodySite"]
    assert [e["url"] for e in site["extension"]] == [MCODE + "mcode-laterality-qualifier"]
    assert condition["clinicalStatus"]
    assert condition["verificationStatus"]
    assert all(stage["assessment"] for stage in condition["stage"])
    for name, resource in found:
        if resource["resourceType"] == "Observation":
            assert resource["focus"], name
            assert resource["method"], name
            assert "valueCodeableConcept" in resource or "dataAbsentReason" in resource, name
