"""Flesch-Kincaid grade of patient text with textstat (pinned to 0.7.8 in pyproject.toml: it bundles its syllable
dictionary, so measuring never touches the network)."""

from __future__ import annotations

import textstat


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (textstat, English)."""
    return float(textstat.flesch_kincaid_grade(text))
