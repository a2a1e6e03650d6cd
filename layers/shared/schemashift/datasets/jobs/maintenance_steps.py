"""The TableMaintenance state machine's work step: compaction, or a time-travel restore.

A restore brings back schema version N *with its data*: the table becomes the last data version
written under schema N (rows appended before the next migration included) and the catalog gets a
new schema version equal to N. Both are retry-safe: a restore whose catalog version already names
this operation is done, and compacting twice only finds less to do.
"""

from __future__ import annotations

from typing import Any

import lance

from schemashift.datasets.catalog.records import SchemaVersion, Table
from schemashift.datasets.catalog.store import NewSchema
from schemashift.datasets.jobs.failures import recording_failure
from schemashift.datasets.jobs.services import Services
from schemashift.datasets.jobs.start import schema_version
from schemashift.datasets.migrations import MigrationCancelled, compact, restore
from schemashift.datasets.migrations.lance_schema import same_schema
from schemashift.errors import NotFound


def maintenance_step(services: Services, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
    operations = services.operations
    with recording_failure(services, account, operation_id):
        operation = operations.get(account, operation_id)
        if operation.get("cancelRequested"):
            raise MigrationCancelled(f"The {operation['operationType']} was cancelled before it started")
        table = services.catalog.get_table(account, table_id)
        run = _compact if operation["operationType"] == "compact" else _restore
        message = run(services, account, table, operation)
        operations.update(account, operation_id, resultMessage=message)
    return {"account": account, "tableId": table_id, "operationId": operation_id}


def _compact(services: Services, account: str, table: Table, operation: dict[str, Any]) -> str:
    request = operation.get("request") or {}
    services.operations.mark_running(
        account, operation["operationId"], progressMessage="compacting fragments"
    )
    metrics = compact(
        table.location,
        services.storage_options,
        target_rows_per_fragment=int(request.get("targetRowsPerFragment", 1024 * 1024)),
        materialize_deletions=bool(request.get("materializeDeletions", True)),
    ).metrics
    if not metrics["fragmentsRemoved"]:
        return "completed: nothing to compact"
    return f"completed: {metrics['fragmentsRemoved']} fragments rewritten as {metrics['fragmentsAdded']}"


def _restore(services: Services, account: str, table: Table, operation: dict[str, Any]) -> str:
    number = int(operation["request"]["versionNumber"])
    operation_id = operation["operationId"]
    services.operations.mark_running(
        account, operation_id, progressMessage=f"restoring schema version {number}"
    )
    version = restore_schema_version(services, account, table, operation_id, number, operation["description"])
    return f"completed: schema version {number} restored as version {version.versionNumber}"


def restore_schema_version(
    services: Services, account: str, table: Table, operation_id: str, number: int, description: str
) -> SchemaVersion:
    catalog = services.catalog
    current = catalog.current_schema(account, table.tableId)
    if current.operationId == operation_id:
        return current  # an earlier attempt of this step finished the job
    target = schema_version(services, account, table.tableId, number)
    successor = schema_version(services, account, table.tableId, number + 1)
    data_version = last_version_with_schema(
        table.location, services.storage_options, target.lanceVersion, successor.lanceVersion - 1
    )
    lance_version = restore(table.location, services.storage_options, data_version)
    new = NewSchema(
        fields=target.fields,
        primaryKeyColumns=target.primaryKeyColumns,
        arrowSchema=target.arrowSchema,
        lanceVersion=lance_version,
        description=description,
        operationId=operation_id,
    )
    return catalog.add_schema_version(account, table.tableId, current.versionNumber, new)


def last_version_with_schema(uri: str, storage_options: dict[str, str], first: int, last: int) -> int:
    """The newest data version in ``first..last`` whose Lance schema is still ``first``'s."""
    options = storage_options or None
    try:
        reference = lance.dataset(uri, version=first, storage_options=options).lance_schema
    except (OSError, ValueError) as exc:
        raise NotFound(
            f"Data version {first} of the table no longer exists (old versions were cleaned up)",
            details={"lanceVersion": first},
        ) from exc
    for version in range(last, first, -1):
        try:
            candidate = lance.dataset(uri, version=version, storage_options=options)
        except (OSError, ValueError):
            continue  # cleaned up
        if same_schema(candidate.lance_schema, reference):
            return version
    return first
