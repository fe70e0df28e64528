"""Plain-language labels for case inputs (``labels.toml``): ``label("tumor.rib")`` -> "a rib"; and
:func:`humanize`, which puts those labels in place of the field names and Python values in a text."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from mesostage.datafiles import load_toml

__all__ = ["humanize", "label"]


@cache
def _labels() -> dict[str, str]:
    data = load_toml(resources.files("mesostage").joinpath("labels.toml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}
    for group, entries in data.items():
        for key, text in entries.items():
            if group in ("fields", "sections"):
                flat[key] = text
                tail = key.rpartition(".")[2]
                if "_" in tail:
                    flat.setdefault(tail, text)
            else:
                # Finding names are unique across the three vocabularies, so the bare name is a key too.
                flat[f"{group}.{key}"] = text
                flat.setdefault(key, text)
    return flat


def label(key: str) -> str:
    """The plain label of a case path (``tumor.rib``, ``nodes``, ``tumor.psum_mm``) or of a bare finding name
    (``rib``); the path itself, in words, if unknown."""
    key = re.sub(r"\[\d+\]$", "", key)
    return _labels().get(key, key.replace("_", " ").replace(".", ": "))


_PATH = re.compile(r"\b(?:tumor|nodes|metastases|peritoneal|resection|patient)\.[a-z0-9_]+(?:\[\d+\])?")
_LIST = re.compile(r"\[\s*('[^'\]]*'(?:\s*,\s*'[^'\]]*')*)\s*\]")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def humanize(text: str) -> str:
    """``text`` with case paths and finding names put in plain words, and Python lists written as lists.

    ``"needs patient.ecog; tumor.psum_mm"`` -> ``"needs ECOG performance status; the thickness of the tumour ..."``,
    ``"outcomes ['IIIA', 'IV']"`` -> ``"outcomes IIIA, IV"``. Any other name with underscores loses them. Not for
    citations (a source may name a table with underscores).
    """
    text = _PATH.sub(lambda m: label(m.group(0)), text)
    text = _LIST.sub(lambda m: ", ".join(part.strip().strip("'") for part in m.group(1).split(",")), text)
    names = _labels()
    return _SNAKE.sub(lambda m: names.get(m.group(0), m.group(0).replace("_", " ")), text)
