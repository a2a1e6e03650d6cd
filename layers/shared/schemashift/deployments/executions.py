"""Deployment executions as jobs: the dbschema side of ``schemashift.jobs``.

An execution (apply, rollback, fleet apply) is a job of the tenant's scope
(``T#account#org#project#``); its target is the instance (``S#schema#I#instance``) or, for a fleet,
the schema (``S#schema#FLEET``), and its group the schema, so an instance's and a schema's
executions are each one Query. Per-changeset results are the job's entries (``R#``), a fleet's
per-instance executions its children (``CHILD#instance``). The state machines carry ``scope``
next to ``executionId``, so every task reads its job by key. This module only scopes and names;
the record logic is ``jobs.store``'s.
"""

from __future__ import annotations

import time
from typing import Any

from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.state import state_markers
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import NotFound, ValidationFailed
from schemashift.ids import new_id
from schemashift.jobs import store
from schemashift.jobs.store import Jobs
from schemashift.jobs.views import STORE_STATUSES_OF_HARNESS, Execution, ExecutionList, execution_view
from schemashift.paging import PageRequest

QUEUED, SUCCESS, FAILURE, CANCELLED = store.QUEUED, store.SUCCEEDED, store.FAILED, store.CANCELLED
IN_PROGRESS = store.ACTIVE


def execution_not_found(execution_id: str) -> NotFound:
    return NotFound(f"Execution '{execution_id}' not found")


def jobs(svc: Services) -> Jobs:
    return Jobs(svc.executions, not_found=execution_not_found)


def scope_of(tenant: Tenant) -> str:
    return f"{tenant.pk}#"


def tenant_of(item: dict[str, Any]) -> Tenant:
    return Tenant(item["account"], item["org"], item["project"])


def instance_target(schema: str, instance: str) -> str:
    return f"S#{schema}#I#{instance}"


def schema_group(schema: str) -> str:
    return f"S#{schema}"


def new_execution_id() -> str:
    return new_id("exe_", 20)


def create_execution(svc: Services, tenant: Tenant, schema: str, instance: str | None, kind: str,
                     request: dict[str, Any], *, parent_id: str | None = None,
                     execution_id: str | None = None) -> dict[str, Any]:
    """``execution_id`` lets a start take the instance lock in the execution's name before creating it."""
    execution_id = execution_id or new_execution_id()
    fields = {
        "executionId": execution_id, "account": tenant.account, "org": tenant.org, "project": tenant.project,
        "schema": schema, "instance": instance, "request": request, "parentId": parent_id,
        "progressDone": 0, "progressTotal": 0, "preStartTag": None, "tag": request.get("tag"),
        "dryRun": bool(request.get("dryRun")), "completedAt": None, "error": None,
    }
    target = instance_target(schema, instance) if instance else f"{schema_group(schema)}#FLEET"
    return jobs(svc).create(scope_of(tenant), kind, target, schema_group(schema), fields, job_id=execution_id)


def get_execution_item(svc: Services, scope: str, execution_id: str) -> dict[str, Any]:
    return jobs(svc).get(scope, execution_id)


def update_execution(svc: Services, scope: str, execution_id: str, **fields: Any) -> dict[str, Any]:
    return jobs(svc).update(scope, execution_id, **fields)


def add_progress(svc: Services, scope: str, execution_id: str, done: int) -> None:
    jobs(svc).add_progress(scope, execution_id, progressDone=done)


def add_results(svc: Services, scope: str, execution_id: str, results: list[dict[str, Any]]) -> None:
    """Per-changeset results, appended in the order they happened."""
    jobs(svc).log(scope, execution_id, results)


