"""Typed results of the engine's commands; nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from schemashift.changelog.model import ChangeSet
from schemashift.targets.history import RanChangeSet

ChangesetStatus = Literal["EXECUTED", "RERAN", "MARK_RAN", "SKIPPED", "FAILED", "ROLLED_BACK"]
"""Liquibase's exec types, plus SKIPPED (precondition onFail=CONTINUE), FAILED (failOnError=false)
and ROLLED_BACK."""


@dataclass
class ChangesetResult:
    """What happened to one changeset in a run."""

    fqn: str
    id: str
    author: str
    file_path: str
    status: ChangesetStatus
    statements: list[str] = field(default_factory=list)
    """The SQL sent for the changeset, in order, including its DATABASECHANGELOG write."""
    duration_ms: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, changeset: ChangeSet, status: ChangesetStatus) -> ChangesetResult:
        return cls(changeset.fqn, changeset.id, changeset.author, changeset.file_path, status)


@dataclass
class RunResult:
    """The outcome of update / rollback / changelog-sync (and their SQL previews)."""

    command: str
    deployment_id: str
    changesets: list[ChangesetResult] = field(default_factory=list)
    remaining: int = 0
    """Selected changesets not started because the run's budget (deadline, max_changesets) ran out."""
    checksums_upgraded: int = 0
    warnings: list[str] = field(default_factory=list)
    stale_lock_broken: str | None = None
    """LOCKEDBY of a stale lock this run took over, if it did."""

    @property
    def done(self) -> bool:
        return self.remaining == 0

    def count(self, *statuses: ChangesetStatus) -> int:
        return sum(1 for result in self.changesets if result.status in statuses)


@dataclass
class SqlPreview:
    """update-sql / rollback-sql: the exact SQL a run would send, with nothing executed."""

    run: RunResult
    statements: list[str]
    script: str


@dataclass(frozen=True)
class PendingChangeSet:
    fqn: str
    id: str
    author: str
    file_path: str
    reason: Literal["not ran", "run always", "checksum changed"]


@dataclass
class StatusResult:
    pending: list[PendingChangeSet]
    ran: int
    """How many changesets in scope have already run."""

    @property
    def up_to_date(self) -> bool:
        return not self.pending


@dataclass
class ValidationResult:
    errors: list[str]
    warnings: list[str]

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class HistoryResult:
    rows: list[RanChangeSet]


@dataclass
class TagResult:
    tag: str
    tagged: str
    """FQN of the row that now carries the tag."""


@dataclass
class ClearChecksumsResult:
    rows: int


@dataclass
class ReleaseLocksResult:
    was_locked: bool
    locked_by: str | None
    lock_granted: datetime | None
