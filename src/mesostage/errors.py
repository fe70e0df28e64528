"""Input errors: every problem with a case names the field path and, where there is one, the allowed values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["CaseError", "InputError"]


@dataclass(frozen=True)
class InputError:
    """One problem with one field of a case.

    ``path`` uses dots for fields and brackets for list items, e.g. ``tumor.findings[3]``.
    """

    path: str
    message: str
    allowed: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        where = self.path or "(case)"
        text = f"{where}: {self.message}"
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        return text

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "message": self.message, "allowed": list(self.allowed)}


class CaseError(ValueError):
    """A case could not be read. ``errors`` lists every problem found, not only the first."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors: tuple[InputError, ...] = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
