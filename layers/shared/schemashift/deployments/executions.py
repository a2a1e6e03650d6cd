"""Execution items: status, progress and per-changeset results of one deployment.

Keys (executions table): ``pk = EXEC#<id>``; ``sk = META`` for the execution, ``R#<seq>`` for each
changeset result, ``CHILD#<instance>`` for a fleet's per-instance executions. ``gsi1`` lists an
instance's executions newest first. Executions expire (TTL) after 90 days.
"""

from __future__ import annotations

import time
from typing import Any

from schemashift.aws import dynamodb_table
from schemashift.clock import now_ms
from schemashift.dbschema.tenancy import Tenant, instance_index_pk
from schemashift.errors import NotFound
from schemashift.ids import new_id
from schemashift.settings import get_settings
from schemashift.store.dynamo import batch_write, condition_failed, plain, query_all, update_item

IN_PROGRESS, SUCCESS, FAILURE, CANCELLED = "IN_PROGRESS", "SUCCESS", "FAILURE", "CANCELLED"
TERMINAL = (SUCCESS, FAILURE, CANCELLED)
RETENTION_SECONDS = 90 * 24 * 3600
META = "META"


def _table() -> Any:
    return dynamodb_table(get_settings().executions_table)


def _key(execution_id: str, sk: str = META) -> dict[str, str]:
    return {"pk": f"EXEC#{execution_id}", "sk": sk}


def create_execution(tenant: Tenant, schema: str, instance: str | None, kind: str, request: dict[str, Any],
                     *, parent_id: str | None = None, execution_id: str | None = None) -> dict[str, Any]:
    now = now_ms()
    execution_id = execution_id or new_id("exe_", 20)
    item = {
        **_key(execution_id),
        "executionId": execution_id, "kind": kind, "status": IN_PROGRESS,
        "account": tenant.account, "org": tenant.org, "project": tenant.project,
        "schema": schema, "instance": instance, "request": request, "parentId": parent_id,
        "progressDone": 0, "progressTotal": 0, "preStartTag": None, "tag": request.get("tag"),
        "dryRun": bool(request.get("dryRun")), "created": now, "updated": now, "completed": None,
        "error": None, "expiresAt": int(time.time()) + RETENTION_SECONDS,
    }
    if instance:
        item["gsi1pk"] = instance_index_pk(tenant, schema, instance)
        item["gsi1sk"] = f"{now:015d}#{execution_id}"
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    return item


def get_execution_item(execution_id: str) -> dict[str, Any]:
    item = _table().get_item(Key=_key(execution_id), ConsistentRead=True).get("Item")
    if not item:
        raise NotFound(f"Execution '{execution_id}' not found")
    return item


def tenant_of(item: dict[str, Any]) -> Tenant:
    return Tenant(item["account"], item["org"], item["project"])


def update_execution(execution_id: str, **fields: Any) -> dict[str, Any]:
    return update_item(_table(), _key(execution_id), {**fields, "updated": now_ms()})


def add_progress(execution_id: str, done: int) -> None:
    _table().update_item(Key=_key(execution_id), UpdateExpression="ADD progressDone :d SET updated = :now",
                         ExpressionAttributeValues={":d": done, ":now": now_ms()})


def add_results(execution_id: str, results: list[dict[str, Any]]) -> None:
    """Per-changeset results, appended in the order they happened (sort key = time + sequence)."""
    base = time.time_ns()
    batch_write(_table(), puts=[{**_key(execution_id, f"R#{base + i:020d}"), **r} for i, r in enumerate(results)])


