"""Limits on what mesostage reads, in one place, and the safe JSON reading that enforces them.

Every surface (Python API, CLI, HTTP API, web pages, batch, FHIR, trial import) reads untrusted input. These bounds
keep the time and memory of one request or one record small, and every breach is a clear error naming the field
(never a traceback or a generic "internal error"). Other modules import the numbers from here rather than repeat
them.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from mesostage.errors import CaseError, InputError

__all__ = [
    "MAX_CASE_FILE_BYTES",
    "MAX_CSV_COLUMNS",
    "MAX_ECHO_CHARS",
    "MAX_INT_DIGITS",
    "MAX_JSON_DEPTH",
    "MAX_LINE_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_XML_TOKEN_BYTES",
    "PDF_MAX_IN_FLIGHT",
    "PDF_RENDER_SLOTS",
    "PDF_RETRY_AFTER_SECONDS",
    "SERVE_HEADER_TIMEOUT",
    "SERVE_LIMIT_CONCURRENCY",
    "SERVE_MAX_HEADER_BYTES",
    "SERVE_TIMEOUT_KEEP_ALIVE",
    "clip",
    "json_problems",
    "parse_json",
    "plain_json",
    "repeated_key_error",
]

#: Every free-text field of a case (``id``, ``patient.location``, ``reported_stage.stage``), in characters.
MAX_TEXT_CHARS = 200
#: How much of a user's value an error message (or a figure) repeats.
MAX_ECHO_CHARS = 60
#: Nesting depth of a JSON document (a case is 3 levels deep, a FHIR bundle or a registry study about 10).
MAX_JSON_DEPTH = 64
#: Digits of a JSON integer (Python refuses more than 4300 on its own, with no field path).
MAX_INT_DIGITS = 30
#: A case file read by the command line (a full case is under 5 kB).
MAX_CASE_FILE_BYTES = 1024 * 1024
#: One line of a CSV or JSON Lines file (a registry row or a case is a few kB).
MAX_LINE_BYTES = 1024 * 1024
#: Columns of a CSV file (a full NAACCR export has about 800 items).
MAX_CSV_COLUMNS = 2000
#: A single XML token (an attribute value, or the text of an element), in bytes.
MAX_XML_TOKEN_BYTES = 1024 * 1024
#: PDF reports drawn at once by the web app (each takes a core for about a second) ...
PDF_RENDER_SLOTS = 2
#: ... and PDF requests taken at once, drawing or waiting; past that the answer is 503 with ``Retry-After``.
PDF_MAX_IN_FLIGHT = 8
#: Seconds a client is asked to wait before it asks for a PDF again.
PDF_RETRY_AFTER_SECONDS = 5
#: ``mesostage serve``: connections and tasks at once (uvicorn answers 503 past it) ...
SERVE_LIMIT_CONCURRENCY = 64
#: ... seconds an idle kept-alive connection stays open ...
SERVE_TIMEOUT_KEEP_ALIVE = 5
#: ... bytes of request line and headers (h11), so an endless header is cut off ...
SERVE_MAX_HEADER_BYTES = 16 * 1024
#: ... and seconds a new connection has to send its request head (slowloris).
SERVE_HEADER_TIMEOUT = 10.0


def clip(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was; lone surrogates shown as escapes."""
    shown = text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


