"""GET .../dbschema/{s}/summary: per-instance pending / failed counts, from the same state as
migrationstate, for the current changelog only."""

from __future__ import annotations

from schemashift.dbschema.services import services
from schemashift.dbschema.state import ChangesetStatusUpdate, record_changeset_status
from schemashift.dbschema.tenancy import Tenant

from tests.support.client import ApiClient
from tests.support.deployments import new_base


def _changelog(*ids: str) -> dict:
    body = "-- liquibase formatted sql\n\n" + "\n".join(
        f"-- changeset ann:{i}\nCREATE TABLE t{i} (id INT);\n-- rollback DROP TABLE t{i};\n" for i in ids)
    return {"rootFile": "c.sql", "files": {"c.sql": body}}


def test_counts_per_instance_follow_state_and_the_current_changelog(api: ApiClient) -> None:
    base, org, project = new_base()
    assert api.post(f"{base}/dbschema", {"identifier": "s", "name": "S"}).status == 201
    assert api.put(f"{base}/dbschema/s/changelog", _changelog("1", "2", "3", "4")).status == 200
    for name in ("b", "a"):
        assert api.post(f"{base}/dbschema/s/instance", {"identifier": name, "name": name.upper(),
                                                        "url": f"sqlite:///{name}.db"}).status == 201
    empty = api.get(f"{base}/dbschema/s/summary").json()
    assert empty == {"schema": "s", "changesetCount": 4, "instances": [
        {"identifier": "a", "name": "A", "deployed": 0, "pending": 4, "failed": 0, "rolledBack": 0},
        {"identifier": "b", "name": "B", "deployed": 0, "pending": 4, "failed": 0, "rolledBack": 0}]}

    tenant = Tenant("local", org, project)
    record_changeset_status(services(), tenant, "s", "a", [
        ChangesetStatusUpdate("c.sql::1::ann", "Successfully_Deployed"),
        ChangesetStatusUpdate("c.sql::2::ann", "Successfully_Deployed"),
        ChangesetStatusUpdate("c.sql::3::ann", "Deployment_Failed", error="boom"),
    ])
    record_changeset_status(services(), tenant, "s", "b", [ChangesetStatusUpdate("c.sql::1::ann", "Rolled_Back")])
    counts = {i["identifier"]: i for i in api.get(f"{base}/dbschema/s/summary").json()["instances"]}
    assert counts["a"] == {"identifier": "a", "name": "A", "deployed": 2, "pending": 2, "failed": 1, "rolledBack": 0}
    assert counts["b"] == {"identifier": "b", "name": "B", "deployed": 0, "pending": 4, "failed": 0, "rolledBack": 1}

    # Counts are kept with the state marker they were computed at; a later write renews the marker.
    kept = _kept_counts(tenant, "s")
    assert set(kept) == {"a", "b"} and kept["a"]["deployed"] == 2, "step: counts kept after the first count"
    assert api.get(f"{base}/dbschema/s/summary").json()["instances"][0]["deployed"] == 2
    record_changeset_status(services(), tenant, "s", "a",
                            [ChangesetStatusUpdate("c.sql::3::ann", "Successfully_Deployed")])
    counts = {i["identifier"]: i for i in api.get(f"{base}/dbschema/s/summary").json()["instances"]}
    assert (counts["a"]["deployed"], counts["a"]["failed"]) == (3, 0), "step: kept counts follow a new write"
    record_changeset_status(services(), tenant, "s", "a", [ChangesetStatusUpdate("c.sql::3::ann", "Deployment_Failed")])

    # A deployed changeset that left the changelog stays listed by migrationstate but is not counted.
    assert api.put(f"{base}/dbschema/s/changelog", _changelog("2", "3", "4")).status == 200
    after = api.get(f"{base}/dbschema/s/summary").json()
    assert after["changesetCount"] == 3
    assert {i["identifier"]: (i["deployed"], i["pending"]) for i in after["instances"]} == {"a": (1, 2), "b": (0, 3)}


def _kept_counts(tenant: Tenant, schema: str) -> dict:
    from schemashift.aws import dynamodb_table
    from schemashift.dbschema.summary import SUMMARY_SK
    from schemashift.settings import get_settings

    items = dynamodb_table(get_settings().changeset_state_table).query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":s": SUMMARY_SK})["Items"]
    return {i["sk"][len(SUMMARY_SK):]: i for i in items}


def test_unknown_schema_and_foreign_scope_are_clean_errors(api: ApiClient) -> None:
    base, _, _ = new_base()
    missing = api.get(f"{base}/dbschema/nope/summary")
    assert missing.status == 404 and "nope" in missing.json()["message"]
    from schemashift.auth.keys import create_api_key

    key, _ = create_api_key("local", ["other/only"])
    refused = api.with_key(key).get(f"{base}/dbschema/nope/summary")
    assert refused.status == 403 and set(refused.json()) == {"message"}
