"""Read study objects out of a JSON stream one at a time, so memory stays bounded by the largest single study.

A stream may hold one study object, a JSON array of studies (the website's ``ctg-studies.json``) or a search
response ``{"studies": [...], "nextPageToken": ..., "totalCount": ...}``. Only the standard library is used:
``json.JSONDecoder.raw_decode`` over a sliding text buffer.

A value that does not fit in the buffer is decoded again from its start after each read, so each read takes at
least as much as the buffer already holds unread: the reads grow geometrically and one value of n characters costs
O(n) decoding in all (a fixed read size made it O(n^2 / read size): 8.6 s for one 16.6 MB study).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["MAX_VALUE_CHARS", "JsonStreamError", "UnreadableStudy", "UnreadableValue", "iter_json_studies"]

#: A single value larger than this is taken as a broken stream rather than read on (bounds memory).
MAX_VALUE_CHARS = 64 * 1024 * 1024
_CHUNK = 1 << 16
_WS = " \t\r\n"


class JsonStreamError(ValueError):
    """The stream is not valid JSON (or not one of the three accepted shapes); ``offset`` is in characters."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(f"{message} (at character {offset})")


class UnreadableValue(JsonStreamError):
    """Valid JSON syntax that the decoder still cannot read: nested too deeply, or an integer too long."""


class _Reader:
    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.consumed = 0  # characters dropped from the front of the buffer
        self.eof = False

    def _fill(self) -> None:
        # Read at least as much as is still unread (geometric growth, see the module docstring), but never past
        # the largest value accepted; a short read (a pipe, a zip member) is not the end of the data.
        unread = len(self.buf) - self.pos
        want = max(_CHUNK, min(unread, MAX_VALUE_CHARS + 1 - unread))
        parts: list[bytes] = []
        got = 0
        while got < want:
            data = self._fh.read(want - got)
            if not data:
                self.eof = True
                break
            parts.append(data)
            got += len(data)
        text = self._decoder.decode(b"".join(parts), final=self.eof)
        self.consumed += self.pos
        self.buf = self.buf[self.pos :] + text
        self.pos = 0

    def offset(self) -> int:
        return self.consumed + self.pos

    def peek(self) -> str | None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return None
            self._fill()

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek()
            raise JsonStreamError(
                f"expected {char!r}, found {found!r}" if found else f"expected {char!r}", self.offset()
            )
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self._json.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise UnreadableValue("a value nested too deeply to read", self.offset()) from None
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise JsonStreamError(f"invalid JSON: {exc.msg}", self.consumed + exc.pos) from None
                if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                    raise JsonStreamError(
                        "invalid JSON: a value is larger than the reader accepts", self.offset()
                    ) from None
                self._fill()
                continue
            except ValueError as exc:  # an integer of more than 4300 digits
                raise UnreadableValue(f"a value Python refuses to read ({exc})", self.offset()) from None
            if end == len(self.buf) and not self.eof and not isinstance(obj, dict | list | str):
                self._fill()  # a number or literal may continue in the next chunk
                continue
            self.pos = end
            return obj

    def skip_value(self) -> None:
        """Move past the value at the current position without decoding it (brackets counted, strings skipped)."""
        depth = 0
        in_string = escaped = False
        start = self.offset()
        while True:
            while self.pos < len(self.buf):
                char = self.buf[self.pos]
                self.pos += 1
                if in_string:
                    if escaped:
                        escaped = False
                    elif char == "\\":
                        escaped = True
                    elif char == '"':
                        in_string = False
                elif char == '"':
                    in_string = True
                elif char in "[{":
                    depth += 1
                elif char in "]}":
                    depth -= 1
                    if depth == 0:
                        return
                elif depth == 0 and char in ",":
                    self.pos -= 1
                    return
            if self.eof or self.offset() - start > MAX_VALUE_CHARS:
                raise JsonStreamError("invalid JSON: a value does not end", self.offset())
            self._fill()


@dataclass(frozen=True)
class UnreadableStudy:
    """A study in an array that could not be decoded (too deeply nested, a number too long); the others are read."""

    reason: str
    offset: int


def _array(reader: _Reader) -> Iterator[Any]:
    reader.expect("[")
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        reader.peek()
        start = reader.offset()
        try:
            yield reader.value()
        except UnreadableValue as exc:
            reader.skip_value()
            yield UnreadableStudy(str(exc), start)
        nxt = reader.peek()
        if nxt == ",":
            reader.pos += 1
        elif nxt == "]":
            reader.pos += 1
            return
        else:
            raise JsonStreamError("expected ',' or ']' in the array of studies", reader.offset())


def iter_json_studies(fh: IO[bytes], envelope: dict[str, Any] | None = None) -> Iterator[Any]:
    """Yield each study object of a stream (see the module docstring) without reading the whole stream.

    ``envelope``, when given, receives the other top-level keys of a search response (e.g. ``nextPageToken``).
    """
    reader = _Reader(fh)
    first = reader.peek()
    if first is None:
        raise JsonStreamError("empty file", 0)
    if first == "[":
        yield from _array(reader)
    elif first == "{":
        # Either one study (decoded key by key) or a search response whose "studies" array is streamed.
        reader.expect("{")
        fields: dict[str, Any] = {}
        seen_studies = False
        if reader.peek() == "}":
            raise JsonStreamError("empty JSON object", reader.offset())
        while True:
            key = reader.value()
            if not isinstance(key, str):
                raise JsonStreamError("object key is not a string", reader.offset())
            reader.expect(":")
            if key == "studies" and reader.peek() == "[":
                seen_studies = True
                yield from _array(reader)
            else:
                fields[key] = reader.value()
            if reader.peek() == "}":
                reader.pos += 1
                break
            reader.expect(",")
        if seen_studies:
            if envelope is not None:
                envelope.update(fields)
        else:
            yield fields
    else:
        raise JsonStreamError("expected a JSON object or array", reader.offset())
    if reader.peek() is not None:
        raise JsonStreamError("extra data after the JSON value", reader.offset())
