"""Arrow type names as users write them in ``arrowType`` / ``dataType``.

Names are case-insensitive and have aliases (``string`` = ``utf8``); every type has one
canonical lower-case spelling so stored schemas compare by text.
Grammar: ``name | timestamp[unit] | list<T> | fixed_size_list[N]<T>``, nesting allowed.

Validating and normalising names needs no pyarrow (API handlers outside the data image use
them); pyarrow is imported only when an Arrow type object is built or read.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from schemashift.errors import ValidationFailed

if TYPE_CHECKING:
    import pyarrow as pa

# Canonical simple names -> pyarrow factory names.
_SIMPLE: dict[str, str] = {
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "float16": "float16",
    "float32": "float32",
    "float64": "float64",
    "utf8": "string",
    "largeutf8": "large_string",
    "binary": "binary",
    "largebinary": "large_binary",
    "bool": "bool_",
    "date32": "date32",
    "date64": "date64",
    "null": "null",
}

ALIASES: dict[str, str] = {
    "float": "float32",
    "double": "float64",
    "string": "utf8",
    "large_utf8": "largeutf8",
    "largestring": "largeutf8",
    "large_string": "largeutf8",
    "large_binary": "largebinary",
    "boolean": "bool",
}

TIMESTAMP_UNITS = ("s", "ms", "us", "ns")
MAX_TYPE_DEPTH = 16
"""Nesting of list types (``list<list<...>>``)."""
MAX_LIST_SIZE = 65_536
"""Largest ``fixed_size_list`` (embeddings are at most a few thousand dimensions)."""
DEFAULT_TIMESTAMP_UNIT = "us"

#: Every accepted spelling of a non-parameterised type, canonical names first.
SIMPLE_TYPE_NAMES: tuple[str, ...] = (*_SIMPLE, *ALIASES)

# Parsed form: ("simple", name) | ("timestamp", unit) | ("list", item) | ("fixed_size_list", size, item)
_Tree = tuple


def parse_arrow_type(text: str) -> pa.DataType:
    """Parse a type name into a pyarrow type; raise ``ValidationFailed`` naming the offending text."""
    return _build(_parse(text))


def normalize_arrow_type(text: str) -> str:
    """Canonical spelling of a user-written type name (no pyarrow needed)."""
    return _canonical(_parse(text))


def type_category(text: str) -> str:
    """``list`` | ``fixed_size_list`` | ``timestamp`` | the canonical simple name, without pyarrow."""
    tree = _parse(text)
    return tree[1] if tree[0] == "simple" else tree[0]


def format_arrow_type(data_type: pa.DataType) -> str:
    """Canonical lower-case name of a supported Arrow type (inverse of ``parse_arrow_type``)."""
    import pyarrow as pa

    name = _simple_names().get(data_type)
    if name is not None:
        return name
    if pa.types.is_timestamp(data_type):
        if data_type.tz is not None:
            raise _bad_type(str(data_type), "timestamps with a time zone are not supported")
        return f"timestamp[{data_type.unit}]"
    if pa.types.is_fixed_size_list(data_type):
        return f"fixed_size_list[{data_type.list_size}]<{format_arrow_type(data_type.value_type)}>"
    if pa.types.is_list(data_type):
        return f"list<{format_arrow_type(data_type.value_type)}>"
    raise _bad_type(str(data_type), "this Arrow type is not supported")


def is_list_type(data_type: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_list(data_type) or pa.types.is_fixed_size_list(data_type)


@functools.cache
def _simple_names() -> dict[pa.DataType, str]:
    import pyarrow as pa

    return {getattr(pa, factory)(): name for name, factory in _SIMPLE.items()}


def _parse(text: str) -> _Tree:
    if not isinstance(text, str) or not text.strip():
        raise _bad_type(text, "a type name is required")
    parser = _Parser(text)
    tree = parser.parse_type()
    parser.expect_end()
    return tree


def _canonical(tree: _Tree) -> str:
    kind = tree[0]
    if kind == "simple":
        return tree[1]
    if kind == "timestamp":
        return f"timestamp[{tree[1]}]"
    if kind == "list":
        return f"list<{_canonical(tree[1])}>"
    return f"fixed_size_list[{tree[1]}]<{_canonical(tree[2])}>"


def _build(tree: _Tree) -> pa.DataType:
    import pyarrow as pa

    kind = tree[0]
    if kind == "simple":
        return getattr(pa, _SIMPLE[tree[1]])()
    if kind == "timestamp":
        return pa.timestamp(tree[1])
    if kind == "list":
        return pa.list_(_build(tree[1]))
    return pa.list_(_build(tree[2]), tree[1])


def _bad_type(text: object, reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid arrowType {text!r}: {reason}",
        details={"arrowType": text, "reason": reason},
    )


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


class _Parser:
    """Recursive-descent parser over the type grammar; positions make errors precise."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # positions stay aligned
        self.pos = 0
        self.depth = 0

    def parse_type(self) -> _Tree:
        self.depth += 1
        if self.depth > MAX_TYPE_DEPTH:
            raise self._error(f"types nest at most {MAX_TYPE_DEPTH} levels")
        word = self._word()
        if word == "timestamp":
            unit = DEFAULT_TIMESTAMP_UNIT
            if self._accept("["):
                unit = self._word()
                if unit not in TIMESTAMP_UNITS:
                    raise self._error(f"timestamp unit must be one of {', '.join(TIMESTAMP_UNITS)}")
                self._expect("]")
            return ("timestamp", unit)
        if word == "list":
            self._expect("<")
            item = self.parse_type()
            self._expect(">")
            return ("list", item)
        if word == "fixed_size_list":
            self._expect("[")
            size = self._positive_int()
            self._expect("]")
            self._expect("<")
            item = self.parse_type()
            self._expect(">")
            if item[0] in ("list", "fixed_size_list"):
                raise self._error("fixed_size_list items must be a primitive type (Lance stores no nested lists there)")
            return ("fixed_size_list", size, item)
        name = ALIASES.get(word, word)
        if name not in _SIMPLE:
            raise self._error(f"unknown type {word!r}")
        return ("simple", name)

    def expect_end(self) -> None:
        self._skip_space()
        if self.pos != len(self.text):
            raise self._error("unexpected trailing text")

    def _word(self) -> str:
        self._skip_space()
        start = self.pos
        while self.pos < len(self.lowered) and _is_word_char(self.lowered[self.pos]):
            self.pos += 1
        if start == self.pos:
            raise self._error("expected a type name")
        return self.lowered[start : self.pos]

    def _positive_int(self) -> int:
        word = self._word()
        if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= MAX_LIST_SIZE:
            raise self._error(f"fixed_size_list size must be an integer from 1 to {MAX_LIST_SIZE}")
        return int(word)

    def _accept(self, char: str) -> bool:
        self._skip_space()
        if self.lowered.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def _expect(self, char: str) -> None:
        if not self._accept(char):
            raise self._error(f"expected {char!r}")

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _error(self, reason: str) -> ValidationFailed:
        return _bad_type(self.text, f"{reason} at position {self.pos}")
