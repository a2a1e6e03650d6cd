"""Correctness: changesets that will fail, cannot be undone, or misbehave when re-run."""

from __future__ import annotations

from collections.abc import Iterable

from schemashift.safety.rules.base import Rule, Scope, register
from schemashift.safety.sql.model import Analyzed


@register
class NoRollback(Rule):
    id = "no-rollback"
    category = "correctness"
    severity = "warning"
    summary = "The changeset cannot be rolled back (no automatic inverse and no explicit rollback)"
    fix = "Add a rollback (--rollback in formatted SQL, <rollback> in XML/YAML), or 'empty' when none is needed"

    def check_unit(self, scope: Scope) -> Iterable[str]:
        if scope.unit.rollback == "none":
            yield scope.unit.rollback_problem or "no rollback"


@register
class NonTransactionalInTransaction(Rule):
    id = "non-transactional-in-transaction"
    category = "correctness"
    severity = "error"
    summary = "A statement PostgreSQL refuses inside a transaction block, in a changeset that runs in one"
    fix = "Set runInTransaction:false on the changeset and keep that statement alone in it"
    dialects = ("postgresql",)

    def check_statement(self, statement: Analyzed, scope: Scope) -> str | None:
        if statement.transactional or not scope.unit.run_in_transaction:
            return None
        return "cannot run inside a transaction block, and the changeset runs in one (runInTransaction is true)"


@register
class RunOnChangeDdl(Rule):
    id = "run-on-change-ddl"
    category = "correctness"
    severity = "warning"
    summary = "runOnChange on a changeset with DDL that fails or duplicates when run again"
    fix = "Use runOnChange only for re-runnable definitions (CREATE OR REPLACE VIEW/FUNCTION, IF NOT EXISTS)"

    def check_unit(self, scope: Scope) -> Iterable[str]:
        if not scope.unit.run_on_change:
            return
        dropped: set[str] = set()
        for statement in scope.statements:
            dropped |= {op.name or "" for op in statement.ops if op.kind.startswith("drop_") and op.if_exists}
            recreated = all(op.kind.startswith("create_") and op.name in dropped for op in statement.ops)
            if statement.ddl and not statement.idempotent and statement.ops and not recreated:
                first = statement.sql.strip().splitlines()[0][:80] if statement.sql.strip() else ""
                yield f"runs again on every change, but '{first}' is not re-runnable"
                return


@register
class InvalidChange(Rule):
    id = "invalid-change"
    category = "correctness"
    severity = "error"
    summary = "A change whose SQL cannot be generated for this dialect (it will fail when applied)"
    fix = "Fix the change's attributes for this dialect, or limit the changeset with dbms"

    def check_unit(self, scope: Scope) -> Iterable[str]:
        yield from scope.unit.problems


@register
class SqlNotAnalyzed(Rule):
    id = "sql-not-analyzed"
    category = "analysis"
    severity = "info"
    summary = "The dialect's parser could not read the statement, so no other rule checked it"
    fix = "Review the statement by hand; report it if it is valid SQL for the dialect"

    def check_statement(self, statement: Analyzed, scope: Scope) -> str | None:
        return None if statement.parsed else f"not parsed: {statement.error}"
