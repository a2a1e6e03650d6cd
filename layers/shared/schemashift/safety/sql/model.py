"""Dialect-neutral facts about a parsed statement: what the rules look at.

The PostgreSQL (pglast) and MySQL/MariaDB/SQLite (sqlglot) readers turn each statement into an
``Analyzed`` with one ``Op`` per schema or data operation, so a rule is written once against
``Op`` and only the lock rules look at the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OpKind = Literal[
    "create_table", "drop_table", "rename_table", "add_column", "drop_column", "rename_column", "alter_type",
    "set_not_null", "drop_not_null", "set_default", "drop_default", "add_constraint", "drop_constraint",
    "validate_constraint", "create_index", "drop_index", "create_view", "drop_view", "truncate", "delete", "update",
    "insert", "rebuild_table", "other_ddl",
]
ConstraintKind = Literal["unique", "primary_key", "foreign_key", "check", "index", "not_null"]


@dataclass(frozen=True)
class SqlType:
    """A column type reduced to a canonical name and its numeric arguments: ``varchar(50)``."""

    name: str
    args: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.args))})" if self.args else self.name


@dataclass
class Op:
    kind: OpKind
    table: str | None = None
    column: str | None = None
    name: str | None = None
    """Index, constraint or view name; for renames, the new name is ``new_name``."""
    new_name: str | None = None
    type: SqlType | None = None
    not_null: bool = False
    has_default: bool = False
    volatile_default: str | None = None
    """The volatile function in a new column's default (``random()``), or the column kind that fills every
    row (``serial``, ``identity``, ``stored generated``)."""
    constraint: ConstraintKind | None = None
    not_valid: bool = False
    using_index: bool = False
    concurrently: bool = False
    unique: bool = False
    has_where: bool = True
    where: str = ""
    """The WHERE text of an update/delete, lower-cased (to recognise ``WHERE c IS NULL`` backfills)."""
    set_columns: tuple[str, ...] = ()
    columns: dict[str, tuple[SqlType | None, bool]] = field(default_factory=dict)
    """create_table: the new table's columns, lower-cased, with their type and whether they are NOT NULL."""
    if_exists: bool = False
    detail: str = ""
    """rebuild_table: the change that needs the rebuild; other_ddl: what it is."""


@dataclass
class Analyzed:
    """One statement as the parser understood it."""

    sql: str
    ops: list[Op] = field(default_factory=list)
    parsed: bool = True
    error: str | None = None
    ddl: bool = False
    transactional: bool = True
    """False for statements PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM...)."""
    idempotent: bool = False
    """CREATE OR REPLACE / IF NOT EXISTS / DROP IF EXISTS: safe to re-run (runOnChange)."""
    algorithm: str | None = None
    """MySQL/MariaDB ``ALGORITHM=`` of an ALTER TABLE (upper case), if given."""
    lock: str | None = None


def bare(name: str | None) -> str:
    """An identifier for comparison: unquoted, lower-case, without its schema."""
    if not name:
        return ""
    last = name.rsplit(".", 1)[-1]
    return last.strip('"`[]').lower()
