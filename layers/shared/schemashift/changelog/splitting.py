"""Split a SQL body into statements the way Liquibase does, plus PostgreSQL dollar quoting.

Liquibase tokenizes with its SimpleSqlGrammar (whitespace, comments, strings, quoted
identifiers, words, symbols) and ends a statement at ``;`` or at ``GO`` / ``/`` beginning a
line, never inside ``BEGIN ... END``. It does not understand ``$$`` bodies (liquibase#5538);
we do, so a PL/pgSQL function body is never split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

_UNICODE_LETTERS = "\u00c0-\u00d6\u00d8-\u00f6\u00f7-\u02c1\u0370-\u1fff\u2c00-\ud7ff\uf900-\ufdcf"
_WORD = rf"[A-Za-z{_UNICODE_LETTERS}$_][A-Za-z0-9{_UNICODE_LETTERS}$_#@]*"
_QUOTED_ID = r'"[^"\r\n]+"|`[^`\r\n]+`|\[[^0-9\]][^\]\r\n]*\]'
_SQ_STRING = r"'(?:''|\\.|[^\\'])*(?:'|\\')"
_DQ_STRING = r'"(?:""|\\.|[^\\"])*(?:"|\\")'

_TOKEN_PATTERN = rf"""
    (?P<ws>[\s\u0085\u00a0\u1680\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]+)
  | (?P<line_comment>--[^\r\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<dollar>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)
  | (?P<number>(?:\d+)?\.\d+(?:[eE][+-]?\d+)?|\d+\.(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
  | (?P<string>(?:RB|_utf8|[UENRB])?(?:{_SQ_STRING}|{_DQ_STRING}))
  | (?P<word>(?:{_WORD}|{_QUOTED_ID})(?:[\r\n ]*\.[\r\n ]*(?:{_WORD}|{_QUOTED_ID}))*)
  | (?P<other>.)
    """
_FLAGS = re.VERBOSE | re.DOTALL | re.IGNORECASE


@cache
def _tokenizer(dollar_quotes: bool) -> re.Pattern[str]:
    """Compiled on first use: the pattern is large and most imports never split SQL."""
    pattern = _TOKEN_PATTERN if dollar_quotes else _TOKEN_PATTERN.replace("(?P<dollar>", "(?P<never>(?!)")
    return re.compile(pattern, _FLAGS)


_NOT_BLOCK_AFTER_BEGIN = {"transaction", "trans", "tran", "dialog", "conversation", "distributed"}
_NOT_BLOCK_AFTER_END = {"transaction", "trans", "tran"}


def tokenize(sql: str, *, dollar_quotes: bool = True) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, text)`` tokens; kinds: ws, comment, string, word, number, other."""
    pattern = _tokenizer(dollar_quotes)
    position, length = 0, len(sql)
    while position < length:
        match = pattern.match(sql, position)
        assert match is not None  # the final alternative matches any character
        kind = match.lastgroup or "other"
        text = match.group(0)
        if kind == "dollar":
            closing = sql.find(text, match.end())
            if closing < 0:
                match = _tokenizer(False).match(sql, position)
                assert match is not None
                kind, text = "word", match.group(0)
            else:
                kind, text = "string", sql[position : closing + len(text)]
        elif kind in ("line_comment", "block_comment"):
            kind = "comment"
        yield kind, text
        position += len(text)


def split_statements(
    sql: str,
    *,
    split: bool = True,
    end_delimiter: str | None = None,
    strip_comments: bool = False,
    dialect: str | None = None,
) -> list[str]:
    """Statements of a SQL body, as Liquibase's ``StringUtil.processMultiLineSQL`` produces them.

    ``dialect`` enables PostgreSQL dollar quoting (on for ``postgresql`` and when unknown).
    """
    body = sql.strip().replace("\r", "")
    if not body:
        return []
    dollar_quotes = dialect in (None, "postgresql")
    tokens = [
        (kind, text)
        for kind, text in tokenize(body, dollar_quotes=dollar_quotes)
        if not (strip_comments and kind == "comment")
    ]
    if end_delimiter:
        tokens = _merge_delimiter_tokens(tokens, end_delimiter)
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    previous: str | None = None
    for index, (kind, text) in enumerate(tokens):
        upper = text.upper() if kind == "word" else ""
        if upper in ("BEGIN", "END"):
            following = _next_significant(tokens, index).lower()
            if upper == "BEGIN" and following not in _NOT_BLOCK_AFTER_BEGIN:
                depth += 1
            elif upper == "END" and depth > 0 and following not in _NOT_BLOCK_AFTER_END:
                depth -= 1
        significant = kind not in ("string", "comment")
        if depth == 0 and split and significant and _is_delimiter(text, previous, end_delimiter):
            _flush(current, statements)
            current = []
        else:
            current.append(text)
        previous = text
    _flush(current, statements)
    return statements


def _flush(pieces: list[str], statements: list[str]) -> None:
    statement = "".join(pieces).strip()
    if statement:
        statements.append(statement)


def _next_significant(tokens: list[tuple[str, str]], index: int) -> str:
    for _kind, text in tokens[index + 1 :]:
        if text.strip():
            return text.strip()
    return ""


def _is_delimiter(piece: str, previous: str | None, end_delimiter: str | None) -> bool:
    at_line_start = previous is None or previous.endswith("\n")
    if end_delimiter is None:
        return piece == ";" or (piece.lower() in ("go", "/") and at_line_start)
    if len(end_delimiter) == 1:
        if end_delimiter == "/" and not at_line_start:
            return False
        return piece.lower() == end_delimiter.lower()
    if piece.lower() == end_delimiter.lower():
        return True
    try:
        return re.fullmatch(r"[\s\n\r]*" + end_delimiter.lower(), f"{previous}{piece}".lower()) is not None
    except re.error:
        return False


def _merge_delimiter_tokens(tokens: list[tuple[str, str]], end_delimiter: str) -> list[tuple[str, str]]:
    """Join consecutive tokens that together spell a multi-character delimiter such as ``//``."""
    merged: list[tuple[str, str]] = []
    pending: list[tuple[str, str]] = []
    for token in tokens:
        text = token[1]
        if not pending:
            if end_delimiter.startswith(text):
                pending.append(token)
            else:
                merged.append(token)
            continue
        candidate = "".join(piece for _kind, piece in pending) + text
        if candidate == end_delimiter:
            merged.append(("other", candidate))
            pending = []
        elif end_delimiter.startswith(candidate):
            pending.append(token)
        else:
            merged.extend(pending)
            merged.append(token)
            pending = []
    merged.extend(pending)
    return merged
