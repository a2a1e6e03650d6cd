"""Incremental reading of a top-level JSON array, one element at a time.

Request bodies can hold a million rows; ``json.loads`` would build every row object at once.
Here only the decoded text of the current chunk and one element exist at a time.
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


def iter_json_array(stream: BinaryIO, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[Any]:
    """Yield the elements of the JSON array in ``stream``; malformed input is ``ValidationFailed``."""
    reader = _ChunkedText(stream, chunk_bytes)
    if reader.open_array():
        index = 0
        while True:
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

    def open_array(self) -> bool:
        """Consume ``[``; False when the array is empty (``]`` consumed too)."""
        if self._next_char() != "[":
            raise _invalid("the body must be a JSON array", None)
        if self._next_char(consume=False) == "]":
            self._pos += 1
            return False
        return True

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
                # A number or literal that ends exactly at the window's edge may continue in the next chunk.
                if end < len(self._text) or self._eof:
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
        self._text = self._text[self._pos :] + decoded
        self._pos = 0
