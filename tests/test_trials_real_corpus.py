"""The real-record corpus (tests/data/trials_real) and its hand-written labels (benchmarks/trials_eval/real): every
record is a real ClinicalTrials.gov record with its provenance, every label points at an existing record, profile and
quoted criterion, and the evaluation measures give known values on small hand-made examples."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mesostage.case import Patient, parse_case
from mesostage.trials.metrics import (
    CriterionScore,
    criterion_scores,
    map_criterion,
    ndcg,
    normalise_words,
    pair_scores,
)
from mesostage.trials.study import parse_study
from tests.factories import SHARED

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "trials_real" / "studies.json"
LABELS = ROOT / "benchmarks" / "trials_eval" / "real"
#: Issue 11 asks for at least 60 real records.
MIN_RECORDS = 60
FOUR = {"met", "not met", "not applicable", "not enough information"}
NEW_FIELDS = ("creatinine_umol_per_l", "bilirubin_umol_per_l", "brain_metastases_treated_stable", "biomarkers")


def _studies() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))["studies"]
    return data


def _tsv(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _judgments() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_judgments", LABELS / "judgments.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------------------- corpus


def test_corpus_size_and_unique_real_nct_ids() -> None:
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in _studies()]
    assert len(ids) >= MIN_RECORDS
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"NCT\d{8}", i) for i in ids)


def test_every_record_has_provenance_and_eligibility_text() -> None:
    for s in _studies():
        nct = s["protocolSection"]["identificationModule"]["nctId"]
        prov = s["_provenance"]
        assert prov["urls"], nct
        assert all(u.startswith(("https://", "http://")) for u in prov["urls"]), nct
        assert prov["retrieved"], nct
        assert prov["retrieved_on"].startswith("2026-"), nct
        assert isinstance(prov["missing"], list), nct
        assert isinstance(prov["truncated"], bool), nct
        assert s["protocolSection"]["eligibilityModule"]["eligibilityCriteria"].strip(), nct


def test_records_copied_from_github_name_the_commit_they_were_read_at() -> None:
    for s in _studies():
        nct = s["protocolSection"]["identificationModule"]["nctId"]
        for url in s["_provenance"]["urls"]:
            if url.startswith("https://github.com/") and "/blob/" in url:
                assert re.search(r"/blob/[0-9a-f]{40}/", url), (nct, url)


def test_effusion_trials_of_any_cause_and_mesothelioma_excluding_trials_are_kept() -> None:
    """Malignant-pleural-effusion trials of any cause (no field names mesothelioma) can take a pleural patient; trials
    that name mesothelioma only to exclude it must not be offered (issue 11: scope at import)."""
    by_id = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in _studies()}
    any_cause = {"NCT00002622", "NCT00002872", "NCT00042770", "NCT00644319"}
    for nct in any_cause:
        ps = by_id[nct]["protocolSection"]
        assert "malignant pleural effusion" in json.dumps(ps).lower(), nct
        assert "mesotheli" not in json.dumps(ps).lower(), nct
    excluding = {
        "NCT00006112": "No primitive peritoneal mesothelioma",
        "NCT00002641": "Malignant mesothelioma",
        "NCT00413192": "Malignant mesothelioma",
    }
    for nct, words in excluding.items():
        assert words in by_id[nct]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"], nct
    rows = [r for r in _tsv("pairs.tsv") if r["nct_id"] in excluding]
    assert rows
    assert {r["label"] for r in rows} == {"not_relevant"}


def test_every_record_imports_as_a_study() -> None:
    for s in _studies():
        trial = parse_study({k: v for k, v in s.items() if k != "_provenance"})
        assert trial.nct_id == s["protocolSection"]["identificationModule"]["nctId"]
        assert not trial.fictional


def test_the_twelve_shared_records_are_included_unchanged() -> None:
    path = SHARED / "reference" / "data" / "trials" / "real_excerpts" / "studies.json"
    if not path.is_file():
        pytest.skip(f"reference data not present: {path}")
    shared = json.loads(path.read_text(encoding="utf-8"))["studies"]
    ours = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in _studies()}
    assert len(shared) == 12
    for s in shared:
        nct = s["protocolSection"]["identificationModule"]["nctId"]
        assert ours[nct]["protocolSection"] == s["protocolSection"], nct
        assert ours[nct]["_provenance"]["urls"] == s["_provenance"]["urls"], nct


def test_corpus_covers_sites_and_keeps_distractors() -> None:
    text = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in _studies()}
    peritoneal = [n for n, s in text.items() if "peritoneal mesothelioma" in json.dumps(s).lower()]
    assert len(peritoneal) >= 3
    # Lung-cancer-only records kept on purpose (a matcher must not offer them as mesothelioma trials).
    lung_only = {"NCT00096486", "NCT00434135", "NCT00998166", "NCT03156868"}
    assert lung_only <= set(text)
    for nct in lung_only:
        assert "mesotheli" not in json.dumps(text[nct]["protocolSection"]).lower()


# ----------------------------------------------------------------------------------------------------- labels


def test_pairs_cover_every_profile_and_record_once() -> None:
    profiles = {p["id"] for p in json.loads((LABELS / "profiles.json").read_text(encoding="utf-8"))}
    records = {s["protocolSection"]["identificationModule"]["nctId"] for s in _studies()}
    pairs = _tsv("pairs.tsv")
    keys = Counter((r["profile"], r["nct_id"]) for r in pairs)
    assert set(keys) == {(p, n) for p in profiles for n in records}
    assert set(keys.values()) == {1}
    assert {r["label"] for r in pairs} == {"eligible", "excluded", "not_relevant"}
    assert len(profiles) >= 8


def test_quoted_texts_occur_in_their_records() -> None:
    texts = {}
    for s in _studies():
        ps = s["protocolSection"]
        ident = ps["identificationModule"]
        texts[ident["nctId"]] = _norm(
            " ".join(
                [
                    ps["eligibilityModule"]["eligibilityCriteria"],
                    ident.get("briefTitle", ""),
                    ident.get("officialTitle", ""),
                ]
            )
        )
    crit = _tsv("criteria.tsv")
    assert len(crit) >= 200
    for r in crit:
        assert _norm(r["text"]) in texts[r["nct_id"]], (r["nct_id"], r["text"])
        assert r["expected"] in FOUR
        assert (r["decidable"] == "no") == (r["expected"] == "not enough information")
        assert r["kind"] in ("inclusion", "exclusion")
    for r in _tsv("pairs.tsv"):
        assert _norm(r["deciding_criterion"]) in texts[r["nct_id"]], (r["nct_id"], r["deciding_criterion"])


def test_generated_label_files_match_the_judgements() -> None:
    module = _judgments()
    pairs, crits = module.judge()
    assert pairs == _tsv("pairs.tsv")
    assert crits == _tsv("criteria.tsv")


def test_an_eighth_edition_stage_criterion_is_judged_in_the_eighth_edition() -> None:
    """R11 is IIIB in the 8th edition and IIIA in the 9th; NRG-LU006 asks for AJCC 8th edition I-IIIA."""
    rows = {(r["profile"], r["nct_id"]): r for r in _tsv("pairs.tsv")}
    assert rows[("R11", "NCT04158141")]["label"] == "excluded"
    assert "8th edition" in rows[("R11", "NCT04158141")]["deciding_criterion"]
    assert rows[("R01", "NCT04158141")]["label"] == "eligible"


@pytest.mark.skipif(
    not all(f in Patient.model_fields for f in NEW_FIELDS),
    reason="the new optional case fields of issue 11 (labs, brain_metastases_treated_stable, biomarkers, ...) are "
    "not in the case model on this branch yet; the trials-reader branch adds them",
)
def test_profiles_validate_as_cases() -> None:
    for p in json.loads((LABELS / "profiles.json").read_text(encoding="utf-8")):
        case = parse_case(p["case"])
        assert case.id == p["id"]


def test_profiles_without_the_new_fields_validate_today() -> None:
    """The same profiles, less the fields the model does not know yet, are valid cases (what the benchmark runs)."""
    for p in json.loads((LABELS / "profiles.json").read_text(encoding="utf-8")):
        case = json.loads(json.dumps(p["case"]))
        for k in [k for k in case["patient"] if k not in Patient.model_fields]:
            del case["patient"][k]
        assert parse_case(case).site in ("pleura", "peritoneum")


# ----------------------------------------------------------------------------------------------------- metrics


def test_ndcg_known_values() -> None:
    gains = {"a": 2, "b": 1, "c": 0}
    assert ndcg(["a", "b", "c"], gains) == pytest.approx(1.0)
    # Swapped: DCG = 1/log2(2) + 3/log2(3) = 1 + 1.8928; IDCG = 3 + 1/log2(3) = 3.6309.
    assert ndcg(["b", "a", "c"], gains) == pytest.approx((1 + 3 / 1.5849625) / (3 + 1 / 1.5849625), rel=1e-6)
    assert ndcg(["c"], {"c": 0}) == 0.0
    assert ndcg(["x", "a"], gains, k=1) == 0.0


def test_pair_scores_known_values() -> None:
    judged = {
        ("P", "1"): "eligible",
        ("P", "2"): "eligible",
        ("P", "3"): "excluded",
        ("P", "4"): "excluded",
        ("P", "5"): "not_relevant",
        ("Q", "1"): "eligible",
    }
    answered = {
        ("P", "1"): "offered",
        ("P", "2"): "excluded",
        ("P", "3"): "offered",
        ("P", "4"): "excluded",
        ("Q", "1"): "offered",
    }
    s = pair_scores(judged, answered)
    assert (s.offered, s.offered_eligible, s.eligible) == (3, 2, 3)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.exclusions_caught == pytest.approx(1 / 2)
    assert s.lost == [("P", "2", "excluded")]
    assert s.wrongly_offered == [("P", "3", "excluded")]
    assert s.not_relevant_offered == 0


def test_words_drop_escapes_and_punctuation() -> None:
    assert normalise_words("ANC \\>=1,500/mm^3") == ["anc", "1", "500", "mm", "3"]
    assert normalise_words("AJCC \\[AJCC\\] 8th") == ["ajcc", "ajcc", "8th"]


def test_map_criterion_finds_the_criterion_holding_the_text() -> None:
    candidates = [
        "Age >= 18 years",
        "Absolute neutrophil count (ANC) >= 1,500/mm^3 Platelet count >= 100,000/mm^3",
        "Eastern Cooperative Oncology Group (ECOG) performance status 0-1",
    ]
    hit = map_criterion("Platelet count >= 100,000/mm^3", candidates)
    assert hit.index == 1
    assert hit.cover == 1.0
    assert not hit.coarse
    assert map_criterion("No prior chemotherapy", candidates).index is None
    # Ties go to the shortest candidate; a candidate much longer than the label is flagged coarse.
    long = "ECOG performance status 0-1 " + "filler word " * 10
    hit = map_criterion("ECOG performance status 0-1", [long, "ECOG performance status 0-1 required"])
    assert hit.index == 1
    assert not hit.coarse
    assert map_criterion("ECOG performance status 0-1", [long]).coarse
    # NCT02555007 has "ECOG performance status <=2" (inclusion) and "ECOG performance status >2" (exclusion): the same
    # words; a labelled exclusion is the exclusion
    both = ["ECOG performance status \u22642", "ECOG performance status >2"]
    kinds = ["inclusion", "exclusion"]
    assert map_criterion("ECOG performance status >2", both, kind="exclusion", kinds=kinds).index == 1
    assert map_criterion("ECOG performance status \u22642", both, kind="inclusion", kinds=kinds).index == 0


def test_criterion_scores_confusion_and_accuracy() -> None:
    rows: list[tuple[str, str, bool, str | None, bool | None]] = [
        ("labs", "met", True, "met", False),
        ("labs", "met", True, "not enough information", True),
        ("labs", "not enough information", False, "not enough information", False),
        ("age", "met", True, None, False),  # not found among the matcher's criteria
        ("age", "met", True, None, None),  # trial not listed
    ]
    scores = criterion_scores(rows)
    labs: CriterionScore = scores["labs"]
    assert (labs.labelled, labs.mapped, labs.decidable, labs.decidable_correct) == (3, 3, 2, 1)
    assert labs.accuracy_decidable == 0.5
    assert labs.accuracy_mapped == pytest.approx(2 / 3)
    assert labs.coarse == 1
    assert labs.confusion[("met", "not enough information")] == 1
    assert (scores["age"].unmapped, scores["age"].not_listed, scores["age"].mapped) == (1, 1, 0)
    assert scores["all"].labelled == 5
