"""Incremental reading of a top-level JSON array, one element at a time.

Request bodies can hold a million rows; ``json.loads`` would build every row object at once.
Here only the decoded text of the current chunk and one element exist at a time.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from schemashift.errors import ValidationFailed

DEFAULT_CHUNK_BYTES = 1 << 20
_WHITESPACE = " \t\n\r"


def iter_json_array(stream: BinaryIO, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[Any]:
    """Yield the elements of the JSON array in ``stream``; malformed input is ``ValidationFailed``."""
    reader = _ChunkedText(stream, chunk_bytes)
    reader.skip_whitespace()
    if reader.peek() != "[":
        raise _invalid("the body must be a JSON array", None)
    reader.advance()
    index = 0
    reader.skip_whitespace()
    if reader.peek() == "]":
        reader.advance()
    else:
        while True:
            yield reader.decode_value(index)
            index += 1
            reader.skip_whitespace()
            separator = reader.peek()
            reader.advance()
            if separator == "]":
                break
            if separator != ",":
                raise _invalid(f"expected ',' or ']' after element {index - 1}", index - 1)
            reader.skip_whitespace()
    reader.skip_whitespace()
    if reader.peek() != "":
        raise _invalid("unexpected data after the JSON array", None)


def _invalid(reason: str, row: int | None) -> ValidationFailed:
    return ValidationFailed(f"Invalid JSON body: {reason}", details={"row": row, "reason": reason})


class _ChunkedText:
    """A text window over a byte stream that grows only when a value straddles its end."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int) -> None:
        self._stream = stream
        self._chunk_bytes = chunk_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._text = ""
        self._pos = 0
        self._eof = False

    def peek(self) -> str:
        """The next character, or "" at the end of the input."""
        while self._pos >= len(self._text) and not self._eof:
            self._fill(self._chunk_bytes)
        return self._text[self._pos] if self._pos < len(self._text) else ""

    def advance(self) -> None:
        self._pos += 1

    def skip_whitespace(self) -> None:
        while True:
            while self._pos < len(self._text) and self._text[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._text) or self._eof:
                return
            self._fill(self._chunk_bytes)

    def decode_value(self, index: int) -> Any:
        read_size = self._chunk_bytes
        while True:
            try:
                value, end = self._json.raw_decode(self._text, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof:
                    raise _invalid(f"element {index}: {exc.msg}", index) from None
            else:
                # A number or literal that ends exactly at the window's edge may continue in the next chunk.
                if end < len(self._text) or self._eof:
                    self._pos = end
                    return value
            self._fill(read_size)
            read_size *= 2  # a single huge element must not cost quadratic re-parsing

    def _fill(self, size: int) -> None:
        try:
            chunk = self._stream.read(size)
            self._eof = not chunk
            decoded = self._decoder.decode(chunk or b"", final=self._eof)
        except UnicodeDecodeError as exc:
            raise _invalid(f"not UTF-8 text ({exc.reason})", None) from None
        self._text = self._text[self._pos :] + decoded
        self._pos = 0
