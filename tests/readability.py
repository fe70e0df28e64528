"""Flesch-Kincaid grade of patient text: the package's own measure (``mesostage.readability``; no GPL code), which
``tests/test_readability.py`` checks against textstat 0.7.8's recorded figures."""

from __future__ import annotations

from mesostage.readability import flesch_kincaid_grade


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (English)."""
    return flesch_kincaid_grade(text)
