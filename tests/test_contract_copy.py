"""The case-format contract ships with the package docs (docs/CASE_FORMAT.md) and stays the team's contract word for
word: the copy must equal ../shared/spec/CASE_FORMAT.md where that is present (skipped elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "spec" / "CASE_FORMAT.md"


def test_the_contract_ships_with_the_docs() -> None:
    text = (ROOT / "docs" / "CASE_FORMAT.md").read_text(encoding="utf-8")
    assert text.startswith("# The case format and the staging result")


@pytest.mark.skipif(not SHARED.is_file(), reason="../shared (the team's reference folder) is not beside the checkout")
def test_the_shipped_contract_is_the_teams_contract() -> None:
    assert (ROOT / "docs" / "CASE_FORMAT.md").read_bytes() == SHARED.read_bytes()
