"""Flyway's migration versions: ``1.10`` after ``1.9``, ``1.0`` equal to ``1``, ``_`` as ``.``.

A version is a dot-separated list of non-negative integers compared part by part (missing
parts count as zero), exactly as Flyway's ``MigrationVersion``. The text shown and stored in
``flyway_schema_history.version`` is the file's version with underscores turned into dots
(``V1_2__x.sql`` -> ``1.2``; ``V001`` stays ``001``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import total_ordering

from schemashift.errors import ValidationFailed

_SPLIT = re.compile(r"\.(?=\d)")


class InvalidVersion(ValidationFailed):
    code = "FLYWAY_INVALID_VERSION"


@total_ordering
@dataclass(frozen=True)
class Version:
    """A comparable migration version; ``text`` is how Flyway displays and stores it."""

    text: str
    parts: tuple[int, ...] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, raw: str) -> Version:
        text = raw.replace("_", ".")
        pieces = _SPLIT.split(text)
        if not all(piece.isdigit() for piece in pieces):
            raise InvalidVersion(f"Version may only contain 0..9 and . (dot). Invalid version: {text}")
        numbers = [int(piece) for piece in pieces]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        return cls(text, tuple(numbers))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return _padded(self.parts, other.parts) == _padded(other.parts, self.parts)

    def __lt__(self, other: Version) -> bool:
        return _padded(self.parts, other.parts) < _padded(other.parts, self.parts)

    def __hash__(self) -> int:
        return hash(self.parts)

    def __str__(self) -> str:
        return self.text


def _padded(parts: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    return parts + (0,) * (len(other) - len(parts))


@dataclass(frozen=True)
class MigrationTarget:
    """``target``: ``latest`` (the default), ``current``, ``next``, a version, or ``<version>?``."""

    kind: str = "latest"
    """latest | current | next | version"""
    version: Version | None = None
    must_exist: bool = True
    """Flyway fails when a named target version has no migration, unless it ends with ``?``."""

    @classmethod
    def parse(cls, raw: str | None) -> MigrationTarget:
        text = "" if raw is None else str(raw).strip()
        if not text or text.lower() == "latest":
            return cls()
        if text.lower() in ("current", "next"):
            return cls(kind=text.lower())
        return cls(kind="version", version=Version.parse(text.rstrip("?")), must_exist=not text.endswith("?"))

    def __str__(self) -> str:
        return str(self.version) if self.version is not None else self.kind
