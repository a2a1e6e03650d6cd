"""Lock-heavy changes: statements that block reads or writes of a table while they run.

Per dialect, because each database locks differently: PostgreSQL takes ACCESS EXCLUSIVE or
SHARE locks and rewrites tables; MySQL/MariaDB copy the table unless the change is INSTANT or
INPLACE; SQLite rebuilds the table for any ALTER it cannot express.
"""

from __future__ import annotations

from typing import ClassVar

from schemashift.safety.rules.base import Rule, Scope, register
from schemashift.safety.sql.model import Analyzed, Op, OpKind
from schemashift.safety.sql.types import inplace_on_mysql, rewrites_on_postgresql

MYSQL = ("mysql", "mariadb")


@register
class PgIndexNotConcurrent(Rule):
    id = "pg-index-not-concurrent"
    category = "lock-heavy"
    severity = "warning"
    summary = "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds"
    fix = ("CREATE INDEX CONCURRENTLY in its own changeset with runInTransaction:false (Liquibase: a sql change, "
           "or createIndex with modifySql)")
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"create_index"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.concurrently or not scope.existing(op.table):
            return None
        return f"builds index {op.name or ''} on {op.table} under a SHARE lock (writes wait)".replace("  ", " ")


@register
class PgColumnTypeRewrite(Rule):
    id = "pg-column-type-rewrite"
    category = "lock-heavy"
    severity = "warning"
    summary = "ALTER COLUMN ... TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock"
    fix = ("Add a new column of the new type, backfill it in batches, switch the application, drop the old one; "
           "varchar(n) -> varchar(m > n) / text does not rewrite")
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"alter_type"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.type is None or not scope.existing(op.table):
            return None
        known = scope.knowledge.column(op.table, op.column)
        old = known.type if known else None
        if not rewrites_on_postgresql(old, op.type):
            return None
        change = f"from {old} to {op.type}" if old else f"to {op.type} (current type unknown)"
        return f"changes {op.table}.{op.column} {change}, rewriting the table"


@register
class PgVolatileDefault(Rule):
    id = "pg-volatile-default"
    category = "lock-heavy"
    severity = "warning"
    summary = "ADD COLUMN with a volatile default (or serial/identity/stored generated) rewrites the table"
    fix = "Add the column without the default, set the default, then backfill existing rows in batches"
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_column"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not op.volatile_default or not scope.existing(op.table):
            return None
        return f"adds {op.table}.{op.column} filled by {op.volatile_default} for every row, rewriting the table"


@register
class PgConstraintNotValid(Rule):
    id = "pg-constraint-not-valid"
    category = "lock-heavy"
    severity = "warning"
    summary = "Adding a FOREIGN KEY or CHECK constraint validates every row while holding a lock"
    fix = "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later changeset"
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_constraint"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.constraint not in ("foreign_key", "check") or op.not_valid or not scope.existing(op.table):
            return None
        what = "foreign key" if op.constraint == "foreign_key" else "check constraint"
        return f"adds {what} {op.name or ''} on {op.table} without NOT VALID (scans the table under lock)".replace(
            "  ", " ")


@register
class PgUniqueWithoutIndex(Rule):
    id = "pg-unique-without-index"
    category = "lock-heavy"
    severity = "warning"
    summary = "ADD UNIQUE / PRIMARY KEY builds its index while blocking writes"
    fix = "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE/PRIMARY KEY USING INDEX"
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"add_constraint"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if op.constraint not in ("unique", "primary_key") or op.using_index or not scope.existing(op.table):
            return None
        what = "primary key" if op.constraint == "primary_key" else "unique constraint"
        return f"adds {what} {op.name or ''} on {op.table}, building its index under lock".replace("  ", " ")


@register
class PgSetNotNullScan(Rule):
    id = "pg-set-not-null-scan"
    category = "lock-heavy"
    severity = "warning"
    summary = "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"
    fix = ("ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT c, then SET NOT NULL "
           "(PostgreSQL 12+ skips the scan) and drop the check")
    dialects = ("postgresql",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"set_not_null"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        return f"sets {op.table}.{op.column} NOT NULL, scanning every row under an exclusive lock"


@register
class MysqlAlterCopy(Rule):
    id = "mysql-alter-copy"
    category = "lock-heavy"
    severity = "warning"
    summary = "ALTER TABLE that MySQL/MariaDB can only run with ALGORITHM=COPY (the table is copied, writes blocked)"
    fix = ("Add ALGORITHM=INPLACE, LOCK=NONE (or INSTANT) so the server refuses rather than copies, or run it "
           "with an online schema change tool (gh-ost, pt-online-schema-change)")
    dialects = MYSQL
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"alter_type", "drop_constraint", "add_constraint", "add_column",
                                                    "other_ddl"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if statement.algorithm in ("INPLACE", "INSTANT", "NOCOPY") or not scope.existing(op.table):
            return None
        reason = _copy_reason(op, scope)
        if reason is None and statement.algorithm == "COPY" and op is statement.ops[0]:
            reason = "ALGORITHM=COPY is requested"
        return f"copies {op.table or 'the table'}: {reason}" if reason else None


def _copy_reason(op: Op, scope: Scope) -> str | None:
    if op.kind == "alter_type" and op.type is not None:
        known = scope.knowledge.column(op.table, op.column)
        old = known.type if known else None
        if inplace_on_mysql(old, op.type):
            return None
        return f"{op.column} changes type {'from ' + str(old) + ' ' if old else ''}to {op.type}"
    if op.kind == "drop_constraint" and op.constraint == "primary_key":
        return "the primary key is dropped"
    if op.kind == "add_constraint" and op.constraint == "foreign_key":
        return f"foreign key {op.name or ''} is added with foreign_key_checks on".replace("  ", " ")
    if op.kind == "add_column" and op.volatile_default == "stored generated":
        return f"stored generated column {op.column} is added"
    if op.kind == "other_ddl" and op.detail == "CONVERT TO CHARACTER SET":
        return "the character set is converted"
    return None


@register
class SqliteTableRebuild(Rule):
    id = "sqlite-table-rebuild"
    category = "lock-heavy"
    severity = "warning"
    summary = "SQLite cannot ALTER this in place: the table is recreated and every row copied in one transaction"
    fix = "Expect the database to be write-locked for the copy; batch such changes into one changeset per table"
    dialects = ("sqlite",)
    kinds: ClassVar[frozenset[OpKind]] = frozenset({"rebuild_table"})

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        if not scope.existing(op.table):
            return None
        return f"{op.detail} rebuilds table {op.table} (create, copy every row, drop, rename)"
