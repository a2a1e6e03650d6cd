"""Starting operations: lock the table, record the operation, start its state machine (202).

Every start takes an ``Idempotency-Key``: a retried request gets the first response back and
never starts a second run. Compaction and restore are validated here from metadata alone;
migrations are planned against the data first (``migration_start``).
"""

from __future__ import annotations

from typing import Any

from schemashift.datasets.catalog.records import SchemaVersion, schema_sk, table_pk
from schemashift.datasets.jobs.records import FAILED, operation_out
from schemashift.datasets.jobs.requests import CompactRequest, RestoreRequest
from schemashift.datasets.jobs.services import Services
from schemashift.errors import NotFound, ValidationFailed
from schemashift.idempotency import idempotent
from schemashift.jobs.views import Operation
from schemashift.observability import logger


def launch(
    services: Services,
    account: str,
    table_id: str,
    operation_type: str,
    description: str,
    request: dict[str, Any],
    state_machine_arn: str,
    *,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the operation, take the table's lock for it and start its state machine; returns the item.

    The operation exists (``pending``) before it takes the lock, so a competing start always sees an
    active holder and never mistakes a lock for an abandoned one."""
    item = services.operations.create(account, table_id, operation_type, description, request, source=source)
    operation_id = item["operationId"]
    try:
        services.lock.acquire(account, table_id, operation_id)
    except Exception:
        services.operations.discard(account, operation_id)  # it never started: leave no trace
        raise
    try:
        arn = services.start_execution(
            state_machine_arn,
            operation_id,
            {"account": account, "tableId": table_id, "operationId": operation_id},
        )
    except Exception as exc:
        logger.exception("operation could not start", extra={"operationId": operation_id})
        services.operations.finish(
            account, operation_id, FAILED, {"code": "NOT_STARTED", "message": str(exc)}
        )
        services.lock.release(account, table_id, operation_id)
        raise
    # Lets a later start tell a dead holder of the lock from a live one (``TableLock.alive``).
    services.operations.update(account, operation_id, executionArn=arn)
    return item


def start_compact(
    services: Services,
    account: str,
    table_id: str,
    request: CompactRequest,
    idempotency_key: str | None = None,
) -> Operation:
    services.catalog.get_table(account, table_id)

    def start(payload: dict[str, Any]) -> dict[str, Any]:
        services.lock.check_free(account, table_id)
        description = payload.get("description") or "compact the table's fragments"
        item = launch(
            services, account, table_id, "compact", description, payload, services.state_machines.maintenance
        )
        return operation_out(item)

    payload = request.model_dump(exclude_none=True)
    return Operation.model_validate(idempotent(idempotency_key, f"{table_pk(account, table_id)}#compact", payload,
                                               start, table=services.idempotency_table))


def start_restore(
    services: Services,
    account: str,
    table_id: str,
    request: RestoreRequest,
    idempotency_key: str | None = None,
) -> Operation:
    """Time-travel rollback: a new schema version equal to ``versionNumber``, data included."""
    table = services.catalog.get_table(account, table_id)

    def start(payload: dict[str, Any]) -> dict[str, Any]:
        services.lock.check_free(account, table_id)
        current = services.catalog.get_table(account, table_id).versionNumber
        target = schema_version(services, account, table_id, request.versionNumber)
        if target.versionNumber == current:
            raise ValidationFailed(
                f"Table {table_id!r} is already at schema version {current}",
                details={"versionNumber": request.versionNumber, "currentVersion": current},
            )
        description = payload.get("description") or f"restore schema version {target.versionNumber}"
        item = launch(
            services, account, table_id, "restore", description, payload, services.state_machines.maintenance
        )
        return operation_out(item)

    payload = request.model_dump(exclude_none=True)
    return Operation.model_validate(idempotent(idempotency_key, f"{table_pk(account, table.tableId)}#restore",
                                               payload, start, table=services.idempotency_table))


def schema_version(services: Services, account: str, table_id: str, number: int) -> SchemaVersion:
    """One schema version of a table (the catalog only reads the current one or pages of history)."""
    table = services.catalog.table
    item = table.get_item(
        Key={"pk": table_pk(account, table_id), "sk": schema_sk(number)}, ConsistentRead=True
    )
    if "Item" not in item:
        services.catalog.get_table(account, table_id)  # 404 for the table first
        raise NotFound(
            f"Table {table_id!r} has no schema version {number}",
            details={"tableId": table_id, "versionNumber": number},
        )
    return SchemaVersion.from_item(item["Item"])
