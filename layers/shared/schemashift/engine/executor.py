"""Run changesets forwards (update) and backwards (rollback), one transaction each.

A changeset's statements and its DATABASECHANGELOG write share one transaction (when
``runInTransaction`` is true), so a failure leaves neither behind; on MySQL/MariaDB any DDL
commits implicitly, so earlier DDL of a failing changeset stays, as under Liquibase.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from schemashift.changelog.model import Change, ChangeSet
from schemashift.engine.errors import MigrationFailed
from schemashift.engine.host_commands import run_host_command
from schemashift.engine.planning import Planned, RanEntry
from schemashift.engine.results import ChangesetResult, ChangesetStatus, RunResult
from schemashift.engine.session import Session
from schemashift.engine.validation import command_refused
from schemashift.errors import SchemashiftError, ValidationFailed
from schemashift.targets.errors import StatementFailed
from schemashift.targets.history import RanChangeSet


def run_forward(session: Session, to_run: list[Planned], result: RunResult, *, preview: bool = False) -> None:
    """Execute ``to_run`` in order within the run's budget; ``result.remaining`` counts the rest.

    A failing changeset is reported (status FAILED, with its error) to the result and the
    finish callback before MigrationFailed is raised.
    """
    _each_within_budget(
        session, to_run, result, "EXECUTED",
        lambda item, outcome: _execute(session, item, outcome, result, preview=preview),
    )


def mark_ran(session: Session, changesets: list[ChangeSet], result: RunResult) -> None:
    """changelog-sync: record each changeset as EXECUTED without running it."""
    for changeset in changesets:
        _notify_start(session, changeset)
        outcome = ChangesetResult.of(changeset, "EXECUTED")
        _record_alone(session, changeset, "EXECUTED", outcome, result)
        result.changesets.append(outcome)
        _notify_finish(session, outcome)


def run_backward(session: Session, entries: list[RanEntry], result: RunResult) -> None:
    """Roll back ``entries`` (newest first) and delete their rows, within the run's budget."""
    _each_within_budget(
        session, entries, result, "ROLLED_BACK", lambda entry, outcome: _roll_back(session, entry, outcome, result)
    )


_Item = TypeVar("_Item", Planned, RanEntry)


def _each_within_budget(session: Session, items: list[_Item], result: RunResult, status: ChangesetStatus,
                        step: Callable[[_Item, ChangesetResult], None]) -> None:
    """Run ``step`` on each item while the budget lasts, reporting each and renewing the lock between them."""
    for position, item in enumerate(items):
        if not session.options.budget_left(position):
            result.remaining = len(items) - position
            return
        _notify_start(session, item.changeset)
        outcome = ChangesetResult.of(item.changeset, status)
        with _reporting(session, outcome, result):
            step(item, outcome)
        session.lock.renew()


@contextmanager
def _reporting(session: Session, outcome: ChangesetResult, result: RunResult) -> Iterator[None]:
    """Time the changeset, add its outcome to the result and call back, also when it fails."""
    started = time.perf_counter()
    try:
        yield
    except MigrationFailed as error:
        outcome.status = "FAILED"
        outcome.error = error.db_error or error.message
        raise
    finally:
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        result.changesets.append(outcome)
        _notify_finish(session, outcome)


def _execute(session: Session, item: Planned, outcome: ChangesetResult, result: RunResult, *, preview: bool) -> None:
    changeset, target = item.changeset, session.target
    target.comment(f"Changeset {changeset.fqn}")
    if changeset.comment and changeset.comment.strip():
        target.comment(changeset.comment.strip())
    if changeset.marked_ran_on_validation_failure(target.dialect):
        action: str | None = "MARK_RAN"  # before its preconditions, as in Liquibase
    else:
        action = _precondition_action(session, changeset, outcome, result, preview=preview)
    if action == "CONTINUE":
        outcome.status = "SKIPPED"
    elif action == "MARK_RAN":
        outcome.status = "MARK_RAN"
        _record_alone(session, changeset, "MARK_RAN", outcome, result)
    else:
        exec_type: ChangesetStatus = "EXECUTED" if item.status == "NOT_RAN" else "RERAN"
        outcome.status = exec_type
        try:
            with _ChangesetTransaction(session, changeset, outcome) as transaction:
                for change in changeset.changes:
                    _run_change(session, changeset, change, outcome)
                statement, row = session.history.record_statement(changeset, exec_type, session.checksum(changeset))
                transaction.finish(statement)
        except _StatementError as failure:
            if changeset.fail_on_error:
                raise _migration_failed(changeset, failure, result, "failed") from failure.cause
            outcome.status = "FAILED"
            outcome.error = failure.message
        else:
            session.history.remember(row)


