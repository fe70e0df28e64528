"""Plain-language labels for case inputs (``labels.toml``): ``label("tumor.rib")`` -> "a rib"."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

__all__ = ["label"]


@cache
def _labels() -> dict[str, str]:
    data = tomllib.loads(resources.files("mesostage").joinpath("labels.toml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}
    for group, entries in data.items():
        for key, text in entries.items():
            if group in ("fields", "sections"):
                flat[key] = text
            else:
                # Finding names are unique across the three vocabularies, so the bare name is a key too.
                flat[f"{group}.{key}"] = text
                flat.setdefault(key, text)
    return flat


def label(key: str) -> str:
    """The plain label of a case path (``tumor.rib``, ``nodes``, ``tumor.psum_mm``) or of a bare finding name
    (``rib``); the path itself, in words, if unknown."""
    return _labels().get(key, key.replace("_", " "))
