"""The guided form: every finding has one plain label, form <-> case conversion is exact, bad fields name a path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mesostage
from mesostage import CaseError, check_case
from mesostage.case import (
    CONTRAINDICATIONS,
    HISTOLOGIES,
    METASTASIS_FINDINGS,
    NODE_FINDINGS,
    PCI_REGION_NAMES,
    PRIOR_AGENTS,
    TUMOR_FINDINGS,
    TUMOR_TYPES,
    Patient,
)
from mesostage.web.form import case_from_form, field_id_for_path, form_from_case, patient_fields
from mesostage.web.labels import labels
from tests.readability import fk_grade
from tests.web_helpers import example_case

VOCAB = {"tumor": TUMOR_FINDINGS, "nodes": NODE_FINDINGS, "metastases": METASTASIS_FINDINGS}


def _form(**fields: str | list[str]) -> dict[str, list[str]]:
    return {k.replace("__", "."): v if isinstance(v, list) else [v] for k, v in fields.items()}


def test_every_finding_has_exactly_one_label_in_report_order() -> None:
    lab = labels()
    assert [s.id for s in lab.sections] == ["tumor", "nodes", "metastases"]
    for section in lab.sections:
        names = [f.name for f in section.findings]
        assert sorted(names) == sorted(VOCAB[section.id])
        assert all(f.label and f.term for f in section.findings)
    # a CT or pathology report reads surfaces first, then invasion
    first_group = [f.name for f in lab.section("tumor").groups[0].findings]
    assert {"parietal_pleura", "visceral_pleura", "mediastinal_pleura", "diaphragmatic_pleura"} <= set(first_group)


def test_pci_diagram_places_each_abdominal_region_once() -> None:
    cells = labels().pci_regions
    assert sorted(c.index for c in cells) == list(range(9))
    assert len({(c.row, c.col) for c in cells}) == 9
    # the usual diagram: central (0) in the middle, epigastrium (2) above it, pelvis (6) below it
    where = {c.index: (c.row, c.col) for c in cells}
    assert where[0] == (2, 2)
    assert where[2] == (1, 2)
    assert where[6] == (3, 2)
    # the person faces the reader: their right upper region (1) is top left, left lower (5) bottom right
    assert PCI_REGION_NAMES[1] == "right upper"
    assert where[1] == (1, 1)
    assert PCI_REGION_NAMES[5] == "left lower"
    assert where[5] == (3, 3)


def test_every_patient_field_has_an_input() -> None:
    fields = {f.name: f for f in patient_fields()}
    # every patient field, an object field (biomarkers) as one input per field of its own
    assert list(dict.fromkeys(name.split(".")[0] for name in fields)) == list(Patient.model_fields)
    assert fields["biomarkers.bap1"].choices == ("loss", "retained")
    assert fields["ecog"].kind == "int"
    assert (fields["ecog"].minimum, fields["ecog"].maximum) == (0, 4)
    assert fields["prior_agents"].kind == "multi"
    assert fields["prior_agents"].choices == PRIOR_AGENTS
    assert fields["sex"].kind == "choice"
    assert fields["weight_loss"].kind == "bool"
    assert fields["location"].kind == "text"
    assert fields["location"].max_length == 200


def test_patient_labels_are_plain() -> None:
    words = " ".join(
        [f.label + "." for f in patient_fields()]
        + [s.hint for s in labels().sites.values()]
        + [s.hint for s in labels().sections]
        + [f.label + "." for s in labels().sections for f in s.findings]
    )
    assert fk_grade(words) <= 8


def test_empty_form_is_a_pleural_case_with_nothing_found() -> None:
    case = case_from_form(_form(site="pleura"))
    assert case == {
        "site": "pleura",
        "basis": "clinical",
        "tumor": {"findings": [], "unknown": []},
        "nodes": {"findings": [], "unknown": []},
        "metastases": {"findings": [], "unknown": []},
    }


def test_diaphragm_origin_answers() -> None:
    yes = {f"tumor__{f}": "yes" for f in ["parietal_pleura", "visceral_pleura", "mediastinal_pleura"]}
    case = case_from_form(
        _form(
            site="pleura",
            diagnosis_date="2023-05-10",
            tumor__diaphragmatic_pleura="yes",
            tumor__diaphragm_muscle="yes",
            tumor__rib="unknown",
            reported_stage="tnm8:IV",
            **yes,
        )
    )
    assert case["tumor"]["unknown"] == ["rib"]
    assert case["reported_stage"] == {"system": "tnm8", "stage": "IV"}
    r = mesostage.stage(case).result("tnm8")
    assert (r.t, r.n, r.m, r.stage) == ("T2", "N0", "M0", "IB")


def test_section_not_described_is_not_assessed() -> None:
    case = case_from_form(_form(site="pleura", nodes__status="not_assessed", metastases__status="not_assessed"))
    assert case["nodes"] == {"assessed": False}
    assert "metastases" not in case or case["metastases"] == {"assessed": False}
    r = mesostage.stage(case).result("tnm8")
    assert r.n == "NX"
    assert r.stage_range is not None
    assert r.stage_range[1] == "IV"


def test_findings_in_a_section_not_described_are_an_error() -> None:
    with pytest.raises(CaseError) as err:
        mesostage.parse_case(
            case_from_form(_form(site="pleura", nodes__status="not_assessed", nodes__subcarinal="yes"))
        )
    assert [e.path for e in err.value.errors] == ["nodes.assessed"]


def test_peritoneal_form_with_all_regions() -> None:
    scores = [2, 1, 1, 0, 1, 2, 3, 1, 1, 0, 1, 0, 0]
    fields = {f"peritoneal__region__{i}": str(s) for i, s in enumerate(scores)}
    case = case_from_form(_form(site="peritoneum", peritoneal__nodes_positive="no", **fields))
    assert case["peritoneal"] == {"pci_regions": scores, "nodes_positive": False}
    assert "tumor" not in case
    assert "nodes" not in case
    assert "metastases" not in case
    r = mesostage.stage(case).result("peritoneal_tnm")
    # Yan 2011: PCI 11-20 is T2; T2 N0 M0 is stage II. PCI here is 13; M unknown widens the range to III.
    assert r.pci == 13
    assert r.stage_range == ["II", "III"]


def test_half_filled_pci_grid_names_each_missing_region() -> None:
    fields = {f"peritoneal__region__{i}": "1" for i in range(10)}
    with pytest.raises(CaseError) as err:
        case_from_form(_form(site="peritoneum", **fields))
    assert [e.path for e in err.value.errors] == [f"peritoneal.pci_regions[{i}]" for i in (10, 11, 12)]
    assert "lower jejunum" in err.value.errors[0].message


def test_pleural_answers_on_a_peritoneal_case_are_not_dropped() -> None:
    case = case_from_form(_form(site="peritoneum", tumor__rib="yes", peritoneal__pci="12"))
    with pytest.raises(CaseError) as err:
        mesostage.parse_case(case)
    assert [e.path for e in err.value.errors] == ["tumor"]


def test_unreadable_fields_name_their_case_path() -> None:
    with pytest.raises(CaseError) as err:
        case_from_form(
            _form(
                site="pleura",
                tumor__psum_mm="twelve",
                diagnosis_date="2024-13-01",
                tumor__rib="maybe",
                patient__ecog="1.5",
                patient__prior_agents=["cisplatin", "aspirin"],
                colour="blue",
            )
        )
    paths = sorted(e.path for e in err.value.errors)
    assert paths == sorted(
        ["colour", "diagnosis_date", "patient.ecog", "patient.prior_agents[1]", "tumor.psum_mm", "tumor.rib"]
    )


def test_out_of_range_patient_value_is_an_error_with_its_path() -> None:
    with pytest.raises(CaseError) as err:
        mesostage.parse_case(case_from_form(_form(site="pleura", patient__ecog="5")))
    assert [e.path for e in err.value.errors] == ["patient.ecog"]


def test_margins_without_knowing_about_surgery_is_named_by_the_shared_check() -> None:
    case = case_from_form(_form(site="pleura", resection__margins_positive="yes"))
    found = [(w.path, w.level) for w in check_case(case) if w.code == "margins_without_resection"]
    assert found == [("resection.margins_positive", "error")]


def test_reported_stage_edition_defaults_to_the_edition_of_the_date() -> None:
    # 8th edition for diagnoses 2018-2024, 9th from 2025 (SEER; shared/spec/CASE_FORMAT.md)
    before = case_from_form(_form(site="pleura", diagnosis_date="2024-12-31", reported_stage="IV"))
    after = case_from_form(_form(site="pleura", diagnosis_date="2025-01-01", reported_stage="IV"))
    chosen = case_from_form(
        _form(site="pleura", diagnosis_date="2025-01-01", reported_stage="IA", **{"reported_stage.system": "tnm8"})
    )
    assert before["reported_stage"] == {"system": "tnm8", "stage": "IV"}
    assert after["reported_stage"] == {"system": "tnm9", "stage": "IV"}
    assert chosen["reported_stage"] == {"system": "tnm8", "stage": "IA"}
    # the older one-field form of the value is still read
    assert case_from_form(_form(site="pleura", reported_stage="tnm7:III"))["reported_stage"]["system"] == "tnm7"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("tumor.findings[1]", "tumor.rib"),
        ("tumor.psum_mm", "tumor.psum_mm"),
        ("nodes.assessed", "nodes"),
        ("peritoneal.pci_regions[4]", "peritoneal.region.4"),
        ("patient.prior_agents[1]", "patient.prior_agents"),
        ("reported_stage.stage", "reported_stage"),
        ("", "site"),
    ],
)
def test_error_paths_link_to_form_fields(path: str, field: str) -> None:
    case = {"site": "pleura", "tumor": {"findings": ["parietal_pleura", "rib"]}}
    assert field_id_for_path(path, case) == field


def test_examples_fill_the_form_exactly() -> None:
    for name in ("diaphragm-origin", "example-1", "pleural-unknowns", "peritoneal-pci", "pericardial"):
        case = example_case(name)
        assert _canonical(case_from_form(form_from_case(case))) == _canonical(case), name


def _canonical(case: dict[str, Any]) -> dict[str, Any]:
    data = mesostage.parse_case(case).model_dump(mode="json", exclude_none=True)
    if not any(data.get("patient", {}).values()):
        data.pop("patient", None)  # an empty patient block says nothing
    for section in VOCAB:
        block = data.get(section)
        if block is None or not block["assessed"]:
            data.pop(section, None)
            continue
        block["findings"] = sorted(block["findings"])
        block["unknown"] = sorted(block["unknown"])
    return data


def _subsets(vocab: tuple[str, ...]) -> st.SearchStrategy[tuple[list[str], list[str]]]:
    return st.lists(st.sampled_from(["yes", "no", "unknown"]), min_size=len(vocab), max_size=len(vocab)).map(
        lambda answers: (
            [n for n, a in zip(vocab, answers, strict=True) if a == "yes"],
            [n for n, a in zip(vocab, answers, strict=True) if a == "unknown"],
        )
    )


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    site = draw(st.sampled_from(["pleura", "pleura", "peritoneum", "pericardium", "tunica_vaginalis"]))
    case: dict[str, Any] = {"site": site, "basis": draw(st.sampled_from(["clinical", "pathological", "post_therapy"]))}
    if draw(st.booleans()):
        case["histology"] = draw(st.sampled_from(HISTOLOGIES))
    if draw(st.booleans()):
        case["tumor_type"] = draw(st.sampled_from(TUMOR_TYPES))
    if draw(st.booleans()):
        case["diagnosis_date"] = draw(st.dates()).isoformat()
    sections = ["tumor", "nodes", "metastases"] if site == "pleura" else ["metastases"] if site != "peritoneum" else []
    for section in sections:
        kind = draw(st.sampled_from(["missing", "not_assessed", "lists", "lists"]))
        if kind == "not_assessed":
            case[section] = {"assessed": False}
        elif kind == "lists":
            present, unknown = draw(_subsets(VOCAB[section]))
            case[section] = {"findings": present, "unknown": unknown}
            if section == "tumor" and draw(st.booleans()):
                case[section]["psum_mm"] = draw(st.floats(0, 200, allow_nan=False).map(lambda x: round(x, 1)))
    if site == "pleura":
        if draw(st.booleans()):
            case["laterality"] = draw(st.sampled_from(["left", "right"]))
        if draw(st.booleans()):
            case["pleural_effusion_malignant"] = draw(st.booleans())
        if draw(st.booleans()):
            performed = draw(st.booleans())
            case["resection"] = {"performed": performed}
            if performed and draw(st.booleans()):
                case["resection"]["margins_positive"] = draw(st.booleans())
        if draw(st.booleans()):
            case["reported_stage"] = {"system": "tnm8", "stage": draw(st.sampled_from(["IA", "IB", "II", "IV"]))}
    if site == "peritoneum":
        block: dict[str, Any] = {}
        if draw(st.booleans()):
            block["pci_regions"] = draw(st.lists(st.integers(0, 3), min_size=13, max_size=13))
        elif draw(st.booleans()):
            block["pci"] = draw(st.integers(0, 39))
        for name in ("nodes_positive", "extra_abdominal_metastases"):
            value = draw(st.none() | st.booleans())
            if value is not None:
                block[name] = value
        case["peritoneal"] = block
    if draw(st.booleans()):
        case["patient"] = {
            k: v
            for k, v in {
                "age_years": draw(st.none() | st.integers(18, 100)),
                "ecog": draw(st.none() | st.integers(0, 4)),
                "albumin_g_per_l": draw(st.none() | st.floats(5, 70).map(lambda x: round(x, 2))),
                "weight_loss": draw(st.none() | st.booleans()),
                "sex": draw(st.none() | st.sampled_from(["female", "male"])),
                "contraindications": draw(st.lists(st.sampled_from(CONTRAINDICATIONS), unique=True, max_size=3)),
                "location": draw(st.none() | st.sampled_from(["10001", "Leeds, United Kingdom"])),
            }.items()
            if v is not None and v != []
        }
    return case


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_form_round_trip_keeps_every_case(case: dict[str, Any]) -> None:
    mesostage.parse_case(case)  # the strategy only makes valid cases
    assert _canonical(case_from_form(form_from_case(case))) == _canonical(case)


def test_form_round_trip_keeps_the_trial_criteria_fields() -> None:
    case = {
        "site": "pleura",
        "patient": {
            "creatinine_umol_per_l": 80.0,
            "bilirubin_uln_umol_per_l": 21.0,
            "brain_metastases": True,
            "brain_metastases_treated_stable": True,
            "prior_chest_radiotherapy": False,
            "last_systemic_therapy_date": "2026-09-30",
            "last_surgery_date": "2025-01-15",
            "biomarkers": {"bap1": "loss", "pdl1_tps_percent": 5.0},
        },
    }
    assert case_from_form(form_from_case(case))["patient"] == case["patient"]
    assert patient_fields()[[f.name for f in patient_fields()].index("last_surgery_date")].kind == "date"


def test_a_treatment_date_that_is_not_a_date_names_its_field() -> None:
    with pytest.raises(CaseError) as err:
        case_from_form(_form(site="pleura", **{"patient.last_radiotherapy_date": "last spring"}))
    assert [e.path for e in err.value.errors] == ["patient.last_radiotherapy_date"]
