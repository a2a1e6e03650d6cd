"""Per-changeset checkpoints written behind the engine, in order, on one background thread.

A changeset commits on the target first; its DynamoDB checkpoint (state items, result row,
progress) is then queued while the next changeset runs, so DynamoDB latency is not added to every
changeset. When the database outpaces DynamoDB, the checkpoints queued meanwhile go out together
in one batch write, in order. If the worker dies with checkpoints still queued, nothing is lost:
the target's DATABASECHANGELOG is the truth and the next batch or run reconciles from it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class CheckpointWriter:
    def __init__(self, write_many: Callable[[list[Any]], None]) -> None:
        self._write_many = write_many
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
