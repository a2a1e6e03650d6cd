"""The table half's pipeline request: ``DatasetMigrationRequested`` starts a migration.

It carries the ``POST .../migrations`` body plus ``account`` and ``tableId``;
``schemashift.events.answer`` starts it or answers ``DatasetMigrationRejected`` (and
``DatasetMigrationFailed``, status ``rejected``). One that starts is answered by
``DatasetMigrationCompleted`` / ``...Failed`` when it ends (``finish``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemashift.datasets.jobs.finish import FAILED_EVENT
from schemashift.datasets.jobs.migration_start import start_migration
from schemashift.datasets.jobs.requests import MigrationRequest
from schemashift.datasets.jobs.services import Services
from schemashift.events import RequestType, answer

REQUESTED_EVENT = "DatasetMigrationRequested"
ROUTING = ("account", "tableId")


def request_types(services: Services) -> tuple[RequestType, ...]:
    def start(routing: Mapping[str, Any], body: dict[str, Any], event_id: str | None) -> str:
        operation = start_migration(services, str(routing["account"]), str(routing["tableId"]),
                                    MigrationRequest.model_validate(body), idempotency_key=event_id,
                                    source={"eventId": event_id})
        return operation.operationId

    return (RequestType(REQUESTED_EVENT, ROUTING, start, "operationId", FAILED_EVENT,
                        started="started", rejected="rejected"),)


def handle_migration_request(services: Services, event: dict[str, Any]) -> dict[str, Any]:
    return answer(event, request_types(services))
