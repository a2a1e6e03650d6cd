"""The last step of every operation: record the outcome, free the table, tell pipelines.

Runs on success and, through ``Catch``, after any failure. The status it records is final: a
retried finish changes nothing. A run that stopped because of a cancel request ends
``cancelled``; any other failure ends ``failed`` with the first recorded error.
"""

from __future__ import annotations

from typing import Any

from schemashift.datasets.jobs.records import CANCELLED, COMPLETED, FAILED, operation_out
from schemashift.datasets.jobs.services import Services
from schemashift.events import emit
from schemashift.jobs.views import catalyzed_status
from schemashift.step_errors import describe_step_error

COMPLETED_EVENT = "DatasetMigrationCompleted"
FAILED_EVENT = "DatasetMigrationFailed"


def finish_step(
    services: Services, account: str, table_id: str, operation_id: str, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    operations = services.operations
    operation = operations.get(account, operation_id)
    if error is None:
        final = operations.finish(
            account, operation_id, COMPLETED, progressMessage=operation.get("resultMessage") or "completed"
        )
    else:
        failure = _failure(operation, error)
        status = CANCELLED if failure["code"] == "CANCELLED" else FAILED
        final = operations.finish(account, operation_id, status, failure, progressMessage=status)
    services.lock.release(account, table_id, operation_id)
    if final["operationType"] == "migration":
        emit(COMPLETED_EVENT if final["status"] == COMPLETED else FAILED_EVENT, event_detail(final))
    return {"operationId": operation_id, "status": catalyzed_status(final["status"])}


def event_detail(item: dict[str, Any]) -> dict[str, Any]:
    source = item.get("source") or {}
    return {
        "account": item["account"],
        "tableId": item["tableId"],
        "schemaVersion": int(item["schemaVersion"]) if item.get("schemaVersion") is not None else None,
        "requestEventId": source.get("eventId"),
        **operation_out(item),
    }


def _failure(operation: dict[str, Any], error: dict[str, Any]) -> dict[str, str]:
    recorded = operation.get("failure")
    if recorded:
        return {"code": str(recorded["code"]), "message": str(recorded["message"])}
    return describe_step_error(error, "OPERATION_FAILED")
