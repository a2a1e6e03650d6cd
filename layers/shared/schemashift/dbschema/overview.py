"""``GET P/dbschema/overview``: how many schemas and instances a project has, and the 5 instances
deployed most recently.

Cost: one Query of the project's schemas (each carries ``instanceCount`` and ``lastDeployed``, the
end of its newest successful apply), then one Query of instances per schema, newest schema first,
stopping as soon as no older schema can hold one of the 5 newest deployments (usually 1-5 Queries).
"""

from __future__ import annotations

from schemashift.dbschema.instances import list_instance_items
from schemashift.dbschema.responses import Overview, RecentDeployment
from schemashift.dbschema.schemas import list_schema_items
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant

RECENT = 5


def overview(svc: Services, tenant: Tenant) -> Overview:
    schemas = list_schema_items(svc, tenant)
    recent: list[RecentDeployment] = []
    deployed = sorted((s for s in schemas if s.get("lastDeployed")), key=lambda s: -int(s["lastDeployed"]))
    for schema in deployed:
        if len(recent) >= RECENT and int(schema["lastDeployed"]) < recent[-1].lastDeployed:
            break
        for instance in list_instance_items(svc, tenant, schema["identifier"]):
            if instance.get("lastDeployed"):
                recent.append(RecentDeployment(
                    dbSchemaIdentifier=schema["identifier"], dbSchemaName=schema["name"],
                    dbInstanceIdentifier=instance["identifier"], dbInstanceName=instance["name"],
                    lastDeployed=int(instance["lastDeployed"])))
        recent.sort(key=lambda r: (-r.lastDeployed, r.dbSchemaIdentifier, r.dbInstanceIdentifier))
        recent = recent[:RECENT]
    return Overview(dbSchemaCount=len(schemas), dbInstanceCount=sum(int(s.get("instanceCount") or 0) for s in schemas),
                    recentDeployments=recent)
