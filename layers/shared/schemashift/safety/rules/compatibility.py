"""Backward-incompatible changes: the application version still running breaks after them."""

from __future__ import annotations

from typing import ClassVar

from schemashift.safety.rules.base import Rule, Scope, register
from schemashift.safety.sql.model import Analyzed, Op, OpKind
from schemashift.safety.sql.types import narrowing


@register
class RenameTable(Rule):
    id = "rename-table"
    category = "backward-incompatible"
    severity = "warning"
    summary = "Renaming a table breaks every query of the running application that names it"
    fix = ("Create the new table (or a view under the old name), move readers and writers over, then drop the "
           "old name in a later release")
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"rename_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        return f"renames table {op.table} to {op.new_name}" if scope.existing(op.table) else None


@register
class RenameColumn(Rule):
    id = "rename-column"
    category = "backward-incompatible"
    severity = "warning"
    summary = "Renaming a column breaks the running application's queries that name it"
    fix = "Add the new column, write both, backfill, switch readers, then drop the old column in a later release"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"rename_column"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table) or (op.new_name or "").lower() == (op.column or "").lower():
            return None
        return f"renames column {op.table}.{op.column} to {op.new_name}"


@register
class NotNullWithoutDefault(Rule):
    id = "not-null-without-default"
    category = "backward-incompatible"
    severity = "error"
    summary = "A new NOT NULL column without a default fails on a table with rows and breaks old inserts"
    fix = "Give the column a DEFAULT, or add it nullable, backfill, then add NOT NULL"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_column"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not op.not_null or op.has_default or not scope.existing(op.table):
            return None
        return f"adds NOT NULL column {op.table}.{op.column} without a default"


@register
class TypeNarrowing(Rule):
    id = "type-narrowing"
    category = "backward-incompatible"
    severity = "error"
    summary = "Changing a column to a narrower type fails on (or truncates) values that no longer fit"
    fix = "Check the longest/largest existing value first, or widen instead; narrow only after the data allows it"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"alter_type"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        known = scope.knowledge.column(op.table, op.column)
        if op.type is None or known is None or known.type is None or not scope.existing(op.table):
            return None
        reason = narrowing(known.type, op.type, scope.dialect)
        return f"changes {op.table}.{op.column} from {known.type} to {op.type}: {reason}" if reason else None
