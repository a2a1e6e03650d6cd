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
    assert (created.instanceCount, schema.instanceCount, schema.changesetCount) == (0, 1, 1)
    assert (schema.identifier, schema.name, schema.created) == (created.identifier, created.name, created.created)
    assert get_instance(root, tenant, "app", "dev") == instance
    assert list_instances(root, tenant, "app", InstanceListRequest(), PageRequest(limit=10)) == ([instance], 1)
    schemas, total = list_schemas(root, tenant, PageRequest(limit=10), search_term=None, sort="name", order="ASC")
    assert (total, [s.identifier for s in schemas]) == (1, ["app"])
    assert [d["fqn"] for d in read_definitions(root, tenant, "app")] == ["c.sql::1::ann"]
    assert schema.changelog is not None
    bundle_key = schema.changelog.key
    assert client("s3").get_object(Bucket=bucket, Key=bundle_key)["Body"].read()
    assert registered.changed is True

    # Nothing of it reached the environment's tables or bucket, or the environment's view of the tenant.
    for table, pk in ((default.resources, tenant.pk), (default.resources, tenant.schema_pk("app")),
                      (default.state, tenant.schema_pk("app"))):
        assert _partition(table, pk) == [], pk
    assert "Contents" not in client("s3").list_objects_v2(Bucket=default.bucket, Prefix=bundle_key)
    assert list_schemas(default, tenant, PageRequest(limit=10), search_term=None, sort="name", order="ASC") == ([], 0)

    delete_schema(root, tenant, "app")
    assert _partition(root.resources, tenant.pk) == [] and _partition(root.resources, tenant.schema_pk("app")) == []


def test_a_deployment_against_given_tables_leaves_the_default_ones_untouched(stack: object) -> None:
    """The deployment steps (start, batch, finish) read and write only their root's tables: an apply
    run step by step on a root over other tables records its execution, changeset states, lock and
    snapshot there, and the environment's tables never hear of it."""
    import sqlite3

    from schemashift.accounts import target_policy
    from schemashift.aws import client
    from schemashift.dbschema.bundles import bundle_from_files
    from schemashift.dbschema.changelogs import register_bundle
    from schemashift.dbschema.instances import create_instance
    from schemashift.dbschema.locks import current_lock
    from schemashift.dbschema.models import InstanceIn, SchemaIn
    from schemashift.dbschema.schemas import create_schema
    from schemashift.dbschema.state import instance_states
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.deployments import runner
    from schemashift.deployments.executions import create_execution, get_execution, get_execution_item, scope_of
    from schemashift.deployments.start import lease_instance
    from schemashift.errors import NotFound
    from schemashift.targets.confinement import sqlite_file
    from schemashift.targets.urls import parse_target_url

    default = services()
    suffix = uuid.uuid4().hex[:8]
    bucket = f"deploy-bucket-{suffix}"
    client("s3").create_bucket(Bucket=bucket)
    root = Services(
        resources=_copy_table(f"deploy-resources-{suffix}", default.settings.resources_table),
        state=_copy_table(f"deploy-state-{suffix}", default.settings.changeset_state_table),
        executions=_copy_table(f"deploy-executions-{suffix}", default.settings.executions_table),
        locks=_copy_table(f"deploy-locks-{suffix}", default.settings.locks_table), bucket=bucket)
    tenant = Tenant("local", "org" + suffix, "prj" + suffix)
    name = f"deploy-{suffix}.db"

    create_schema(root, tenant, SchemaIn(identifier="app", name="App"))
    create_instance(root, tenant, "app", InstanceIn(identifier="dev", name="Dev", url=f"sqlite:///{name}"))
    changelog = ("-- liquibase formatted sql\n\n-- changeset ann:1\nCREATE TABLE t (id INT);\n"
                 "-- rollback DROP TABLE t;\n\n-- changeset ann:2\nALTER TABLE t ADD COLUMN n INT;\n")
    register_bundle(root, tenant, "app", bundle_from_files("c.sql", {"c.sql": changelog}))

    payload = {"pipeline": "p1"}
    execution_id = lease_instance(root, tenant, "app", "dev", "apply", payload)
    create_execution(root, tenant, "app", "dev", "apply", payload, execution_id=execution_id)
    scope = scope_of(tenant)
    step = "start"
    try:
        assert runner.start(root, scope, execution_id).remaining == 2
        step = "run_batch"
        assert runner.run_batch(root, scope, execution_id).remaining == 0
        step = "finish"
        assert runner.finish(root, scope, execution_id).status == "SUCCESS"
    except Exception as exc:  # say which step of the deployment broke
        raise AssertionError(f"the {step} step failed: {exc!r}") from exc

    execution = get_execution(root, tenant, execution_id)
    assert (execution.status, execution.progress.done, execution.pipeline) == ("SUCCESS", 2, "p1")
    database = sqlite_file(parse_target_url(f"sqlite:///{name}"), tenant.account, target_policy(tenant.account))
    rows = sqlite3.connect(database).execute("SELECT id FROM DATABASECHANGELOG ORDER BY orderexecuted").fetchall()
    assert rows == [("1",), ("2",)]
    states = instance_states(root, tenant, "app", "dev")
    assert sorted((item["executionId"], item["status"], item["pipeline"]) for item in states.values()) == [
        (execution_id, "Successfully_Deployed", "p1")] * 2
    assert current_lock(root, tenant, "app", "dev") is None
    snapshot_key = get_execution_item(root, scope, execution_id)["snapshot"]
    assert client("s3").get_object(Bucket=bucket, Key=snapshot_key)["Body"].read()
    assert "Contents" not in client("s3").list_objects_v2(Bucket=default.bucket, Prefix=snapshot_key)

    # The environment's tables know nothing of the tenant, its execution or its states.
    with pytest.raises(NotFound):
        get_execution(default, tenant, execution_id)
    for table, pk in ((default.resources, tenant.pk), (default.state, tenant.schema_pk("app")),
                      (default.executions, f"{scope}JOB#{execution_id}")):
        assert _partition(table, pk) == [], pk
    assert _partition(root.executions, f"{scope}JOB#{execution_id}")
