"""What the operation code talks to, gathered once so tests and handlers pass the same things."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from schemashift.datasets.catalog.store import Catalog
from schemashift.datasets.jobs.lock import TableLock
from schemashift.datasets.jobs.payloads import PayloadStore
from schemashift.datasets.jobs.records import Operations
from schemashift.settings import require


@dataclass(frozen=True)
class StateMachines:
    """ARNs of the two operation state machines (template: TableMigration, TableMaintenance).

    A function has only the variable of the machine it starts, so each is read, and checked, when
    it is used; tests pass them explicitly.
    """

    migration_arn: str = ""
    maintenance_arn: str = ""

    @property
    def migration(self) -> str:
        return self.migration_arn or require("TABLE_MIGRATION_STATE_MACHINE_ARN")

    @property
    def maintenance(self) -> str:
        return self.maintenance_arn or require("TABLE_MAINTENANCE_STATE_MACHINE_ARN")


@dataclass(frozen=True)
class Services:
    """Everything the operation code talks to, passed in (tests pass local ones)."""

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
        state_machines=StateMachines(),
        idempotency_table=settings.idempotency_table,
        storage_options=lance_storage_options(),
    )
