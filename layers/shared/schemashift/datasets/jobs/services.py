"""What the operation code talks to, gathered once so tests and handlers pass the same things."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from schemashift.datasets.catalog.store import Catalog
from schemashift.datasets.jobs.lock import TableLock
from schemashift.datasets.jobs.payloads import PayloadStore
from schemashift.datasets.jobs.records import Operations


@dataclass(frozen=True)
class StateMachines:
    """ARNs of the two operation state machines (template: TableMigration, TableMaintenance)."""

    migration: str
    maintenance: str


@dataclass(frozen=True)
class Services:
    catalog: Catalog
    operations: Operations
    lock: TableLock
    payloads: PayloadStore
    stepfunctions: Any
    state_machines: StateMachines
    idempotency_table: str
    storage_options: dict[str, str] = field(default_factory=dict)

    def start_execution(self, state_machine_arn: str, name: str, document: dict[str, Any]) -> str:
        """Start one execution named ``name``; returns its ARN."""
        response = self.stepfunctions.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(document)
        )
        return str(response["executionArn"])


def default_services() -> Services:
    from schemashift.aws import client, dynamodb_table, lance_storage_options
    from schemashift.datasets.catalog.store import default_catalog
    from schemashift.settings import get_settings

    settings = get_settings()
    operations = Operations(dynamodb_table(settings.executions_table))
    stepfunctions = client("stepfunctions")
    return Services(
        catalog=default_catalog(),
        operations=operations,
        lock=TableLock(dynamodb_table(settings.locks_table), operations, stepfunctions),
        payloads=PayloadStore(client("s3"), settings.bucket),
        stepfunctions=stepfunctions,
        state_machines=StateMachines(
            migration=settings.table_migration_state_machine_arn,
            # Not in Settings: only the maintenance start function has this variable.
            maintenance=os.environ.get("TABLE_MAINTENANCE_STATE_MACHINE_ARN", ""),
        ),
        idempotency_table=settings.idempotency_table,
        storage_options=lance_storage_options(),
    )
