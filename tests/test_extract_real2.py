"""Report text -> findings on the second batch of real published wording (extract_corpus/real_holdout2.json).

Each passage is a short exact quotation from an openly published case report or teaching page; its labels were
committed before the extractor was first run on it (commit "labels for 21 new real passages ..."). Each test quotes
the words that decide the answer, names the source, and checks what a reader of that sentence would answer (and the
AJCC 8th / IASLC 2016 staging fact that follows, where it matters). These are the wording classes the first run on
this batch got wrong; the passages the extractor still reads differently are listed in benchmarks/README.md.
"""

from __future__ import annotations

import json
from typing import Any

import mesostage
from mesostage.extraction import Extraction, extract
from tests.factories import REPO
from tests.test_extract import _status

BATCH: dict[str, dict[str, Any]] = {
    item["id"]: item
    for item in json.loads((REPO / "benchmarks" / "extract_corpus" / "real_holdout2.json").read_text(encoding="utf-8"))
}


def _run(iid: str) -> Extraction:
    return extract(BATCH[iid]["text"])


def _case(result: Extraction) -> dict[str, Any]:
    assert result.case is not None
    return result.case


def _tnm8(case: dict[str, Any]) -> list[str | None]:
    r = mesostage.stage({**case, "diagnosis_date": "2021-01-01"}, systems=["tnm8"]).results[0]
    return [r.t, r.n, r.m, r.stage]


def test_every_passage_has_its_source_and_is_quoted() -> None:
    assert len(BATCH) >= 20
    for item in BATCH.values():
        prov = item["provenance"]
        assert prov["url"].startswith("http"), item["id"]
        assert prov["source"], item["id"]
        assert "licence" in prov, item["id"]
        assert item["origin"] == "published_passage"


def test_parts_named_in_a_list_of_what_the_tumour_involves() -> None:
    # realh2-01 (Eurorad case 4734): "a circumferential involvement of the hemitorax, chest wall, mediastinum and
    # diaphragm" -> the mediastinal and diaphragmatic pleura are involved; how deep is not said
    r = _run("realh2-01")
    assert _status(r, "tumor", "mediastinal_pleura") == "present"
    assert _status(r, "tumor", "diaphragmatic_pleura") == "present"
    assert _status(r, "tumor", "mediastinal_fat") == "unknown"
    assert _status(r, "tumor", "diaphragm_muscle") == "unknown"
    # realh2-05 (CT of five pleural mesotheliomas): "a large mass ... in the right base involving the lateral chest
    # wall and the mediastinum"
    r = _run("realh2-05")
    assert _status(r, "tumor", "mediastinal_pleura") == "present"


def test_a_negation_between_involved_and_the_diaphragm_stops_the_list() -> None:
    # the class above must not reach over "without": "The left hemidiaphragm is involved by pleural tumour, without
    # evidence of extension below the diaphragm" says nothing of the muscle
    r = extract(
        "CT: left pleural mesothelioma. The left hemidiaphragm is involved by pleural tumour, without evidence "
        "of extension below the diaphragm."
    )
    assert _status(r, "tumor", "diaphragm_muscle") == "absent"


def test_uptake_along_the_diaphragm_and_the_mediastinal_pleura() -> None:
    # realh2-04 (Benard et al., Chest 1998, case B): "increased tracer uptake along the diaphragm, the mediastinal
    # pleura" -> diaphragmatic and mediastinal pleura (T1)
    r = _run("realh2-04")
    assert _status(r, "tumor", "diaphragmatic_pleura") == "present"
    assert _status(r, "tumor", "mediastinal_pleura") == "present"


def test_the_pleuras_mediastinal_aspects() -> None:
    # realh2-06 (Oman Med J 2008): "circumferential thickening of the pleura involving its entire extent in the
    # costo-parietal, posterior and mediastinal aspects"
    assert _status(_run("realh2-06"), "tumor", "mediastinal_pleura") == "present"


def test_a_mass_encasing_a_named_mediastinal_organ() -> None:
    # realh2-19 (Consultant 2021;61(8)): "a 24.3-cm posterior mediastinal mass that encased the distal esophagus and
    # thoracic aorta" -> mediastinal organs, T4 (stage IIIB with no node or metastasis found)
    r = _run("realh2-19")
    assert _status(r, "tumor", "mediastinal_organs") == "present"
    assert _tnm8(_case(r))[0] == "T4"
    # realh2-21 (PMC8319969): "epithelioid mesothelioma, encasing the carina, distal oesophagus and coeliac axis"
    assert _status(_run("realh2-21"), "tumor", "mediastinal_organs") == "present"


