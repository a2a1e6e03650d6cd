"""``POST .../migrations`` and ``.../migrations/plan``: validate against the data, then start.

Planning reads the table's Lance metadata (never its rows), so a request is checked in full
before anything runs: an unknown table is a 404, every problem of the request is listed in one
400, and a table that is already migrating is a 409.
"""

from __future__ import annotations

from typing import Any

from schemashift.datasets.catalog.records import Table, table_pk
from schemashift.datasets.data.table_data import table_schema
from schemashift.datasets.jobs.records import operation_out
from schemashift.datasets.jobs.requests import MigrationRequest, PlanRequest
from schemashift.datasets.jobs.services import Services
from schemashift.datasets.jobs.start import launch
from schemashift.datasets.migrations import MigrationPlan, plan_migration
from schemashift.datasets.responses import MigrationPlan as PlanOut
from schemashift.errors import ValidationFailed
from schemashift.idempotency import idempotent
from schemashift.jobs.views import Operation


def plan_table_migration(services: Services, table: Table, operations: list[dict[str, Any]]) -> MigrationPlan:
    return plan_migration(table.location, services.storage_options, table_schema(table), operations)


def plan_response(services: Services, account: str, table_id: str, request: PlanRequest) -> PlanOut:
    """What the migration would do, without doing it."""
    table = services.catalog.get_table(account, table_id)
    plan = plan_table_migration(services, table, request.operations)
    return PlanOut.model_validate(plan.model_dump(mode="json", include=set(PlanOut.model_fields)))


def require_valid(plan: MigrationPlan) -> None:
    if not plan.isValid:
        raise ValidationFailed(
            f"Invalid migration ({len(plan.validationErrors)} problem(s)): "
            + "; ".join(plan.validationErrors),
            details=plan.validationErrors,
        )


def start_migration(
    services: Services,
    account: str,
    table_id: str,
    request: MigrationRequest,
    idempotency_key: str | None = None,
    *,
    source: dict[str, Any] | None = None,
) -> Operation:
    """Validate, take the table's lock, record the operation and start TableMigration (202)."""
    table = services.catalog.get_table(account, table_id)

    def start(payload: dict[str, Any]) -> dict[str, Any]:
        services.lock.check_free(account, table_id)
        require_valid(plan_table_migration(services, table, payload["operations"]))
        description = payload.get("description") or describe_steps(payload["operations"])
        item = launch(
            services,
            account,
            table_id,
            "migration",
            description,
            {"operations": payload["operations"]},
            services.state_machines.migration,
            source=source,
        )
        return operation_out(item)

    payload = request.model_dump(exclude_none=True)
    return Operation.model_validate(  # a replay answers with the stored operation
        idempotent(idempotency_key, f"{table_pk(account, table_id)}#migration", payload, start,
                   table=services.idempotency_table))


def describe_steps(operations: list[dict[str, Any]]) -> str:
    """A default description: ``add_column status, change_column_type price``."""
    parts = []
    for entry in operations:
        params = entry.get("params") or {}
        subject = (
            params.get("name")
            or params.get("oldName")
            or params.get("column")
            or ",".join(params.get("columns") or [])
        )
        parts.append(f"{entry.get('type')} {subject}".strip())
    return ", ".join(parts)
