"""The dbschema API through API Gateway events on the local stack, and the seed contract."""

from __future__ import annotations

import uuid

import pytest
from schemashift.auth.keys import create_api_key
from schemashift.dbschema.services import services
from schemashift.dbschema.state import ChangesetStatusUpdate, record_changeset_status
from schemashift.dbschema.tenancy import Tenant

SQL_CHANGELOG = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE person;

-- changeset bob:2 labels:v1
-- comment: add email
ALTER TABLE person ADD COLUMN email VARCHAR(100);
-- rollback ALTER TABLE person DROP COLUMN email;

-- changeset alice:3
CREATE INDEX idx_person_name ON person (name);
-- rollback DROP INDEX idx_person_name;
"""


@pytest.fixture
def project(api):
    """A fresh org/project per test, so tests never see each other's data."""
    org, proj = "org" + uuid.uuid4().hex[:8], "proj" + uuid.uuid4().hex[:8]
    return f"/v1/orgs/{org}/projects/{proj}", org, proj


def _schema_with_instances(api, base: str, instances=("dev", "prod")) -> str:
    schema = "payments"
    assert api.post(f"{base}/dbschema", {"identifier": schema, "name": "Payments DB", "tags": {"team": "pay"}}).status == 201
    response = api.put(f"{base}/dbschema/{schema}/changelog",
                       {"rootFile": "db/changelog.sql", "files": {"db/changelog.sql": SQL_CHANGELOG}})
    assert response.status == 200, response.json()
    for name in instances:
        created = api.post(f"{base}/dbschema/{schema}/instance",
                           {"identifier": name, "name": name.upper(), "url": f"sqlite:///{name}.db",
                            "tags": {"env": name}})
        assert created.status == 201, created.json()
    return schema


def test_schema_crud_and_listing(api, project) -> None:
    base, _, _ = project
    created = api.post(f"{base}/dbschema", {"identifier": "orders", "name": "Orders", "tags": {"a": "b"}})
    assert created.status == 201
    body = created.json()
    assert body["identifier"] == "orders" and body["migrationType"] == "Liquibase" and body["instanceCount"] == 0
    assert isinstance(body["created"], int) and body["created"] > 1_600_000_000_000
    assert api.post(f"{base}/dbschema", {"identifier": "orders", "name": "again"}).status == 409
    assert api.post(f"{base}/dbschema", {"identifier": "1bad", "name": "x"}).status == 400
    api.post(f"{base}/dbschema", {"identifier": "billing", "name": "Billing"})
    listed = api.get(f"{base}/dbschema", params={"sort": "name", "order": "ASC", "limit": 1, "page": 1})
    assert listed.status == 200
    assert [s["identifier"] for s in listed.json()] == ["orders"]
    assert listed.headers["X-Total-Elements"] == "2" and listed.headers["X-Page-Number"] == "1"
    assert api.get(f"{base}/dbschema", params={"search_term": "bill"}).json()[0]["identifier"] == "billing"
    updated = api.put(f"{base}/dbschema/orders", {"name": "Orders v2"})
    assert updated.status == 200 and updated.json()["name"] == "Orders v2"
    assert api.delete(f"{base}/dbschema/orders").status == 204
    missing = api.get(f"{base}/dbschema/orders")
    assert missing.status == 404 and "orders" in missing.json()["message"]


def test_instances_never_hold_passwords(api, project) -> None:
    base, _, _ = project
    api.post(f"{base}/dbschema", {"identifier": "s", "name": "S"})
    bad = api.post(f"{base}/dbschema/s/instance",
                   {"identifier": "pg", "name": "PG", "url": "postgresql://app:hunter2@db.internal/app"})
    assert bad.status == 400 and "password" in bad.json()["message"] and "hunter2" not in bad.body.decode()
    good = api.post(f"{base}/dbschema/s/instance", {
        "identifier": "pg", "name": "PG", "url": "jdbc:postgresql://db.internal:5432/app",
        "secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:schemashift/local/db-creds-AbCdEf",
        "tags": {"env": "prod"}})
    assert good.status == 201, good.json()
    assert good.json()["dialect"] == "postgresql"
    assert api.get(f"{base}/dbschema/s").json()["instanceCount"] == 1
    listed = api.post(f"{base}/dbschema/s/instancelist",
                      {"filterType": "NotEquals", "instanceTags": [{"key": "env", "value": "prod"}]})
    assert listed.status == 200 and listed.json() == []
    assert api.delete(f"{base}/dbschema/s/instance/pg").status == 204
    assert api.get(f"{base}/dbschema/s/instance/pg").status == 404