def test_a_sentence_teaching_the_stage_categories_is_not_a_finding() -> None:
    # realh2-08 (Nucs Radiology oncology case 7): "A critical decision point is identifying unresectable disease: T4
    # (chest wall invasion at >1 site, adjacent organ involvement), N3 (supraclavicular or contralateral mediastinal
    # lymph node involvement), or M1 (distant metastases)." -> no nodes for this patient: N stays NX, T3 stands
    r = _run("realh2-08")
    case = _case(r)
    assert case.get("nodes") is None
    assert _tnm8(case)[:2] == ["T3", "NX"]


def test_a_synoptic_line_of_stage_categories_is_still_read() -> None:
    # the teaching class needs alternatives or criteria; a line that gives this patient's categories is kept
    r = extract(
        "Pathology: epithelioid mesothelioma, left pleurectomy specimen. T4 (diffuse chest wall invasion), "
        "N2 (subcarinal node 1/3 positive)."
    )
    assert _status(r, "tumor", "chest_wall_diffuse") == "present"


def test_epithelial_subtype_is_epithelioid() -> None:
    # realh2-17 (J Surg Case Rep 2022, rjac469): "peritoneal malignant mesothelioma of the epithelial subtype"
    assert _case(_run("realh2-17"))["histology"] == "epithelioid"


def test_the_side_of_a_mass_named_by_its_lobe() -> None:
    # realh2-14 (Turna et al., Ann Thorac Cardiovasc Surg 2007): "a left upper lobe mass", "a 3.5 cm left apical mass"
    assert _case(_run("realh2-14"))["laterality"] == "left"
    # realh2-20 (localized MPM, 15-year survival): "a mass in the right upper lobe"
    assert _case(_run("realh2-20"))["laterality"] == "right"


def test_basis_from_an_article_titled_by_its_imaging() -> None:
    # realh2-02 (Harvard JPNM teaching file "PET Imaging of Pleural Mesothelioma"): "left extrapleural pneumonectomy.
    # Both the biopsy and the surgical specimen demonstrated ..." -> pathological, though the title names PET
    assert _case(_run("realh2-02"))["basis"] == "pathological"


def test_basis_from_a_lobectomy_specimen_and_an_autopsy() -> None:
    # realh2-14: "The patient underwent a lobectomy. The evaluation of the specimen disclosed a biphasic ..."
    assert _case(_run("realh2-14"))["basis"] == "pathological"
    # realh2-21: "A postmortem returned a diagnosis of epithelioid mesothelioma"
    assert _case(_run("realh2-21"))["basis"] == "pathological"


def test_a_figure_not_shown_is_not_a_negation() -> None:
    # realh2-02: "A chest radiograph (not showm) revealed moderately large left pleural effusion" (the authors'
    # typo) -> an effusion of unknown cause, not "no effusion"
    assert _case(_run("realh2-02")).get("pleural_effusion_malignant") is None
    r = extract("Left pleural mesothelioma. A chest radiograph (not shown) revealed a large left pleural effusion.")
    assert _case(r).get("pleural_effusion_malignant") is None


def test_fluid_that_did_not_reveal_malignant_cells() -> None:
    # realh2-03 (Benard et al., case A): "A thoracentesis did not reveal the presence of malignant cells." -> the
    # effusion is not shown malignant (false), not malignant
    assert _case(_run("realh2-03"))["pleural_effusion_malignant"] is False


def test_no_free_fluid_is_no_effusion() -> None:
    # realh2-05: "There was no free fluid on the decubitus film"
    assert _case(_run("realh2-05"))["pleural_effusion_malignant"] is False


def test_neither_nor_negates_extra_abdominal_disease() -> None:
    # realh2-11 (Eurorad case 9516, peritoneal): "A chest CT demonstrated neither focal pleural masses nor pleural
    # effusions." -> no extra-abdominal disease
    case = _case(_run("realh2-11"))
    assert case["site"] == "peritoneum"
    assert case["peritoneal"]["extra_abdominal_metastases"] is False
