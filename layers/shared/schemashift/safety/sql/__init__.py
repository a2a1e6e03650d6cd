"""Statements parsed by each dialect's real parser into dialect-neutral operations."""

from __future__ import annotations

import re

from schemashift.safety.sql.model import Analyzed, Op, SqlType, bare

_INSERT = re.compile(r"\s*INSERT\s+INTO\s", re.I)

__all__ = ["Analyzed", "Op", "SqlType", "analyze", "bare"]


def analyze(sql: str, dialect: str) -> list[Analyzed]:
    """Parse one generated statement: pglast for PostgreSQL, sqlglot for MySQL, MariaDB and SQLite.

    A plain ``INSERT`` is recognised by its first word and not parsed: no rule looks inside one, and
    data changesets (loadData, insert) are most of the statements of many changelogs.
    """
    if _INSERT.match(sql):
        return [Analyzed(sql, ops=[Op("insert")])]
    if dialect == "postgresql":
        from schemashift.safety.sql import postgres

        return postgres.analyze(sql)
    from schemashift.safety.sql import generic

    return generic.analyze(sql, dialect)
