"""Operation items: what ``GET .../operations`` shows, and the counters the workers move.

Keys (executions table), partitioned by account like every dataset record:

==============================  =============  =============================================
pk                              sk             what
==============================  =============  =============================================
``ACCT#a#OP#{operationId}``     ``OPERATION``  one operation (gsi1: the table's, newest first)
==============================  =============  =============================================

``gsi1pk = ACCT#a#TBL#{tableId}#OPS`` and ``gsi1sk = {createdAt ms}#{operationId}``. Progress is
counted by atomic ``ADD`` (rows by every batch, fragments once each through a set of finished
ids), so concurrent Map workers never lose an update and a retried worker never counts a
fragment twice. Times are stored as epoch milliseconds and shown as ISO-8601.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from schemashift.clock import iso_from_ms, now_ms
from schemashift.datasets.paging import Page, PageRequest, decode_cursor, encode_cursor
from schemashift.datasets.records import account_prefix, table_pk
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.ids import new_id
from schemashift.store.dynamo import plain

PENDING, RUNNING, COMPLETED, FAILED, CANCELLED = "pending", "running", "completed", "failed", "cancelled"
STATUSES = (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED)
ACTIVE = (PENDING, RUNNING)
OPERATION_TYPES = ("migration", "compact", "restore")
TARGET_TYPE = "table"
SK = "OPERATION"
REWRITING = "rewriting"  # the phase whose progressMessage counts fragments
RETENTION_SECONDS = 90 * 24 * 3600


def operation_key(account: str, operation_id: str) -> dict[str, str]:
    return {"pk": f"{account_prefix(account)}OP#{operation_id}", "sk": SK}


def table_operations_pk(account: str, table_id: str) -> str:
    return f"{table_pk(account, table_id)}#OPS"


def operation_not_found(operation_id: str) -> NotFound:
    return NotFound(f"Operation {operation_id!r} not found", details={"operationId": operation_id})


class Operations:
    """Operation items of all accounts; every method is scoped to one account."""

    def __init__(self, table: Any, clock_ms: Callable[[], int] = now_ms) -> None:
        self.table = table
        self.clock_ms = clock_ms

    def create(
        self,
        account: str,
        table_id: str,
        operation_type: str,
        description: str,
        request: dict[str, Any],
        *,
        source: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        now = self.clock_ms()
        operation_id = new_id("op_")
        item = {
            **operation_key(account, operation_id),
            "gsi1pk": table_operations_pk(account, table_id),
            "gsi1sk": f"{now:015d}#{operation_id}",
            "entity": "operation",
            "operationId": operation_id,
            "operationType": operation_type,
            "account": account,
            "tableId": table_id,
            "description": description,
            "status": PENDING,
            "progressMessage": "waiting to start",
            "request": request,
            "source": source,
            "rowsDone": 0,
            "rowsTotal": 0,
            "fragmentsDone": 0,
            "fragmentsTotal": 0,
            "createdAt": now,
            "expiresAt": int(time.time()) + RETENTION_SECONDS,
        }
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        return item

    def get(self, account: str, operation_id: str) -> dict[str, Any]:
        item = self.table.get_item(Key=operation_key(account, operation_id), ConsistentRead=True).get("Item")
        if item is None:
            raise operation_not_found(operation_id)
        return item

    def get_for_table(self, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
        item = self.get(account, operation_id)
        if item["tableId"] != table_id:
            raise operation_not_found(operation_id)
        return item

    def discard(self, account: str, operation_id: str) -> None:
        self.table.delete_item(Key=operation_key(account, operation_id))

    def list_for_table(
        self,
        account: str,
        table_id: str,
        page: PageRequest,
        *,
        status: str | None = None,
        operation_type: str | None = None,
    ) -> Page:
        """A table's operations, newest first, optionally only one status and/or type."""
        values = {":p": table_operations_pk(account, table_id)}
        query: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": page.limit,
        }
        filters = []
        if status is not None:
            _require_choice("status", status, STATUSES)
            filters.append("#st = :st")
            values[":st"] = status
            query["ExpressionAttributeNames"] = {"#st": "status"}
        if operation_type is not None:
            _require_choice("type", operation_type, OPERATION_TYPES)
            filters.append("operationType = :ty")
            values[":ty"] = operation_type
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        start = decode_cursor(
            page.cursor, pinned={"gsi1pk": values[":p"]}, key_prefix=account_prefix(account)
        )
        return _collect(self.table, query, start, page.limit)

    def mark_running(self, account: str, operation_id: str, **fields: Any) -> dict[str, Any]:
        """``pending`` -> ``running`` (a retried step finds it running already and carries on);
        an operation that has ended meanwhile stays ended and this raises."""
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(fields.values())}
        sets = ["#st = :running", "startedAt = if_not_exists(startedAt, :now)"]
        sets += [f"#f{i} = :v{i}" for i in range(len(fields))]
        values.update({":running": RUNNING, ":pending": PENDING, ":now": self.clock_ms()})
        client = self.table.meta.client
        try:
            return self.table.update_item(
                Key=operation_key(account, operation_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#st IN (:pending, :running)",
                ExpressionAttributeNames={**names, "#st": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except client.exceptions.ConditionalCheckFailedException:
            status = self.get(account, operation_id)["status"]
            raise Conflict(
                f"Operation {operation_id!r} is already {status}", code="OPERATION_FINISHED"
            ) from None

    def update(self, account: str, operation_id: str, **fields: Any) -> dict[str, Any]:
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": value for i, value in enumerate(fields.values())}
        expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        return self.table.update_item(
            Key=operation_key(account, operation_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )["Attributes"]

    def add_rows(self, account: str, operation_id: str, rows: int) -> None:
        self.table.update_item(
            Key=operation_key(account, operation_id),
            UpdateExpression="ADD rowsDone :n",
            ExpressionAttributeValues={":n": rows},
        )

    def fragment_done(self, account: str, operation_id: str, fragment_id: int) -> bool:
        """Count a fragment once, however often its worker is retried; False once the run is aborting
        or over.

        One conditional write decides both, so a worker either counts before the abort step lists the
        results (and the abort sees its files) or learns that it must remove its files itself."""
        client = self.table.meta.client
        try:
            self.table.update_item(
                Key=operation_key(account, operation_id),
                UpdateExpression="ADD fragmentsDone :one, doneFragments :id",
                ConditionExpression=(
                    "#st IN (:pending, :running) AND attribute_not_exists(aborting)"
                    " AND NOT contains(doneFragments, :fid)"
                ),
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":one": 1,
                    ":id": {fragment_id},
                    ":fid": fragment_id,
                    ":pending": PENDING,
                    ":running": RUNNING,
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            item = self.get(account, operation_id)
            return item["status"] in ACTIVE and not item.get("aborting")
        return True

    def request_cancel(self, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
        """Ask the workers to stop; the state machine then aborts and the status becomes ``cancelled``."""
        self.get_for_table(account, table_id, operation_id)
        client = self.table.meta.client
        try:
            return self.table.update_item(
                Key=operation_key(account, operation_id),
                UpdateExpression="SET cancelRequested = :yes, progressMessage = :m",
                ConditionExpression="#st IN (:pending, :running)",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":yes": True,
                    ":m": "cancelling",
                    ":pending": PENDING,
                    ":running": RUNNING,
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except client.exceptions.ConditionalCheckFailedException:
            status = self.get(account, operation_id)["status"]
            raise Conflict(
                f"Operation {operation_id!r} is already {status}; nothing to cancel",
                details={"operationId": operation_id, "status": status},
                code="OPERATION_FINISHED",
            ) from None

    def stop_requested(self, account: str, operation_id: str) -> bool:
        """True once a cancel was asked for, the run is being aborted or it is over: workers stop
        at their next batch."""
        item = (
            self.table.get_item(
                Key=operation_key(account, operation_id),
                ConsistentRead=True,
                ProjectionExpression="cancelRequested, aborting, #st",
                ExpressionAttributeNames={"#st": "status"},
            ).get("Item")
            or {}
        )
        return bool(item.get("cancelRequested") or item.get("aborting") or item.get("status") not in ACTIVE)

    def record_error(self, account: str, operation_id: str, error: dict[str, Any]) -> None:
        """Keep the first failure's code, message and details: the one that stopped the run."""
        client = self.table.meta.client
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            self.table.update_item(
                Key=operation_key(account, operation_id),
                UpdateExpression="SET #e = :e",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#e)",
                ExpressionAttributeNames={"#e": "failure"},
                ExpressionAttributeValues={":e": error},
            )

    def finish(
        self, account: str, operation_id: str, status: str, error: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Move to a terminal status once; a second finish (a retried step) changes nothing."""
        now = self.clock_ms()
        sets = {"status": status, "error": error, "completedAt": now, **fields}
        names = {f"#f{i}": name for i, name in enumerate(sets)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(sets.values())}
        names["#st"] = "status"
        values.update({":pending": PENDING, ":running": RUNNING})
        client = self.table.meta.client
        try:
            return self.table.update_item(
                Key=operation_key(account, operation_id),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(sets))),
                ConditionExpression="#st IN (:pending, :running)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except client.exceptions.ConditionalCheckFailedException:
            return self.get(account, operation_id)


def progress_percent(item: dict[str, Any]) -> int:
    """0..99 from the row counter while running (never 100 before the commit), 100 once completed."""
    if item["status"] == COMPLETED:
        return 100
    total = int(item.get("rowsTotal") or 0)
    if total <= 0:
        return 0
    return min(99, int(item.get("rowsDone") or 0) * 100 // total)


def progress_message(item: dict[str, Any]) -> str | None:
    if item["status"] in ACTIVE and item.get("phase") == REWRITING and not item.get("cancelRequested"):
        done, total = int(item.get("fragmentsDone") or 0), int(item.get("fragmentsTotal") or 0)
        return f"{item.get('workLabel') or 'rewriting'}: {done}/{total} fragments"
    return item.get("progressMessage")


def operation_out(item: dict[str, Any]) -> dict[str, Any]:
    """The Catalyzed operation object; optional fields appear only when they have a value."""
    out: dict[str, Any] = {
        "operationId": item["operationId"],
        "operationType": item["operationType"],
        "targetType": TARGET_TYPE,
        "targetId": item["tableId"],
        "description": item.get("description") or "",
        "status": item["status"],
        "progressPercent": progress_percent(item),
    }
    optional = {
        "progressMessage": progress_message(item),
        "error": plain(item.get("error")),
        "createdAt": _iso(item.get("createdAt")),
        "startedAt": _iso(item.get("startedAt")),
        "completedAt": _iso(item.get("completedAt")),
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def _iso(ms: Any) -> str | None:
    return iso_from_ms(int(ms)) if ms is not None else None


def _require_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationFailed(
            f"query parameter {name!r} must be one of {', '.join(choices)}; got {value!r}",
            details={"field": name},
        )


def _collect(table: Any, query: dict[str, Any], start: dict[str, Any] | None, limit: int) -> Page:
    """Fill a page through the filter: DynamoDB applies ``Limit`` before ``FilterExpression``."""
    items: list[dict[str, Any]] = []
    while True:
        response = table.query(**query, **({"ExclusiveStartKey": start} if start else {}))
        found = response.get("Items", [])
        last_key = response.get("LastEvaluatedKey")
        for position, item in enumerate(found):
            items.append(item)
            if len(items) == limit:
                more = position < len(found) - 1 or last_key is not None
                cursor = (
                    encode_cursor({k: item[k] for k in ("pk", "sk", "gsi1pk", "gsi1sk")}) if more else None
                )
                return Page([operation_out(i) for i in items], cursor)
        if not last_key:
            return Page([operation_out(i) for i in items], None)
        start = last_key
