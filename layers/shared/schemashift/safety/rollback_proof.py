"""Rollback proof: update -> rollback -> update each pending changeset, comparing schema snapshots.

Liquibase's ``update-testing-rollback`` runs update, rolls the changesets back and updates again,
failing only when a statement fails. This goes one changeset at a time and compares the schema
before the changeset with the schema after its rollback, so a rollback that runs but leaves a
column behind is found, and the report names the first changeset whose rollback does not restore
the schema. Run it on a scratch target (``schemashift.safety.scratch``), never on a live database.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from schemashift.changelog.model import DatabaseChangeLog, RollbackImpossible
from schemashift.engine import MigrationFailed, RunOptions, rollback_count, status, update
from schemashift.targets.connection import Target
from schemashift.targets.snapshot import TRACKING_TABLES, schema_snapshot, snapshot_difference

StepStatus = Literal["RESTORED", "NOT_RESTORED", "NO_ROLLBACK", "UPDATE_FAILED", "ROLLBACK_FAILED", "REAPPLY_FAILED"]
FAILING: tuple[StepStatus, ...] = ("NOT_RESTORED", "UPDATE_FAILED", "ROLLBACK_FAILED", "REAPPLY_FAILED")


@dataclass
class RollbackStep:
    changeSetFQN: str
    status: StepStatus
    differences: list[str] = field(default_factory=list)
    """What the rollback left different from the schema before the changeset."""
    error: str | None = None
    durationMs: float = 0.0
    stopped: bool = False
    """The database is no longer in a state later changesets expect, so the proof ended here."""


@dataclass
class RollbackTestReport:
    target: str
    steps: list[RollbackStep] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)
    """Pending changesets after the step that stopped the proof."""

    @property
    def first_failure(self) -> RollbackStep | None:
        return next((step for step in self.steps if step.status in FAILING), None)

    @property
    def ok(self) -> bool:
        return self.first_failure is None

    def to_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.status] = counts.get(step.status, 0) + 1
        return {"target": self.target, "ok": self.ok, "counts": counts,
                "firstFailure": asdict(failure) if failure else None, "steps": [asdict(s) for s in self.steps],
                "unproven": self.unproven}


def prove_rollbacks(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    description: str | None = None,
) -> RollbackTestReport:
    """Prove each pending changeset's rollback on ``target`` (a scratch target: it is changed)."""
    report = RollbackTestReport(target=description or target.url.display)
    pending = {item.fqn for item in status(target, changelog, contexts=contexts, labels=labels).pending}
    options = RunOptions()
    for index, changeset in enumerate(changelog.changesets):
        if changeset.fqn not in pending:
            continue
        started = time.perf_counter()
        # The changelog up to this changeset: update runs exactly it (and nothing after it).
        prefix = DatabaseChangeLog(changelog.root_file, changelog.changesets[: index + 1],
                                   changelog.preconditions, changelog.parameters)
        step = _prove(target, prefix, changeset, contexts, labels, options)
        step.durationMs = round((time.perf_counter() - started) * 1000, 1)
        report.steps.append(step)
        step.stopped = step.stopped or step.status in ("UPDATE_FAILED", "ROLLBACK_FAILED", "REAPPLY_FAILED")
        if step.stopped:
            report.unproven = [cs.fqn for cs in changelog.changesets[index + 1 :] if cs.fqn in pending]
            break
    return report


def _prove(target: Target, prefix: DatabaseChangeLog, changeset: Any, contexts: Any, labels: str | None,
           options: RunOptions) -> RollbackStep:
    fqn = changeset.fqn
    before = schema_snapshot(target, exclude=TRACKING_TABLES)
    try:
        update(target, prefix, contexts=contexts, labels=labels, options=options)
    except MigrationFailed as failure:
        return RollbackStep(fqn, "UPDATE_FAILED", error=failure.message)
    try:
        changeset.rollback_changes()
    except RollbackImpossible as impossible:
        return RollbackStep(fqn, "NO_ROLLBACK", error=impossible.message.removeprefix(f"{fqn}: "))
    try:
        rollback_count(target, prefix, 1, contexts=contexts, labels=labels, options=options)
    except MigrationFailed as failure:
        return RollbackStep(fqn, "ROLLBACK_FAILED", error=failure.message)
    differences = snapshot_difference(before, schema_snapshot(target, exclude=TRACKING_TABLES))
    try:
        update(target, prefix, contexts=contexts, labels=labels, options=options)
    except MigrationFailed as failure:
        # Typically because of what the rollback left behind (the column exists already).
        step = RollbackStep(fqn, "NOT_RESTORED" if differences else "REAPPLY_FAILED", differences,
                            error=f"update after the rollback failed: {failure.db_error or failure.message}")
        step.stopped = True
        return step
    return RollbackStep(fqn, "NOT_RESTORED" if differences else "RESTORED", differences)
