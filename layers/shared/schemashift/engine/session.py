"""The frame every changing command shares: lock, tracking tables, history, release."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from schemashift.changelog.model import ChangeSet
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
    _checksums: dict[int, str] = field(default_factory=dict)

    def checksum(self, changeset: ChangeSet) -> str:
        """The changeset's current (v9) checksum for this dialect, computed once per run."""
        key = id(changeset)
        if key not in self._checksums:
            self._checksums[key] = changeset.checksum(self.target.dialect)
        return self._checksums[key]

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
def locked_session(target: Target, options: RunOptions) -> Iterator[Session]:
    """Acquire the lock, make sure DATABASECHANGELOG is current, release the lock at the end."""
    deployment_id = options.deployment_id or new_deployment_id()
    lock = ChangeLogLock(target, run_id=options.run_id or deployment_id, options=options.lock)
    history = ChangeLogHistory(target, deployment_id=deployment_id)
    lock.acquire()
    try:
        history.ensure_table()
        yield Session(target, history, lock, options)
    except BaseException:
        with suppress(SchemashiftError):  # keep the original failure, not a failed unlock
            lock.release()
        raise
    lock.release()


def read_only_session(target: Target, options: RunOptions | None = None) -> Session:
    """For status/validate/history: read DATABASECHANGELOG if it exists, create and lock nothing."""
    options = options or RunOptions()
    deployment_id = options.deployment_id or new_deployment_id()
    lock = ChangeLogLock(target, run_id=deployment_id, options=options.lock)
    return Session(target, ChangeLogHistory(target, deployment_id=deployment_id), lock, options)
