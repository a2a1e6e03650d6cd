"""The frame every changing command shares: lock, tracking tables, history, release."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from schemashift.changelog.model import Change, ChangeSet
from schemashift.engine.options import RunOptions
from schemashift.errors import SchemashiftError
from schemashift.targets.connection import Target
from schemashift.targets.history import ChangeLogHistory, new_deployment_id
from schemashift.targets.lock import ChangeLogLock


@dataclass
class Session:
    """One command run against one target, holding DATABASECHANGELOGLOCK."""

    target: Target
    history: ChangeLogHistory
    lock: ChangeLogLock
    options: RunOptions
    contexts: Sequence[str] | str | None = None
    """The run's contexts and labels: they decide which ``modifySql`` edits apply, and so the checksum."""
    labels: str | None = None
    _checksums: dict[int, str] = field(default_factory=dict)

    def checksum(self, changeset: ChangeSet, version: int = 9) -> str:
        """The changeset's current checksum for this dialect and run (v9 computed once per run)."""
        if version != 9:
            return changeset.checksum(self.target.dialect, version, contexts=self.contexts, labels=self.labels)
        key = id(changeset)
        if key not in self._checksums:
            self._checksums[key] = changeset.checksum(self.target.dialect, contexts=self.contexts, labels=self.labels)
        return self._checksums[key]

    def statements_for(self, changeset: ChangeSet, change: Change, *, rollback: bool = False) -> list[str]:
        """What ``change`` sends in this run (generated against the live target, then ``modifySql``-edited)."""
        return changeset.statements_for(change, self.target.dialect, self.target, rollback=rollback,
                                        contexts=self.contexts, labels=self.labels)

    def probe(self) -> SessionProbe:
        """What preconditions ask: the target, plus this run's DATABASECHANGELOG (changeSetExecuted)."""
        return SessionProbe(self.target, self.history)


class SessionProbe:
    """The target as a DatabaseProbe that also knows which changesets have run."""

    def __init__(self, target: Target, history: ChangeLogHistory) -> None:
        self._target = target
        self._history = history

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def changeset_ran(self, file_path: str, id: str, author: str) -> bool:
        return self._history.find(ChangeSet(id=id, author=author, file_path=file_path)) is not None


@contextmanager
def locked_session(target: Target, options: RunOptions, contexts: Sequence[str] | str | None = None,
                   labels: str | None = None) -> Iterator[Session]:
    """Acquire the lock, make sure DATABASECHANGELOG is current, release the lock at the end."""
    deployment_id = options.deployment_id or new_deployment_id()
    lock = ChangeLogLock(target, run_id=options.run_id or deployment_id, options=options.lock)
    history = ChangeLogHistory(target, deployment_id=deployment_id)
    lock.acquire()
    try:
        history.ensure_table()
        yield Session(target, history, lock, options, contexts, labels)
    except BaseException:
        with suppress(SchemashiftError):  # keep the original failure, not a failed unlock
            lock.release()
        raise
    lock.release()


def read_only_session(target: Target, options: RunOptions | None = None, contexts: Sequence[str] | str | None = None,
                      labels: str | None = None) -> Session:
    """For status/validate/history: read DATABASECHANGELOG if it exists, create and lock nothing."""
    options = options or RunOptions()
    deployment_id = options.deployment_id or new_deployment_id()
    lock = ChangeLogLock(target, run_id=deployment_id, options=options.lock)
    return Session(target, ChangeLogHistory(target, deployment_id=deployment_id), lock, options, contexts, labels)