def _roll_back(session: Session, entry: RanEntry, outcome: ChangesetResult, result: RunResult) -> None:
    changeset, target = entry.changeset, session.target
    target.comment(f"Rolling Back ChangeSet: {changeset.fqn}")
    try:
        with _ChangesetTransaction(session, changeset, outcome) as transaction:
            for change in changeset.rollback_changes():
                _run_change(session, changeset, change, outcome, rollback=True)
            transaction.finish(session.history.remove_statement(entry.ran))
    except _StatementError as failure:
        raise _migration_failed(changeset, failure, result, "rollback failed") from failure.cause
    session.history.forget(entry.ran)


def _precondition_action(
    session: Session, changeset: ChangeSet, outcome: ChangesetResult, result: RunResult, *, preview: bool
) -> str | None:
    """None to run the changeset; CONTINUE or MARK_RAN to skip it; raises on HALT."""
    preconditions = changeset.preconditions
    if preconditions is None:
        return None
    evaluation = preconditions.evaluate(session.probe(), sql_output=preview)
    if evaluation.status == "passed":
        return None
    message = f"Precondition {evaluation.status}: {evaluation.message}"
    if evaluation.action == "HALT":
        raise MigrationFailed(
            f"Migration failed for changeset {changeset.fqn}: {message}", changeset=changeset.fqn, result=result
        )
    if evaluation.action == "WARN":
        outcome.warnings.append(message)
        return None
    outcome.warnings.append(message)
    return evaluation.action


class _ChangesetTransaction:
    """The changeset's transaction (unless runInTransaction is false), ended by its history write."""

    def __init__(self, session: Session, changeset: ChangeSet, outcome: ChangesetResult) -> None:
        self.target = session.target
        self.transactional = changeset.run_in_transaction
        self.outcome = outcome

    def __enter__(self) -> _ChangesetTransaction:
        if self.transactional:
            self.target.begin()
        return self

    def finish(self, sql: str) -> None:
        """Write the DATABASECHANGELOG statement and commit (one round trip on PostgreSQL)."""
        try:
            if self.transactional:
                self.target.commit_with(sql)
            else:
                self.target.execute(sql)
        except StatementFailed as error:
            raise _StatementError(error.db_message, sql, error) from error
        self.outcome.statements.append(sql)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            self.target.rollback()


def _run_change(session: Session, changeset: ChangeSet, change: Change, outcome: ChangesetResult,
                *, rollback: bool = False) -> None:
    try:
        statements = session.statements_for(changeset, change, rollback=rollback)
        _run_host_command(session, change)
    except SchemashiftError as error:
        raise _StatementError(error.message, None, error) from error
    for sql in statements:
        _execute_sql(session, sql, outcome)


def _run_host_command(session: Session, change: Change) -> None:
    """executeCommand: run its command where allowed; a preview (update-sql) shows it as a comment."""
    command = change.host_command()
    if command is None:
        return
    if session.target.is_recording:
        session.target.comment(command.display)
    elif command.runs_here:
        if not session.options.run_commands:  # validation refuses it first; never run it regardless
            raise ValidationFailed(command_refused(command))
        run_host_command(command)


def _execute_sql(session: Session, sql: str, outcome: ChangesetResult) -> None:
    try:
        session.target.execute(sql)
    except StatementFailed as error:
        raise _StatementError(error.db_message, sql, error) from error
    outcome.statements.append(sql)


def _record(session: Session, changeset: ChangeSet, exec_type: str, outcome: ChangesetResult) -> RanChangeSet:
    """Write the changeset's DATABASECHANGELOG row; the caller remembers it once committed."""
    statement, row = session.history.record_statement(changeset, exec_type, session.checksum(changeset))
    _execute_sql(session, statement, outcome)
    return row


def _record_alone(
    session: Session, changeset: ChangeSet, exec_type: str, outcome: ChangesetResult, result: RunResult
) -> None:
    """Record a changeset that runs nothing (MARK_RAN, changelog-sync)."""
    try:
        session.history.remember(_record(session, changeset, exec_type, outcome))
    except _StatementError as failure:
        raise _migration_failed(changeset, failure, result, "could not be recorded") from failure.cause


class _StatementError(Exception):
    def __init__(self, message: str, sql: str | None, cause: BaseException) -> None:
        super().__init__(message)
        self.message = message
        self.sql = sql
        self.cause = cause


def _migration_failed(changeset: ChangeSet, failure: _StatementError, result: RunResult, what: str) -> MigrationFailed:
    where = f"\n  statement: {failure.sql}" if failure.sql else ""
    error = MigrationFailed(
        f"Changeset {changeset.fqn} {what}: {failure.message}{where}",
        changeset=changeset.fqn,
        statement=failure.sql,
        db_error=failure.message,
        result=result,
    )
    # A dropped connection is worth retrying; a rejected statement is not.
    error.retryable = isinstance(failure.cause, StatementFailed) and failure.cause.retryable
    return error


def _notify_start(session: Session, changeset: ChangeSet) -> None:
    if session.options.on_changeset_start is not None:
        session.options.on_changeset_start(changeset)


def _notify_finish(session: Session, outcome: ChangesetResult) -> None:
    if session.options.on_changeset_finish is not None:
        session.options.on_changeset_finish(outcome)
