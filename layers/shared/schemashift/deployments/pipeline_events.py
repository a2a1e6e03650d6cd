"""The deployment half's pipeline requests: ``DbSchemaApplyRequested`` / ``DbSchemaRollbackRequested``.

Each carries the apply/rollback body plus ``account, org, project, dbschema, dbinstance``;
``schemashift.events.answer`` starts the deployment or answers ``DbSchemaApplyRejected`` /
``DbSchemaRollbackRejected`` (and ``DbSchemaDeploymentFailed``, status ``REJECTED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.models import ApplyRequest, RollbackRequest
from schemashift.deployments.start import start_apply, start_rollback
from schemashift.events import RequestType, answer

ROUTING = ("account", "org", "project", "dbschema", "dbinstance")
PIPELINE_IDS = ("pipeline", "planExecutionId", "stageExecutionId")
FAILED_EVENT = "DbSchemaDeploymentFailed"


def _apply(routing: Mapping[str, Any], body: dict[str, Any], event_id: str | None) -> str:
    tenant = Tenant(routing["account"], routing["org"], routing["project"])
    return start_apply(tenant, routing["dbschema"], routing["dbinstance"], ApplyRequest.model_validate(body),
                       idempotency_key=event_id).executionId


def _rollback(routing: Mapping[str, Any], body: dict[str, Any], event_id: str | None) -> str:
    tenant = Tenant(routing["account"], routing["org"], routing["project"])
    return start_rollback(tenant, routing["dbschema"], routing["dbinstance"], RollbackRequest.model_validate(body),
                          idempotency_key=event_id).executionId


REQUEST_TYPES = (
    RequestType("DbSchemaApplyRequested", ROUTING, _apply, "executionId", FAILED_EVENT, echo=PIPELINE_IDS),
    RequestType("DbSchemaRollbackRequested", ROUTING, _rollback, "executionId", FAILED_EVENT, echo=PIPELINE_IDS),
)


def handle_request_event(event: dict[str, Any]) -> dict[str, Any]:
    return answer(event, REQUEST_TYPES)
