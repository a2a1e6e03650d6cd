"""Data-dependent changes: they succeed or fail depending on the rows already in the table."""

from __future__ import annotations

from typing import ClassVar

from schemashift.safety.rules.base import Rule, Scope, register
from schemashift.safety.sql.model import Analyzed, Op, OpKind, bare

_UNIQUE_REBUILDS = ("addPrimaryKey", "addUniqueConstraint")


@register
class UniqueOnExistingData(Rule):
    id = "unique-on-existing-data"
    category = "data-dependent"
    severity = "warning"
    summary = "A unique constraint, primary key or unique index on a table with rows fails if duplicates exist"
    fix = "Check for duplicates first (a precondition: sqlCheck on SELECT ... GROUP BY ... HAVING COUNT(*) > 1)"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_constraint", "create_index", "rebuild_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        if op.kind == "add_constraint" and op.constraint in ("unique", "primary_key") and not op.using_index:
            return f"adds {op.constraint.replace('_', ' ')} {op.name or ''} on {op.table}: fails on duplicate rows".replace(
                "  ", " ")
        if op.kind == "create_index" and op.unique:
            return f"creates unique index {op.name} on {op.table}: fails on duplicate rows"
        if op.kind == "rebuild_table" and op.detail in _UNIQUE_REBUILDS:
            return f"{op.detail} on {op.table}: the copied rows must be unique"
        return None


@register
class NotNullOnExistingData(Rule):
    id = "not-null-on-existing-data"
    category = "data-dependent"
    severity = "warning"
    summary = "Making an existing column NOT NULL fails if any row holds NULL"
    fix = "Backfill first (UPDATE ... SET col = ... WHERE col IS NULL, or addNotNullConstraint's defaultNullValue)"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"set_not_null", "alter_type", "rebuild_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        if op.kind == "rebuild_table" and op.detail != "addNotNullConstraint":
            return None
        if op.kind == "alter_type":  # MySQL/MariaDB MODIFY ... NOT NULL
            known = scope.knowledge.column(op.table, op.column)
            if not op.not_null or (known is not None and known.not_null):
                return None
        if (bare(op.table), bare(op.column)) in scope.filled:
            return None  # backfilled earlier in this changeset
        how = " (table rebuild)" if op.kind == "rebuild_table" else ""
        return f"makes {op.table}.{op.column} NOT NULL{how}: fails if a row holds NULL"


@register
class ForeignKeyOnExistingData(Rule):
    id = "foreign-key-on-existing-data"
    category = "data-dependent"
    severity = "warning"
    summary = "A foreign key on a table with rows fails if a row references a missing parent"
    fix = "Find orphans first (a precondition: sqlCheck on a LEFT JOIN ... WHERE parent IS NULL), delete or fix them"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_constraint", "rebuild_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        if op.kind == "rebuild_table":
            return (f"addForeignKeyConstraint on {op.table}: existing rows must reference existing parents"
                    if op.detail == "addForeignKeyConstraint" else None)
        if op.constraint != "foreign_key" or op.not_valid:
            return None
        return f"adds foreign key {op.name or ''} on {op.table}: fails on rows without a parent".replace("  ", " ")
