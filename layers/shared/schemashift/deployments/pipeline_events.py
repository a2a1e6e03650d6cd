"""Pipelines start deployments by EventBridge event and hear back by event.

``DbSchemaApplyRequested`` / ``DbSchemaRollbackRequested`` carry the apply/rollback body plus
``account, org, project, dbschema, dbinstance``. The event id is the idempotency key, so a
redelivered event never starts a second run. A request that cannot start is answered with a
``DbSchemaDeploymentFailed`` event naming the problem.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.events import emit
from schemashift.deployments.models import ApplyRequest, RollbackRequest
from schemashift.deployments.start import start_apply, start_rollback
from schemashift.errors import SchemashiftError
from schemashift.observability import logger

REQUIRED = ("account", "org", "project", "dbschema", "dbinstance")


def handle_request_event(event: dict[str, Any]) -> dict[str, Any]:
    detail = event.get("detail") or {}
    detail_type = event.get("detail-type", "")
    try:
        missing = [k for k in REQUIRED if not detail.get(k)]
        if missing:
            raise SchemashiftError(f"event detail lacks {', '.join(missing)}", code="VALIDATION_ERROR")
        tenant = Tenant(detail["account"], detail["org"], detail["project"])
        if detail_type == "DbSchemaApplyRequested":
            execution = start_apply(tenant, detail["dbschema"], detail["dbinstance"],
                                    ApplyRequest.model_validate(detail), idempotency_key=event.get("id"))
        elif detail_type == "DbSchemaRollbackRequested":
            execution = start_rollback(tenant, detail["dbschema"], detail["dbinstance"],
                                       RollbackRequest.model_validate(detail), idempotency_key=event.get("id"))
        else:
            raise SchemashiftError(f"unsupported detail-type {detail_type!r}", code="VALIDATION_ERROR")
    except (SchemashiftError, ValidationError) as exc:
        message = exc.message if isinstance(exc, SchemashiftError) else str(exc)
        logger.warning("pipeline event rejected", extra={"detailType": detail_type, "reason": message})
        emit("DbSchemaDeploymentFailed", {
            "status": "REJECTED", "error": {"code": getattr(exc, "code", "VALIDATION_ERROR"), "message": message},
            "requestEventId": event.get("id"), **{k: detail.get(k) for k in (*REQUIRED, "pipeline",
                                                                            "planExecutionId", "stageExecutionId")},
        })
        return {"status": "REJECTED", "error": message}
    return {"status": "STARTED", "executionId": execution["executionId"]}
