"""Instance snapshots: the schema of an instance's database as it was after its latest deployment
(the *baseline*) and as last seen (the *latest*, from a deployment or a sync).

The body is JSON in S3 under the tenant's prefix, content-addressed per instance
(``snapshots/{account}/{org}/{project}/{schema}/{instance}/{sha256}.json``); the instance's item
holds the pointers (``latestSnapshot``, ``deployedSnapshot``: key, time, reason, execution). ``sync``
compares the live schema with the baseline: what differs was changed outside any deployment.
Snapshots are deleted with their instance (``dbschema.objects``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from schemashift.clock import now_ms
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.objects import SNAPSHOTS, object_prefix
from schemashift.dbschema.responses import SnapshotObject, SnapshotObjectNames, SnapshotObjectValues
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import INSTANCE_SK, Tenant
from schemashift.errors import NotFound, ValidationFailed

SNAPSHOT_SECONDS = 60.0
"""Time budget of one snapshot: tables not read by then are left out (``truncated``)."""


def snapshot_key(tenant: Tenant, schema: str, instance: str, sha256: str) -> str:
    return f"{object_prefix(SNAPSHOTS, tenant, schema, instance)}/{sha256}.json"


def take_snapshot(svc: Services, tenant: Tenant, schema: str, instance: str, target: Any, *, reason: str,
                  execution_id: str | None = None, baseline: bool = False) -> dict[str, Any]:
    """Snapshot ``target`` now, store it as the instance's latest (and, after a deployment, its baseline)."""
    import hashlib  # OpenSSL's hashlib: when a snapshot is taken (deployments), not to load a read route

    from schemashift.targets.snapshot import BOOKKEEPING_TABLES, schema_snapshot

    objects = schema_snapshot(target, exclude=BOOKKEEPING_TABLES, deadline=time.monotonic() + SNAPSHOT_SECONDS)
    canonical = json.dumps(objects, sort_keys=True, separators=(",", ":")).encode()
    sha256 = hashlib.sha256(canonical).hexdigest()
    key = snapshot_key(tenant, schema, instance, sha256)
    svc.s3.put_object(Bucket=svc.bucket, Key=key, Body=canonical, ContentType="application/json")
    pointer = {"key": key, "taken": now_ms(), "reason": reason, "executionId": execution_id,
               "dialect": target.dialect, "truncated": bool(objects["truncated"])}
    expression = "SET latestSnapshot = :p" + (", deployedSnapshot = :p" if baseline else "")
    svc.resources.update_item(
        Key={"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + instance}, UpdateExpression=expression,
        ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":p": pointer})
    return {**pointer, "objects": objects}


def load_snapshot(svc: Services, key: str) -> dict[str, Any]:
    body = svc.s3.get_object(Bucket=svc.bucket, Key=key)["Body"].read()
    return json.loads(body)


def latest_snapshot(svc: Services, tenant: Tenant, schema: str, instance: str) -> dict[str, Any]:
    pointer = get_instance_item(svc, tenant, schema, instance).get("latestSnapshot")
    if not pointer:
        raise NotFound(f"Database instance '{instance}' has no snapshot yet; it is taken after every deployment "
                       "and by POST .../instance/{dbinstance}/sync")
    return load_snapshot(svc, pointer["key"])


def _object_type(object_type: str | None) -> str:
    from schemashift.targets.snapshot import OBJECT_TYPES

    if object_type not in OBJECT_TYPES:
        raise ValidationFailed(f"objectType must be one of {', '.join(OBJECT_TYPES)}; got {object_type!r}")
    return object_type


def snapshot_object_names(svc: Services, tenant: Tenant, schema: str, instance: str, object_type: str | None
                          ) -> SnapshotObjectNames:
    """The names of one object type in the instance's latest snapshot."""
    from schemashift.targets.snapshot import object_names

    wanted = _object_type(object_type)
    return SnapshotObjectNames(data=object_names(latest_snapshot(svc, tenant, schema, instance), wanted))


def snapshot_object_values(svc: Services, tenant: Tenant, schema: str, instance: str, object_type: str,
                           names: list[str]) -> SnapshotObjectValues:
    """The named objects the latest snapshot holds, in request order."""
    from schemashift.targets.snapshot import objects_of_type

    found = objects_of_type(latest_snapshot(svc, tenant, schema, instance), _object_type(object_type))
    return SnapshotObjectValues(data=[SnapshotObject(objectName=name, objectValue=found[name])
                                      for name in dict.fromkeys(names) if name in found])


def schema_drift(svc: Services, tenant: Tenant, schema: str, instance: str, instance_item: dict[str, Any], target: Any
                 ) -> dict[str, Any] | None:
    """Snapshot the live schema (the instance's new latest) and compare it with the baseline left by
    the latest deployment; None when schemashift never deployed the instance."""
    from schemashift.targets.snapshot import snapshot_changes

    current = take_snapshot(svc, tenant, schema, instance, target, reason="sync")
    baseline_pointer = instance_item.get("deployedSnapshot")
    if not baseline_pointer:
        return None
    baseline = load_snapshot(svc, baseline_pointer["key"])
    return {"baseline": {"taken": int(baseline_pointer["taken"]), "executionId": baseline_pointer.get("executionId")},
            "snapshotTaken": current["taken"],
            "truncated": bool(baseline.get("truncated") or current["objects"]["truncated"]),
            "changes": snapshot_changes(baseline, current["objects"])}


def snapshot_after_deployment(svc: Services, tenant: Tenant, schema: str, instance: str, execution_id: str
                              ) -> dict[str, Any]:
    """The baseline after a deployment, as fields of its execution: ``{"snapshot": key}``, or
    ``{"snapshotError": {code, message}}`` when it could not be taken. Never raises: a snapshot that
    fails (the target gone, a table it cannot read, a timeout) never fails the deployment."""
    from schemashift.dbschema.instances import connect_instance
    from schemashift.faults import maybe_fail
    from schemashift.observability import logger

    try:
        maybe_fail("deployment.snapshot")
        instance_item = get_instance_item(svc, tenant, schema, instance)
        with connect_instance(tenant, instance_item) as target:
            return {"snapshot": take_snapshot(svc, tenant, schema, instance, target, reason="deployment",
                                              execution_id=execution_id, baseline=True)["key"]}
    except Exception as exc:  # reported, never fatal
        problem = {"code": type(exc).__name__, "message": str(exc)[:500]}
        logger.warning("snapshot after deployment failed; the deployment's outcome stands",
                       extra={"executionId": execution_id, "dbschema": schema, "dbinstance": instance,
                              "error": problem["code"], "detail": problem["message"]})
        return {"snapshotError": problem}
