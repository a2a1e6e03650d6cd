"""Liquibase 4.28 checksums (v9, and v8 for validating old rows) and change descriptions.

Bit-compatibility is the point: the MD5SUM column must equal what Liquibase writes, so
this mirrors ``CheckSum.compute``, ``AbstractSQLChange.NormalizingStream`` (v9),
``NormalizingStreamV8`` and ``StringChangeLogSerializer`` exactly, including Java's
UTF-16 string ordering of serialized fields.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from schemashift.changelog.model import Change, ChangeSet, Dialect

LATEST = 9
EMPTY_CHECKSUM = "9:d41d8cd98f00b204e9800998ecf8427e"
_ANY = {"1:any", "1:all", "1:*"}
_SQL_WHITESPACE = b" \t\r\n"
_V8_WHITESPACE = re.compile(rb"[ \t\r\n]+")


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def compute(text: str, version: int = LATEST) -> str:
    """``CheckSum.compute(String)``: unify line endings, drop U+FFFD, NFC, UTF-8, MD5."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufffd" in text:
        text = text.replace("\ufffd", "")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return f"{version}:{md5_hex(text.encode('utf-8'))}"


def sql_checksum(
    sql: str | bytes | None,
    version: int = LATEST,
    *,
    end_delimiter: str | None = None,
    split_statements: bool = True,
    strip_comments: bool = False,
) -> str:
    """Checksum of a SQL change body (``sql``, formatted SQL, ``sqlFile``).

    v9 hashes the UTF-8 bytes with every space, tab, CR and LF removed; the split and
    comment settings do not count. v8 prefixes a settings header and collapses whitespace.
    """
    data = sql.encode("utf-8") if isinstance(sql, str) else (sql or b"")
    if version >= 9:
        return f"{version}:{md5_hex(data.translate(None, _SQL_WHITESPACE))}"
    header = f"{end_delimiter if end_delimiter is not None else 'null'}:{_java(split_statements)}:"
    header += f"{_java(strip_comments)}:"
    body = _V8_WHITESPACE.sub(b" ", data.strip(b" \t\r\n"))
    return f"{version}:{md5_hex(header.encode('utf-8') + body)}"


def serialize(change: Change, version: int = LATEST) -> str:
    """``StringChangeLogSerializer.serialize``: the text a non-SQL change's checksum is taken of."""
    excluded = set(getattr(change, "checksum_excluded", _no_exclusions)(version))
    return f"{change.name}:{_object(change, 1, excluded)}"


def change_checksum(change: Change, version: int = LATEST) -> str:
    return compute(serialize(change, version), version)


def changeset_checksum(
    changeset: ChangeSet, dialect: Dialect | None, version: int = LATEST, *, contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
) -> str:
    """``ChangeSet.generateCheckSum``: the changes' checksums, each followed by ":", hashed again.

    In v9 a dbms-targeted change (sql, sqlFile, insert) whose ``dbms`` excludes the database
    is skipped; with no database known (``dialect`` None) every change counts. Then the ``modifySql``
    edits the run keeps (Liquibase's changeset filters remove the others before the checksum is taken).
    """
    parts: list[str] = []
    for change in changeset.changes:
        if version >= 9 and dialect is not None and change.is_dbms_targeted and not change.applies_to(dialect):
            continue
        parts.append(change.checksum(version))
        parts.append(":")
    for visitor in changeset.active_visitors(dialect, contexts, labels):
        parts.append(visitor.checksum(version))
        parts.append(";")
    return compute("".join(parts), version)


def parse_version(checksum: str) -> int:
    """The algorithm version of a stored checksum (``"8:..."`` -> 8; no prefix -> 1)."""
    head, sep, _ = checksum.partition(":")
    return int(head) if sep and head.isdigit() else 1


