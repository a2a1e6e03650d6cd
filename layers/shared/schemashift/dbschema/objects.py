"""What a schema keeps in S3 beside its DynamoDB items, under the tenant's prefix: instance snapshots
(``snapshots/...``) and the SQL each execution ran (``executions/...``), both
``<area>/{account}/{org}/{project}/{schema}/{instance}/...``. They go when their instance (or schema)
is deleted."""

from __future__ import annotations

from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant

SNAPSHOTS = "snapshots"
EXECUTIONS = "executions"
AREAS = (SNAPSHOTS, EXECUTIONS)


def object_prefix(area: str, tenant: Tenant, schema: str, instance: str | None = None) -> str:
    """The folder of one schema's (or one instance's) objects of ``area``; no trailing slash."""
    prefix = f"{area}/{tenant.account}/{tenant.org}/{tenant.project}/{schema}"
    return f"{prefix}/{instance}" if instance is not None else prefix


def delete_objects(svc: Services, tenant: Tenant, schema: str, instance: str | None = None) -> int:
    """Delete the instance's (or, without one, every instance's of the schema) snapshots and
    execution SQL; how many objects went. Called after the items are gone: a failure here is logged
    and leaves unreachable objects behind, never a half-deleted instance."""
    from schemashift.aws import delete_prefix
    from schemashift.observability import logger

    deleted = 0
    for area in AREAS:
        try:
            deleted += delete_prefix(svc.bucket, object_prefix(area, tenant, schema, instance), svc.s3)
        except Exception as exc:  # the delete itself has happened; S3 is best effort
            logger.warning("deleting stored objects failed",
                           extra={"area": area, "error": type(exc).__name__, "detail": str(exc)[:300]})
    return deleted
