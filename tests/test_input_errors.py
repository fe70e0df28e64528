"""Every input error of CASE_FORMAT §4 gives a clear message naming the field path and the allowed values."""

from __future__ import annotations

from typing import Any

import pytest

import mesostage
from mesostage import CaseError, parse_case_json
from tests.factories import pleural_case


def _errors(case: Any) -> list[mesostage.InputError]:
    with pytest.raises(CaseError) as err:
        mesostage.stage(case)
    return list(err.value.errors)


def test_unknown_field() -> None:
    (e,) = _errors({"site": "pleura", "stag": "IV"})
    assert e.path == "stag"
    assert "unknown field" in e.message
    assert "reported_stage" in e.allowed


def test_unknown_nested_field() -> None:
    (e,) = _errors({"site": "pleura", "tumor": {"finding": ["rib"]}})
    assert e.path == "tumor.finding"
    assert "findings" in e.allowed


def test_unknown_finding_name_names_its_index() -> None:
    (e,) = _errors(pleural_case(["parietal_pleura", "visceral_pleura", "mediastinal_pleura", "ribs"]))
    assert e.path == "tumor.findings[3]"
    assert "'ribs'" in e.message
    assert "rib" in e.allowed
    assert "parietal_pleura" in e.allowed


@pytest.mark.parametrize(
    ("section", "name", "allowed"),
    [("nodes", "hilar", "ipsilateral_hilar"), ("metastases", "lung", "lung_contralateral")],
)
def test_unknown_node_and_metastasis_names(section: str, name: str, allowed: str) -> None:
    case = pleural_case(["parietal_pleura"])
    case[section] = {"unknown": [name]}
    (e,) = _errors(case)
    assert e.path == f"{section}.unknown[0]"
    assert allowed in e.allowed


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ({"site": "pleura", "tumor": {"psum_mm": "12"}}, "tumor.psum_mm"),
        ({"site": "pleura", "tumor": {"findings": "rib"}}, "tumor.findings"),
        ({"site": "pleura", "pleural_effusion_malignant": "yes"}, "pleural_effusion_malignant"),
        ({"site": "peritoneum", "peritoneal": {"pci": "12"}}, "peritoneal.pci"),
        ({"site": "pleura", "diagnosis_date": "01/03/2024"}, "diagnosis_date"),
        ({"site": "pleura", "id": 7}, "id"),
    ],
)
def test_wrong_type(case: dict[str, Any], path: str) -> None:
    errors = _errors(case)
    assert [e.path for e in errors] == [path]


def test_site_is_required_with_allowed_values() -> None:
    (e,) = _errors({"id": "x"})
    assert e.path == "site"
    assert e.allowed == ("pleura", "peritoneum", "pericardium", "tunica_vaginalis")
    (e,) = _errors({"site": "lung"})
    assert e.path == "site"
    assert "pleura" in e.allowed


@pytest.mark.parametrize("pci", [-1, 40, 100])
def test_pci_outside_0_39(pci: int) -> None:
    (e,) = _errors({"site": "peritoneum", "peritoneal": {"pci": pci}})
    assert e.path == "peritoneal.pci"


def test_region_score_outside_0_3_names_the_region() -> None:
    (e,) = _errors({"site": "peritoneum", "peritoneal": {"pci_regions": [0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]}})
    assert e.path == "peritoneal.pci_regions[5]"
    assert "left lower" in e.message
    assert e.allowed == ("0", "1", "2", "3")


def test_wrong_number_of_regions() -> None:
    (e,) = _errors({"site": "peritoneum", "peritoneal": {"pci_regions": [1, 2, 3]}})
    assert e.path == "peritoneal.pci_regions"
    assert "13" in e.message


@pytest.mark.parametrize("field", ["psum_mm", "fmax_mm"])
def test_negative_millimetres(field: str) -> None:
    (e,) = _errors({"site": "pleura", "tumor": {field: -3.0}})
    assert e.path == f"tumor.{field}"
    assert "greater than or equal to 0" in e.message


def test_finding_in_both_lists() -> None:
    (e,) = _errors(pleural_case(["parietal_pleura", "rib"], tumor_unknown=["mediastinal_fat", "rib"]))
    assert e.path == "tumor.unknown[1]"
    assert "'rib'" in e.message
    assert "also in findings" in e.message