def normalize_valid_checksum(text: str) -> str:
    """A ``validCheckSum`` value as Liquibase's ``CheckSum.parse`` gives it (``ANY`` -> ``1:ANY``)."""
    text = text.strip()
    return text if re.match(r"^\d+:", text) else f"1:{text}"


def checksum_is_valid(
    changeset: ChangeSet, stored: str | None, dialect: Dialect | None, *, contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
) -> bool:
    """``ChangeSet.isCheckSumValid``: recompute with the stored version; honour validCheckSum."""
    valid = [normalize_valid_checksum(value) for value in changeset.valid_checksums]
    if any(value.lower() in _ANY for value in valid):
        return True
    if not stored:
        return True
    version = parse_version(stored)
    current = changeset.checksum(dialect, 8 if version <= 8 else version, contexts=contexts, labels=labels)
    return current == stored or any(value in (current, stored) for value in valid)


def describe_change(change: Change) -> str:
    """``AbstractChange.getDescription``: the name plus sorted ``*name=value`` and ``path=value`` pairs."""
    pairs: list[str] = []
    for field, value in change.checksum_fields().items():
        lower = field.lower()
        named = lower.endswith("name") and "schema" not in lower and "catalog" not in lower
        if (named or lower == "path") and value is not None:
            pairs.append(f"{field}={_scalar(value)}")
    if not pairs:
        return change.name
    return f"{change.name} {', '.join(sorted(pairs, key=_java_order))}"


def _no_exclusions(version: int) -> tuple[str, ...]:
    return ()


def _java(value: bool | None) -> str:
    return "null" if value is None else ("true" if value else "false")


def _java_order(text: str) -> bytes:
    """Sort key equal to Java's ``String.compareTo`` (UTF-16 code units)."""
    return text.encode("utf-16-be", "surrogatepass")


def _indent(level: int) -> str:
    return "    " * level


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        if "." in text:
            text = re.sub(r"(\.[0-9]+)0+$", r"\1", text)
            text = re.sub(r"\.0+$", "", text)
        return text
    return str(value)


def _is_object(value: Any) -> bool:
    return hasattr(value, "checksum_fields") and not isinstance(value, type)


def _object(obj: Any, indent: int, excluded: set[str]) -> str:
    lines: list[str] = []
    for field, value in obj.checksum_fields().items():
        if value is None or field in excluded:
            continue
        prefix = _indent(indent)
        if _is_object(value):
            lines.append(prefix + _object(value, indent + 1, excluded))
        elif isinstance(value, dict):
            lines.append(f"{prefix}{field}={_map(value, indent + 1)}")
        elif isinstance(value, list | tuple):
            lines.append(f"{prefix}{field}={_collection(value, indent + 1, excluded)}")
        else:
            lines.append(f'{prefix}{field}="{_scalar(value)}"')
    body = "\n" + "\n".join(sorted(set(lines), key=_java_order)) + "\n" if lines else ""
    return f"[{body}{_indent(indent - 1)}]"


def _collection(values: list[Any] | tuple[Any, ...], indent: int, excluded: set[str]) -> str:
    if not values:
        return "[]"
    items = [
        _indent(indent) + (_object(value, indent + 1, excluded) if _is_object(value) else _scalar(value))
        for value in values
    ]
    return "[\n" + ",\n".join(items) + "\n" + _indent(indent - 1) + "]"


def _map(values: dict[Any, Any], indent: int) -> str:
    if not values:
        return "[]"
    items = [f'{_indent(indent)}{key}="{values[key]}"' for key in sorted(values, key=lambda k: _java_order(str(k)))]
    return "{\n" + ",\n".join(items) + "\n" + _indent(indent - 1) + "}"


__all__ = [
    "EMPTY_CHECKSUM",
    "LATEST",
    "change_checksum",
    "changeset_checksum",
    "checksum_is_valid",
    "compute",
    "describe_change",
    "md5_hex",
    "normalize_valid_checksum",
    "parse_version",
    "serialize",
    "sql_checksum",
]