def test_changelog_that_does_not_parse_is_400_and_changes_nothing(api, project) -> None:
    base, _, _ = project
    api.post(f"{base}/dbschema", {"identifier": "s", "name": "S"})
    broken = "-- liquibase formatted sql\n\n-- changeset alice:1\n\n-- changeset alice:2\nSELECT 1;\n"
    response = api.put(f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": broken}})
    assert response.status == 400
    assert "c.sql" in response.json()["message"]
    assert api.get(f"{base}/dbschema/s").json()["changelog"] is None


def test_migration_state_seed_contract(api, project, stack) -> None:
    base, org, proj = project
    schema = _schema_with_instances(api, base)
    tenant = Tenant("local", org, proj)
    record_changeset_status(services(), tenant, schema, "dev", [
        ChangesetStatusUpdate("db/changelog.sql::1::alice", "Successfully_Deployed", "pipe", "plan1", "stage1", tag="v1"),
        ChangesetStatusUpdate("db/changelog.sql::2::bob", "Deployment_Failed", "pipe", "plan1", "stage1",
                              error="duplicate column"),
    ])
    record_changeset_status(services(), tenant, schema, "prod", [
        ChangesetStatusUpdate("db/changelog.sql::1::alice", "Successfully_Deployed", "pipe", "plan2", "stage2"),
    ])
    response = api.post(f"{base}/dbschema/{schema}/migrationstate", {}, params={"limit": 2})
    assert response.status == 200
    assert response.headers["X-Total-Elements"] == "3" and response.headers["X-Page-Size"] == "2"
    body = response.json()
    assert set(body) == {"schema", "instances", "changeSets"}
    assert body["schema"] == schema
    assert body["instances"] == [{"identifier": "dev", "name": "DEV"}, {"identifier": "prod", "name": "PROD"}]
    first, second = body["changeSets"]
    assert set(first) == {"author", "changeSet", "changeSetFQN", "fileName", "synced", "updated", "instances"}
    assert first["changeSetFQN"] == "db/changelog.sql::1::alice" and first["synced"] is True
    assert set(first["instances"][0]) == {"instance", "status", "pipeline", "planExecutionId",
                                          "stageExecutionId", "tag", "updated", "error"}
    assert first["instances"][0]["tag"] == "v1"
    assert second["synced"] is False
    assert [i["status"] for i in second["instances"]] == ["Deployment_Failed", "Not_Deployed"]
    assert second["instances"][0]["error"] == "duplicate column"

    page2 = api.post(f"{base}/dbschema/{schema}/migrationstate",
                     {"instanceFilter": {"instances": ["prod"], "sort": "name", "order": "DESC"}},
                     params={"page": 1, "limit": 2})
    assert [c["changeSet"] for c in page2.json()["changeSets"]] == ["3"]
    assert page2.json()["changeSets"][0]["instances"][0]["status"] == "Not_Deployed"
    searched = api.post(f"{base}/dbschema/{schema}/migrationstate", {}, params={"search_term": "bob"}).json()
    assert [c["author"] for c in searched["changeSets"]] == ["bob"]

    run = api.post(f"{base}/dbschema/{schema}/instance/dev/deployedState",
                   {"pipeline": "pipe", "planExecutionId": "plan1", "stageExecutionId": "stage1"}).json()
    assert [r["changeSet"] for r in run] == ["1", "2"]
    one = api.get(f"{base}/dbschema/{schema}/dbinstance/dev/migrationstate").json()
    assert one["instanceName"] == "DEV" and one["changeSets"][1]["comment"] == "add email"
    assert one["changeSets"][0]["deployedAt"]


@pytest.mark.parametrize("body,params", [
    ({"instanceFilter": {"order": "UP"}}, {}),
    ({"instanceFilter": {"sort": "size"}}, {}),
    ({"instanceFilter": {"instances": ["nope"]}}, {}),
    ({}, {"limit": 101}),
    ({}, {"page": -1}),
    ({}, {"limit": "ten"}),
])
def test_migration_state_rejects_bad_requests(api, project, body, params) -> None:
    base, _, _ = project
    schema = _schema_with_instances(api, base, instances=("dev",))
    response = api.post(f"{base}/dbschema/{schema}/migrationstate", body, params=params)
    assert response.status == 400
    assert set(response.json()) == {"message"}


def test_migration_state_malformed_body_and_unknown_schema(api, project) -> None:
    base, _, _ = project
    schema = _schema_with_instances(api, base, instances=("dev",))
    malformed = api.request("POST", f"{base}/dbschema/{schema}/migrationstate", body="{not json",
                            headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "JSON" in malformed.json()["message"]
    assert api.post(f"{base}/dbschema/unknown/migrationstate", {}).status == 404


def test_changeset_sql_for_instance_dialect(api, project) -> None:
    base, _, _ = project
    schema = _schema_with_instances(api, base, instances=("dev",))
    response = api.post(f"{base}/dbschema/{schema}/dbinstance/dev/changeset/sql",
                        {"changesetFQN": "db/changelog.sql::2::bob"})
    assert response.status == 200, response.json()
    assert response.json() == {"sql": ["ALTER TABLE person ADD COLUMN email VARCHAR(100)"]}
    # the spelling of the responses is accepted too
    same = api.post(f"{base}/dbschema/{schema}/dbinstance/dev/changeset/sql",
                    {"changeSetFQN": "db/changelog.sql::2::bob"})
    assert same.status == 200 and same.json() == response.json()
    assert api.post(f"{base}/dbschema/{schema}/dbinstance/dev/changeset/sql",
                    {"changesetFQN": "db/changelog.sql::9::zed"}).status == 404


def test_tenant_isolation(api, project, stack) -> None:
    base, org, _proj = project
    schema = _schema_with_instances(api, base, instances=("dev",))
    other_key, _ = create_api_key("other-account", ["*/*"])
    other = api.with_key(other_key)
    paths = [
        ("GET", f"{base}/dbschema/{schema}"), ("PUT", f"{base}/dbschema/{schema}"),
        ("DELETE", f"{base}/dbschema/{schema}"), ("GET", f"{base}/dbschema/{schema}/instance/dev"),
        ("PUT", f"{base}/dbschema/{schema}/instance/dev"), ("DELETE", f"{base}/dbschema/{schema}/instance/dev"),
        ("POST", f"{base}/dbschema/{schema}/instancelist"), ("POST", f"{base}/dbschema/{schema}/migrationstate"),
        ("GET", f"{base}/dbschema/{schema}/dbinstance/dev/migrationstate"),
        ("POST", f"{base}/dbschema/{schema}/dbinstance/dev/changeset/sql"),
        ("POST", f"{base}/dbschema/{schema}/instance/dev/deployedState"),
        ("PUT", f"{base}/dbschema/{schema}/changelog"),
    ]
    bodies = {"changeset/sql": {"changesetFQN": "db/changelog.sql::1::alice"},
              "deployedState": {"pipeline": "p", "planExecutionId": "a", "stageExecutionId": "b"},
              "changelog": {"rootFile": "c.sql", "files": {"c.sql": "-- liquibase formatted sql\n"}},
              "instance/dev": {"name": "x"}, f"dbschema/{schema}": {"name": "x"}}
    for method, path in paths:
        body = next((b for suffix, b in bodies.items() if path.endswith(suffix)), {})
        response = other.request(method, path, json_body=body)
        assert response.status == 404, (method, path, response.json())
    assert other.get(f"{base}/dbschema").json() == []
    scoped_key, _ = create_api_key("local", [f"{org}/elsewhere"])
    assert api.with_key(scoped_key).get(f"{base}/dbschema").status == 403
    # the owner still sees everything untouched
    assert api.get(f"{base}/dbschema/{schema}").json()["instanceCount"] == 1


def test_changelog_pushed_to_s3_is_registered(api, project, stack) -> None:
    import io
    import json as jsonlib
    import time
    import zipfile

    from schemashift.aws import client
    from schemashift.settings import get_settings

    base, org, proj = project
    api.post(f"{base}/dbschema", {"identifier": "pushed", "name": "Pushed"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("changelog.sql", SQL_CHANGELOG)
    bucket = get_settings().bucket
    key = f"changelogs/local/{org}/{proj}/pushed/build-7.zip"
    client("s3").put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    status_key = f"changelog-status/local/{org}/{proj}/pushed/build-7.zip.result.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            outcome = jsonlib.loads(client("s3").get_object(Bucket=bucket, Key=status_key)["Body"].read())
            break
        except client("s3").exceptions.NoSuchKey:
            time.sleep(0.1)
    assert outcome["accepted"] is True and outcome["changesetCount"] == 3
    schema = api.get(f"{base}/dbschema/pushed").json()
    assert schema["changelog"]["rootFile"] == "changelog.sql" and schema["changesetCount"] == 3

    client("s3").put_object(Bucket=bucket, Key=f"changelogs/local/{org}/{proj}/pushed/bad.json", Body=b"{}")
    bad_key = f"changelog-status/local/{org}/{proj}/pushed/bad.json.result.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            rejected = jsonlib.loads(client("s3").get_object(Bucket=bucket, Key=bad_key)["Body"].read())
            break
        except client("s3").exceptions.NoSuchKey:
            time.sleep(0.1)
    assert rejected["accepted"] is False and "rootFile" in rejected["error"]
    assert api.get(f"{base}/dbschema/pushed").json()["changelog"]["version"] == 1


def test_validating_an_instance_url_does_not_load_sqlalchemy() -> None:
    """Instance routes are API handlers: URL checks stay light on cold start."""
    import subprocess
    import sys

    code = ("import sys; from schemashift.dbschema.instances import instance_dialect\n"
            "assert instance_dialect('jdbc:mariadb://db:3306/app') == 'mariadb'\n"
            "print('sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
