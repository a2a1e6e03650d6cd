"""Transactional dry run on PostgreSQL: the pending changesets really run, then everything is rolled back.

Unlike ``update-sql`` (which only prints), the database parses, plans and executes every statement,
so a missing column, a type error or a failing constraint shows up with its timing; then one
ROLLBACK undoes all of it, DATABASECHANGELOG and its lock included. Locks are real while it runs,
bounded by ``lock_timeout``. A changeset with ``runInTransaction: false`` (CREATE INDEX
CONCURRENTLY) cannot run inside the transaction: the dry run stops there and says so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from schemashift.changelog.model import DatabaseChangeLog
from schemashift.engine import MigrationFailed, RunOptions, RunResult, status, update
from schemashift.targets.connection import Target


@dataclass
class DryRunChangeset:
    changeSetFQN: str
    status: str
    durationMs: float
    statements: int
    error: str | None = None


@dataclass
class DryRunReport:
    target: str
    ok: bool = True
    changesets: list[DryRunChangeset] = field(default_factory=list)
    error: dict[str, Any] | None = None
    """The failing changeset, statement and database message."""
    notRun: list[str] = field(default_factory=list)
    """Pending changesets after the failure (or the first non-transactional one)."""
    totalMs: float = 0.0
    rolledBack: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def transactional_dry_run(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    lock_timeout_ms: int = 10_000,
) -> DryRunReport:
    report = DryRunReport(target=target.url.display)
    pending = [item.fqn for item in status(target, changelog, contexts=contexts, labels=labels).pending]
    by_fqn = {changeset.fqn: changeset for changeset in changelog.changesets}
    runnable: list[str] = []
    for fqn in pending:
        if not by_fqn[fqn].run_in_transaction:
            report.ok = False
            report.error = {"changeSetFQN": fqn, "statement": None, "message": (
                "runInTransaction is false: this changeset cannot run inside the dry run's transaction")}
            break
        runnable.append(fqn)
    scoped = DatabaseChangeLog(changelog.root_file, [cs for cs in changelog.changesets if cs.fqn not in
                                                     set(pending) - set(runnable)],
                               changelog.preconditions, changelog.parameters)
    started = time.perf_counter()
    result: RunResult | None = None
    with target.always_rolled_back(lock_timeout_ms=lock_timeout_ms):
        try:
            result = update(target, scoped, contexts=contexts, labels=labels, options=RunOptions())
        except MigrationFailed as failure:
            result = failure.result
            report.ok = False
            report.error = {"changeSetFQN": failure.changeset, "statement": failure.statement,
                            "message": failure.db_error or failure.message}
    report.totalMs = round((time.perf_counter() - started) * 1000, 1)
    done = set()
    for outcome in (result.changesets if result is not None else []):
        done.add(outcome.fqn)
        report.changesets.append(DryRunChangeset(outcome.fqn, outcome.status, round(outcome.duration_ms, 2),
                                                 len(outcome.statements), outcome.error))
    report.notRun = [fqn for fqn in pending if fqn not in done]
    return report
