"""Pipelines start migrations by EventBridge event and hear back by event.

``DatasetMigrationRequested`` carries the ``POST .../migrations`` body plus ``account`` and
``tableId``. The event id is the idempotency key, so a redelivered event never starts a second
run. A request that cannot start is answered at once with ``DatasetMigrationFailed`` (status
``rejected``); one that starts is answered by ``DatasetMigrationCompleted`` / ``...Failed`` when
it ends (``finish``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemashift.datasets.jobs.finish import FAILED_EVENT
from schemashift.datasets.jobs.migration_start import start_migration
from schemashift.datasets.jobs.requests import MigrationRequest
from schemashift.datasets.jobs.services import Services
from schemashift.deployments.events import emit
from schemashift.errors import SchemashiftError, ValidationFailed
from schemashift.observability import logger

REQUESTED_EVENT = "DatasetMigrationRequested"
ROUTING_FIELDS = ("account", "tableId")


def handle_migration_request(services: Services, event: dict[str, Any]) -> dict[str, Any]:
    detail = dict(event.get("detail") or {})
    routing = {name: detail.pop(name, None) for name in ROUTING_FIELDS}
    try:
        if event.get("detail-type") != REQUESTED_EVENT:
            raise ValidationFailed(f"unsupported detail-type {event.get('detail-type')!r}")
        missing = [name for name, value in routing.items() if not value]
        if missing:
            raise ValidationFailed(f"event detail lacks {', '.join(missing)}")
        operation = start_migration(
            services,
            str(routing["account"]),
            str(routing["tableId"]),
            MigrationRequest.model_validate(detail),
            idempotency_key=event.get("id"),
            source={"eventId": event.get("id")},
        )
    except (SchemashiftError, ValidationError) as exc:
        message = exc.message if isinstance(exc, SchemashiftError) else str(exc)
        code = exc.code if isinstance(exc, SchemashiftError) else "VALIDATION_ERROR"
        details = exc.details if isinstance(exc, SchemashiftError) else None
        logger.warning(
            "migration request event rejected", extra={"reason": message, "eventId": event.get("id")}
        )
        emit(
            FAILED_EVENT,
            {
                **routing,
                "status": "rejected",
                "requestEventId": event.get("id"),
                "error": {"code": code, "message": message, "details": details},
            },
        )
        return {"status": "rejected", "error": message}
    return {"status": "started", "operationId": operation["operationId"]}
