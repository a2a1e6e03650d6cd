"""The deployment half's pipeline requests: ``DbSchemaApplyRequested`` / ``DbSchemaRollbackRequested``.

Each carries the apply/rollback body plus ``account, org, project, dbschema, dbinstance``;
``schemashift.events.answer`` starts the deployment or answers ``DbSchemaApplyRejected`` /
``DbSchemaRollbackRejected`` (and ``DbSchemaDeploymentFailed``, status ``REJECTED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.models import ApplyRequest, RollbackRequest
from schemashift.deployments.start import start_apply, start_rollback
from schemashift.events import RequestType, answer

ROUTING = ("account", "org", "project", "dbschema", "dbinstance")
PIPELINE_IDS = ("pipeline", "planExecutionId", "stageExecutionId")
FAILED_EVENT = "DbSchemaDeploymentFailed"


def request_types(svc: Services) -> tuple[RequestType, ...]:
    """The two request types, starting their deployments with ``svc``."""

    def apply(routing: Mapping[str, Any], body: dict[str, Any], event_id: str | None) -> str:
        tenant = Tenant(routing["account"], routing["org"], routing["project"])
        return start_apply(svc, tenant, routing["dbschema"], routing["dbinstance"], ApplyRequest.model_validate(body),
                           idempotency_key=event_id).executionId

    def rollback(routing: Mapping[str, Any], body: dict[str, Any], event_id: str | None) -> str:
        tenant = Tenant(routing["account"], routing["org"], routing["project"])
        return start_rollback(svc, tenant, routing["dbschema"], routing["dbinstance"],
                              RollbackRequest.model_validate(body), idempotency_key=event_id).executionId

    return (
        RequestType("DbSchemaApplyRequested", ROUTING, apply, "executionId", FAILED_EVENT, echo=PIPELINE_IDS),
        RequestType("DbSchemaRollbackRequested", ROUTING, rollback, "executionId", FAILED_EVENT, echo=PIPELINE_IDS),
    )


def handle_request_event(svc: Services, event: dict[str, Any]) -> dict[str, Any]:
    return answer(event, request_types(svc))
