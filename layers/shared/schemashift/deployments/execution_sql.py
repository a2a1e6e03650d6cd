"""The SQL each execution actually sent, per changeset (or Flyway migration), kept in S3 beside the
instance's snapshots (``executions/{account}/{org}/{project}/{schema}/{instance}/{executionId}/``,
one object per batch, keys in the order the batches ran). ``changesetmetadata`` answers from it.

Bounded: at most ``MAX_EXECUTION_SQL_BYTES`` of statement text per batch object; what is over is left
out and the unit marked ``truncated``. Tracking-table writes (DATABASECHANGELOG,
flyway_schema_history) are not part of a unit's SQL. Deleted with the instance.
"""

from __future__ import annotations

import json
import time
from typing import Any

from schemashift.dbschema.objects import EXECUTIONS, object_prefix
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant

MAX_EXECUTION_SQL_BYTES = 1024 * 1024
RECORDED = "sqlRecorded"
"""The execution item's flag: its SQL is stored (executions started before this have none)."""


MAX_PREVIEW_SQL_BYTES = 256 * 1024
"""A dry run's ``sql`` lives on the execution item (DynamoDB: 400 KB an item)."""


def bounded_sql(statements: list[str], limit: int = MAX_PREVIEW_SQL_BYTES) -> list[str]:
    """``statements`` up to ``limit`` bytes; a final comment says how many were left out."""
    kept: list[str] = []
    left = limit
    for sql in statements:
        left -= len(sql.encode())
        if left < 0:
            omitted = len(statements) - len(kept)
            return [*kept, f"-- {omitted} more statement(s) left out: the preview is bounded to {limit} bytes"]
        kept.append(sql)
    return kept


def execution_prefix(tenant: Tenant, schema: str, instance: str, execution_id: str) -> str:
    return f"{object_prefix(EXECUTIONS, tenant, schema, instance)}/{execution_id}"


class SqlJournal:
    """Collects one batch's units and their statements, up to the byte bound."""

    def __init__(self, limit: int = MAX_EXECUTION_SQL_BYTES) -> None:
        self.units: list[dict[str, Any]] = []
        self._left = limit

    def add(self, fqn: str, status: str, statements: list[str]) -> None:
        kept: list[str] = []
        for sql in statements:
            size = len(sql.encode())
            if size > self._left:
                break
            self._left -= size
            kept.append(sql)
        unit: dict[str, Any] = {"changeSetFQN": fqn, "status": status, "statements": kept}
        if len(kept) < len(statements):
            unit["truncated"] = True
        self.units.append(unit)

    def store(self, svc: Services, tenant: Tenant, schema: str, instance: str, execution_id: str) -> None:
        """One object for the batch; nothing when the batch ran no unit."""
        if not self.units:
            return
        key = f"{execution_prefix(tenant, schema, instance, execution_id)}/{time.time_ns():020d}.json"
        svc.s3.put_object(Bucket=svc.bucket, Key=key, ContentType="application/json",
                          Body=json.dumps({"units": self.units}, separators=(",", ":")).encode())
        self.units = []


def recorded_units(svc: Services, tenant: Tenant, schema: str, instance: str,
                   execution_id: str) -> list[dict[str, Any]]:
    """Every unit the execution recorded, in the order they ran."""
    s3, bucket = svc.s3, svc.bucket
    keys = sorted(entry["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=execution_prefix(tenant, schema, instance, execution_id) + "/")
        for entry in page.get("Contents", []))
    units: list[dict[str, Any]] = []
    for key in keys:
        units += json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["units"]
    return units
