"""Per-changeset checkpoints written behind the engine, in order, on one background thread.

A changeset commits on the target first; its DynamoDB checkpoint (state items and result row in
one batch write, then +1 progress) is then queued while the next changeset runs, so DynamoDB
latency is not added to every changeset. If the worker dies with checkpoints still queued, nothing is lost:
the target's DATABASECHANGELOG is the truth and the next batch or run reconciles from it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class CheckpointWriter:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._pending: list[Future[Any]] = []

    def submit(self, write: Callable[[], Any]) -> None:
        """Queue a write; a previous write's failure surfaces here, stopping the run early."""
        self._raise_failures(done_only=True)
        self._pending.append(self._pool.submit(write))

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
