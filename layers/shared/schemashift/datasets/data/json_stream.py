"""Incremental reading of a top-level JSON array, one element at a time.

Request bodies can hold a million rows; ``json.loads`` would build every row object at once.
Here only the decoded text of the current window (about one chunk) and its elements exist at a
time. Most of a window is parsed in one C-speed ``json.loads`` call: the text from the current
element up to the window's last comma is tried as an array. That only parses when the comma
separates top-level elements (a cut inside a string or a nested value always leaves something
unclosed), so a failed try just means element-by-element decoding up to that comma, which is
also what pinpoints the element of a genuine syntax error.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from schemashift.errors import ValidationFailed

DEFAULT_CHUNK_BYTES = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BOUNDARY_TRIES = 4


def iter_json_array(stream: BinaryIO, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[Any]:
    """Yield the elements of the JSON array in ``stream``; malformed input is ``ValidationFailed``."""
    reader = _ChunkedText(stream, chunk_bytes)
    if reader.open_array():
        index = 0
        while True:
            bulk = reader.bulk_values()
            if bulk:
                yield from bulk
                index += len(bulk)
                continue
            yield reader.value(index)
            if reader.separator(index) == "]":
                break
            index += 1
    reader.expect_end()


def _invalid(reason: str, row: int | None) -> ValidationFailed:
    return ValidationFailed(f"Invalid JSON body: {reason}", details={"row": row, "reason": reason})


class _ChunkedText:
    """A text window over a byte stream that grows only when a value straddles its end."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int) -> None:
        self._stream = stream
        self._chunk_bytes = chunk_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._decode = json.JSONDecoder().raw_decode
        self._text = ""
        self._pos = 0
        self._eof = False
        self._no_bulk_before = 0  # a failed bulk cut: go element by element up to here

    def open_array(self) -> bool:
        """Consume ``[``; False when the array is empty (``]`` consumed too)."""
        if self._next_char() != "[":
            raise _invalid("the body must be a JSON array", None)
        if self._next_char(consume=False) == "]":
            self._pos += 1
            return False
        return True

    def bulk_values(self) -> list[Any]:
        """Whole elements up to the window's last ``},`` / ``],`` boundary (consumed), or [] if none."""
        pos = _WHITESPACE.match(self._text, self._pos).end()
        if not self._eof and len(self._text) - pos < self._chunk_bytes // 2:
            self._pos = pos
            self._fill(self._chunk_bytes)
            pos = 0
        cut = self._last_boundary(max(pos, self._no_bulk_before))
        if cut <= pos:
            return []
        try:
            values = json.loads("[" + self._text[pos:cut] + "]")
        except json.JSONDecodeError:
            self._no_bulk_before = cut + 1
            return []
        self._pos = cut + 1
        return values

    def _last_boundary(self, low: int) -> int:
        """Position of the last comma after a closing bracket at or after ``low`` (-1 if none).

        Rows are objects (or key arrays), so a comma right after a closing bracket is the likely
        end of a row; a comma after a number or string is usually between fields.
        """
        text, end = self._text, len(self._text)
        for _ in range(_BOUNDARY_TRIES):
            close = max(text.rfind("}", low, end), text.rfind("]", low, end))
            if close < 0:
                return -1
            after = _WHITESPACE.match(text, close + 1).end()
            if after < len(text) and text[after] == ",":
                return after
            end = close
        return -1

    def value(self, index: int) -> Any:
        read_size = self._chunk_bytes
        while True:
            pos = _WHITESPACE.match(self._text, self._pos).end()
            try:
                value, end = self._decode(self._text, pos)
            except json.JSONDecodeError as exc:
                if self._eof:
                    raise _invalid(f"element {index}: {exc.msg}", index) from None
            else:
                # A number cut by the window's edge ("-2." of "-2.5") decodes as a shorter number,
                # so only a visible separator proves the value complete.
                after = _WHITESPACE.match(self._text, end).end()
                if self._eof or (after < len(self._text) and self._text[after] in ",]"):
                    self._pos = end
                    return value
            self._pos = pos
            self._fill(read_size)
            read_size *= 2  # a single huge element must not cost quadratic re-parsing

    def separator(self, index: int) -> str:
        """Consume the ``,`` or ``]`` after element ``index``."""
        char = self._next_char()
        if char not in (",", "]"):
            raise _invalid(f"expected ',' or ']' after element {index}", index)
        return char

    def expect_end(self) -> None:
        if self._next_char(consume=False) != "":
            raise _invalid("unexpected data after the JSON array", None)

    def _next_char(self, *, consume: bool = True) -> str:
        """The next non-whitespace character ("" at the end of input)."""
        while True:
            self._pos = _WHITESPACE.match(self._text, self._pos).end()
            if self._pos < len(self._text):
                char = self._text[self._pos]
                self._pos += consume
                return char
            if self._eof:
                return ""
            self._fill(self._chunk_bytes)

    def _fill(self, size: int) -> None:
        try:
            chunk = self._stream.read(size)
            self._eof = not chunk
            decoded = self._decoder.decode(chunk or b"", final=self._eof)
        except UnicodeDecodeError as exc:
            raise _invalid(f"not UTF-8 text ({exc.reason})", None) from None
        self._no_bulk_before = max(self._no_bulk_before - self._pos, 0)
        self._text = self._text[self._pos :] + decoded
        self._pos = 0
