"""The vocabulary module breaks the import circle between the case model and the staging definitions."""

from __future__ import annotations

import ast
from importlib import util
from pathlib import Path

import pytest

from mesostage.staging import load_system
from mesostage.vocabulary import SYSTEM_IDS, stage_labels


def _imports(module: str) -> set[str]:
    """Every module the source of ``module`` imports, at any depth of its code (a late import counts too)."""
    spec = util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_case_model_and_the_staging_definitions_do_not_import_each_other() -> None:
    assert not any(m.startswith("mesostage.staging") for m in _imports("mesostage.case"))
    assert "mesostage.case" not in _imports("mesostage.staging.definitions")
    assert "mesostage.vocabulary" in _imports("mesostage.case") & _imports("mesostage.staging.definitions")


@pytest.mark.parametrize("system_id", SYSTEM_IDS)
def test_stage_labels_read_from_the_data_file_equal_the_loaded_system(system_id: str) -> None:
    assert stage_labels(system_id) == load_system(system_id).stages
