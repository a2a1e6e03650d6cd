"""Split a Flyway SQL script into statements and tell which cannot run inside a transaction.

Flyway's parsers end a statement at ``;`` outside strings, comments, PostgreSQL dollar quotes
and blocks (``BEGIN ... END`` of SQLite triggers, PostgreSQL ``BEGIN ATOMIC``), and MySQL/MariaDB
scripts may change the delimiter with ``DELIMITER``. Statements that PostgreSQL refuses inside a
transaction (``CREATE INDEX CONCURRENTLY``, ``VACUUM``, ...) and SQLite's ``PRAGMA foreign_keys``
make the migration non-transactional, as in Flyway's ``detectCanExecuteInTransaction``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemashift.changelog.splitting import tokenize

_PG_NON_TRANSACTIONAL = [
    re.compile(pattern) for pattern in (
        r"^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)", r"^ALTER SYSTEM",
        r"^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY", r"^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)",
        r"^VACUUM", r"^DISCARD ALL",
    )
]  # fmt: skip
_PG_ADD_VALUE = re.compile(r"^ALTER TYPE( .*)? ADD VALUE")
_DETECTION_WORDS = 8
"""Flyway decides from the first few keywords; a longer prefix changes nothing for these patterns."""


@dataclass(frozen=True)
class Statement:
    sql: str
    line: int
    transactional: bool


def split_script(sql: str, dialect: str, *, server_version: tuple[int, ...] = ()) -> list[Statement]:
    """The statements of ``sql`` (already placeholder-replaced) for ``dialect``."""
    mysql = dialect in ("mysql", "mariadb")
    statements: list[Statement] = []
    delimiter = ";"
    current: list[str] = []
    line = 1
    start_line = 1
    depth = 0
    words: list[str] = []
    text = sql.replace("\r\n", "\n").replace("\r", "\n")
    tokens = list(tokenize(text, dollar_quotes=dialect == "postgresql"))
    index = 0
    has_code = False
    while index < len(tokens):
        kind, piece = tokens[index]
        if mysql and delimiter != ";" and kind == "word" and len(piece) > len(delimiter) and piece.endswith(delimiter):
            tokens[index : index + 1] = [("word", piece[: -len(delimiter)]), ("other", delimiter)]
            kind, piece = tokens[index]
        if mysql and not has_code and kind == "word" and piece.upper() == "DELIMITER":
            after, new_delimiter = _read_delimiter(tokens, index + 1)
            if new_delimiter:
                delimiter = new_delimiter
                line += sum(t.count("\n") for _, t in tokens[index:after])
                index, current = after, []
                continue
        if not has_code and kind not in ("ws", "comment"):
            start_line = line
        if kind == "word":
            upper = piece.upper()
            words.append(upper)
            depth = _adjust_depth(dialect, upper, words, depth)
        if depth == 0 and kind not in ("string", "comment") and _ends_with_delimiter(tokens, index, delimiter):
            consumed = _delimiter_length(tokens, index, delimiter)
            _flush(statements, current, start_line, dialect, server_version)
            for _k, t in tokens[index : index + consumed]:
                line += t.count("\n")
            index += consumed
            current, words, has_code = [], [], False
            continue
        has_code = has_code or kind not in ("ws", "comment")
        current.append(piece)
        line += piece.count("\n")
        index += 1
    _flush(statements, current, start_line, dialect, server_version)
    return statements


def _read_delimiter(tokens: list[tuple[str, str]], index: int) -> tuple[int, str]:
    """After ``DELIMITER``: the new delimiter is the rest of the line, trimmed."""
    pieces: list[str] = []
    while index < len(tokens):
        text = tokens[index][1]
        if "\n" in text:
            pieces.append(text.partition("\n")[0])
            return index + 1, "".join(pieces).strip()
        pieces.append(text)
        index += 1
    return index, "".join(pieces).strip()


def _ends_with_delimiter(tokens: list[tuple[str, str]], index: int, delimiter: str) -> bool:
    return _delimiter_length(tokens, index, delimiter) > 0


def _delimiter_length(tokens: list[tuple[str, str]], index: int, delimiter: str) -> int:
    """How many tokens from ``index`` spell ``delimiter`` (0 when they do not)."""
    spelled = ""
    count = 0
    while index + count < len(tokens) and len(spelled) < len(delimiter):
        kind, text = tokens[index + count]
        if kind in ("string", "comment", "ws"):
            return 0
        spelled += text
        count += 1
    return count if spelled == delimiter else 0


def _adjust_depth(dialect: str, word: str, words: list[str], depth: int) -> int:
    if dialect == "sqlite":
        # Trigger bodies: BEGIN ... END (CASE ... END nests inside them).
        if (word == "BEGIN" and any(w == "TRIGGER" for w in words[:-1])) or (word == "CASE" and depth > 0):
            return depth + 1
        if word == "END" and depth > 0:
            return depth - 1
    elif dialect == "postgresql":
        if word == "ATOMIC" and len(words) > 1 and words[-2] == "BEGIN":
            return depth + 1
        if word == "CASE" and depth > 0:
            return depth + 1
        if word == "END" and depth > 0:
            return depth - 1
    return depth


def _flush(statements: list[Statement], pieces: list[str], line: int, dialect: str,
           server_version: tuple[int, ...]) -> None:
    sql = "".join(pieces).strip()
    if not sql or not _has_code(sql, dialect):
        return
    statements.append(Statement(sql, line, _transactional(sql, dialect, server_version)))


def _has_code(sql: str, dialect: str) -> bool:
    return any(kind not in ("ws", "comment") for kind, _ in tokenize(sql, dollar_quotes=dialect == "postgresql"))


def _simplified(sql: str, dialect: str) -> str:
    words = [text.upper() for kind, text in tokenize(sql, dollar_quotes=dialect == "postgresql") if kind == "word"]
    return " ".join(words[:_DETECTION_WORDS])


def _transactional(sql: str, dialect: str, server_version: tuple[int, ...]) -> bool:
    if dialect == "postgresql":
        simplified = _simplified(sql, dialect)
        if any(pattern.match(simplified) for pattern in _PG_NON_TRANSACTIONAL):
            return False
        if server_version and server_version < (12,) and _PG_ADD_VALUE.match(_simplified(sql, dialect)):
            return False
    elif dialect == "sqlite":
        return not _simplified(sql, dialect).startswith("PRAGMA FOREIGN_KEYS")
    return True
