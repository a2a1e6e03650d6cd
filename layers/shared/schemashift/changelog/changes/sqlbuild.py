"""SQL building blocks shared by the change types: identifiers, literals, SQLAlchemy compilation.

Identifiers follow Liquibase's quoting, not SQLAlchemy's, so that a changelog creates the same
objects here as under Liquibase: by default LEGACY (quote reserved words and unusual names; on
PostgreSQL also mixed-case names); a changeset's ``objectQuotingStrategy`` (``QUOTE_ALL_OBJECTS``,
``QUOTE_ONLY_RESERVED_WORDS``) applies while its statements are generated (:func:`quoting`).
SQLAlchemy is imported lazily, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect as SADialect
    from sqlalchemy.sql.elements import quoted_name

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_STRATEGY: ContextVar[str] = ContextVar("object_quoting_strategy", default="LEGACY")
QUOTING_STRATEGIES = ("LEGACY", "QUOTE_ALL_OBJECTS", "QUOTE_ONLY_RESERVED_WORDS")


@contextmanager
def quoting(strategy: str | None) -> Iterator[None]:
    """Generate identifiers with Liquibase's ``objectQuotingStrategy`` ``strategy`` (None: LEGACY)."""
    token = _STRATEGY.set(strategy or "LEGACY")
    try:
        yield
    finally:
        _STRATEGY.reset(token)


@cache
def sa_dialect(dialect: str) -> SADialect:
    """The SQLAlchemy dialect object that compiles statements for ``dialect``."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect()
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects import mysql

        compiled = mysql.dialect()
        compiled.is_mariadb = dialect == "mariadb"
        return compiled
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


@cache
def _reserved(dialect: str) -> frozenset[str]:
    return frozenset(word.lower() for word in sa_dialect(dialect).identifier_preparer.reserved_words)


def needs_quotes(name: str, dialect: str) -> bool:
    strategy = _STRATEGY.get()
    if strategy == "QUOTE_ALL_OBJECTS":
        return True
    if not _PLAIN.match(name) or name.lower() in _reserved(dialect):
        return True
    return strategy == "LEGACY" and dialect == "postgresql" and name != name.lower() and name != name.upper()


def quote(name: str, dialect: str) -> str:
    """An identifier as Liquibase (LEGACY quoting) writes it for ``dialect``."""
    if not needs_quotes(name, dialect):
        return name
    mark = "`" if dialect in ("mysql", "mariadb") else '"'
    return f"{mark}{name.replace(mark, mark * 2)}{mark}"


def qualified(schema: str | None, name: str, dialect: str) -> str:
    return f"{quote(schema, dialect)}.{quote(name, dialect)}" if schema else quote(name, dialect)


def column_list(names: str | list[str], dialect: str) -> str:
    parts = split_names(names) if isinstance(names, str) else names
    return ", ".join(_column_with_order(part, dialect) for part in parts)


def _column_with_order(part: str, dialect: str) -> str:
    pieces = part.split()
    if len(pieces) == 2 and pieces[1].upper() in ("ASC", "DESC"):
        return f"{quote(pieces[0], dialect)} {pieces[1].upper()}"
    return quote(part, dialect)


def split_names(names: str | None) -> list[str]:
    return [part.strip() for part in (names or "").split(",") if part.strip()]


def ident(name: str, dialect: str) -> quoted_name:
    """A SQLAlchemy name that compiles exactly as ``quote`` would write it."""
    from sqlalchemy.sql.elements import quoted_name

    return quoted_name(name, needs_quotes(name, dialect))


def string_literal(value: str, dialect: str) -> str:
    escaped = value.replace("'", "''")
    if dialect in ("mysql", "mariadb"):
        escaped = escaped.replace("\\", "\\\\")
    return f"'{escaped}'"


def boolean_literal(value: bool, dialect: str) -> str:
    if dialect == "postgresql":
        return "TRUE" if value else "FALSE"
    return "1" if value else "0"


def compile_ddl(element: Any, dialect: str) -> str:
    """Compile a SQLAlchemy DDL element to one clean statement (no trailing whitespace)."""
    text = str(element.compile(dialect=sa_dialect(dialect)))
    return re.sub(r"\s*\n\s*", " ", text).replace("( ", "(").replace(" )", ")").strip()


def compile_dml(statement: Any, dialect: str) -> str:
    compiled = statement.compile(dialect=sa_dialect(dialect), compile_kwargs={"literal_binds": True})
    return re.sub(r"\s*\n\s*", " ", str(compiled)).strip()


@cache
def _raw_type_classes() -> tuple[type, type]:
    from sqlalchemy import types
    from sqlalchemy.ext.compiler import compiles

    class RawType(types.UserDefinedType):  # type: ignore[type-arg]
        """A column type compiled verbatim (already mapped from Liquibase's name)."""

        cache_ok = True

        def __init__(self, spec: str) -> None:
            self.spec = spec

        def get_col_spec(self, **_: Any) -> str:
            return self.spec

    class RawInteger(types.Integer):
        """An integer type compiled verbatim, still recognised for autoincrement."""

        def __init__(self, spec: str) -> None:
            self.spec = spec

    @compiles(RawInteger)
    def _compile_raw_integer(element: RawInteger, compiler: Any, **_: Any) -> str:
        return element.spec

    return RawType, RawInteger


def sa_type(spec: str, *, integer: bool = False) -> Any:
    raw_type, raw_integer = _raw_type_classes()
    return raw_integer(spec) if integer else raw_type(spec)
