"""The names of a SQLite table's keys, read from its ``CREATE TABLE`` text.

SQLite keeps constraint names nowhere but in the text of the statement (``sqlite_master.sql``,
stored as written). SQLAlchemy finds them with regular expressions that only work on some ways
of writing it: on one line a UNIQUE after a named foreign key takes the text between them as its
name (``fk_x FOREIGN KEY (a) REFERENCES p(id), CONSTRAINT uq_ab``), a line break between
``CONSTRAINT name`` and the key loses the name, and quoted names of keys are not found. Here the text
is tokenized (quoted identifiers, strings, comments, nested parentheses), so the names come out the
same however the statement is laid out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    \s+ | --[^\n]*(?:\n|$) | /\*.*?(?:\*/|$)          # layout and comments (skipped)
  | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<string>'(?:[^']|'')*')
  | (?P<punct>[(),])
  | (?P<word>[^\s"'`\[(),]+)
""", re.VERBOSE | re.DOTALL)

_STARTS_CONSTRAINT = {"PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED",
                      "AS", "FOREIGN"}
"""Words that begin a column or table constraint: the one a pending ``CONSTRAINT name`` is given to."""


@dataclass(frozen=True)
class Token:
    text: str
    """A name without its quotes; a word as written."""
    kind: str
    """``quoted``, ``string``, ``punct`` or ``word``."""

    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


@dataclass
class Constraints:
    """The keys a ``CREATE TABLE`` declares, with their names (None: not named)."""

    primary_key: str | None = None
    uniques: list[tuple[str | None, list[str]]] = field(default_factory=list)
    """``(name, columns)`` of each UNIQUE, the table's and the columns' own."""
    foreign_keys: list[tuple[str | None, list[str], str, list[str]]] = field(default_factory=list)
    """``(name, columns, referred table, referred columns)``; no referred columns: the referred primary key."""


def tokens(sql: str) -> list[Token]:
    found: list[Token] = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind is None:
            continue
        text = match.group(kind)
        if kind == "quoted":
            quote = text[0]
            text = text[1:-1] if quote == "[" else text[1:-1].replace(quote * 2, quote)
        elif kind == "string":
            text = text[1:-1].replace("''", "'")
        found.append(Token(text, kind))
    return found


def constraints(sql: str) -> Constraints:
    """The keys of the ``CREATE TABLE`` statement ``sql``; nothing for any other text."""
    result = Constraints()
    for element in _elements(tokens(sql)):
        first = element[0].keyword()
        if first in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            _table_constraint(element, result)
        else:
            _column_constraints(element, result)
    return result


def _elements(found: list[Token]) -> list[list[Token]]:
    """The comma-separated column definitions and table constraints inside the outer parentheses."""
    start = next((i for i, token in enumerate(found) if token.kind == "punct" and token.text == "("), None)
    if start is None or any(token.keyword() == "AS" for token in found[:start]):
        return []
    elements: list[list[Token]] = [[]]
    depth = 0
    for token in found[start + 1:]:
        if token.kind == "punct":
            if token.text == ")" and depth == 0:
                break
            if token.text == "," and depth == 0:
                elements.append([])
                continue
            depth += {"(": 1, ")": -1, ",": 0}[token.text]
        elements[-1].append(token)
    return [element for element in elements if element]


def _group(element: list[Token], at: int) -> tuple[list[list[Token]], int]:
    """The comma-separated items of the parenthesized group opening at ``at`` (if one does), and the
    index after it."""
    if at >= len(element) or element[at].text != "(" or element[at].kind != "punct":
        return [], at
    items: list[list[Token]] = [[]]
    depth = 0
    for position in range(at + 1, len(element)):
        token = element[position]
        if token.kind == "punct":
            if token.text == ")" and depth == 0:
                return [item for item in items if item], position + 1
            if token.text == "," and depth == 0:
                items.append([])
                continue
            depth += {"(": 1, ")": -1, ",": 0}[token.text]
        items[-1].append(token)
    return [item for item in items if item], len(element)


def _columns(items: list[list[Token]]) -> list[str]:
    """Column names of an indexed-column list (``a COLLATE NOCASE, b DESC``: a, b)."""
    return [item[0].text for item in items]


def _table_constraint(element: list[Token], result: Constraints) -> None:
    name = None
    at = 0
    if element[0].keyword() == "CONSTRAINT" and len(element) > 1:
        name, at = element[1].text, 2
    kind = element[at].keyword() if at < len(element) else None
    if kind == "PRIMARY":  # PRIMARY KEY (columns)
        result.primary_key = name
    elif kind == "UNIQUE":
        result.uniques.append((name, _columns(_group(element, at + 1)[0])))
    elif kind == "FOREIGN":  # FOREIGN KEY (columns) REFERENCES table [(columns)]
        items, after = _group(element, at + 2)
        if after + 1 < len(element) and element[after].keyword() == "REFERENCES":
            referred, _ = _group(element, after + 2)
            result.foreign_keys.append((name, _columns(items), element[after + 1].text, _columns(referred)))


def _column_constraints(element: list[Token], result: Constraints) -> None:
    column = element[0].text
    pending: str | None = None
    depth = 0
    position = 1
    while position < len(element):
        token = element[position]
        position += 1
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            continue
        word = token.keyword()
        if depth or word is None:
            continue
        if word == "CONSTRAINT" and position < len(element):
            pending = element[position].text
            position += 1
            continue
        if word == "PRIMARY":
            result.primary_key = pending
        elif word == "UNIQUE":
            result.uniques.append((pending, [column]))
        elif word == "REFERENCES" and position < len(element):
            referred, after = _group(element, position + 1)
            result.foreign_keys.append((pending, [column], element[position].text, _columns(referred)))
            position = after
        if word in _STARTS_CONSTRAINT:
            pending = None
