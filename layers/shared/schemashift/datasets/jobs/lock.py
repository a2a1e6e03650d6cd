"""One operation per table at a time: a lock item in the locks table, written conditionally.

The lock names its operation and has no lease to renew. Instead, whoever finds the table locked
asks whether the holder is still alive: its status is active and its state machine execution is
still running. A holder whose execution ended without recording an outcome (stopped by hand,
timed out) is marked ``failed`` and its lock taken over, again by conditional write, so two
starters can never both win. ``expiresAt`` only lets DynamoDB's TTL sweep forgotten locks.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from schemashift.datasets.catalog.records import table_pk
from schemashift.datasets.errors import OperationInProgress
from schemashift.datasets.jobs.records import ACTIVE, FAILED, Operations
from schemashift.errors import NotFound

SWEEP_AFTER_SECONDS = 7 * 24 * 3600
#: A pending operation whose state machine never started (its starter died) is abandoned after this.
START_GRACE_MS = 5 * 60 * 1000


def lock_key(account: str, table_id: str) -> dict[str, str]:
    return {"pk": f"LOCK#{table_pk(account, table_id)}"}


class TableLock:
    def __init__(self, table: Any, operations: Operations, stepfunctions: Any) -> None:
        self.table = table
        self.operations = operations
        self.stepfunctions = stepfunctions

    def holder(self, account: str, table_id: str) -> str | None:
        """The operation holding the table, if it is still alive."""
        item = self.table.get_item(Key=lock_key(account, table_id), ConsistentRead=True).get("Item")
        if item and self.alive(account, str(item["owner"])):
            return str(item["owner"])
        return None

    def check_free(self, account: str, table_id: str) -> None:
        """Fail fast, before any planning work, when the table is busy (``acquire`` decides for real)."""
        owner = self.holder(account, table_id)
        if owner:
            raise _busy(table_id, owner)

    def acquire(self, account: str, table_id: str, operation_id: str) -> None:
        now = int(time.time())
        item = {
            **lock_key(account, table_id),
            "owner": operation_id,
            "tableId": table_id,
            "acquiredAt": now,
            "expiresAt": now + SWEEP_AFTER_SECONDS,
        }
        if self._put(item, "attribute_not_exists(pk) OR #o = :me", {":me": operation_id}):
            return
        current = self.table.get_item(Key=lock_key(account, table_id), ConsistentRead=True).get("Item")
        if current is None:
            if self._put(item, "attribute_not_exists(pk)", {}):
                return
            raise _busy(table_id, None)
        owner = str(current["owner"])
        if self.alive(account, owner):
            raise _busy(table_id, owner)
        # The holder ended: take over unless someone else did first. Its lock may also be released
        # between our read and this write (it finished just now), which leaves the table free too.
        if not self._put(item, "attribute_not_exists(pk) OR #o = :old", {":old": owner}):
            raise _busy(table_id, None)

    def release(self, account: str, table_id: str, operation_id: str) -> None:
        client = self.table.meta.client
        # Already released, or taken over after we finished: either way it is not ours to delete.
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            self.table.delete_item(
                Key=lock_key(account, table_id),
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": operation_id},
            )

    def alive(self, account: str, operation_id: str) -> bool:
        """Active, and its execution still running; a dead holder is marked failed on the way."""
        try:
            item = self.operations.get(account, operation_id)
        except NotFound:  # a lock naming no operation is abandoned
            return False
        if item["status"] not in ACTIVE:
            return False
        arn = item.get("executionArn")
        if arn is None:
            return self.operations.clock_ms() - int(item["createdAt"]) < START_GRACE_MS
        status = self.stepfunctions.describe_execution(executionArn=arn)["status"]
        if status == "RUNNING":
            return True
        self.operations.finish(
            account,
            operation_id,
            FAILED,
            {
                "code": "EXECUTION_ENDED",
                "message": f"Its state machine execution ended ({status}) without recording an outcome",
            },
            progressMessage="failed",
        )
        return False

    def _put(self, item: dict[str, Any], condition: str, values: dict[str, Any]) -> bool:
        client = self.table.meta.client
        kwargs: dict[str, Any] = {"Item": item, "ConditionExpression": condition}
        if "#o" in condition:
            kwargs["ExpressionAttributeNames"] = {"#o": "owner"}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self.table.put_item(**kwargs)
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _busy(table_id: str, owner: str | None) -> OperationInProgress:
    running = f"Operation {owner!r} is" if owner else "Another operation is"
    return OperationInProgress(
        f"{running} already running on table {table_id!r}; wait for it to finish",
        details={"tableId": table_id, "operationId": owner},
    )
