"""Which mesothelioma a study is about, from its registered conditions, keywords, titles and MeSH terms.

The registry's own search is fuzzy (trials.md §1.1, pitfall #72), so condition membership is checked here. A study
is tagged with the sites it names (``pleura``, ``peritoneum``, ``pericardium``, ``tunica_vaginalis``), ``any`` when
it names mesothelioma without a site, ``basket`` when its conditions are broader (e.g. advanced solid tumours) but
its eligibility text names mesothelioma, and ``""`` when it is not about mesothelioma.
"""

from __future__ import annotations

import re

from mesostage.trials.study import Trial

__all__ = ["SCOPE_ANY", "SCOPE_BASKET", "mesothelioma_scope", "scope_sites"]

SCOPE_ANY = "any"
SCOPE_BASKET = "basket"
_MESO = re.compile(r"mesotheliom|\bMPM\b|\bMPeM\b|\bPeM\b", re.IGNORECASE)
_SITE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pleura", re.compile(r"pleura|\bMPM\b|thoracic", re.IGNORECASE)),
    ("peritoneum", re.compile(r"peritone|abdominal|\bMPeM\b|\bPeM\b", re.IGNORECASE)),
    ("pericardium", re.compile(r"pericard", re.IGNORECASE)),
    ("tunica_vaginalis", re.compile(r"tunica vaginalis|testic", re.IGNORECASE)),
)


def mesothelioma_scope(trial: Trial) -> str:
    """``"pleura"``, ``"peritoneum,pleura"``, ``"any"``, ``"basket"`` or ``""`` (see the module docstring)."""
    sites: set[str] = set()
    named = False
    for text in (*trial.conditions, *trial.keywords, trial.brief_title, trial.official_title or "", *trial.mesh_terms):
        if not _MESO.search(text):
            continue
        named = True
        sites.update(site for site, pattern in _SITE_WORDS if pattern.search(text))
    if named:
        return ",".join(sorted(sites)) if sites else SCOPE_ANY
    if _MESO.search(trial.eligibility_text):
        # Only an inclusion criterion naming mesothelioma makes a basket trial ("no known mesothelioma" does not).
        from mesostage.trials.criteria import split_criteria

        if any(c.kind == "inclusion" and _MESO.search(c.text) for c in split_criteria(trial.eligibility_text)):
            return SCOPE_BASKET
    return ""


def scope_sites(scope: str) -> frozenset[str]:
    """The case-format sites a scope names; empty for ``any``, ``basket`` and ``""``."""
    if scope in ("", SCOPE_ANY, SCOPE_BASKET):
        return frozenset()
    return frozenset(scope.split(","))
