"""FHIR mCODE R4 export and import: the bundle validates with fhir.resources (R4B), follows the mCODE profile rules
that fhir.resources does not check, and a case -> bundle -> case round trip preserves the staging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mesostage
from mesostage.fhir import bundle_dict, case_from_bundle, categories_from_bundle, to_bundle
from tests.factories import ALL_SURFACES, pleural_case
from tests.test_properties import peritoneal_cases, pleural_cases

SNOMED = "http://snomed.info/sct"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
# mCODE STU4 TNMStagingMethodVS and the staging Observation codes (ecosystem.md A1, from the mCODE FSH sources).
AJCC_METHOD = {"tnm8": "897275008", "tnm9": "1269566009", "tnm7": "443830009"}
STAGE_GROUP_CODE = {"clinical": "399537006", "pathological": "399588009"}
T_CODE = {"clinical": "399504009", "pathological": "384625004"}

EXAMPLE: dict[str, Any] = {
    "id": "example-1",
    "diagnosis_date": "2024-03-01",
    "site": "pleura",
    "laterality": "right",
    "histology": "epithelioid",
    "basis": "clinical",
    "tumor": {
        "findings": [*ALL_SURFACES, "mediastinal_fat"],
        "unknown": ["endothoracic_fascia"],
        "psum_mm": 24.0,
        "fmax_mm": 3.0,
    },
    "nodes": {"findings": ["subcarinal"]},
    "metastases": {"findings": []},
    "pleural_effusion_malignant": True,
    "reported_stage": {"system": "tnm8", "stage": "IV"},
    "patient": {"sex": "female", "age_years": 70},
}


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def profiled(bundle: dict[str, Any], profile: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "Observation") if MCODE + profile in r.get("meta", {}).get("profile", [])]


def test_bundle_validates_with_fhir_resources() -> None:
    data = json.loads(to_bundle(EXAMPLE).model_dump_json(exclude_none=True))
    again = Bundle.model_validate(data)  # R4B models: raises if any resource is not valid FHIR
    assert again.type == "collection"
    assert len(resources(data, "Condition")) == 1
    assert len(resources(data, "Patient")) == 1


def test_primary_cancer_condition() -> None:
    data = bundle_dict(EXAMPLE)
    (condition,) = resources(data, "Condition")
    assert condition["meta"]["profile"] == [MCODE + "mcode-primary-cancer-condition"]
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10-cm",
        "code": "C45.0",
        "display": "Mesothelioma of pleura",
    }
    site = condition["bodySite"][0]
    assert site["coding"][0]["code"] == "C38.4"
    assert site["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/icd-o-3"
    laterality = site["extension"][0]
    assert laterality["url"] == MCODE + "mcode-laterality-qualifier"
    assert laterality["valueCodeableConcept"]["coding"][0]["code"] == "24028007"  # SNOMED CT right
    histology = next(e for e in condition["extension"] if e["url"] == MCODE + "mcode-histology-morphology-behavior")
    assert histology["valueCodeableConcept"]["coding"][0]["code"] == "9052/3"  # ICD-O-3 epithelioid, malignant
    # stage.summary: the stage of the system in use for a 2024 diagnosis (AJCC 8th), pointing to its stage group
    (stage,) = condition["stage"]
    assert stage["summary"]["coding"][0]["code"] == "IIIA"
    group = by_url(data)[stage["assessment"][0]["reference"]]
    assert group["method"]["coding"][0]["code"] == AJCC_METHOD["tnm8"]


@pytest.mark.parametrize("case", [EXAMPLE, pleural_case(["parietal_pleura", "rib"], ["scalene"], ["liver"])])
def test_tnm_observations_follow_the_mcode_profile_rules(case: dict[str, Any]) -> None:
    data = bundle_dict(case)
    (condition,) = resources(data, "Condition")
    condition_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is condition)
    urls = by_url(data)
    groups = profiled(data, "mcode-tnm-stage-group")
    assert sorted(g["method"]["coding"][0]["code"] for g in groups) == sorted(AJCC_METHOD.values())
    basis = case.get("basis", "clinical")
    for group in groups:
        assert group["code"]["coding"][0] == {"system": SNOMED, "code": STAGE_GROUP_CODE[basis]}
        assert group["focus"] == [{"reference": condition_url}]  # focus 1..1
        assert 1 <= len(group["hasMember"]) <= 3  # hasMember: the TNM category Observations
        assert "component" not in group
        members = [urls[m["reference"]] for m in group["hasMember"]]
        kinds = [m["meta"]["profile"][0].removeprefix(MCODE) for m in members]
        assert kinds == [
            "mcode-tnm-primary-tumor-category",
            "mcode-tnm-regional-nodes-category",
            "mcode-tnm-distant-metastases-category",
        ]
        assert members[0]["code"]["coding"][0]["code"] == T_CODE[basis]
        for member in members:
            assert member["method"] == group["method"]  # method 1..1, the same edition
            assert member["focus"] == [{"reference": condition_url}]
            assert "hasMember" not in member
            assert member["derivedFrom"]
    others = profiled(data, "mcode-cancer-stage")
    assert {o["method"]["coding"][0]["code"] for o in others} <= {"butchart", "brigham", "peritoneal_tnm"}
    assert all(o["method"]["coding"][0]["system"] == "urn:mesostage:codesystem:staging-system" for o in others)


def test_categories_read_back_from_the_bundle() -> None:
    result = mesostage.stage(EXAMPLE)
    rows = {r["system"]: r for r in categories_from_bundle(bundle_dict(EXAMPLE, result))}
    for r in result.results:
        if r.applicable:
            assert rows[r.system]["stage"] == r.stage
            if r.system.startswith("tnm"):
                assert (rows[r.system]["T"], rows[r.system]["N"], rows[r.system]["M"]) == (r.t, r.n, r.m)


def round_trip(case: dict[str, Any]) -> mesostage.Case:
    text = to_bundle(case).model_dump_json(exclude_none=True)
    return case_from_bundle(text)


def test_round_trip_of_the_contract_example() -> None:
    back = round_trip(EXAMPLE)
    original = mesostage.parse_case(EXAMPLE)
    assert back.model_copy(update={"patient": original.patient}) == original
    assert back.patient is not None
    assert back.patient.sex == "female"  # only the sex of the patient block is carried
    assert mesostage.stage(back) == mesostage.stage(original)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def any_case(draw: st.DrawFn) -> dict[str, Any]:
    case = draw(st.one_of(pleural_cases(), peritoneal_cases()))
    if case["site"] == "pleura":
        for field, values in (
            ("laterality", ["left", "right"]),
            ("histology", ["epithelioid", "biphasic", "sarcomatoid", "other"]),
            ("diagnosis_date", ["2015-06-01", "2021-06-01", "2025-06-01"]),
        ):
            if draw(st.booleans()):
                case[field] = draw(st.sampled_from(values))
        if draw(st.booleans()):
            case["pleural_effusion_malignant"] = draw(st.booleans())
    elif draw(st.booleans()):
        case["peritoneal"] = {"pci_regions": draw(st.lists(st.integers(0, 3), min_size=13, max_size=13))}
    if draw(st.booleans()):
        case["id"] = draw(st.text(min_size=1, max_size=8))
    return case


@SETTINGS
@given(any_case())
def test_round_trip_preserves_staging(case: dict[str, Any]) -> None:
    back = round_trip(case)
    assert mesostage.stage(back) == mesostage.stage(case)


@pytest.mark.parametrize("site", ["pericardium", "tunica_vaginalis"])
def test_sites_without_a_staging_system_round_trip(site: str) -> None:
    back = round_trip({"site": site, "histology": "biphasic"})
    assert (back.site, back.histology) == (site, "biphasic")


def test_import_rejects_a_non_mesothelioma_morphology() -> None:
    data = bundle_dict(EXAMPLE)
    condition = resources(data, "Condition")[0]
    condition["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] = "8140/3"
    with pytest.raises(mesostage.CaseError) as err:
        case_from_bundle(data)
    (error,) = err.value.errors
    assert error.path == "bundle.entry[1].resource.extension[histologyMorphologyBehavior]"
    assert "8140/3" in error.message


def test_import_of_categories_only_says_what_to_do() -> None:
    data = bundle_dict(EXAMPLE)
    data["entry"] = [
        e
        for e in data["entry"]
        if e["resource"]["resourceType"] != "Observation" or "meta" in e["resource"]  # drop the input Observations
    ]
    for e in data["entry"]:
        e["resource"].pop("derivedFrom", None)
    with pytest.raises(mesostage.CaseError, match="no findings to stage from"):
        case_from_bundle(data)
    assert {r["system"] for r in categories_from_bundle(data)} >= {"tnm8", "tnm9", "tnm7"}


@pytest.mark.parametrize(
    ("bundle", "path"),
    [
        ('{"resourceType": "Bundle", "type": "collection"}', "bundle.entry"),
        ('{"resourceType": "Bundle"}', "bundle.type"),
        ("not json", "bundle"),
    ],
)
def test_import_errors_name_where(bundle: str, path: str) -> None:
    with pytest.raises(mesostage.CaseError) as err:
        case_from_bundle(bundle)
    assert err.value.errors[0].path.startswith(path)


def test_cli_export_and_import(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from mesostage.cli import app

    runner = CliRunner()
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    exported = runner.invoke(app, ["fhir", "export", str(case_file)])
    assert exported.exit_code == 0, exported.output
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(exported.output, encoding="utf-8")
    imported = runner.invoke(app, ["fhir", "import", str(bundle_file)])
    assert imported.exit_code == 0, imported.output
    assert mesostage.stage(json.loads(imported.output)) == mesostage.stage({**EXAMPLE, "patient": {"sex": "female"}})
    bad = runner.invoke(app, ["fhir", "import", "-"], input='{"resourceType": "Bundle", "type": "collection"}')
    assert bad.exit_code == 2
    assert "no primary cancer Condition" in bad.output
