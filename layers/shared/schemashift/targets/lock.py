"""DATABASECHANGELOGLOCK: Liquibase's lock protocol, plus a lease so a dead holder can be replaced.

Liquibase's lock has no owner session and no expiry: a killed process leaves it set until
someone runs ``release-locks``. We keep the protocol (so Liquibase and schemashift exclude
each other) and add two things on top: LOCKEDBY names host, pid and run id, and with
``break_stale_lock_after`` a lock whose LOCKGRANTED is older than that many seconds (by the
database clock) is taken over. While holding the lock we renew LOCKGRANTED between
changesets so a live run is never mistaken for a dead one.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemashift.targets.connection import Target
from schemashift.targets.errors import LockNotAcquired, StatementFailed
from schemashift.targets.tracking_sql import TrackingSql


@dataclass(frozen=True)
class LockOptions:
    """Liquibase defaults: wait 5 minutes, poll every 10 seconds, never break a lock."""

    wait_timeout: float = 300.0
    poll_interval: float = 10.0
    break_stale_lock_after: float | None = None


@dataclass(frozen=True)
class LockState:
    locked: bool
    granted: datetime | None
    locked_by: str | None


def lock_owner(run_id: str) -> str:
    """LOCKEDBY for this process, in Liquibase's ``host#description`` shape."""
    return f"{socket.gethostname()}#schemashift pid {os.getpid()} run {run_id}"[:255]


_OWNER = re.compile(r"#schemashift pid \d+ run (?P<run>\S+)$")


def run_id_of(locked_by: str | None) -> str | None:
    """The run id in a LOCKEDBY that ``lock_owner`` wrote (None for Liquibase and others)."""
    match = _OWNER.search(locked_by or "")
    return match.group("run") if match else None


class ChangeLogLock:
    """Acquire, renew and release the changelog lock of one target."""

    def __init__(
        self,
        target: Target,
        *,
        run_id: str,
        options: LockOptions | None = None,
        schema: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.options = options or LockOptions()
        self.sql = TrackingSql(target.dialect, schema if schema is not None else target.default_schema)
        self.owner = lock_owner(run_id)
        self.held = False
        self.broke_stale_lock: LockState | None = None
        """The stale lock we took over, if we did (for the run's report)."""
        self._sleep = sleep
        self._clock = clock
        self._last_renewal = 0.0

    def ensure_table(self) -> None:
        """Create the lock table and its single row when missing (safe against a concurrent creator)."""
        if self.target.is_recording:
            if not self._table_exists():
                self.target.execute(self.sql.create_lock_table())
                for statement in self.sql.initialize_lock_table():
                    self.target.execute(statement)
            return
        if not self._table_exists():
            try:
                self.target.execute(self.sql.create_lock_table())
            except StatementFailed:
                if not self._table_exists():
                    raise
        if self.target.query_scalar(self.sql.count_lock_rows()) in (0, None):
            with self.target.transaction():
                for statement in self.sql.initialize_lock_table():
                    self.target.execute(statement)

    def acquire(self) -> None:
        """Wait for the lock as Liquibase does; raise LockNotAcquired after ``wait_timeout``."""
        self.ensure_table()
        if self.target.is_recording:
            self.target.execute(self.sql.acquire_lock(self.owner))
            self.held = True
            return
        give_up_at = self._clock() + self.options.wait_timeout
        while True:
            if self._try_acquire() or self._try_break_stale():
                self.held = True
                self._last_renewal = self._clock()
                return
            remaining = give_up_at - self._clock()
            if remaining <= 0:
                state = self.state()
                since = f" since {state.granted:%Y-%m-%d %H:%M:%S}" if state.granted else ""
                raise LockNotAcquired(
                    f"Could not acquire change log lock.  Currently locked by {state.locked_by or 'UNKNOWN'}{since}. "
                    "If that run is dead, use release-locks (or --break-stale-lock-after).",
                    details={"lockedBy": state.locked_by, "lockGranted": str(state.granted) if state.granted else None},
                )
            self._sleep(min(self.options.poll_interval, remaining))

    def renew(self) -> None:
        """Refresh LOCKGRANTED if a third of the lease has passed (a no-op without a lease)."""
        lease = self.options.break_stale_lock_after
        if not self.held or lease is None or self.target.is_recording:
            return
        if self._clock() - self._last_renewal >= lease / 3:
            self.target.execute(self.sql.refresh_lock(self.owner))
            self._last_renewal = self._clock()

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if not self.target.is_recording:
            self.target.rollback()
        self.target.execute(self.sql.release_lock())

    @contextmanager
    def holding(self) -> Iterator[ChangeLogLock]:
        self.acquire()
        try:
            yield self
        finally:
            self.release()

    def state(self) -> LockState:
        if not self._table_exists():
            return LockState(False, None, None)
        row = next(iter(self.target.query_rows(self.sql.select_lock())), None)
        if row is None:
            return LockState(False, None, None)
        return LockState(_truthy(row[0]), _as_datetime(row[1]), row[2])

    def force_release(self) -> LockState:
        """``release-locks``: clear the lock whoever holds it; returns what was there before."""
        before = self.state()
        if self._table_exists():
            self.target.execute(self.sql.release_lock())
        return before

    def _try_acquire(self) -> bool:
        locked = self.target.query_scalar(self.sql.select_lock())
        if _truthy(locked):
            return False
        return self.target.execute(self.sql.acquire_lock(self.owner)) == 1

    def _try_break_stale(self) -> bool:
        lease = self.options.break_stale_lock_after
        if lease is None:
            return False
        before = self.state()
        if self.target.execute(self.sql.break_lock(self.owner, int(lease))) != 1:
            return False
        self.broke_stale_lock = before
        return True

    def _table_exists(self) -> bool:
        return bool(self.target.columns(self.sql.lock_name, self.sql.schema))


def _truthy(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray)):
        return any(value)
    return bool(value) and value not in ("0", "false", "f")


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