class _Repeated(dict[str, Any]):
    """A JSON object that gave a key more than once (holding the last value, as ``json.loads`` does), with each such
    key and how many times it was given."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: dict[str, Any], repeated: dict[str, int]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def repeated_key_error(path: str, count: int) -> InputError:
    """The error for a field given ``count`` times in one JSON object (readers disagree on which value counts)."""
    return InputError(clip(path, MAX_TEXT_CHARS), f"given {_times(count)} in the same object: give each field once")


class _Rejected:
    """A JSON number that was not converted: too many digits, or not finite."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _int(text: str) -> int | _Rejected:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Rejected(f"a number with {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float | _Rejected:
    value = float(text)
    if not math.isfinite(value):
        return _Rejected(f"the number {clip(text)} is too large")
    return value


def _constant(text: str) -> _Rejected:
    return _Rejected(f"{text} is not a number JSON allows")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def json_problems(data: Any, where: str = "", *, max_depth: int = MAX_JSON_DEPTH) -> list[InputError]:
    """What in parsed JSON breaks the limits: nesting, numbers that were not converted, lone surrogates, a key given
    twice in one object (:func:`parse_json` marks such objects).

    Iterative (no recursion), so any depth is checked safely; each problem names its field path.
    """
    problems: list[InputError] = []
    stack: list[tuple[str, Any, int]] = [(where, data, 0)]
    while stack and len(problems) < 20:
        path, value, depth = stack.pop()
        if isinstance(value, _Rejected):
            problems.append(InputError(clip(path, MAX_TEXT_CHARS), value.reason))
        elif isinstance(value, str):
            if _has_surrogate(value):
                problems.append(
                    InputError(clip(path, MAX_TEXT_CHARS), "text with a lone surrogate (\\ud800-\\udfff): not Unicode")
                )
        elif isinstance(value, dict | list):
            if isinstance(value, _Repeated):
                problems += [repeated_key_error(_join(path, key), count) for key, count in value.repeated.items()]
            if depth >= max_depth:
                problems.append(InputError(clip(path, MAX_TEXT_CHARS), f"nested more than {max_depth} levels deep"))
                continue
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in reversed(list(items)):
                if isinstance(key, str) and _has_surrogate(key):
                    problems.append(
                        InputError(clip(path, MAX_TEXT_CHARS), f"the field name {clip(key)} is not Unicode")
                    )
                    continue
                stack.append((_join(path, key), item, depth + 1))
    return problems


#: JSON text with every digit as 0, E as e and - as +: long digit runs and three-digit exponents found by ``in``.
_SHAPES = bytes.maketrans(b"123456789E-", b"000000000e+")
_LONG_DIGITS = b"0" * (MAX_INT_DIGITS + 1)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def plain_json(text: bytes) -> bool:
    """True when ``text`` holds nothing that could break a limit ``json_problems`` checks on numbers and text: no
    run of more than ``MAX_INT_DIGITS`` digits (a long integer, or a float the limits refuse), no exponent of three
    digits (a number that may not be finite), no ``NaN`` or ``Infinity``, no ``\\u`` escape of a surrogate. What
    is left to check is the nesting depth, so a model that cannot nest that deep may validate such text in one pass
    with pydantic's JSON parser. It may say False for text in a string ("e100"): that text is read the careful way.
    """
    shapes = text.translate(_SHAPES)
    return not (
        _LONG_DIGITS in shapes
        or b"e000" in shapes
        or b"e+000" in shapes
        or b"NaN" in text
        or b"Infinity" in text
        or (b"\\u" in text and _SURROGATE_ESCAPE.search(text) is not None)
    )


def _deep_path(text: str, where: str, max_depth: int) -> str:
    """The path at which JSON text first nests deeper than ``max_depth`` (for text the parser gave up on)."""
    stack: list[list[Any]] = []  # [path, next index or None (object), last key]
    path = where
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if stack and stack[-1][1] is None:
                stack[-1][2] = text[i + 1 : end]
            i = end + 1
            continue
        if char in "[{":
            if stack:
                top_path, index, key = stack[-1]
                path = _join(top_path, index if index is not None else str(key))
            if len(stack) >= max_depth:
                return path
            stack.append([path, 0 if char == "[" else None, None])
        elif char in "]}" and stack:
            stack.pop()
        elif char == "," and stack and stack[-1][1] is not None:
            stack[-1][1] += 1
        i += 1
    return where


def _noting(convert: Callable[[str], Any], rejected: list[_Rejected]) -> Callable[[str], Any]:
    """``convert``, noting each number it rejects in ``rejected``."""

    def noted(text: str) -> Any:
        value = convert(text)
        if isinstance(value, _Rejected):
            rejected.append(value)
        return value

    return noted


def _object_noting(repeated: list[_Repeated]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """The object hook that builds each JSON object as ``json.loads`` does, noting in ``repeated`` each object that
    gives a key more than once (marked as a :class:`_Repeated`, so that ``json_problems`` finds its path)."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        counts = Counter(key for key, _ in pairs)
        marked = _Repeated(obj, {key: count for key, count in counts.items() if count > 1})
        repeated.append(marked)
        return marked

    return build


class _Decoder(threading.local):
    """A JSON decoder per thread (building one per call costs as much as a small document), with the numbers it
    rejected and the objects that gave a key twice during its last call."""

    def __init__(self) -> None:
        self.rejected: list[_Rejected] = []
        self.repeated: list[_Repeated] = []
        self.decoder = json.JSONDecoder(
            parse_int=_noting(_int, self.rejected),
            parse_float=_noting(_float, self.rejected),
            parse_constant=_noting(_constant, self.rejected),
            object_pairs_hook=_object_noting(self.repeated),
        )


_DECODER = _Decoder()


def parse_json(text: str | bytes, where: str = "", *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text parsed within the limits above.

    Raises
    ------
    CaseError
        Not UTF-8, not valid JSON, nested too deeply, a number too long or too large, a lone surrogate, a key given
        twice in one object (``json.loads`` would keep the last value silently): one :class:`InputError` per
        problem, each with its path (``where`` is the path of the document itself).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseError([InputError(where, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    decoding = _DECODER
    rejected, repeated = decoding.rejected, decoding.repeated
    rejected.clear()
    repeated.clear()
    try:
        if text.startswith("\ufeff"):  # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        data = decoding.decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise CaseError(
            [InputError(where, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except RecursionError:
        path = clip(_deep_path(text, where, max_depth), MAX_TEXT_CHARS)
        raise CaseError([InputError(path, f"nested more than {max_depth} levels deep")]) from None
    if (
        not rejected
        and not repeated
        and text.isascii()
        and "\\" not in text
        and text.count("[") + text.count("{") <= max_depth
    ):
        # Every number converted, no escape and nothing beyond ASCII (so no lone surrogate), fewer brackets than the
        # depth limit: json_problems would find nothing, so the walk is saved.
        return data
    if problems := json_problems(data, where, max_depth=max_depth):
        raise CaseError(problems)
    return data
