"""Per-instance counts of a schema's changesets by status: what the console's schema list shows.

``pending`` counts the changesets of the current changelog not ``Successfully_Deployed`` on the
instance (never run, failed or rolled back); ``failed`` and ``rolledBack`` are the subsets in those
states. Changesets kept only because they were deployed before leaving the changelog do not count.

Counting reads every state item of an instance (one Query on the state index), so counts are kept:
``SUMMARY#<instance>`` in the schema's state partition holds the counts with the changelog version
and the instance's state marker token (``STATEVER#<instance>``, renewed after every state write)
they were computed at. A summary reads the schema item, the instances, and one Query of the
partition's ``STATEVER#``..``SUMMARY#~`` keys (two small items per instance); only instances whose
kept counts are stale are counted again. No Scan.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemashift.dbschema.instances import list_instance_items
from schemashift.dbschema.responses import InstanceSummary, SchemaSummary
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.state import MARKER_SK
from schemashift.dbschema.tenancy import Tenant, definitions_pk, instance_index_pk
from schemashift.store.dynamo import query_all

SUMMARY_SK = "SUMMARY#"
_FIELDS = ("deployed", "pending", "failed", "rolledBack")


def _current_csks(table: Any, tenant: Tenant, schema: str) -> set[str]:
    return {d["csk"] for d in query_all(
        table, KeyConditionExpression="pk = :pk", ProjectionExpression="csk, inChangelog",
        ExpressionAttributeValues={":pk": definitions_pk(tenant, schema)}) if d.get("inChangelog", True)}


def _status_counts(table: Any, tenant: Tenant, schema: str, instance: str, current: set[str]) -> Counter[str]:
    items = query_all(table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                      ProjectionExpression="csk, #s", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":pk": instance_index_pk(tenant, schema, instance)})
    return Counter(i["status"] for i in items if i["csk"] in current)


def _kept(table: Any, schema_pk: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(marker token by instance, kept counts by instance): one Query over both key ranges."""
    tokens: dict[str, str] = {}
    kept: dict[str, dict[str, Any]] = {}
    for item in query_all(table, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                          ExpressionAttributeValues={":pk": schema_pk, ":a": MARKER_SK, ":b": SUMMARY_SK + "~"}):
        sk: str = item["sk"]
        if sk.startswith(MARKER_SK):
            tokens[sk[len(MARKER_SK):]] = item.get("token", "")
        elif sk.startswith(SUMMARY_SK):
            kept[sk[len(SUMMARY_SK):]] = item
    return tokens, kept


def schema_summary(svc: Services, tenant: Tenant, schema: str) -> SchemaSummary:
    """Each instance's counts, in identifier order."""
    schema_item = get_schema_item(svc, tenant, schema)
    version = int(schema_item.get("changelogVersion", 0))
    table = svc.state
    schema_pk = tenant.schema_pk(schema)
    tokens, kept = _kept(table, schema_pk)
    current: set[str] | None = None
    count = int(schema_item.get("changesetCount", 0))
    instances = []
    for item in sorted(list_instance_items(svc, tenant, schema), key=lambda i: i["identifier"]):
        identifier = item["identifier"]
        token = tokens.get(identifier)
        cached = kept.get(identifier)
        if (cached is not None and token is not None and cached.get("token") == token
                and int(cached.get("changelogVersion", -1)) == version):
            counts = {field: int(cached[field]) for field in _FIELDS}
            count = int(cached.get("changesetCount", count))
        else:
            if current is None:
                current = _current_csks(table, tenant, schema)
            count = len(current)
            status = _status_counts(table, tenant, schema, identifier, current)
            deployed = status["Successfully_Deployed"]
            counts = {"deployed": deployed, "pending": len(current) - deployed,
                      "failed": status["Deployment_Failed"], "rolledBack": status["Rolled_Back"]}
            if token is not None:  # without a marker (state written by no known path) nothing is kept
                table.put_item(Item={"pk": schema_pk, "sk": SUMMARY_SK + identifier, "token": token,
                                     "changelogVersion": version, "changesetCount": count, **counts})
        instances.append(InstanceSummary(identifier=identifier, name=item["name"], **counts))
    if current is not None:
        count = len(current)
    return SchemaSummary(schema=schema, changesetCount=count, instances=instances)
