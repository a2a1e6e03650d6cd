"""Table operations as jobs: the dataset side of ``schemashift.jobs``.

An operation is a job of the account's scope (``ACCT#{account}#``) whose target is its table
(``TBL#{tableId}``), so ``GET .../operations`` is one Query of the jobs table's by-target index.
Progress is counted by atomic ``ADD`` (rows by every batch, fragments once each through a set of
finished ids), so concurrent Map workers never lose an update and a retried worker never counts
a fragment twice. This module only scopes and names; the record logic is ``jobs.store``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemashift.clock import now_ms
from schemashift.datasets.catalog.records import account_prefix
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.ids import new_id
from schemashift.jobs import store
from schemashift.jobs.store import Jobs
from schemashift.jobs.views import REWRITING, STORE_STATUS_OF_CATALYZED, operation_view
from schemashift.paging import Page, PageRequest

PENDING, RUNNING, COMPLETED, FAILED, CANCELLED = store.QUEUED, store.RUNNING, store.SUCCEEDED, store.FAILED, \
    store.CANCELLED
ACTIVE = store.ACTIVE
OPERATION_TYPES = ("migration", "compact", "restore")
STATUS_CHOICES = tuple(STORE_STATUS_OF_CATALYZED)
__all__ = ["ACTIVE", "CANCELLED", "COMPLETED", "FAILED", "PENDING", "REWRITING", "RUNNING", "Operations",
           "operation_out"]


def operation_not_found(operation_id: str) -> NotFound:
    return NotFound(f"Operation {operation_id!r} not found", details={"operationId": operation_id})


def table_target(table_id: str) -> str:
    return f"TBL#{table_id}"


def operation_out(item: dict[str, Any]) -> dict[str, Any]:
    """The Catalyzed operation object of a table job (as JSON-ready data)."""
    return operation_view(item).to_json()


class Operations:
    """Operation jobs of all accounts; every method is scoped to one account."""

    def __init__(self, table: Any, clock_ms: Callable[[], int] = now_ms) -> None:
        self.jobs = Jobs(table, clock_ms, not_found=operation_not_found)
        self.clock_ms = clock_ms

    def create(self, account: str, table_id: str, operation_type: str, description: str,
               request: dict[str, Any], *, source: dict[str, Any] | None = None) -> dict[str, Any]:
        operation_id = new_id("op_")
        fields = {"operationId": operation_id, "operationType": operation_type, "account": account, "tableId": table_id,
                  "description": description, "progressMessage": "waiting to start", "request": request,
                  "source": source, "rowsDone": 0, "rowsTotal": 0, "fragmentsDone": 0, "fragmentsTotal": 0}
        item = self.jobs.create(account_prefix(account), operation_type, table_target(table_id),
                                table_target(table_id), fields, job_id=operation_id)
        return item

    def get(self, account: str, operation_id: str) -> dict[str, Any]:
        return self.jobs.get(account_prefix(account), operation_id)

    def get_for_table(self, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
        item = self.get(account, operation_id)
        if item["tableId"] != table_id:
            raise operation_not_found(operation_id)
        return item

    def discard(self, account: str, operation_id: str) -> None:
        self.jobs.discard(account_prefix(account), operation_id)

    def list_for_table(self, account: str, table_id: str, page: PageRequest, *, status: str | None = None,
                       operation_type: str | None = None) -> Page[dict[str, Any]]:
        """A table's operations, newest first, optionally only one status and/or type."""
        if status is not None:
            _require_choice("status", status, STATUS_CHOICES)
        if operation_type is not None:
            _require_choice("type", operation_type, OPERATION_TYPES)
        found = self.jobs.list_by_target(
            account_prefix(account), table_target(table_id), page,
            status=STORE_STATUS_OF_CATALYZED[status] if status else None, kind=operation_type)
        return Page([operation_out(item) for item in found.items], found.next_cursor)

    def mark_running(self, account: str, operation_id: str, **fields: Any) -> dict[str, Any]:
        """``pending`` -> ``running``; an operation that has ended meanwhile stays ended and this raises."""
        try:
            return self.jobs.start(account_prefix(account), operation_id, **fields)
        except Conflict:
            status = operation_view(self.get(account, operation_id)).status
            raise Conflict(f"Operation {operation_id!r} is already {status}", code="OPERATION_FINISHED") from None

    def update(self, account: str, operation_id: str, **fields: Any) -> dict[str, Any]:
        return self.jobs.update(account_prefix(account), operation_id, **fields)

    def add_rows(self, account: str, operation_id: str, rows: int) -> None:
        self.jobs.add_progress(account_prefix(account), operation_id, rowsDone=rows)

    def fragment_done(self, account: str, operation_id: str, fragment_id: int) -> bool:
        """Count a fragment once, however often its worker is retried; False once the run is aborting
        or over. One conditional write decides both, so a worker either counts before the abort step
        lists the results (and the abort sees its files) or learns that it must remove its own."""
        return self.jobs.count_once(account_prefix(account), operation_id, "fragmentsDone", "doneFragments",
                                    fragment_id)

    def worker_started(self, account: str, operation_id: str, fragment_id: int) -> bool:
        """Register a running fragment worker; False once the run is aborting or over (then it must
        write nothing). Registration and the abort's ``aborting`` flag are one item's writes, so the
        abort step sees every worker that may still write files."""
        return self.jobs.enter(account_prefix(account), operation_id, "workersRunning", fragment_id)

    def worker_stopped(self, account: str, operation_id: str, fragment_id: int) -> None:
        self.jobs.leave(account_prefix(account), operation_id, "workersRunning", fragment_id)

    def request_cancel(self, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
        """Ask the workers to stop; the state machine then aborts and the status becomes ``cancelled``."""
        self.get_for_table(account, table_id, operation_id)
        try:
            return self.jobs.request_cancel(account_prefix(account), operation_id, progressMessage="cancelling")
        except Conflict:
            status = operation_view(self.get(account, operation_id)).status
            raise Conflict(f"Operation {operation_id!r} is already {status}; nothing to cancel",
                           details={"operationId": operation_id, "status": status},
                           code="OPERATION_FINISHED") from None

    def stop_requested(self, account: str, operation_id: str) -> bool:
        return self.jobs.stop_requested(account_prefix(account), operation_id)

    def record_error(self, account: str, operation_id: str, error: dict[str, Any]) -> None:
        self.jobs.record_error(account_prefix(account), operation_id, error)

    def finish(self, account: str, operation_id: str, status: str, error: dict[str, Any] | None = None,
               **fields: Any) -> dict[str, Any]:
        return self.jobs.finish(account_prefix(account), operation_id, status, error, **fields)


def _require_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationFailed(
            f"query parameter {name!r} must be one of {', '.join(choices)}; got {value!r}",
            details={"field": name},
        )
