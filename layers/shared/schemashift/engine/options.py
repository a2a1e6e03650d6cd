"""How a run is controlled: lock behaviour, a time/changeset budget, progress callbacks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from schemashift.changelog.model import ChangeSet
from schemashift.engine.results import ChangesetResult
from schemashift.targets.lock import LockOptions


@dataclass(frozen=True)
class RunOptions:
    """Options shared by the commands that change a database.

    A time-budgeted caller (a Lambda running one batch) sets ``deadline`` and/or
    ``max_changesets``: no changeset starts after the deadline or beyond the count, and the
    result's ``remaining`` says how many are left. Passing the same ``deployment_id`` to each
    batch keeps a runAlways changeset from running again in every batch of one deployment.
    ``run_commands`` lets ``executeCommand`` run where the engine runs (never in the service).
    """

    lock: LockOptions = field(default_factory=LockOptions)
    max_changesets: int | None = None
    deadline: float | None = None
    """Epoch seconds (``time.time()``) after which no further changeset starts."""
    deployment_id: str | None = None
    run_id: str | None = None
    """Who is running, recorded in LOCKEDBY; defaults to the deployment id."""
    run_commands: bool = False
    """Run ``executeCommand`` changes on this machine, as Liquibase does (the ``schemashift db``
    CLI). Off by default: the service runs no operating-system commands, so validation refuses a
    changeset that would run one, naming it."""
    on_changeset_start: Callable[[ChangeSet], None] | None = None
    on_changeset_finish: Callable[[ChangesetResult], None] | None = None
    clock: Callable[[], float] = time.time

    def budget_left(self, started: int) -> bool:
        if self.max_changesets is not None and started >= self.max_changesets:
            return False
        return self.deadline is None or self.clock() < self.deadline
