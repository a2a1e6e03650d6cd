"""Statements parsed by each dialect's real parser into dialect-neutral operations."""

from __future__ import annotations

from schemashift.safety.sql.model import Analyzed, Op, SqlType, bare

__all__ = ["Analyzed", "Op", "SqlType", "analyze", "bare"]


def analyze(sql: str, dialect: str) -> list[Analyzed]:
    """Parse one generated statement: pglast for PostgreSQL, sqlglot for MySQL, MariaDB and SQLite."""
    if dialect == "postgresql":
        from schemashift.safety.sql import postgres

        return postgres.analyze(sql)
    from schemashift.safety.sql import generic

    return generic.analyze(sql, dialect)