def checkpoint(svc: Services, scope: str, execution_id: str,
               records: list[tuple[dict[str, Any], list[dict[str, Any]], int]]) -> None:
    """Changesets' outcomes, in order: (result row, state items, progress) each. Rows and items go out
    in batch writes of 25 (both tables), then one progress update. Not a transaction on purpose:
    DATABASECHANGELOG is the truth and the next batch reconciles a half-written checkpoint. Items
    are converted to the wire form here and sent through the low-level client (the hot path of a
    deployment: one to three items per changeset)."""
    from schemashift.store.dynamo import wire_item

    job_store = jobs(svc)
    table = job_store.table
    client = svc.dynamodb
    state_table = svc.state.name
    writes: list[tuple[str, dict[str, Any]]] = []
    base = time.time_ns()
    state: list[dict[str, Any]] = []
    for offset, (result, state_puts, _) in enumerate(records):
        writes.append((table.name, job_store.entry_item(scope, execution_id, base + offset, result)))
        writes += [(state_table, item) for item in state_puts]
        state += state_puts
    writes += [(state_table, marker) for marker in state_markers(state)]  # in the last batch: after the state
    retried = False
    for start in range(0, len(writes), 25):
        requests: dict[str, list[dict[str, Any]]] = {}
        for name, item in writes[start : start + 25]:
            requests.setdefault(name, []).append({"PutRequest": {"Item": wire_item(item)}})
        while requests:
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            retried = retried or bool(requests)
    if retried and state:  # the marker may have landed before a retried state item: vouch again
        client.batch_write_item(RequestItems={state_table: [
            {"PutRequest": {"Item": wire_item(marker)}} for marker in state_markers(state)]})
    progress = sum(count for _, _, count in records)
    if progress:
        add_progress(svc, scope, execution_id, progress)


def finish_execution(svc: Services, scope: str, execution_id: str, status: str, error: dict[str, Any] | None = None,
                     **fields: Any) -> dict[str, Any]:
    """Move to a terminal status once; a second finish (a retried task) changes nothing."""
    return jobs(svc).finish(scope, execution_id, status, error, **fields)


def execution_out(svc: Services, item: dict[str, Any], *, with_results: bool = True) -> Execution:
    if not with_results:
        return execution_view(item)
    scope, execution_id = item["pk"].split("JOB#")[0], item["jobId"]
    children = jobs(svc).children(scope, execution_id) if item["kind"] == "fleet" else None
    return execution_view(item, jobs(svc).entries(scope, execution_id), children)


def get_execution(svc: Services, tenant: Tenant, execution_id: str) -> Execution:
    """One GetItem on the caller's own key: another tenant's execution cannot be named."""
    return execution_out(svc, get_execution_item(svc, scope_of(tenant), execution_id))


def list_executions(svc: Services, tenant: Tenant, schema: str, page: PageRequest, *, instance: str | None = None,
                    status: str | None = None) -> ExecutionList:
    """A schema's (or one instance's) executions, newest first, optionally in one Harness status."""
    statuses = STORE_STATUSES_OF_HARNESS.get(status) if status else None
    if status and statuses is None:
        raise ValidationFailed(f"query parameter 'status' must be one of {', '.join(STORE_STATUSES_OF_HARNESS)}; "
                               f"got {status!r}", details={"field": "status"})
    # IN_PROGRESS is two store statuses: listed unfiltered by status and narrowed here.
    store_status = statuses[0] if statuses and len(statuses) == 1 else None
    if instance is not None:
        get_instance_item(svc, tenant, schema, instance)  # 404 for an unknown schema or instance
    else:
        get_schema_item(svc, tenant, schema)
    scope = scope_of(tenant)
    if instance is not None:
        found = jobs(svc).list_by_target(scope, instance_target(schema, instance), page, status=store_status)
    else:
        found = jobs(svc).list_by_tenant(scope, page, group=schema_group(schema), status=store_status)
    items = [i for i in found.items if statuses is None or i["status"] in statuses]
    return ExecutionList(executions=[execution_view(i) for i in items], nextCursor=found.next_cursor)


def link_child(svc: Services, scope: str, parent_id: str, instance: str, child_id: str) -> None:
    jobs(svc).link_child(scope, parent_id, instance, child_id)


def set_child_status(svc: Services, scope: str, parent_id: str, instance: str, status: str) -> None:
    jobs(svc).set_child_status(scope, parent_id, instance, status)


def count_failures(svc: Services, scope: str, parent_id: str) -> int:
    """Atomic failure counter of a fleet (maxFailures gate)."""
    item = jobs(svc).table.get_item(Key=store.job_key(scope, parent_id), ConsistentRead=True,
                                    ProjectionExpression="failures").get("Item")
    return int((item or {}).get("failures", 0))


def add_failure(svc: Services, scope: str, parent_id: str) -> None:
    jobs(svc).add_progress(scope, parent_id, failures=1)
