"""Every route, called with a valid request on the local stack, answers as docs/openapi.json says:
a documented status code and a body that validates against that status's schema."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from schemashift.local.template import Template

from tests.support.client import ApiClient, ApiResponse

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text())
ROUTES = Template.load(ROOT / "template.yaml").routes()
CHANGELOG = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE person;

-- changeset bob:2
ALTER TABLE person ADD COLUMN email VARCHAR(100);
-- rollback ALTER TABLE person DROP COLUMN email;
"""
PIPELINE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}


class Contract:
    """Sends requests, checks each answer against the document, remembers which routes were seen."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.seen: set[tuple[str, str]] = set()

    def call(self, method: str, path: str, expected: int | tuple[int, ...], **kwargs: Any) -> ApiResponse:
        route = next((r for r in ROUTES if r.method == method and r.pattern.match(path)), None)
        assert route is not None, f"{method} {path} matches no template route"
        response = self.api.request(method, path, **kwargs)
        wanted = expected if isinstance(expected, tuple) else (expected,)
        assert response.status in wanted, (method, path, response.status, response.body[:500])
        self.check(route.method, route.path, response)
        self.seen.add((route.method, route.path))
        return response

    @staticmethod
    def check(method: str, template_path: str, response: ApiResponse) -> None:
        operation = DOCUMENT["paths"][template_path][method.lower()]
        documented = operation["responses"].get(str(response.status))
        assert documented is not None, f"{method} {template_path}: status {response.status} is not documented"
        content = documented.get("content")
        if content is None:
            assert not response.body, f"{method} {template_path}: {response.status} should have no body"
            return
        schema = {**content["application/json"]["schema"], "components": DOCUMENT["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=lambda e: list(e.path))
        assert not errors, f"{method} {template_path} {response.status}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])

    def wait(self, path: str, done: tuple[str, ...], timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.call("GET", path, 200).json()
            if body["status"] in done:
                return body
            time.sleep(0.1)
        raise AssertionError(f"{path} did not finish")


@pytest.fixture
def contract(api: ApiClient) -> Contract:
    return Contract(api)


def test_every_route_answers_as_documented(contract: Contract, tmp_path: Path) -> None:
    c = contract
    c.call("GET", "/health", 200, )
    # ---------------------------------------------------------------- dbschema
    base = f"/v1/orgs/org{uuid.uuid4().hex[:8]}/projects/prj{uuid.uuid4().hex[:8]}"
    c.call("POST", f"{base}/dbschema", 201, json_body={"identifier": "app", "name": "App", "tags": {"t": "1"}})
    c.call("GET", f"{base}/dbschema", 200, params={"limit": 5})
    c.call("GET", f"{base}/dbschema/app", 200)
    c.call("PUT", f"{base}/dbschema/app", 200, json_body={"name": "App DB"})
    c.call("PUT", f"{base}/dbschema/app/changelog", 200,
           json_body={"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}})
    for name in ("main", "spare"):
        c.call("POST", f"{base}/dbschema/app/instance", 201,
               json_body={"identifier": name, "name": name, "url": f"sqlite:///{tmp_path.name}/{name}.db"})
    c.call("GET", f"{base}/dbschema/app/instance/main", 200)
    c.call("PUT", f"{base}/dbschema/app/instance/main", 200, json_body={"name": "Main"})
    c.call("POST", f"{base}/dbschema/app/instancelist", 200, json_body={})
    c.call("POST", f"{base}/dbschema/app/migrationstate", 200, json_body={"instanceFilter": {"order": "DESC"}})
    c.call("GET", f"{base}/dbschema/app/dbinstance/main/migrationstate", 200)
    c.call("GET", f"{base}/dbschema/app/summary", 200)
    c.call("POST", f"{base}/dbschema/app/dbinstance/main/changeset/sql", 200,
           json_body={"changeSetFQN": "changelog.sql::1::alice"})
    c.call("GET", f"{base}/dbschema/app/dbinstance/main/changeset/yaml", 200,
           params={"changeSet": "changelog.sql::1::alice"})
    c.call("POST", f"{base}/dbschema/app/changesets/existence", 200, json_body={"changeSets": [{"id": "1"}]})
    applied = c.call("POST", f"{base}/dbschema/app/instance/main/apply", 202, json_body={**PIPELINE, "tag": "v1"},
                     headers={"Idempotency-Key": uuid.uuid4().hex}).json()
    assert c.wait(f"{base}/executions/{applied['executionId']}", ("SUCCESS", "FAILURE"))["status"] == "SUCCESS"
    c.call("POST", f"{base}/dbschema/app/instance/main/deployedState", 200, json_body=PIPELINE)
    assert c.call("GET", f"{base}/dbschema/overview", 200).json()["recentDeployments"][0]["dbInstanceIdentifier"] == "main"
    assert c.call("GET", f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", 200,
                  params={"objectType": "Table"}).json()["data"] == ["person"]
    c.call("POST", f"{base}/dbschema/app/dbinstance/main/snapshot-object-values", 200,
           json_body={"objectType": "Column", "objectNames": ["person.email"]})
    c.call("GET", f"{base}/dbschema/app/dbinstance/main/changesetmetadata", 200, params={
        "harnessCommand": "Update", "pipelineExecutionId": PIPELINE["planExecutionId"],
        "stageExecutionId": PIPELINE["stageExecutionId"]})
    rolled = c.call("POST", f"{base}/dbschema/app/instance/main/rollback", 202,
                    json_body={**PIPELINE, "count": 1}).json()
    assert c.wait(f"{base}/executions/{rolled['executionId']}", ("SUCCESS", "FAILURE"))["status"] == "SUCCESS"
    c.call("POST", f"{base}/dbschema/app/instance/main/sync", 200)
    policy = 'package db_sql\n\nwarn[msg] {\n  f := input.lintFindings[_]\n  msg := f.message\n}\n'
    c.call("PUT", f"{base}/policies/warn_all", 201, json_body={"rego": policy, "name": "Warn on findings"})
    c.call("GET", f"{base}/policies/warn_all", 200)
    c.call("GET", f"{base}/policies", 200)
    c.call("POST", f"{base}/dbschema/app/lint", 200, json_body={"dialect": "postgresql", "evaluatePolicies": True})
    c.call("DELETE", f"{base}/policies/warn_all", 204)
    c.call("POST", f"{base}/dbschema/app/instance/main/releaselocks", 200)
    # ---------------------------------------------------------------- Flyway schemas
    c.call("POST", f"{base}/dbschema/app/flyway/migrationstate", 400, json_body={})  # app is a Liquibase schema
    c.call("POST", f"{base}/dbschema", 201, json_body={"identifier": "fly", "name": "Fly", "migrationType": "Flyway"})
    c.call("PUT", f"{base}/dbschema/fly/changelog", 400, json_body={"files": {"notes.txt": "no migrations"}})
    c.call("PUT", f"{base}/dbschema/fly/changelog", 200, json_body={"files": {
        "flyway.toml": "[flyway]\n", "V1__t.sql": "CREATE TABLE t (id INT);\n", "U1__t.sql": "DROP TABLE t;\n"}})
    c.call("POST", f"{base}/dbschema/fly/instance", 201,
           json_body={"identifier": "one", "name": "one", "url": f"sqlite:///{tmp_path.name}/fly.db"})
    c.call("POST", f"{base}/dbschema/fly/instance/one/rollback", 400, json_body={**PIPELINE, "tag": "v1"})
    flown = c.call("POST", f"{base}/dbschema/fly/instance/one/apply", 202, json_body=PIPELINE).json()
    assert c.wait(f"{base}/executions/{flown['executionId']}", ("SUCCESS", "FAILURE"))["status"] == "SUCCESS"
    c.call("POST", f"{base}/dbschema/fly/flyway/migrationstate", 200, json_body={"instanceFilter": {"order": "DESC"}})
    c.call("GET", f"{base}/dbschema/fly/dbinstance/one/flyway/migrationstate", 200)
    flyway = f"{base}/dbschema/fly/dbinstance/one/flyway"
    assert [m["state"] for m in c.call("GET", f"{flyway}/info", 200).json()["migrations"]] == ["Success"]
    assert c.call("GET", f"{flyway}/validate", 200).json()["validationSuccessful"] is True
    c.call("GET", f"{flyway}/validate", 400, params={"ignoreMigrationPatterns": "sideways"})
    c.call("GET", f"{base}/dbschema/app/dbinstance/main/flyway/info", 400)  # a Liquibase schema
    assert c.call("POST", f"{flyway}/repair", 200, json_body=PIPELINE).json()["repairActions"] == []
    c.call("POST", f"{flyway}/baseline", 409, json_body=PIPELINE)  # the history records a migration
    c.call("POST", f"{flyway}/baseline", 400, json_body={"baselineVersion": "one"})
    org, project = base.split("/")[3], base.split("/")[5]
    step = {"orgIdentifier": org, "projectIdentifier": project, "dbSchema": "fly", "dbInstance": "one",
            "pipelineExecutionId": PIPELINE["planExecutionId"]}
    assert c.call("GET", "/v1/step/flyway/migrationscripts", 200, params=step).json()["data"] == [
        "CREATE TABLE t (id INT);\n"]
    c.call("GET", "/v1/step/flyway/migrationscripts", 400, params={**step, "command": "Clean"})
    c.call("GET", "/v1/step/flyway/migrationscripts", 400, params={"dbSchema": "fly"})
    c.call("DELETE", f"{base}/dbschema/fly", 204)
    listed = c.call("GET", f"{base}/dbschema/app/executions", 200, params={"limit": 1}).json()
    assert [e["executionId"] for e in listed["executions"]] == [rolled["executionId"]] and listed["nextCursor"]
    rest = c.call("GET", f"{base}/dbschema/app/executions", 200, params={"cursor": listed["nextCursor"]}).json()
    assert [e["executionId"] for e in rest["executions"]] == [applied["executionId"]]
    mine = c.call("GET", f"{base}/dbschema/app/instance/main/executions", 200, params={"status": "SUCCESS"}).json()
    assert {e["executionId"] for e in mine["executions"]} == {applied["executionId"], rolled["executionId"]}
    fleet = c.call("POST", f"{base}/dbschema/app/apply", 202, json_body={**PIPELINE, "maxConcurrency": 2}).json()
    assert c.wait(f"{base}/executions/{fleet['executionId']}", ("SUCCESS", "FAILURE"))["status"] == "SUCCESS"
    c.call("DELETE", f"{base}/dbschema/app/instance/spare", 204)
    c.call("DELETE", f"{base}/dbschema/app", 204)
    c.call("GET", f"{base}/dbschema/app", 404)
    # ---------------------------------------------------------------- datasets
    dataset = c.call("POST", "/datasets", 201, json_body={"name": f"ds-{uuid.uuid4().hex[:8]}"}).json()["datasetId"]
    c.call("GET", "/datasets", 200, params={"limit": 2})
    c.call("GET", f"/datasets/{dataset}", 200)
    fields = [{"name": "id", "arrowType": "int64", "nullable": False}, {"name": "name", "arrowType": "string"}]
    table = c.call("POST", "/dataset-tables", 201, json_body={
        "datasetId": dataset, "tableName": "people", "fields": fields, "primaryKeyColumns": ["id"]}).json()["tableId"]
    c.call("GET", "/dataset-tables", 200, params={"datasetId": dataset})
    c.call("GET", f"/dataset-tables/{table}", 200)
    c.call("PATCH", f"/dataset-tables/{table}", 200, json_body={"description": "people we know"})
    c.call("POST", f"/dataset-tables/{table}/uploads", 201, json_body={"contentType": "text/csv"})
    c.call("POST", f"/dataset-tables/{table}/rows", 200, json_body=[{"id": 1, "name": "ada"}],
           params={"mode": "append", "idempotency_key": uuid.uuid4().hex})
    c.call("POST", f"/dataset-tables/{table}/query", 200, json_body={"limit": 10, "includeTotal": True})
    add_flag = [{"type": "add_column", "params": {"name": "flag", "dataType": "bool", "nullable": True}}]
    c.call("POST", f"/dataset-tables/{table}/migrations/plan", 200, json_body={"operations": add_flag})
    started = c.call("POST", f"/dataset-tables/{table}/migrations", 202, json_body={"operations": add_flag}).json()
    done = ("completed", "failed", "cancelled")
    assert c.wait(f"/dataset-tables/{table}/operations/{started['operationId']}", done)["status"] == "completed"
    c.call("GET", f"/dataset-tables/{table}/schema", 200)
    c.call("GET", f"/dataset-tables/{table}/schema/versions", 200)
    compact = c.call("POST", f"/dataset-tables/{table}/compact", 202, json_body={}).json()
    assert c.wait(f"/dataset-tables/{table}/operations/{compact['operationId']}", done)["status"] == "completed"
    restore = c.call("POST", f"/dataset-tables/{table}/restore", 202, json_body={"versionNumber": 1}).json()
    assert c.wait(f"/dataset-tables/{table}/operations/{restore['operationId']}", done)["status"] == "completed"
    c.call("GET", f"/dataset-tables/{table}/operations", 200, params={"status": "completed"})
    rename = [{"type": "rename_column", "params": {"oldName": "name", "newName": "full_name"}}]
    running = c.call("POST", f"/dataset-tables/{table}/migrations", 202, json_body={"operations": rename}).json()
    c.call("POST", f"/dataset-tables/{table}/operations/{running['operationId']}/cancel", (202, 409))
    c.wait(f"/dataset-tables/{table}/operations/{running['operationId']}", done)
    c.call("DELETE", f"/dataset-tables/{table}", 204)
    c.call("DELETE", f"/datasets/{dataset}", 204)
    c.call("GET", f"/datasets/{dataset}", 404)

    every = {(r.method, r.path) for r in ROUTES}
    assert every - c.seen == set(), f"routes the contract test never called: {sorted(every - c.seen)}"
