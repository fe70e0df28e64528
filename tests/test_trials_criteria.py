"""The eligibility-criteria parser: splitting the layouts real records use, and the label of each criterion for one
person, checked against labels the team wrote by reading each criterion as a clinician would.

The corpus test prints the accuracy per criterion type (run pytest with -s, or read it in the captured output).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesostage import parse_case
from mesostage.trials.criteria import Criterion, extract_facts, parse_eligibility, split_criteria
from mesostage.trials.evaluate import evaluate_criterion, patient_facts

#: The person every corpus row is read against: pleural, epithelioid, cT2 N0 M0 (TNM 8th stage IB), 66-year-old
#: man, ECOG 1, one prior line (carboplatin + pemetrexed) then progression, no immunotherapy, measurable disease, no brain
#: metastases, not resectable, an autoimmune disease listed.
PERSON: dict[str, Any] = {
    "site": "pleura",
    "histology": "epithelioid",
    "diagnosis_date": "2023-06-01",
    "tumor": {"findings": ["parietal_pleura", "visceral_pleura", "diaphragm_muscle"]},
    "nodes": {"findings": []},
    "metastases": {"findings": []},
    "patient": {
        "age_years": 66,
        "sex": "male",
        "ecog": 1,
        "prior_systemic_lines": 1,
        "prior_agents": ["carboplatin", "pemetrexed"],
        "progressed_after_last_line": True,
        "measurable_disease": True,
        "brain_metastases": False,
        "resectable": False,
        "contraindications": ["autoimmune_disease"],
    },
}
FACTS = patient_facts(parse_case(PERSON))

MET, NOT_MET, NA, NEI = "met", "not met", "not applicable", "not enough information"
INC, EXC = "inclusion", "exclusion"

# (section, criterion as written in the styles of real records, type, expected label for PERSON)
CORPUS: list[tuple[str, str, str, str]] = [
    # performance status
    (INC, "ECOG 0-1", "ecog", MET),
    (INC, "ECOG performance status of 0 or 1", "ecog", MET),
    (INC, "Eastern Cooperative Oncology Group (ECOG) performance status ≤ 1", "ecog", MET),
    (INC, "ECOG PS 0", "ecog", NOT_MET),
    (INC, "WHO performance status 0 to 2", "ecog", MET),
    (INC, "Performance status (ECOG) 0, 1 or 2", "ecog", MET),
    (EXC, "ECOG performance status ≥ 2", "ecog", NOT_MET),
    (INC, "Karnofsky performance status ≥ 70%", "ecog", MET),
    (INC, "Karnofsky performance status of at least 90", "ecog", NEI),
    (INC, "ECOG performance status 0-1 (see Appendix A)", "ecog", MET),
    (INC, "Zubrod performance status of 2 or less", "ecog", MET),
    # age
    (INC, "Age ≥ 18 years", "age", MET),
    (INC, "Aged 18 years or older", "age", MET),
    (INC, "18 years of age or older at the time of signing consent", "age", MET),
    (INC, "Adults between 18 and 65 years of age", "age", NOT_MET),
    (INC, "Patients must be at least 70 years old", "age", NOT_MET),
    (EXC, "Age > 75 years", "age", NOT_MET),
    (INC, "Male or female, aged 18-80", "age", MET),
    (INC, "Patients 65 years or older", "age", MET),
    # site
    (INC, "Histologically confirmed malignant pleural mesothelioma", "site", MET),
    (INC, "Diffuse malignant peritoneal mesothelioma", "site", NOT_MET),
    (INC, "Malignant mesothelioma of any site", "site", MET),
    (EXC, "Peritoneal or pericardial mesothelioma", "site", NOT_MET),
    (INC, "Mesothelioma of the pleura, confirmed by a pathologist", "site", MET),
    (INC, "Mesothelioma other than pleural", "site", NOT_MET),
    # histology
    (INC, "Epithelioid histology", "histology", MET),
    (INC, "Non-epithelioid (sarcomatoid or biphasic) histology", "histology", NOT_MET),
    (EXC, "Sarcomatoid or biphasic subtype", "histology", NOT_MET),
    (EXC, "Pure epithelioid mesothelioma", "histology", MET),
    (INC, "Epithelioid, biphasic or sarcomatoid subtype", "histology", MET),
    (INC, "Any histologic subtype except sarcomatoid", "histology", MET),
    # stage and resectability
    (INC, "Unresectable disease", "resectability", MET),
    (INC, "Not a candidate for curative surgery", "resectability", MET),
    (INC, "Considered resectable by a multidisciplinary team", "resectability", NOT_MET),
    (INC, "Medically inoperable or unresectable disease", "resectability", MET),
    (INC, "Stage IB to IIIA (AJCC 8th edition)", "stage", MET),
    (INC, "Stage III or IV disease", "stage", NOT_MET),
    (INC, "Clinical stage I-II", "stage", MET),
    # line of therapy and prior agents
    (INC, "At least one prior line of platinum-based chemotherapy", "lines", MET),
    (INC, "Must have received prior platinum and pemetrexed", "prior_agent", MET),
    (INC, "Progression after first-line platinum/pemetrexed chemotherapy", "lines", MET),
    (INC, "No prior systemic therapy for advanced disease", "lines", NOT_MET),
    (INC, "Treatment-naïve", "lines", NOT_MET),
    (INC, "No more than 2 prior lines of systemic therapy", "lines", MET),
    (EXC, "More than one prior line of systemic therapy", "lines", NOT_MET),
    (INC, "Eligible for second-line treatment", "lines", MET),
    (INC, "1-2 prior lines of therapy", "lines", MET),
    (INC, "Previously treated with at least two systemic regimens", "lines", NOT_MET),
    (INC, "No prior immunotherapy", "prior_agent", MET),
    (EXC, "Prior treatment with an anti-PD-1, anti-PD-L1 or anti-CTLA-4 antibody", "prior_agent", NOT_MET),
    (EXC, "Previous treatment with immune checkpoint inhibitors", "prior_agent", NOT_MET),
    (INC, "Must have received prior nivolumab", "prior_agent", NOT_MET),
    (EXC, "Prior treatment with gemcitabine or vinorelbine", "prior_agent", NOT_MET),
    (INC, "Chemotherapy-naive", "prior_agent", NOT_MET),
    (INC, "Immunotherapy-naïve", "prior_agent", MET),
    (INC, "Disease progression on or after at least one prior systemic therapy", "lines", MET),
    (INC, "Stable disease or better after 4 to 6 cycles of first-line platinum-based chemotherapy", "lines", NOT_MET),
    (INC, "No disease progression after first-line chemotherapy", "lines", NOT_MET),
    (EXC, "Prior pemetrexed", "prior_agent", MET),
    # measurable disease
    (INC, "Measurable disease per mRECIST 1.1", "measurable", MET),
    (INC, "At least one measurable lesion as defined by modified RECIST", "measurable", MET),
    (INC, "Measurable or evaluable disease", "measurable", MET),
    # brain metastases
    (EXC, "Known brain metastases", "brain_mets", NOT_MET),
    (EXC, "Active or untreated CNS metastases", "brain_mets", NOT_MET),
    (INC, "No known central nervous system metastases", "brain_mets", MET),
    (INC, "Patients with treated, stable brain metastases are eligible", "brain_mets", NA),
    # contraindications (autoimmune disease is listed for PERSON; the others are not recorded)
    (EXC, "Active autoimmune disease requiring systemic treatment in the past 2 years", "contraindication", MET),
    (EXC, "History of autoimmune disease, except vitiligo or hypothyroidism on replacement", "contraindication", NEI),
    (EXC, "Prior organ transplant", "contraindication", NEI),
    (EXC, "Interstitial lung disease or history of pneumonitis", "contraindication", NEI),
    (INC, "No active autoimmune disease", "contraindication", NOT_MET),
    # pregnancy: does not apply to a man
    (EXC, "Pregnant or breastfeeding", "pregnancy", NA),
    (INC, "Women of childbearing potential must use effective contraception", "pregnancy", NA),
    # not checked by mesostage
    (INC, "Signed informed consent", "other", NEI),
    (INC, "Adequate bone marrow function", "other", NEI),
    (INC, "Life expectancy of at least 12 weeks", "other", NEI),
    (EXC, "Known hypersensitivity to pemetrexed", "other", NEI),
]

#: The criterion styles the issue names; each must be right (the corpus as a whole has an accuracy threshold).
REQUIRED = [
    row
    for row in CORPUS
    if row[1]
    in (
        "ECOG 0-1",
        "ECOG performance status of 0 or 1",
        "No prior immunotherapy",
        "At least one prior line of platinum-based chemotherapy",
        "Age ≥ 18 years",
        "Aged 18 years or older",
        "Adults between 18 and 65 years of age",
        "Known brain metastases",
        "Active autoimmune disease requiring systemic treatment in the past 2 years",
        "Measurable disease per mRECIST 1.1",
        "Histologically confirmed malignant pleural mesothelioma",
        "Epithelioid histology",
        "Unresectable disease",
    )
]


def _label(kind: str, text: str) -> tuple[str, str]:
    c = Criterion(kind=kind, text=text, facts=extract_facts(text, kind))  # type: ignore[arg-type]
    outcome = evaluate_criterion(c, FACTS)
    return outcome.type, outcome.label


@pytest.mark.parametrize(("kind", "text", "ctype", "label"), REQUIRED, ids=[r[1][:40] for r in REQUIRED])
def test_named_criterion_styles(kind: str, text: str, ctype: str, label: str) -> None:
    assert _label(kind, text) == (ctype, label)


def test_corpus_accuracy_by_criterion_type(capsys: pytest.CaptureFixture[str]) -> None:
    by_type: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for kind, text, ctype, label in CORPUS:
        got_type, got_label = _label(kind, text)
        ok = got_type == ctype and got_label == label
        by_type[ctype].append(ok)
        if not ok:
            misses.append(f"  {kind}: {text!r}: expected {ctype}/{label}, got {got_type}/{got_label}")
    lines = ["", "Criteria parser: accuracy per criterion type (type and label both right)"]
    for ctype, oks in sorted(by_type.items()):
        lines.append(f"  {ctype:<17} {sum(oks):>3}/{len(oks):<3} {sum(oks) / len(oks):6.1%}")
    total = [ok for oks in by_type.values() for ok in oks]
    lines.append(f"  {'all':<17} {sum(total):>3}/{len(total):<3} {sum(total) / len(total):6.1%}")
    lines += misses
    with capsys.disabled():
        print("\n".join(lines))
    assert sum(total) / len(total) >= 0.9, "\n".join(misses)
    for ctype, oks in by_type.items():
        assert sum(oks) / len(oks) >= 0.75, f"{ctype}: " + "\n".join(misses)


# ---------------------------------------------------------------------------------------------- splitting


def test_bullets_and_nested_lists() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Histologically confirmed pleural mesothelioma\n"
        "* Adequate organ function, defined as:\n"
        "  * ANC >= 1.5 x 10^9/L\n"
        "  * Platelets >= 100 x 10^9/L\n"
        "* ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n"
        "* Known brain metastases\n"
        "* Prior therapy:\n"
        "  * more than 2 prior lines of systemic therapy\n"
    )
    got = parse_eligibility(text)
    assert [(c.kind, c.text) for c in got] == [
        ("inclusion", "Histologically confirmed pleural mesothelioma"),
        ("inclusion", "ANC >= 1.5 x 10^9/L"),
        ("inclusion", "Platelets >= 100 x 10^9/L"),
        ("inclusion", "ECOG 0-1"),
        ("exclusion", "Known brain metastases"),
        ("exclusion", "more than 2 prior lines of systemic therapy"),
    ]
    assert got[1].context == "Adequate organ function, defined as:"
    assert got[5].type == "lines"


def test_numbered_key_criteria_and_continuation_lines() -> None:
    text = (
        "Key Inclusion Criteria:\n\n"
        "1. Diagnosis of pleural mesothelioma\n"
        "   confirmed by histology\n"
        "2. ECOG PS 0-2\n\n"
        "Key Exclusion Criteria:\n\n"
        "1. Symptomatic brain metastases\n"
    )
    got = split_criteria(text)
    assert [(c.kind, c.text) for c in got] == [
        ("inclusion", "Diagnosis of pleural mesothelioma confirmed by histology"),
        ("inclusion", "ECOG PS 0-2"),
        ("exclusion", "Symptomatic brain metastases"),
    ]


def test_pdq_headings_and_paragraph_layout() -> None:
    text = (
        "DISEASE CHARACTERISTICS:\nHistologically proven malignant mesothelioma\n\n"
        "PATIENT CHARACTERISTICS:\nPerformance status ECOG 0-2\nAge 18 and over\n\n"
        "PRIOR CONCURRENT THERAPY:\nNo prior chemotherapy"
    )
    got = parse_eligibility(text)
    assert [c.text for c in got] == [
        "Histologically proven malignant mesothelioma",
        "Performance status ECOG 0-2",
        "Age 18 and over",
        "No prior chemotherapy",
    ]
    assert all(c.kind == "inclusion" for c in got)
    assert [c.type for c in got] == ["site", "ecog", "age", "prior_agent"]


def test_escaped_brackets_and_signs() -> None:
    (c,) = parse_eligibility("Inclusion Criteria:\n\n* Age \\>= 18 years \\[adults\\]")
    assert c.text == "Age >= 18 years [adults]"
    assert c.type == "age"


def test_text_without_headings_is_inclusion() -> None:
    got = split_criteria("- ECOG 0-1\n- Measurable disease")
    assert [(c.kind, c.text) for c in got] == [("inclusion", "ECOG 0-1"), ("inclusion", "Measurable disease")]


def test_ecog_ranges_seen_misparsed_elsewhere() -> None:
    """'0 or 1', '0 to 1' and '0-2' were read as one bound or nothing by another screening project (trials.md §3.4)."""
    for text, allowed in (("ECOG 0 or 1", [0, 1]), ("ECOG 0 to 1", [0, 1]), ("ECOG 0-2", [0, 1, 2])):
        (fact,) = extract_facts(text)
        assert fact["allowed"] == allowed


def test_life_expectancy_is_not_read_as_age() -> None:
    assert extract_facts("Life expectancy of at least 12 weeks") == ()
    assert extract_facts("No other malignancy within 5 years") == ()


# ---------------------------------------------------------------------------------------------- properties


# no deadline, as in the other property tests: the machine is shared, and a deadline is a timed assertion
@settings(deadline=None)
@given(low=st.integers(0, 4), high=st.integers(0, 4), style=st.sampled_from(["{a}-{b}", "{a} to {b}", "of {a} - {b}"]))
def test_ecog_range_property(low: int, high: int, style: str) -> None:
    a, b = min(low, high), max(low, high)
    text = "ECOG performance status " + style.format(a=a, b=b)
    (fact,) = extract_facts(text)
    assert fact["allowed"] == list(range(a, b + 1))


@settings(deadline=None)
@given(low=st.integers(18, 60), span=st.integers(1, 40), age=st.integers(1, 110))
def test_age_range_label_property(low: int, span: int, age: int) -> None:
    high = low + span
    facts = patient_facts(parse_case({"site": "pleura", "patient": {"age_years": age}}))
    c = Criterion(kind="inclusion", text="", facts=extract_facts(f"Aged {low} to {high} years"))
    assert evaluate_criterion(c, facts).label == (MET if low <= age <= high else NOT_MET)