def checkpoint(execution_id: str, records: list[tuple[dict[str, Any], list[dict[str, Any]], int]],
               state_table: str) -> None:
    """Changesets' outcomes, in order: (result row, state items, progress) each. Rows and items go out
    in batch writes of 25 (both tables), then one progress update. Not a transaction on purpose:
    DATABASECHANGELOG is the truth and the next batch reconciles a half-written checkpoint."""
    table = _table()
    client = table.meta.client
    writes: list[tuple[str, dict[str, Any]]] = []
    base = time.time_ns()
    for offset, (result, state_puts, _) in enumerate(records):
        writes.append((table.name, {**_key(execution_id, f"R#{base + offset:020d}"), **result}))
        writes += [(state_table, item) for item in state_puts]
    for start in range(0, len(writes), 25):
        requests: dict[str, list[dict[str, Any]]] = {}
        for name, item in writes[start : start + 25]:
            requests.setdefault(name, []).append({"PutRequest": {"Item": item}})
        while requests:
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
    progress = sum(count for _, _, count in records)
    if progress:
        add_progress(execution_id, progress)


def finish_execution(execution_id: str, status: str, error: dict[str, Any] | None = None,
                     **fields: Any) -> dict[str, Any]:
    """Move to a terminal status once; a second finish (a retried task) changes nothing."""
    table = _table()
    now = now_ms()
    try:
        return update_item(table, _key(execution_id),
                           {"status": status, "error": error, "updated": now, "completed": now, **fields},
                           condition="#st = :running", names={"#st": "status"}, values={":running": IN_PROGRESS})
    except condition_failed(table):
        return get_execution_item(execution_id)


def execution_out(item: dict[str, Any], *, with_results: bool = True) -> dict[str, Any]:
    request = plain(item.get("request") or {})
    out = {
        "executionId": item["executionId"], "kind": item["kind"], "status": item["status"],
        "schema": item["schema"], "instance": item.get("instance"),
        "pipeline": request.get("pipeline"), "planExecutionId": request.get("planExecutionId"),
        "stageExecutionId": request.get("stageExecutionId"),
        "progress": {"done": int(item.get("progressDone", 0)), "total": int(item.get("progressTotal", 0))},
        "preStartTag": item.get("preStartTag"), "tag": item.get("tag"), "dryRun": bool(item.get("dryRun")),
        "request": request, "error": plain(item.get("error")),
        "created": plain(item["created"]), "updated": plain(item["updated"]), "completed": plain(item.get("completed")),
    }
    if item.get("sql") is not None:
        out["sql"] = plain(item["sql"])
    if item.get("summary") is not None:
        out["summary"] = plain(item["summary"])
    if with_results:
        rows = query_all(_table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
                         ExpressionAttributeValues={":pk": f"EXEC#{item['executionId']}", ":r": "R#"})
        out["results"] = [{k: plain(v) for k, v in r.items() if k not in ("pk", "sk")} for r in rows]
        if item["kind"] == "fleet":
            children = query_all(_table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
                                 ExpressionAttributeValues={":pk": f"EXEC#{item['executionId']}", ":c": "CHILD#"})
            out["instances"] = [{k: plain(v) for k, v in c.items() if k not in ("pk", "sk")} for c in children]
    return out


def get_execution(tenant: Tenant, execution_id: str) -> dict[str, Any]:
    item = get_execution_item(execution_id)
    if (item["account"], item["org"], item["project"]) != (tenant.account, tenant.org, tenant.project):
        raise NotFound(f"Execution '{execution_id}' not found")
    return execution_out(item)


def link_child(parent_id: str, instance: str, child_id: str) -> None:
    _table().put_item(Item={**_key(parent_id, f"CHILD#{instance}"), "instance": instance, "executionId": child_id,
                            "status": IN_PROGRESS})


def set_child_status(parent_id: str, instance: str, status: str) -> None:
    _table().update_item(Key=_key(parent_id, f"CHILD#{instance}"), UpdateExpression="SET #s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": status})


def count_failures(parent_id: str) -> int:
    """Atomic failure counter of a fleet (maxFailures gate)."""
    item = _table().get_item(Key=_key(parent_id), ConsistentRead=True, ProjectionExpression="failures").get("Item")
    return int((item or {}).get("failures", 0))


def add_failure(parent_id: str) -> None:
    _table().update_item(Key=_key(parent_id), UpdateExpression="ADD failures :one",
                         ExpressionAttributeValues={":one": 1})
