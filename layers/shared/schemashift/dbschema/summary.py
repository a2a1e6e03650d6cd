"""Per-instance counts of a schema's changesets by status: what the console's schema list shows.

``pending`` counts the changesets of the current changelog not ``Successfully_Deployed`` on the
instance (never run, failed or rolled back); ``failed`` and ``rolledBack`` are the subsets in those
states. Changesets kept only because they were deployed before leaving the changelog do not count.
Cost: one GetItem (schema), one Query (instances), one Query of the definitions (keys only) and one
Query per instance on the state index (status only): O(changesets x instances) small items, no Scan.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemashift.aws import dynamodb_table
from schemashift.dbschema.instances import list_instance_items
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.tenancy import Tenant, definitions_pk, instance_index_pk
from schemashift.settings import get_settings
from schemashift.store.dynamo import query_all


def _current_csks(table: Any, tenant: Tenant, schema: str) -> set[str]:
    return {d["csk"] for d in query_all(
        table, KeyConditionExpression="pk = :pk", ProjectionExpression="csk, inChangelog",
        ExpressionAttributeValues={":pk": definitions_pk(tenant, schema)}) if d.get("inChangelog", True)}


def _status_counts(table: Any, tenant: Tenant, schema: str, instance: str, current: set[str]) -> Counter[str]:
    items = query_all(table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                      ProjectionExpression="csk, #s", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":pk": instance_index_pk(tenant, schema, instance)})
    return Counter(i["status"] for i in items if i["csk"] in current)


def schema_summary(tenant: Tenant, schema: str) -> dict[str, Any]:
    """``{schema, changesetCount, instances: [{identifier, name, deployed, pending, failed, rolledBack}]}``."""
    get_schema_item(tenant, schema)
    table = dynamodb_table(get_settings().changeset_state_table)
    current = _current_csks(table, tenant, schema)
    instances = []
    for item in sorted(list_instance_items(tenant, schema), key=lambda i: i["identifier"]):
        counts = _status_counts(table, tenant, schema, item["identifier"], current)
        deployed = counts["Successfully_Deployed"]
        instances.append({
            "identifier": item["identifier"], "name": item["name"], "deployed": deployed,
            "pending": len(current) - deployed, "failed": counts["Deployment_Failed"],
            "rolledBack": counts["Rolled_Back"],
        })
    return {"schema": schema, "changesetCount": len(current), "instances": instances}
