"""Reading grade of English text: the Flesch-Kincaid grade level, with no GPL code.

The grade is the published formula (Kincaid JP, Fishburne RP, Rogers RL, Chissom BS. *Derivation of new readability
formulas for Navy enlisted personnel*. Research Branch Report 8-75, Naval Technical Training Command, 1975)::

    0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Words and sentences are counted as textstat 0.7.8 counts them, so that figures stay comparable with those the
project recorded before: punctuation other than contraction apostrophes is removed before words are split on white
space (numbers are words); a sentence is a run of text up to ``.``, ``!`` or ``?``, and a "sentence" of two words or
fewer is not counted. Syllables come from syllapy (MIT licence): its list of known words, then its vowel-group rules.
On whole documents of the project's patient texts the grade is within 0.5 of textstat 0.7.8's (tested); on a single
short phrase, any syllable counter can differ by a grade or more, because one syllable moves a six-word phrase by two.
"""

from __future__ import annotations

import re

__all__ = ["flesch_kincaid_grade"]

_NON_CONTRACTION_APOSTROPHE = re.compile(r"'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION = re.compile(r"[^\w\s']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub("", _NON_CONTRACTION_APOSTROPHE.sub("", text)).split()


def _sentences(text: str) -> int:
    found = _SENTENCE.findall(text)
    return max(1, len(found) - sum(1 for s in found if len(_words(s)) <= 2))


def _syllables(word: str) -> int:
    import syllapy  # loaded on first use: its word list is read at import

    # syllapy counts nothing for a number; a number read aloud has at least one syllable.
    return int(syllapy.count(word)) or 1


def flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (0.0 for text with no words).

    References
    ----------
    Kincaid et al. 1975 (see the module docstring).
    """
    words = _words(text)
    if not words:
        return 0.0
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / _sentences(text) + 11.8 * syllables / len(words) - 15.59
