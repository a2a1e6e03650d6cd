"""Tenant walls, attacked: every route of template.yaml x {no key, unknown key, another account, another
org/project, a wrong Harness-Account}, against a victim that owns one of every resource; then each
resource's id and secret used by another tenant on purpose."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from schemashift.auth.keys import create_api_key
from schemashift.local.template import Route, Template

from tests.support.client import ApiClient, ApiResponse
from tests.support.deployments import wait_for
from tests.support.tenancy import create_db_secret, sqlite_path

ROOT = Path(__file__).resolve().parents[2]
ROUTES = [r for r in Template.load(ROOT / "template.yaml").routes() if r.authenticated]
CHANGELOG = ("-- liquibase formatted sql\n\n-- changeset alice:1\nCREATE TABLE secret_stuff (id INT PRIMARY KEY);\n"
             "-- rollback DROP TABLE secret_stuff;\n")
PIPE = {"pipeline": "p", "planExecutionId": "e", "stageExecutionId": "s"}

# A valid body per route, so that only the wall can stop the request (a new route without one gets
# ``{}``: the wall cases still hold, and the id cases accept a 400 before the lookup).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/dataset-tables"): lambda v: {"datasetId": v.dataset, "tableName": "stolen",
                                            "fields": [{"name": "id", "arrowType": "int64", "nullable": False}]},
    ("PATCH", "/dataset-tables/{tableId}"): {"tableName": "renamed"},
    ("POST", "/dataset-tables/{tableId}/compact"): {},
    ("POST", "/dataset-tables/{tableId}/migrations"): {"operations": [
        {"type": "add_column", "params": {"name": "pwned", "dataType": "string", "nullable": True}}]},
    ("POST", "/dataset-tables/{tableId}/migrations/plan"): {"operations": [
        {"type": "drop_column", "params": {"name": "name"}}]},
    ("POST", "/dataset-tables/{tableId}/query"): {},
    ("POST", "/dataset-tables/{tableId}/restore"): {"versionNumber": 1},
    ("POST", "/dataset-tables/{tableId}/rows"): [{"id": 99, "name": "x"}],
    ("POST", "/dataset-tables/{tableId}/uploads"): {"contentType": "application/json"},
    ("POST", "/datasets"): {"name": "mine"},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema"): {"identifier": "own", "name": "own"},
    ("PUT", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}"): {"name": "renamed"},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/apply"): PIPE,
    ("PUT", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/changelog"): {
        "rootFile": "c.sql", "files": {"c.sql": CHANGELOG.replace("alice:1", "eve:2")}},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/dbinstance/{dbinstance}/changeset/sql"): {
        "changesetFQN": "c.sql::1::alice"},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/changesets/existence"): {
        "changeSets": [{"id": "1"}]},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/dbinstance/{dbinstance}/snapshot-object-values"): {
        "objectType": "Table", "objectNames": ["secret_stuff"]},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instance"): {
        "identifier": "evil", "name": "evil", "url": "sqlite:///evil.db"},
    ("PUT", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instance/{dbinstance}"): {"name": "x"},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instance/{dbinstance}/apply"): PIPE,
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instance/{dbinstance}/deployedState"): PIPE,
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instance/{dbinstance}/rollback"): {
        **PIPE, "count": 1},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/instancelist"): {},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/migrationstate"): {},
    ("POST", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/flyway/migrationstate"): {},
}
POLICY = """package guard

