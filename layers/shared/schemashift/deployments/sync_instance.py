"""On-demand sync of one instance (the sync route): connect, reconcile, report drift, both in
DATABASECHANGELOG and in the schema itself (compared with the snapshot the latest deployment left)."""

from __future__ import annotations

from schemashift.dbschema.changelogs import current_changelog
from schemashift.dbschema.instances import connect_instance, get_instance_item
from schemashift.dbschema.locks import current_lock
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.responses import SyncReport
from schemashift.errors import Conflict


def sync_instance(svc: Services, tenant: Tenant, schema: str, instance: str) -> SyncReport:
    from schemashift.dbschema.snapshots import schema_drift
    from schemashift.deployments.engines import engine_for

    instance_item = get_instance_item(svc, tenant, schema, instance)
    if current_lock(svc, tenant, schema, instance):
        raise Conflict(f"A deployment is running on instance '{instance}'; sync after it finishes")
    _, info = current_changelog(svc, tenant, schema)
    engine = engine_for(svc, info)
    with connect_instance(tenant, instance_item) as target:
        project = engine.load(info["key"], instance_item.get("substituteProperties") or {}, target.dialect, target)
        report = engine.reconcile(tenant, schema, instance, target, project)
        drift = schema_drift(svc, tenant, schema, instance, instance_item, target)
    report["schemaDrift"] = drift
    report["inSync"] = report.get("inSync", True) and not (drift and drift["changes"])
    return SyncReport.model_validate(report)

