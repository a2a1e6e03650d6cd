"""The one record store of long-running work: deployments, fleet deployments, table migrations
and maintenance are all *jobs* in the jobs table (``EXECUTIONS_TABLE``).

Keys start with the owner's *scope* (``T#account#org#project#`` for the dbschema API,
``ACCT#account#`` for dataset tables), so a caller can only ever name its own jobs:

==================================  ==============  ==============================================
key                                 value           what
==================================  ==============  ==============================================
``pk``                              ``{scope}JOB#{jobId}``  the job's partition
``sk``                              ``JOB``         the job itself
``sk``                              ``R#{seq}``     an entry it logged (per-changeset results)
``sk``                              ``CHILD#{name}``  a child job (a fleet's per-instance runs)
``gsi1pk`` / ``gsi1sk``             ``{scope}{target}`` / ``{created}#{jobId}``  by target, newest first
``gsi2pk`` / ``gsi2sk``             ``{scope}JOBS`` / ``{group}#{created}#{jobId}``  by tenant
==================================  ==============  ==============================================

A *target* is what the job works on (``S#schema#I#instance``, ``TBL#tableId``, ``S#schema`` for a
fleet); its *group* is what a tenant listing narrows by (the schema, the table). Statuses are the
store's own (``queued, running, succeeded, failed, cancelled``); each API shows them in its own
vocabulary (``jobs.views``). Progress moves by atomic ``ADD`` only, ``finish`` moves a job to a
terminal status exactly once, and every job expires (TTL ``expiresAt``) after its retention.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from schemashift.clock import now_ms
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.ids import new_id
from schemashift.paging import Page, PageRequest
from schemashift.store.dynamo import batch_write, condition_failed, query_all, query_page, update_item

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
TERMINAL = (SUCCEEDED, FAILED, CANCELLED)
RETENTION_SECONDS = 90 * 24 * 3600
JOB = "JOB"
ENTRY, CHILD = "R#", "CHILD#"
KEYS_BY_TARGET = ("pk", "sk", "gsi1pk", "gsi1sk")
KEYS_BY_TENANT = ("pk", "sk", "gsi2pk", "gsi2sk")


def job_key(scope: str, job_id: str, sk: str = JOB) -> dict[str, str]:
    return {"pk": f"{scope}JOB#{job_id}", "sk": sk}


class Jobs:
    """Jobs of every tenant; each method is scoped to one tenant's ``scope``."""

    def __init__(self, table: Any, clock_ms: Callable[[], int] = now_ms,
                 not_found: Callable[[str], NotFound] | None = None) -> None:
        self.table = table
        self.clock_ms = clock_ms
        self.not_found = not_found or (lambda job_id: NotFound(f"Job {job_id!r} not found"))

    # ------------------------------------------------------------------ create and read
    def create(self, scope: str, kind: str, target: str, group: str, fields: Mapping[str, Any], *,
               job_id: str | None = None, id_prefix: str = "job_", status: str = QUEUED,
               retention_seconds: int = RETENTION_SECONDS) -> dict[str, Any]:
        now = self.clock_ms()
        job_id = job_id or new_id(id_prefix)
        item = {
            **job_key(scope, job_id),
            "gsi1pk": f"{scope}{target}", "gsi1sk": f"{now:015d}#{job_id}",
            "gsi2pk": f"{scope}JOBS", "gsi2sk": f"{group}#{now:015d}#{job_id}",
            "entity": "job", "jobId": job_id, "kind": kind, "status": status,
            "createdAt": now, "updatedAt": now, "expiresAt": int(time.time()) + retention_seconds,
            **fields,
        }
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            existing = self.find(scope, job_id)
            if existing is None or existing.get("gsi1sk") != item["gsi1sk"]:
                raise
            # our own put, applied but answered with an error (a 500 or a timeout): botocore's retry
            # then failed the condition against the item the first attempt wrote
        return item

    def find(self, scope: str, job_id: str) -> dict[str, Any] | None:
        return self.table.get_item(Key=job_key(scope, job_id), ConsistentRead=True).get("Item")

    def get(self, scope: str, job_id: str) -> dict[str, Any]:
        item = self.find(scope, job_id)
        if item is None:
            raise self.not_found(job_id)
        return item

    def discard(self, scope: str, job_id: str) -> None:
        """Remove a job that never started (its start failed before anything ran)."""
        self.table.delete_item(Key=job_key(scope, job_id))

    def list_by_target(self, scope: str, target: str, page: PageRequest, *, status: str | None = None,
                       kind: str | None = None) -> Page[dict[str, Any]]:
        """A target's jobs, newest first, optionally one status and/or kind."""
        partition = f"{scope}{target}"
        return self._page(page, scope, partition, KEYS_BY_TARGET, status, kind, IndexName="gsi1",
                          KeyConditionExpression="gsi1pk = :p", ExpressionAttributeValues={":p": partition})

    def list_by_tenant(self, scope: str, page: PageRequest, *, group: str | None = None,
                       status: str | None = None, kind: str | None = None) -> Page[dict[str, Any]]:
        """A tenant's jobs, grouped (by schema, by table), newest first within a group; ``group``
        narrows to one group by key."""
        partition = f"{scope}JOBS"
        values: dict[str, Any] = {":p": partition}
        condition = "gsi2pk = :p"
        if group is not None:
            condition += " AND begins_with(gsi2sk, :g)"
            values[":g"] = f"{group}#"
        return self._page(page, scope, partition, KEYS_BY_TENANT, status, kind, IndexName="gsi2",
                          KeyConditionExpression=condition, ExpressionAttributeValues=values)

    def _page(self, page: PageRequest, scope: str, partition: str, keys: tuple[str, ...], status: str | None,
              kind: str | None, **query: Any) -> Page[dict[str, Any]]:
        values = query["ExpressionAttributeValues"]
        filters: list[str] = []
        names: dict[str, str] = {}
        if status is not None:
            filters.append("#st = :st")
            names["#st"] = "status"
            values[":st"] = status
        if kind is not None:
            filters.append("kind = :kind")
            values[":kind"] = kind
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        if names:
            query["ExpressionAttributeNames"] = names
        return query_page(self.table, page, key_names=keys, pinned={keys[2]: partition},
                          key_prefix=f"{scope}JOB#", ScanIndexForward=False, **query)

    # ------------------------------------------------------------------ progress and control
    def update(self, scope: str, job_id: str, **fields: Any) -> dict[str, Any]:
        try:
            return update_item(self.table, job_key(scope, job_id), {**fields, "updatedAt": self.clock_ms()},
                               condition="attribute_exists(pk)")
        except condition_failed(self.table):
            raise self.not_found(job_id) from None

    def start(self, scope: str, job_id: str, **fields: Any) -> dict[str, Any]:
        """``queued`` -> ``running`` (a retried step finds it running and carries on); a job that
        ended meanwhile stays ended and this raises."""
        now = self.clock_ms()
        try:
            return update_item(self.table, job_key(scope, job_id),
                               {**fields, "status": RUNNING, "updatedAt": now, "heartbeatAt": now},
                               if_absent={"startedAt": now}, condition="#st IN (:queued, :running)",
                               names={"#st": "status"}, values={":queued": QUEUED, ":running": RUNNING})
        except condition_failed(self.table):
            status = self.get(scope, job_id)["status"]
            raise Conflict(f"Job {job_id!r} is already {status}", code="OPERATION_FINISHED") from None

    def add_progress(self, scope: str, job_id: str, **counters: int) -> None:
        """Atomic counters (``ADD``): concurrent workers never lose an update."""
        now = self.clock_ms()
        update_item(self.table, job_key(scope, job_id), {"updatedAt": now, "heartbeatAt": now}, add=counters,
                    returns="NONE")

    def heartbeat(self, scope: str, job_id: str) -> None:
        """A worker is alive: ``heartbeatAt`` tells a stuck job from a slow one."""
        update_item(self.table, job_key(scope, job_id), {"heartbeatAt": self.clock_ms()},
                    condition="attribute_exists(pk)", returns="NONE")

    def count_once(self, scope: str, job_id: str, counter: str, members: str, member: int) -> bool:
        """``counter += 1`` once per ``member`` (kept in the set ``members``), while the job is active
        and not aborting; False when it was counted before or the job is stopping."""
        try:
            update_item(self.table, job_key(scope, job_id), add={counter: 1, members: {member}},
                        condition="#st IN (:queued, :running) AND attribute_not_exists(aborting)"
                                  " AND NOT contains(#members, :member)",
                        names={"#st": "status", "#members": members},
                        values={":queued": QUEUED, ":running": RUNNING, ":member": member}, returns="NONE")
        except condition_failed(self.table):
            item = self.get(scope, job_id)
            return item["status"] in ACTIVE and not item.get("aborting")
        return True

    def enter(self, scope: str, job_id: str, members: str, member: int) -> bool:
        """Add ``member`` to the set of running workers ``members`` (and stamp ``{members}At``) while
        the job is active and not aborting; False when it is stopping: the worker must not start."""
        try:
            self.table.update_item(
                Key=job_key(scope, job_id), UpdateExpression="ADD #members :member SET #at = :now",
                ConditionExpression="#st IN (:queued, :running) AND attribute_not_exists(aborting)",
                ExpressionAttributeNames={"#members": members, "#at": f"{members}At", "#st": "status"},
                ExpressionAttributeValues={":member": {member}, ":now": self.clock_ms(), ":queued": QUEUED,
                                           ":running": RUNNING})
        except condition_failed(self.table):
            return False
        return True

    def leave(self, scope: str, job_id: str, members: str, member: int) -> None:
        """The worker ``member`` has stopped (an empty set disappears from the item)."""
        self.table.update_item(Key=job_key(scope, job_id), UpdateExpression="DELETE #members :member",
                               ExpressionAttributeNames={"#members": members},
                               ExpressionAttributeValues={":member": {member}})

    def request_cancel(self, scope: str, job_id: str, **fields: Any) -> dict[str, Any]:
        """Ask the workers to stop at their next check; 409 when the job has already ended."""
        try:
            return update_item(self.table, job_key(scope, job_id), {**fields, "cancelRequested": True},
                               condition="#st IN (:queued, :running)", names={"#st": "status"},
                               values={":queued": QUEUED, ":running": RUNNING})
        except condition_failed(self.table):
            status = self.get(scope, job_id)["status"]
            raise Conflict(f"Job {job_id!r} is already {status}; nothing to cancel",
                           details={"jobId": job_id, "status": status}, code="OPERATION_FINISHED") from None

    def stop_requested(self, scope: str, job_id: str) -> bool:
        """True once a cancel was asked for, the job is aborting, or it is over."""
        item = self.table.get_item(Key=job_key(scope, job_id), ConsistentRead=True,
                                   ProjectionExpression="cancelRequested, aborting, #st",
                                   ExpressionAttributeNames={"#st": "status"}).get("Item") or {}
        return bool(item.get("cancelRequested") or item.get("aborting") or item.get("status") not in ACTIVE)

    def record_error(self, scope: str, job_id: str, error: dict[str, Any]) -> None:
        """Keep the first failure (the one that stopped the run) in ``failure``."""
        with contextlib.suppress(condition_failed(self.table)):
            update_item(self.table, job_key(scope, job_id), {"failure": error},
                        condition="attribute_exists(pk) AND attribute_not_exists(failure)", returns="NONE")

    def finish(self, scope: str, job_id: str, status: str, error: dict[str, Any] | None = None,
               **fields: Any) -> dict[str, Any]:
        """Move to a terminal status exactly once; a second finish (a retried step) changes nothing
        and returns the job as the first one left it."""
        if status not in TERMINAL:
            raise ValidationFailed(f"{status!r} is not a terminal job status")
        now = self.clock_ms()
        try:
            return update_item(self.table, job_key(scope, job_id),
                               {"status": status, "error": error, "completedAt": now, "updatedAt": now, **fields},
                               condition="#st IN (:queued, :running)", names={"#st": "status"},
                               values={":queued": QUEUED, ":running": RUNNING})
        except condition_failed(self.table):
            return self.get(scope, job_id)

    # ------------------------------------------------------------------ entries and children
    def log(self, scope: str, job_id: str, entries: list[dict[str, Any]]) -> None:
        """Append entries (e.g. per-changeset results) in the order they happened."""
        base = time.time_ns()
        batch_write(self.table, puts=[{**job_key(scope, job_id), "sk": f"{ENTRY}{base + i:020d}", **entry}
                                      for i, entry in enumerate(entries)])

    def entry_item(self, scope: str, job_id: str, seq: int, entry: dict[str, Any]) -> dict[str, Any]:
        """The item ``log`` would write for one entry, for callers that batch it with other writes."""
        return {**job_key(scope, job_id, f"{ENTRY}{seq:020d}"), **entry}

    def entries(self, scope: str, job_id: str, prefix: str = ENTRY) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k not in ("pk", "sk")} for item in query_all(
            self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": job_key(scope, job_id)["pk"], ":p": prefix})]

    def link_child(self, scope: str, job_id: str, name: str, child_id: str, status: str = QUEUED) -> None:
        self.table.put_item(Item={**job_key(scope, job_id, f"{CHILD}{name}"), "name": name, "jobId": child_id,
                                  "status": status})

    def set_child_status(self, scope: str, job_id: str, name: str, status: str) -> None:
        update_item(self.table, job_key(scope, job_id, f"{CHILD}{name}"), {"status": status}, returns="NONE")

    def children(self, scope: str, job_id: str) -> list[dict[str, Any]]:
        return self.entries(scope, job_id, CHILD)

