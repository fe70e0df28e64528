"""Remembered staging results: a case seen again (a server answering the same case, the web page staging it for
each part of the answer) is not staged again in a system.

The key is every case input staging reads (``KEYED``: the site, the basis, the finding sections with their
measurements, the flags, the peritoneal block and the resection, as JSON), so two cases with the same key have the
same result in every system; the tests check that every path a system file reads is keyed.
Each caller gets its own copy of the lists and dicts of a remembered result (the models are frozen, their nested
models hold only text and numbers), so changing a returned result never changes another.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel

from mesostage.case import Case

__all__ = ["KEYED", "Memo", "fresh", "staging_key"]

#: The case fields whose values decide staging (sub-models in full).
KEYED = ("site", "basis", "tumor", "nodes", "metastases", "pleural_effusion_malignant", "peritoneal", "resection")

M = TypeVar("M", bound=BaseModel)
_INCLUDE: set[str] = set(KEYED)


def _float_fields() -> tuple[tuple[str, str], ...]:
    """(section, field) of every number field of the keyed sub-models that can hold a float."""
    out = []
    for name in KEYED:
        model = next((a for a in get_args(Case.model_fields[name].annotation) if isinstance(a, type)), None)
        if model is not None and issubclass(model, BaseModel):
            out += [(name, f) for f, info in model.model_fields.items() if float in get_args(info.annotation)]
    return tuple(out)


_FLOATS = _float_fields()


def staging_key(case: Case) -> str | None:
    """Every input of ``case`` that staging reads, as text; ``None`` (not remembered) when a measurement is not a
    finite number, which JSON cannot tell apart from a missing one."""
    for section, name in _FLOATS:
        value = getattr(getattr(case, section), name, None)
        if value is not None and not math.isfinite(value):
            return None
    return case.model_dump_json(include=_INCLUDE)


def _containers(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` that can hold a list or a dict (what a caller could change in place)."""
    names = _CONTAINERS.get(cls)
    if names is None:
        names = tuple(
            name
            for name, info in cls.model_fields.items()
            if any(get_origin(t) in (list, dict) for t in (info.annotation, *get_args(info.annotation)))
        )
        _CONTAINERS[cls] = names
    return names


_CONTAINERS: dict[type[BaseModel], tuple[str, ...]] = {}


def fresh(model: M) -> M:
    """A copy of ``model`` with its own lists and dicts (nested frozen models are shared: they cannot change).

    As ``copy.copy`` of a pydantic model (the same fields set, extra and private values), without its overhead."""
    cls = type(model)
    names = _CONTAINERS.get(cls)
    if names is None:
        names = _containers(cls)
    fields = model.__dict__.copy()
    for name in names:
        value = fields[name]
        if value is not None:
            fields[name] = value.copy()
    out = _new(cls)
    _set(out, "__dict__", fields)
    extra = model.__pydantic_extra__
    _set(out, "__pydantic_extra__", None if extra is None else dict(extra))
    _set(out, "__pydantic_fields_set__", model.__pydantic_fields_set__.copy())
    private = model.__pydantic_private__
    _set(out, "__pydantic_private__", None if private is None else dict(private))
    return out


_new = object.__new__
_set = object.__setattr__


class Memo:
    """A bounded map from keys to values, safe to share between threads; the oldest entries go first when full."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key not in self._data and len(self._data) >= self._size:
                del self._data[next(iter(self._data))]
            self._data[key] = value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
