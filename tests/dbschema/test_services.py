"""The /v1 services root: given handles win, the rest come from the environment of the moment."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from schemashift.dbschema.services import Services, services
from schemashift.settings import get_settings


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_given_handles_and_names_are_used_as_given() -> None:
    table, s3 = object(), object()
    root = Services(resources=table, s3=s3, bucket="tenant-data", event_bus="pipelines")
    assert root.resources is table
    assert root.s3 is s3
    assert (root.bucket, root.event_bus) == ("tenant-data", "pipelines")
    assert root.idempotency_table == get_settings().idempotency_table


def test_an_unknown_handle_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="unknown service handle\\(s\\): resource"):
        Services(resource=object())


def test_the_root_follows_a_changed_environment(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("DATA_BUCKET", "first-bucket")
    first = services()
    assert services() is first
    assert first.bucket == "first-bucket"
    fresh.setenv("DATA_BUCKET", "second-bucket")
    get_settings.cache_clear()  # what the local stack does after naming its resources
    assert services().bucket == "second-bucket"
    assert services() is not first


def _copy_table(name: str, like: str) -> Any:
    """A table with ``like``'s keys and indexes under another name (in the stack's moto)."""
    from schemashift.aws import client, dynamodb_table

    dynamodb = client("dynamodb")
    table = dynamodb.describe_table(TableName=like)["Table"]
    kwargs: dict[str, Any] = {"TableName": name, "AttributeDefinitions": table["AttributeDefinitions"],
                              "KeySchema": table["KeySchema"], "BillingMode": "PAY_PER_REQUEST"}
    if table.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [
            {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
            for index in table["GlobalSecondaryIndexes"]]
    dynamodb.create_table(**kwargs)
    return dynamodb_table(name)


def _partition(table: Any, pk: str) -> list[dict[str, Any]]:
    return table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk})["Items"]


def test_a_flow_against_given_tables_leaves_the_default_ones_untouched(stack: object) -> None:
    """Domain code writes and reads only what its root names: a root over other tables and another
    bucket holds the whole flow, and the environment's tables have nothing of it."""
    from schemashift.aws import client
    from schemashift.dbschema.bundles import bundle_from_files
    from schemashift.dbschema.changelogs import read_definitions, register_bundle
    from schemashift.dbschema.instances import create_instance, get_instance, list_instances
    from schemashift.dbschema.models import InstanceIn, InstanceListRequest, SchemaIn
    from schemashift.dbschema.schemas import create_schema, delete_schema, get_schema, list_schemas
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.paging import PageRequest

    default = services()
    suffix = uuid.uuid4().hex[:8]
    bucket = f"other-bucket-{suffix}"
    client("s3").create_bucket(Bucket=bucket)
    root = Services(resources=_copy_table(f"other-resources-{suffix}", default.settings.resources_table),
                    state=_copy_table(f"other-state-{suffix}", default.settings.changeset_state_table),
                    locks=_copy_table(f"other-locks-{suffix}", default.settings.locks_table), bucket=bucket)
    tenant = Tenant("local", "org" + suffix, "prj" + suffix)

    created = create_schema(root, tenant, SchemaIn(identifier="app", name="App"))
    instance = create_instance(root, tenant, "app", InstanceIn(identifier="dev", name="Dev", url="sqlite:///dev.db"))
    changelog = "-- liquibase formatted sql\n\n-- changeset ann:1\nCREATE TABLE t (id INT);\n"
    registered = register_bundle(root, tenant, "app", bundle_from_files("c.sql", {"c.sql": changelog}))

    schema = get_schema(root, tenant, "app")
    assert (created["instanceCount"], schema["instanceCount"], schema["changesetCount"]) == (0, 1, 1)
    same = ("identifier", "name", "created")
    assert {k: schema[k] for k in same} == {k: created[k] for k in same}
    assert get_instance(root, tenant, "app", "dev") == instance
    assert list_instances(root, tenant, "app", InstanceListRequest(), PageRequest(limit=10)) == ([instance], 1)
    schemas, total = list_schemas(root, tenant, PageRequest(limit=10), search_term=None, sort="name", order="ASC")
    assert (total, [s["identifier"] for s in schemas]) == (1, ["app"])
    assert [d["fqn"] for d in read_definitions(root, tenant, "app")] == ["c.sql::1::ann"]
    bundle_key = schema["changelog"]["key"]
    assert client("s3").get_object(Bucket=bucket, Key=bundle_key)["Body"].read()
    assert registered["changed"] is True

    # Nothing of it reached the environment's tables or bucket, or the environment's view of the tenant.
    for table, pk in ((default.resources, tenant.pk), (default.resources, tenant.schema_pk("app")),
                      (default.state, tenant.schema_pk("app"))):
        assert _partition(table, pk) == [], pk
    assert "Contents" not in client("s3").list_objects_v2(Bucket=default.bucket, Prefix=bundle_key)
    assert list_schemas(default, tenant, PageRequest(limit=10), search_term=None, sort="name", order="ASC") == ([], 0)

    delete_schema(root, tenant, "app")
    assert _partition(root.resources, tenant.pk) == [] and _partition(root.resources, tenant.schema_pk("app")) == []