deny[msg] {
  finding := input.lintFindings[_]
  finding.category == "destructive"
  msg := finding.rule
}
"""
QUERIES: dict[tuple[str, str], Any] = {
    ("GET", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/dbinstance/{dbinstance}/changesetmetadata"): {
        "harnessCommand": "Update", "pipelineExecutionId": "e", "stageExecutionId": "s"},
    ("GET", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/dbinstance/{dbinstance}/snapshot-object-names"): {
        "objectType": "Table"},
    ("GET", "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/dbinstance/{dbinstance}/changeset/yaml"): {
        "changeSet": "c.sql::1::alice"},
    ("GET", "/dataset-tables"): lambda v: {"datasetId": v.dataset},
    ("POST", "/dataset-tables/{tableId}/rows"): {"mode": "append"},
    ("DELETE", "/datasets/{datasetId}"): {"force": "true"},
    # the step route names its tenant in the query: the victim's org/project, schema and instance
    ("GET", "/v1/step/flyway/migrationscripts"): lambda v: {
        "orgIdentifier": v.org, "projectIdentifier": v.project, "dbSchema": v.schema, "dbInstance": v.instance,
        "pipelineExecutionId": PIPE["planExecutionId"]},
}


@dataclass
class Victim:
    account: str
    api: ApiClient
    org: str
    project: str
    schema: str
    instance: str
    execution: str
    dataset: str
    table: str
    operation: str
    policy: str
    db_file: Path

    def ids(self) -> list[str]:
        return [self.schema, self.instance, self.execution, self.dataset, self.table, self.operation]

    def path(self, route: Route) -> str:
        values = {"org": self.org, "project": self.project, "dbschema": self.schema, "dbinstance": self.instance,
                  "executionId": self.execution, "datasetId": self.dataset, "tableId": self.table,
                  "operationId": self.operation, "policy": self.policy}
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"the wall matrix has no value for a parameter of {route.path}"
        return path


def _value(table: dict[tuple[str, str], Any], route: Route, victim: Victim, default: Any) -> Any:
    value = table.get((route.method, route.path), default)
    return value(victim) if callable(value) else value


def _call(api: ApiClient, route: Route, victim: Victim) -> ApiResponse:
    body = _value(BODIES, route, victim, None if route.method in ("GET", "DELETE") else {})
    params = _value(QUERIES, route, victim, None)
    headers = {"Content-Type": "application/json"}
    raw = None if body is None else json.dumps(body)
    return api.request(route.method, victim.path(route), body=raw, params=params, headers=headers)


@pytest.fixture(scope="module")
def victim(stack, api: ApiClient) -> Victim:
    account = "victim-" + uuid.uuid4().hex[:6]
    key, _ = create_api_key(account, ["*/*"])
    owner = api.with_key(key)
    org, project = "acme", "payments"
    base = f"/v1/orgs/{org}/projects/{project}"
    assert owner.post(f"{base}/dbschema", {"identifier": "ledger", "name": "Ledger"}).status == 201
    assert owner.put(f"{base}/dbschema/ledger/changelog",
                     {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}}).status == 200
    url = "sqlite:///ledger.db"
    assert owner.post(f"{base}/dbschema/ledger/instance", {"identifier": "prod", "name": "Prod", "url": url}).status == 201
    started = owner.post(f"{base}/dbschema/ledger/instance/prod/apply", PIPE)
    assert started.status == 202, started.json()
    assert wait_for(owner, base, started.json()["executionId"])["status"] == "SUCCESS"
    dataset = owner.post("/datasets", {"name": "vault", "org": org, "project": project})
    assert dataset.status == 201, dataset.json()
    assert dataset.json()["org"] == org and dataset.json()["project"] == project
    table = owner.post("/dataset-tables", {"datasetId": dataset.json()["datasetId"], "tableName": "cards",
                                           "fields": [{"name": "id", "arrowType": "int64", "nullable": False},
                                                      {"name": "name", "arrowType": "string"}],
                                           "primaryKeyColumns": ["id"]})
    assert table.status == 201, table.json()
    table_id = table.json()["tableId"]
    rows = owner.post(f"/dataset-tables/{table_id}/rows", [{"id": 1, "name": "the victim's row"}],
                      params={"mode": "append"})
    assert rows.status == 200, rows.json()
    operation = owner.post(f"/dataset-tables/{table_id}/compact", {})
    assert operation.status == 202, operation.json()
    policy = owner.put(f"{base}/policies/guard", {"rego": POLICY, "name": "the victim's policy"})
    assert policy.status == 201, policy.json()
    return Victim(account, owner, org, project, "ledger", "prod", started.json()["executionId"],
                  dataset.json()["datasetId"], table_id, operation.json()["operationId"], "guard",
                  sqlite_path(url, account))


def _ids_route(route: Route) -> bool:
    return any(p in route.path for p in ("{dbschema}", "{executionId}", "{datasetId}", "{tableId}"))


def _no_victim_data(response: ApiResponse, victim: Victim, case: str, route: Route) -> None:
    text = response.body.decode(errors="replace")
    leaked = [i for i in (victim.dataset, victim.table, victim.operation, victim.execution, "the victim's row",
                          "the victim's policy")
              if i in text and response.status < 400]
    assert not leaked, f"{case}: {route.method} {route.path} answered {response.status} with {leaked}"
    assert response.status < 500, f"{case}: {route.method} {route.path} answered {response.status}: {text[:300]}"


def test_every_route_refuses_every_kind_of_outsider(api: ApiClient, victim: Victim) -> None:
    other_key, _ = create_api_key("intruder-" + uuid.uuid4().hex[:6], ["*/*"])
    other_project_key, _ = create_api_key(victim.account, ["elsewhere/else"])
    cases = {
        "no key": (api.with_key(None), {401}),
        "unknown key": (api.with_key("ssk_" + uuid.uuid4().hex), {401}),
        "wrong Harness-Account": (victim.api.with_key(victim.api.api_key, **{"Harness-Account": "intruder"}), {403}),
        "another account": (api.with_key(other_key), None),
        "another org/project": (api.with_key(other_project_key), None),
    }
    refused = 0
    for case, (client, expected) in cases.items():
        for route in ROUTES:
            response = _call(client, route, victim)
            _no_victim_data(response, victim, case, route)
            if expected is not None:
                assert response.status in expected, (case, route.method, route.path, response.status, response.json())
            elif case == "another org/project" and route.path.startswith("/v1/"):
                assert response.status == 403, (case, route.path, response.status, response.json())
            elif _ids_route(route):
                allowed = {404} if (route.method, route.path) in BODIES or route.method in ("GET", "DELETE") \
                    else {400, 404}
                assert response.status in allowed, (case, route.method, route.path, response.status, response.json())
            refused += response.status >= 400
    print(f"\n{len(ROUTES)} routes x {len(cases)} outsider cases: {len(ROUTES) * len(cases)} requests, {refused} refused")
    assert refused >= len(ROUTES) * 3
    # nothing of the victim's moved
    base = f"/v1/orgs/{victim.org}/projects/{victim.project}"
    assert victim.api.get(f"{base}/dbschema/ledger").json()["name"] == "Ledger"
    assert victim.api.get(f"{base}/dbschema/ledger/instance/prod").status == 200
    table = victim.api.get(f"/dataset-tables/{victim.table}").json()
    assert table["tableName"] == "cards" and [f["name"] for f in table["fields"]] == ["id", "name"]
    rows = victim.api.post(f"/dataset-tables/{victim.table}/query", {}).json()["rows"]
    assert rows == [{"id": 1, "name": "the victim's row"}]
    assert victim.api.get(f"/datasets/{victim.dataset}").status == 200


def test_listings_hide_other_projects_datasets(api: ApiClient, victim: Victim) -> None:
    scoped_key, _ = create_api_key(victim.account, ["elsewhere/else"])
    scoped = api.with_key(scoped_key)
    own = scoped.post("/datasets", {"name": "mine"})
    assert own.status == 201 and (own.json()["org"], own.json()["project"]) == ("elsewhere", "else")
    listed = scoped.get("/datasets", params={"limit": 100}).json()["datasets"]
    assert own.json()["datasetId"] in [d["datasetId"] for d in listed]
    assert {(d["org"], d["project"]) for d in listed} == {("elsewhere", "else")}
    forbidden = scoped.post("/datasets", {"name": "x", "org": victim.org, "project": victim.project})
    assert forbidden.status == 403 and forbidden.json()["code"] == "FORBIDDEN"
    everything = victim.api.get("/datasets", params={"limit": 100}).json()["datasets"]
    assert {victim.dataset, own.json()["datasetId"]} <= {d["datasetId"] for d in everything}


def test_another_tenants_secret_is_refused_at_registration_and_before_fetching(api: ApiClient, victim: Victim
                                                                              ) -> None:
    from schemashift.aws import dynamodb_table
    from schemashift.settings import get_settings

    victim_secret = create_db_secret("app", "victim-password", account=victim.account)
    account = "intruder-" + uuid.uuid4().hex[:6]
    intruder_key, _ = create_api_key(account, ["*/*"])
    intruder = api.with_key(intruder_key)
    base = "/v1/orgs/o/projects/p"
    assert intruder.post(f"{base}/dbschema", {"identifier": "s", "name": "s"}).status == 201
    assert intruder.put(f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}}).status == 200
    body = {"identifier": "trap", "name": "trap", "url": "postgresql://10.9.9.9:5432/app", "secretArn": victim_secret}
    refused = intruder.post(f"{base}/dbschema/s/instance", body)
    assert refused.status == 403 and "schemashift/intruder-" in refused.json()["message"]
    body["secretArn"] = victim_secret.replace(f"schemashift/{victim.account}/", "schemashift/../")
    assert intruder.post(f"{base}/dbschema/s/instance", body).status in (400, 403)
    body["secretArn"] = create_db_secret("app", "own-password", account=account)
    assert intruder.post(f"{base}/dbschema/s/instance", body).status == 201
    updated = intruder.put(f"{base}/dbschema/s/instance/trap", {"secretArn": victim_secret})
    assert updated.status == 403
    # an instance item that names the victim's secret anyway (say, written before the rule): the
    # deployment refuses before any secret is read or any connection made
    item_key = {"pk": f"T#{account}#o#p#S#s", "sk": "INSTANCE#trap"}
    dynamodb_table(get_settings().resources_table).update_item(
        Key=item_key, UpdateExpression="SET secretArn = :s", ExpressionAttributeValues={":s": victim_secret})
    started = intruder.post(f"{base}/dbschema/s/instance/trap/apply", PIPE)
    assert started.status == 202
    done = wait_for(intruder, base, started.json()["executionId"])
    assert done["status"] == "FAILURE" and "schemashift/intruder-" in done["error"]["message"]
    sync = intruder.post(f"{base}/dbschema/s/instance/trap/sync")
    assert sync.status == 403 and "victim-password" not in sync.body.decode()


def test_another_tenants_sqlite_file_is_out_of_reach(api: ApiClient, victim: Victim) -> None:
    intruder_key, _ = create_api_key("intruder-" + uuid.uuid4().hex[:6], ["*/*"])
    intruder = api.with_key(intruder_key)
    base = "/v1/orgs/o/projects/p"
    intruder.post(f"{base}/dbschema", {"identifier": "s", "name": "s"})
    before = victim.db_file.read_bytes()
    for url in (f"sqlite:///{victim.db_file}", f"sqlite:////{victim.db_file}", f"jdbc:sqlite:{victim.db_file}",
                f"sqlite:///../{victim.account}/ledger.db", "postgresql://169.254.169.254/x",
                "mysql://127.0.0.1:1/x".replace("127.0.0.1:1", "[fd00:ec2::254]:3306")):
        response = intruder.post(f"{base}/dbschema/s/instance", {"identifier": "x", "name": "x", "url": url})
        assert response.status in (400, 403), (url, response.json())
    # ATTACH in a changeset, against the intruder's own (allowed) SQLite file
    attach = (f"-- liquibase formatted sql\n\n-- changeset eve:1\nATTACH DATABASE '{victim.db_file}' AS loot;\n"
              "DROP TABLE loot.secret_stuff;\n")
    assert intruder.put(f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": attach}}).status == 200
    assert intruder.post(f"{base}/dbschema/s/instance", {"identifier": "own", "name": "own",
                                                         "url": "sqlite:///own.db"}).status == 201
    started = intruder.post(f"{base}/dbschema/s/instance/own/apply", PIPE)
    done = wait_for(intruder, base, started.json()["executionId"])
    assert done["status"] == "FAILURE"
    assert "ATTACH" in json.dumps(done["results"]) + done["error"]["message"]
    assert victim.db_file.read_bytes() == before
    con = sqlite3.connect(victim.db_file)
    assert con.execute("SELECT name FROM sqlite_master WHERE name = 'secret_stuff'").fetchall() == [("secret_stuff",)]
    con.close()


def test_another_tenants_upload_is_out_of_reach(api: ApiClient, victim: Victim) -> None:
    ticket = victim.api.post(f"/dataset-tables/{victim.table}/uploads", {"contentType": "application/json"})
    assert ticket.status == 201
    intruder_key, _ = create_api_key("intruder-" + uuid.uuid4().hex[:6], ["*/*"])
    intruder = api.with_key(intruder_key)
    dataset = intruder.post("/datasets", {"name": "d"}).json()["datasetId"]
    table = intruder.post("/dataset-tables", {"datasetId": dataset, "tableName": "t",
                                              "fields": [{"name": "id", "arrowType": "int64", "nullable": False}]})
    used = intruder.post(f"/dataset-tables/{table.json()['tableId']}/rows",
                         params={"mode": "append", "upload_id": ticket.json()["uploadId"]})
    assert used.status == 404, used.json()
