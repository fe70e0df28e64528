"""The data files and the engine's semantics on tiny hand-built systems (the SEER habit of three test levels)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mesostage import load_systems
from mesostage.case import SYSTEM_IDS, parse_case
from mesostage.staging.definitions import SystemDefinition
from mesostage.staging.engine import stage_in_system


def test_every_system_file_loads_and_every_entry_has_a_source() -> None:
    systems = load_systems()
    assert [s.id for s in systems] == list(SYSTEM_IDS)
    for system in systems:
        assert system.main_source in system.sources
        for comp in system.components:
            assert all(rule.source in system.sources for rule in comp.rules)
            assert all(m.source in system.sources for m in comp.measures)
        assert all(row.source in system.sources for row in system.stage_table)
        assert system.decisions, f"{system.id} records no decisions"


def test_evidence_levels() -> None:
    levels = {s.id: s.evidence for s in load_systems()}
    assert levels == {
        "tnm8": "official",
        "tnm9": "secondary",
        "tnm7": "official",
        "butchart": "historical",
        "brigham": "historical",
        "peritoneal_tnm": "secondary",
    }


def test_stage_tables_cover_every_category_combination() -> None:
    import itertools

    for system in load_systems():
        cats = [c.categories for c in system.components]
        for combo in itertools.product(*cats):
            labels = dict(zip([c.name for c in system.components], combo, strict=True))
            rows = [r for r in system.stage_table if all(labels[k] in v for k, v in r.when.items())]
            if not rows:
                # only T0 (and PCI 0) may be without a row: their stage is open
                assert "T0" in combo, (system.id, combo)


def _tiny(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "tnm8",
        "name": "tiny",
        "short_name": "tiny",
        "applies_to": ["pleura"],
        "not_applicable_reason": "pleura only, not {site}",
        "evidence": "official",
        "main_source": "s",
        "stages": ["A", "B", "C"],
        "sources": {"s": {"citation": "test source", "kind": "primary"}},
        "components": [
            {
                "name": "T",
                "categories": ["T1", "T2"],
                "floor": "T1",
                "floor_reason": "floor",
                "not_assessed": "TX",
                "required_sections": ["tumor"],
                "rules": [{"finding": "tumor.rib", "category": "T2", "source": "s"}],
            },
            {
                "name": "M",
                "categories": ["M0", "M1"],
                "floor": "M0",
                "floor_reason": "floor",
                "rules": [{"finding": "metastases.liver", "category": "M1", "source": "s"}],
            },
        ],
        "stage_table": [
            {"stage": "C", "when": {"M": ["M1"]}, "source": "s"},
            {"stage": "B", "when": {"T": ["T2"]}, "source": "s"},
            {"stage": "A", "when": {"T": ["T1"]}, "source": "s"},
        ],
    }
    base.update(overrides)
    return base


def test_tiny_system_semantics() -> None:
    system = SystemDefinition.model_validate(_tiny())
    case = parse_case({"site": "pleura", "tumor": {"unknown": ["rib"]}, "metastases": {"unknown": ["liver"]}})
    result, _ = stage_in_system(system, case)
    assert (result.stage, result.stage_range) == ("A", ["A", "C"])
    assert result.unknowns_that_matter == ["tumor.rib", "metastases.liver"]
    case = parse_case({"site": "pleura", "metastases": {"findings": ["liver"]}})
    result, _ = stage_in_system(system, case)
    assert (result.categories, result.stage, result.unknowns_that_matter) == ({"T": "TX", "M": "M1"}, "C", [])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"main_source": "nope"}, "source 'nope' is not defined"),
        ({"stages": ["A", "B"]}, "'C' not in stages"),
        ({"applies_to": ["lung"]}, "site 'lung' unknown"),
    ],
)
def test_inconsistent_definitions_fail_at_load(override: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SystemDefinition.model_validate(_tiny(**override))


def test_unknown_finding_in_a_rule_fails_at_load() -> None:
    data = _tiny()
    data["components"][0]["rules"].append({"finding": "tumor.ribs", "category": "T2", "source": "s"})
    with pytest.raises(ValidationError, match=r"unknown finding 'tumor\.ribs'"):
        SystemDefinition.model_validate(data)


def test_finding_names_are_unique_across_sections_and_all_labelled() -> None:
    """labels.label() answers bare finding names (review messages rely on it), which needs unique names."""
    from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, TUMOR_FINDINGS
    from mesostage.labels import label

    names = TUMOR_FINDINGS + NODE_FINDINGS + METASTASIS_FINDINGS
    assert len(set(names)) == len(names)
    assert all(label(n) != n.replace("_", " ") for n in names)