def test_pleural_findings_on_a_peritoneal_case() -> None:
    errors = _errors({"site": "peritoneum", "tumor": {"findings": ["rib"]}, "nodes": {"findings": ["subcarinal"]}})
    assert [e.path for e in errors] == ["tumor", "nodes"]
    assert all("pleural primary" in e.message for e in errors)


def test_peritoneal_block_on_a_pleural_case() -> None:
    (e,) = _errors({"site": "pleura", "peritoneal": {"pci": 3}})
    assert e.path == "peritoneal"


def test_contradictions_within_a_section() -> None:
    (e,) = _errors({"site": "pleura", "nodes": {"assessed": False, "findings": ["subcarinal"]}})
    assert e.path == "nodes.assessed"
    (e,) = _errors({"site": "pleura", "tumor": {"no_evidence": True, "findings": ["rib"]}})
    assert e.path == "tumor.no_evidence"
    (e,) = _errors({"site": "pleura", "tumor": {"assessed": False, "psum_mm": 10}})
    assert e.path == "tumor.assessed"
    (e,) = _errors({"site": "pleura", "resection": {"performed": False, "margins_positive": True}})
    assert e.path == "resection.margins_positive"


def test_reported_stage_must_exist_in_its_system() -> None:
    (e,) = _errors({"site": "pleura", "reported_stage": {"system": "tnm9", "stage": "IB"}})
    assert e.path == "reported_stage.stage"
    assert e.allowed == ("I", "II", "IIIA", "IIIB", "IV")
    (e,) = _errors({"site": "pleura", "reported_stage": {"system": "ajcc8", "stage": "IV"}})
    assert e.path == "reported_stage.system"
    assert "tnm8" in e.allowed


def test_several_errors_are_all_reported() -> None:
    errors = _errors({"site": "pleura", "histology": "mixed", "basis": "surgical", "laterality": "both"})
    assert [e.path for e in errors] == ["laterality", "histology", "basis"]
    assert all(e.allowed for e in errors)


def test_not_an_object_and_not_json() -> None:
    (e,) = _errors(["pleura"])
    assert "JSON object" in e.message
    with pytest.raises(CaseError) as err:
        parse_case_json("{site: pleura}")
    assert "not valid JSON" in str(err.value)


def test_error_text_names_path_and_allowed_values() -> None:
    (e,) = _errors({"site": "pleura", "basis": "surgical"})
    assert str(e) == "basis: 'surgical' is not an allowed value (allowed: clinical, pathological, post_therapy)"


def test_patient_values_out_of_range_are_errors() -> None:
    errors = _errors({"site": "pleura", "patient": {"ecog": 5, "age_years": -1, "ki67_percent": 140}})
    assert [e.path for e in errors] == ["patient.age_years", "patient.ecog", "patient.ki67_percent"]
    (e,) = _errors({"site": "pleura", "patient": {"prior_agents": ["nivolumab", "keytruda"]}})
    assert e.path == "patient.prior_agents[1]"
    assert "pembrolizumab" in e.allowed
    (e,) = _errors({"site": "pleura", "patient": {"contraindications": ["lupus"]}})
    assert "autoimmune_disease" in e.allowed


@pytest.mark.parametrize("value", [0, 20240301, "2024-3-1", "01/03/2024", "2024-02-30"])
def test_diagnosis_date_must_be_an_iso_date(value: object) -> None:
    (e,) = _errors({"site": "pleura", "diagnosis_date": value})
    assert e.path == "diagnosis_date"


def test_bytes_that_are_not_utf8() -> None:
    with pytest.raises(CaseError) as err:
        parse_case_json(b'{"site": "pleura", "id": "\xff"}')
    assert "not UTF-8" in str(err.value)


@pytest.mark.parametrize("field", ["last_systemic_therapy_date", "last_radiotherapy_date", "last_surgery_date"])
@pytest.mark.parametrize("value", [0, 20250102, "2025/01/02"])
def test_treatment_dates_must_be_iso_dates(field: str, value: object) -> None:
    # A number would otherwise be read as a day counted from 1970-01-01 (schemathesis found 0 accepted).
    (e,) = _errors({"site": "pleura", "patient": {field: value}})
    assert e.path == f"patient.{field}"
    assert "YYYY-MM-DD" in e.message
