"""One deployment per instance at a time: a DynamoDB lock item with a lease.

The lease bounds how long a crashed run can block an instance: once ``expiresAt`` passes, the
next run may take the lock over (and the target's DATABASECHANGELOGLOCK is then broken as stale
by the engine). TTL on ``expiresAt`` lets DynamoDB delete old lock items.
"""

from __future__ import annotations

import time
from typing import Any

from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.store.dynamo import batch_get

DEFAULT_LEASE_SECONDS = 15 * 60



def lock_key(tenant: Tenant, schema: str, instance: str) -> dict[str, str]:
    return {"pk": f"LOCK#{tenant.schema_pk(schema)}#{instance}"}


def acquire_lock(svc: Services, tenant: Tenant, schema: str, instance: str, owner: str,
                 lease_seconds: int = DEFAULT_LEASE_SECONDS, *, replacing: str | None = None) -> dict[str, Any] | None:
    """Take (or renew, for the same owner) the instance lock. Returns None when another run holds it,
    else the lock item. ``replacing`` names a holder known to be dead, whose lock is taken over at once."""
    now = int(time.time())
    item = {**lock_key(tenant, schema, instance), "owner": owner, "acquiredAt": now,
            "expiresAt": now + lease_seconds, "schema": schema, "instance": instance}
    condition = "attribute_not_exists(pk) OR #o = :owner OR expiresAt < :now"
    values: dict[str, Any] = {":owner": owner, ":now": now}
    if replacing is not None:
        condition += " OR #o = :dead"
        values[":dead"] = replacing
    try:
        svc.locks.put_item(
            Item=item,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues=values,
        )
    except svc.locks.meta.client.exceptions.ConditionalCheckFailedException:
        return None
    return item


def current_lock(svc: Services, tenant: Tenant, schema: str, instance: str) -> dict[str, Any] | None:
    item = svc.locks.get_item(Key=lock_key(tenant, schema, instance), ConsistentRead=True).get("Item")
    if item and int(item["expiresAt"]) >= int(time.time()):
        return item
    return None


def lock_holder(svc: Services, tenant: Tenant, schema: str, instance: str) -> str | None:
    """The execution named by the instance lock, expired or not."""
    item = svc.locks.get_item(Key=lock_key(tenant, schema, instance), ConsistentRead=True).get("Item")
    return str(item["owner"]) if item else None


def release_lock(svc: Services, tenant: Tenant, schema: str, instance: str, owner: str) -> bool:
    try:
        svc.locks.delete_item(Key=lock_key(tenant, schema, instance), ConditionExpression="#o = :owner",
                              ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":owner": owner})
    except svc.locks.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def running_deployments(svc: Services, tenant: Tenant, schema: str, instances: list[str]) -> set[str]:
    """Instances of ``schema`` whose lock is held and unexpired."""
    if not instances:
        return set()
    now = int(time.time())
    items = batch_get(svc.locks, [lock_key(tenant, schema, i) for i in instances], ConsistentRead=True)
    return {i["instance"] for i in items if int(i["expiresAt"]) >= now}
