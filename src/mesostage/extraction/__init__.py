"""From the report's words to the findings: a draft case, with the evidence for every answer.

``extract(text, kind=None)`` reads one CT, PET-CT, MRI, pathology or operative report (or several, as a list)
and returns an :class:`Extraction`: the draft case in the case format and, for every answer it filled, the
sentence and character span it came from and why (negated, hedged, measured, prior...). It never guesses: what
the text does not say stays not assessed or unknown. Rules are data (``data/*.toml``); nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesostage.errors import CaseError, InputError
from mesostage.extraction.combine import combine
from mesostage.extraction.engine import extract_one, segment
from mesostage.extraction.model import KINDS, Conflict, Evidence, Extraction

__all__ = ["KINDS", "Conflict", "Evidence", "Extraction", "combine", "extract", "segment"]

#: A report longer than this is refused (a whole hospital record is not one report).
MAX_CHARS = 50_000


def _check(text: object, kind: object, path: str) -> list[InputError]:
    errors = []
    if not isinstance(text, str):
        errors.append(InputError(f"{path}text", f"expected report text, got {type(text).__name__}"))
    elif not text.strip():
        errors.append(InputError(f"{path}text", "the report is empty"))
    elif len(text) > MAX_CHARS:
        errors.append(InputError(f"{path}text", f"the report has {len(text)} characters; at most {MAX_CHARS}"))
    if kind is not None and kind not in (*KINDS, "pet_ct"):
        errors.append(InputError(f"{path}kind", f"{kind!r} is not a report kind", KINDS))
    return errors


def extract(text: str | Sequence[str], kind: str | Sequence[str | None] | None = None) -> Extraction:
    """Read one report (or several, combined) into a draft case with evidence.

    ``kind`` is one of ``ct``, ``pet``, ``mri``, ``pathology``, ``operative``, or None to detect it; with several
    reports, one kind each (or None). Raises :class:`mesostage.CaseError` for empty, oversized or non-text input.
    """
    texts = [text] if isinstance(text, str) else list(text)
    if isinstance(kind, str) or kind is None:
        kinds: list[str | None] = [kind] * len(texts)
    else:
        kinds = list(kind)
    if not texts:
        raise CaseError([InputError("text", "no report given")])
    if len(kinds) != len(texts):
        raise CaseError([InputError("kind", f"{len(kinds)} kinds for {len(texts)} reports")])
    single = isinstance(text, str)
    errors = [
        e
        for i, (t, k) in enumerate(zip(texts, kinds, strict=True))
        for e in _check(t, k, "" if single else f"reports[{i}].")
    ]
    if errors:
        raise CaseError(errors)
    return combine([extract_one(t, k, report=i) for i, (t, k) in enumerate(zip(texts, kinds, strict=True))])
