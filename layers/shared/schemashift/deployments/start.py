"""Starting deployments: validate, create the execution, start its state machine (202).

``Idempotency-Key`` makes a retried start return the first call's execution instead of starting a
second run (Powertools idempotency, records in the idempotency table for 24 hours).
"""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.changelogs import current_changelog
from schemashift.dbschema.instances import get_instance_item, list_instance_items
from schemashift.dbschema.locks import acquire_lock, current_lock, lock_holder, release_lock
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.executions import (
    create_execution,
    execution_out,
    link_child,
    new_execution_id,
    scope_of,
    update_execution,
)
from schemashift.deployments.liveness import execution_ended
from schemashift.deployments.models import ApplyRequest, FleetApplyRequest, RollbackRequest
from schemashift.deployments.steps import ExecutionStep, FleetInput, FleetItem
from schemashift.errors import Conflict, ValidationFailed
from schemashift.idempotency import idempotent
from schemashift.jobs.views import Execution
from schemashift.settings import require


def _start_state_machine(svc: Services, arn: str, scope: str, execution_id: str) -> None:
    svc.stepfunctions.start_execution(stateMachineArn=arn, name=execution_id,
                                            input=ExecutionStep(executionId=execution_id, scope=scope).model_dump_json())


def _busy(instance: str, holder: str | None) -> Conflict:
    return Conflict(f"A deployment ({holder}) is already running on instance '{instance}'",
                    details={"executionId": holder})


def _check_request(svc: Services, tenant: Tenant, schema: str, kind: str, payload: dict[str, Any]) -> None:
    """400 for a request the schema's tool cannot honour (a Flyway rollback to a tag, say)."""
    from schemashift.deployments.engines import engine_for

    _, info = current_changelog(svc, tenant, schema)
    engine_for(svc, info).check_request(kind, payload)


def _check_ready(svc: Services, tenant: Tenant, schema: str, instance: str, kind: str,
                 payload: dict[str, Any]) -> str | None:
    """409 while a live deployment holds the instance; returns a dead holder to take over from."""
    get_instance_item(svc, tenant, schema, instance)
    _check_request(svc, tenant, schema, kind, payload)
    lock = current_lock(svc, tenant, schema, instance)
    if lock and not execution_ended(svc, tenant, lock["owner"]):
        raise _busy(instance, lock["owner"])
    return lock["owner"] if lock else None


def lease_instance(svc: Services, tenant: Tenant, schema: str, instance: str, kind: str, payload: dict[str, Any],
                   lease_seconds: int | None = None) -> str:
    """Check the request and take the instance lock in a new execution's name (409 while a live
    deployment holds it); returns that execution id. Of simultaneous starts one wins."""
    dead = _check_ready(svc, tenant, schema, instance, kind, payload)
    execution_id = new_execution_id()
    lease = {"lease_seconds": lease_seconds} if lease_seconds else {}
    if acquire_lock(svc, tenant, schema, instance, owner=execution_id, replacing=dead, **lease) is None:
        raise _busy(instance, lock_holder(svc, tenant, schema, instance))
    return execution_id


def _start_one(svc: Services, kind: str, tenant: Tenant, schema: str, instance: str,
               body: ApplyRequest | RollbackRequest, idempotency_key: str | None) -> Execution:
    arn = require("APPLY_STATE_MACHINE_ARN" if kind == "apply" else "ROLLBACK_STATE_MACHINE_ARN")

    def start(payload: dict[str, Any]) -> dict[str, Any]:
        # The lock is taken here, in the new execution's name: of simultaneous starts one gets 202 and
        # the others 409 (the state machine's Start task then renews it).
        execution_id = lease_instance(svc, tenant, schema, instance, kind, payload)
        try:
            item = create_execution(svc, tenant, schema, instance, kind, payload, execution_id=execution_id)
            _start_state_machine(svc, arn, scope_of(tenant), execution_id)
        except Exception:
            release_lock(svc, tenant, schema, instance, execution_id)
            raise
        return execution_out(svc, item, with_results=False).to_json()

    return Execution.model_validate(idempotent(  # a replay answers with the first call's execution
        idempotency_key, f"{tenant.schema_pk(schema)}#{kind}#{instance}", body.model_dump(exclude_none=True), start,
        table=svc.idempotency_table))


def start_apply(svc: Services, tenant: Tenant, schema: str, instance: str, body: ApplyRequest,
                idempotency_key: str | None = None) -> Execution:
    return _start_one(svc, "apply", tenant, schema, instance, body, idempotency_key)


def start_rollback(svc: Services, tenant: Tenant, schema: str, instance: str, body: RollbackRequest,
                   idempotency_key: str | None = None) -> Execution:
    return _start_one(svc, "rollback", tenant, schema, instance, body, idempotency_key)


def fleet_targets(svc: Services, tenant: Tenant, schema: str, body: FleetApplyRequest) -> list[str]:
    instances = list_instance_items(svc, tenant, schema)
    known = {i["identifier"]: i for i in instances}
    if body.instances:
        missing = [i for i in body.instances if i not in known]
        if missing:
            raise ValidationFailed(f"unknown instance(s): {', '.join(missing)}")
        chosen = list(dict.fromkeys(body.instances))
    else:
        wanted = set((body.tags or {}).items())
        chosen = [i["identifier"] for i in instances if wanted <= set((i.get("tags") or {}).items())]
    if not chosen:
        raise ValidationFailed("the fleet filter matches no instance")
    return sorted(chosen)


def start_fleet_apply(svc: Services, tenant: Tenant, schema: str, body: FleetApplyRequest,
                      idempotency_key: str | None = None) -> Execution:
    def start(payload: dict[str, Any]) -> dict[str, Any]:
        get_schema_item(svc, tenant, schema)
        _check_request(svc, tenant, schema, "apply", payload)
        chosen = fleet_targets(svc, tenant, schema, body)
        parent = create_execution(svc, tenant, schema, None, "fleet", payload)
        child_request = {k: v for k, v in payload.items()
                         if k not in ("instances", "tags", "maxConcurrency", "maxFailures")}
        items: list[FleetItem] = []
        for instance in chosen:
            child = create_execution(svc, tenant, schema, instance, "apply", child_request,
                                     parent_id=parent["executionId"])
            link_child(svc, scope_of(tenant), parent["executionId"], instance, child["executionId"])
            items.append(FleetItem(executionId=child["executionId"], parentId=parent["executionId"]))
        parent = update_execution(svc, scope_of(tenant), parent["executionId"], progressTotal=len(chosen))
        _start_fleet(svc, scope_of(tenant), parent["executionId"], items, body.maxConcurrency, body.maxFailures)
        return execution_out(svc, parent, with_results=False).to_json()

    return Execution.model_validate(idempotent(idempotency_key, f"{tenant.schema_pk(schema)}#fleet",
                                               body.model_dump(exclude_none=True), start,
                                               table=svc.idempotency_table))


def _start_fleet(svc: Services, scope: str, parent_id: str, items: list[FleetItem], max_concurrency: int,
                 max_failures: int) -> None:
    document = FleetInput(executionId=parent_id, scope=scope, items=items, maxConcurrency=max_concurrency,
                          maxFailures=max_failures)
    svc.stepfunctions.start_execution(stateMachineArn=require("FLEET_APPLY_STATE_MACHINE_ARN"),
                                      name=parent_id, input=document.model_dump_json())
