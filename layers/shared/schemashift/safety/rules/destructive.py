"""Destructive changes: data that is gone once the statement commits."""

from __future__ import annotations

from typing import ClassVar

from schemashift.safety.rules.base import Rule, Scope, register
from schemashift.safety.sql.model import Analyzed, Op, OpKind, bare


@register
class DropTable(Rule):
    id = "drop-table"
    category = "destructive"
    also = ("backward-incompatible",)
    severity = "error"
    summary = "DROP TABLE deletes the table and every row in it"
    fix = ("Stop the application using the table first, keep a backup or rename it to a *_deprecated name for a "
           "release, then drop it in a later changeset")
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"drop_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        return f"drops table {op.table} and all its rows"


@register
class DropColumn(Rule):
    id = "drop-column"
    category = "destructive"
    also = ("backward-incompatible",)
    severity = "error"
    summary = "DROP COLUMN deletes the column's data and breaks code that still reads or writes it"
    fix = ("Expand/contract: deploy application code that no longer uses the column, then drop it in a later "
           "release")
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"drop_column"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        return f"drops column {op.table}.{op.column} and its data"


@register
class DropView(Rule):
    id = "drop-view"
    category = "destructive"
    also = ("backward-incompatible",)
    severity = "warning"
    summary = "DROP VIEW breaks readers of the view"
    fix = "Replace the view (CREATE OR REPLACE VIEW) or drop it only after no reader uses it"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"drop_view"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if any(other.kind == "create_view" and other.name == op.name
               for later in scope.unit_rest(statement) for other in later.ops):
            return None  # dropped to be recreated in the same changeset
        return f"drops view {op.name}"


@register
class TruncateTable(Rule):
    id = "truncate-table"
    category = "destructive"
    severity = "error"
    summary = "TRUNCATE deletes every row"
    fix = "Delete the rows you mean with a WHERE clause, or archive the table first"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"truncate"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        return f"deletes every row of {op.table}" if scope.existing(op.table) else None


@register
class DeleteWithoutWhere(Rule):
    id = "delete-without-where"
    category = "destructive"
    severity = "error"
    summary = "DELETE without WHERE deletes every row"
    fix = "Add a WHERE clause naming the rows to delete"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"delete"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.has_where or not scope.existing(op.table):
            return None
        return f"deletes every row of {op.table}"


@register
class UpdateWithoutWhere(Rule):
    id = "update-without-where"
    category = "destructive"
    severity = "error"
    summary = "UPDATE without WHERE rewrites every row"
    fix = "Add a WHERE clause; for a backfill of a large table, update in batches"
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"update"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.has_where or not scope.existing(op.table):
            return None
        if op.set_columns and all((bare(op.table), column) in scope.added_here for column in op.set_columns):
            return None  # a backfill of columns this changeset added: nothing is overwritten
        return f"sets {', '.join(op.set_columns) or 'columns'} on every row of {op.table}"
