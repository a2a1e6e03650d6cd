"""Per-changeset checkpoints written behind the engine, in order, on one background thread.

A changeset commits on the target first; its DynamoDB checkpoint (state items, result row,
progress) is then queued while the next changeset runs, so DynamoDB latency is not added to every
changeset. When the database outpaces DynamoDB, the checkpoints queued meanwhile go out together
in one batch write, in order. Writes are at least ``min_interval`` apart, so fast changesets share
batch writes (and their one progress update and state marker) instead of each paying its own. If
the worker dies with checkpoints still queued, nothing is lost: the target's DATABASECHANGELOG is
the truth and the next batch or run reconciles from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MIN_INTERVAL_S = 0.05
"""Between two checkpoint writes: at most 20 writes a second, whatever the changesets' pace."""


class CheckpointWriter:
    def __init__(self, write_many: Callable[[list[Any]], None], min_interval: float = MIN_INTERVAL_S) -> None:
        self._write_many = write_many
        self._min_interval = min_interval
        self._last_write = 0.0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._pending: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._queued: list[Any] = []
        self._drain_scheduled = False

    def add(self, record: Any) -> None:
        """Queue a checkpoint; a previous write's failure surfaces here, stopping the run early."""
        self._raise_failures(done_only=True)
        with self._lock:
            self._queued.append(record)
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        self._pending.append(self._pool.submit(self._drain))

    def _drain(self) -> None:
        time.sleep(max(0.0, self._last_write + self._min_interval - time.monotonic()))  # let more queue up
        self._last_write = time.monotonic()
        with self._lock:
            records, self._queued = self._queued, []
            self._drain_scheduled = False
        if records:
            self._write_many(records)

    def flush(self) -> None:
        """Wait for every queued write; re-raise the first failure."""
        try:
            self._raise_failures(done_only=False)
        finally:
            self._pending = [f for f in self._pending if not f.done()]

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _raise_failures(self, *, done_only: bool) -> None:
        for future in list(self._pending):
            if done_only and not future.done():
                continue
            future.result()  # raises the write's exception, if any
            self._pending.remove(future)

    def __enter__(self) -> CheckpointWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
