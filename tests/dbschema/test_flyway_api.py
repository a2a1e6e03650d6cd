"""Flyway schemas' routes and uploads on the local stack: every bad input answers the documented
``{"message": ...}`` envelope with a 4xx, and a refused upload or start changes nothing."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from tests.support.deployments import new_base, wait_for
from tests.support.tenancy import sqlite_instance

PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}
FILES = {"flyway.toml": "[flyway]\n", "V1__t.sql": "CREATE TABLE t (id INT);\n", "U1__t.sql": "DROP TABLE t;\n"}


def _envelope(response, status: int, *needles: str) -> str:
    body = response.json()
    assert response.status == status, (status, response.status, body)
    assert isinstance(body.get("message"), str) and body["message"], body
    text = response.body.decode()
    assert "Traceback" not in text and "/work/" not in text and ".py" not in text, text
    for needle in needles:
        assert needle in body["message"], (needle, body["message"])
    return body["message"]


@pytest.fixture
def flyway_base(api) -> str:
    base, _org, _project = new_base()
    assert api.post(f"{base}/dbschema", {"identifier": "fly", "name": "Fly", "migrationType": "Flyway"}).status == 201
    assert api.post(f"{base}/dbschema", {"identifier": "lb", "name": "Lb"}).status == 201
    return base


def test_bad_bundles_are_refused_and_change_nothing(api, flyway_base) -> None:
    base = flyway_base
    cases = {
        "broken toml": ({"flyway.toml": "[flyway\n", **{k: v for k, v in FILES.items() if k != "flyway.toml"}}, ""),
        "two scripts of one version": ({**FILES, "V1_0__again.sql": "SELECT 1;\n"},
                                       "Found more than one migration with version 1"),
        "undo without its version": ({**FILES, "U2__x.sql": "SELECT 1;\n"},
                                     "undo script(s) without a versioned migration: 2"),
        "no migrations": ({"changelog.sql": "-- liquibase formatted sql\n"}, "has no migrations"),
        "no migrations under locations": ({**FILES, "flyway.toml": '[flyway]\nlocations = ["filesystem:db"]\n'},
                                          "under db"),
        "a path outside the bundle": ({**FILES, "../V2__x.sql": "SELECT 1;\n"}, "not a relative path"),
    }
    for name, (files, needle) in cases.items():
        _envelope(api.put(f"{base}/dbschema/fly/changelog", {"files": files}), 400, needle)
        assert api.get(f"{base}/dbschema/fly").json().get("changelog") is None, name
    _envelope(api.put(f"{base}/dbschema/fly/changelog", {"zipBase64": "not base64!"}), 400, "base64")
    _envelope(api.put(f"{base}/dbschema/lb/changelog", {"files": {"changelog.sql": "x"}}), 400, "rootFile")
    _envelope(api.post(f"{base}/dbschema", {"identifier": "m", "name": "m", "migrationType": "Mongo"}), 400)

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path, text in FILES.items():
            zipped.writestr(f"sql/{path}" if path.endswith(".sql") else path, text)
    zipped_body = {"zipBase64": base64.b64encode(archive.getvalue()).decode()}
    uploaded = api.put(f"{base}/dbschema/fly/changelog", zipped_body)
    assert uploaded.status == 200 and uploaded.json()["changesetCount"] == 1, uploaded.json()
    assert uploaded.json()["rootFile"] == "flyway.toml"
    # the same bytes again: unchanged; migrationType cannot change
    assert api.put(f"{base}/dbschema/fly/changelog", zipped_body).json()["changed"] is False
    assert api.put(f"{base}/dbschema/fly", {"migrationType": "Liquibase"}).json()["migrationType"] == "Flyway"
    listed = api.get(f"{base}/dbschema", params={"migrationType": "Flyway"}).json()
    assert [s["identifier"] for s in listed] == ["fly"]
    assert [s["identifier"] for s in api.get(f"{base}/dbschema", params={"migrationType": "Liquibase"}).json()] == [
        "lb"]
    _envelope(api.get(f"{base}/dbschema", params={"migrationType": "Mongo"}), 400, "migrationType")


def test_starts_a_flyway_schema_cannot_honour_are_400s(api, flyway_base) -> None:
    base = flyway_base
    assert api.put(f"{base}/dbschema/fly/changelog", {"files": FILES}).status == 200
    assert api.put(f"{base}/dbschema/lb/changelog", {"rootFile": "c.sql", "files": {
        "c.sql": "-- liquibase formatted sql\n\n-- changeset a:1\nCREATE TABLE t (id INT);\n"}}).status == 200
    for schema in ("fly", "lb"):
        url = sqlite_instance(schema)[0]
        assert api.post(f"{base}/dbschema/{schema}/instance", {"identifier": "one", "name": "one", "url": url}).status == 201
    refusals = [
        ("fly", "apply", {"toTag": "v1"}, "toTag is not supported for Flyway schemas"),
        ("fly", "apply", {"tag": "v1"}, "tag is not supported"),
        ("fly", "apply", {"contexts": "prod"}, "contexts is not supported"),
        ("fly", "apply", {"dryRun": "transactional"}, "dryRun 'transactional' is not supported for Flyway"),
        ("fly", "rollback", {"count": 1, "dryRun": True}, "dryRun on a rollback is not supported for Flyway"),
        ("fly", "apply", {"targetVersion": "1..2"}, "targetVersion"),
        ("fly", "rollback", {"tag": "v1"}, "a rollback to a tag is not supported"),
        ("fly", "rollback", {"count": 1, "targetVersion": "1"}, "exactly one of"),
        ("fly", "rollback", {}, "exactly one of"),
        ("lb", "apply", {"targetVersion": "2"}, "targetVersion is not supported for Liquibase schemas"),
        ("lb", "rollback", {"targetVersion": "2"}, "targetVersion is not supported for Liquibase schemas"),
    ]
    for schema, action, body, needle in refusals:
        response = api.post(f"{base}/dbschema/{schema}/instance/one/{action}", {**PIPE, **body})
        _envelope(response, 400, needle)
    _envelope(api.post(f"{base}/dbschema/fly/apply", {**PIPE, "toTag": "v2"}), 400, "toTag is not supported")
    # nothing started: no execution, no lock (a valid start is accepted at once)
    assert api.get(f"{base}/dbschema/fly/executions").json()["executions"] == []
    started = api.post(f"{base}/dbschema/fly/instance/one/apply", PIPE)
    assert started.status == 202
    assert wait_for(api, base, started.json()["executionId"])["status"] == "SUCCESS"


def test_flyway_routes_answer_bad_input_with_the_envelope(api, flyway_base) -> None:
    base = flyway_base
    org, project = base.split("/")[3], base.split("/")[5]
    assert api.put(f"{base}/dbschema/fly/changelog", {"files": FILES}).status == 200
    assert api.post(f"{base}/dbschema/fly/instance", {"identifier": "one", "name": "one",
                                                      "url": sqlite_instance("fly")[0]}).status == 201
    state = f"{base}/dbschema/fly/flyway/migrationstate"
    _envelope(api.post(f"{base}/dbschema/nope/flyway/migrationstate", {}), 404, "nope")
    _envelope(api.post(f"{base}/dbschema/lb/flyway/migrationstate", {}), 400, "is a Liquibase schema")
    _envelope(api.request("POST", state, body="{not json", headers={"Content-Type": "application/json"}), 400)
    _envelope(api.request("POST", state, body="[1]", headers={"Content-Type": "application/json"}), 400)
    _envelope(api.post(state, {"instanceFilter": {"instances": ["ghost"]}}), 400, "ghost")
    _envelope(api.post(state, {"instanceFilter": {"sort": "size"}}), 400)
    _envelope(api.post(state, {}, params={"limit": "0"}), 400, "limit")
    _envelope(api.post(state, {}, params={"page": "-1"}), 400, "page")
    ok = api.post(state, {}, params={"limit": "1"})
    assert ok.status == 200 and ok.headers.get("X-Total-Elements") == "1", ok.headers
    assert [m["version"] for m in ok.json()["migrations"]] == ["1"]
    assert ok.json()["migrations"][0]["instances"][0]["status"] == "Not_Deployed"

    one = f"{base}/dbschema/fly/dbinstance/one/flyway/migrationstate"
    _envelope(api.get(f"{base}/dbschema/fly/dbinstance/ghost/flyway/migrationstate"), 404, "ghost")
    _envelope(api.get(f"{base}/dbschema/lb/dbinstance/one/flyway/migrationstate"), 400, "Liquibase")
    _envelope(api.get(one, params={"limit": "101"}), 400, "limit")
    assert api.get(one, params={"search_term": "zzz"}).json()["migrations"] == []
    assert api.get(one, params={"search_term": "V1__"}).json()["migrations"][0]["script"] == "V1__t.sql"

    scripts = "/v1/step/flyway/migrationscripts"
    step = {"orgIdentifier": org, "projectIdentifier": project, "dbSchema": "fly", "dbInstance": "one",
            "pipelineExecutionId": "plan-1"}
    _envelope(api.get(scripts), 400, "orgIdentifier")
    _envelope(api.get(scripts, params={**step, "dbInstance": ""}), 400, "dbInstance")
    _envelope(api.get(scripts, params={**step, "command": "Clean"}), 400, "Migrate or Undo")
    _envelope(api.get(scripts, params={**step, "dbSchema": "x" * 5000}), 400, "longer than")
    _envelope(api.get(scripts, params={**step, "dbSchema": "nope"}), 404, "nope")
    _envelope(api.get(scripts, params={**step, "dbSchema": "lb"}), 400, "Liquibase")
    _envelope(api.get(scripts, params={**step, "dbInstance": "ghost"}), 404, "ghost")
    assert api.get(scripts, params=step).json() == {"data": [], "scripts": []}
    # Liquibase-only changeset routes on a Flyway schema: a 400, never a 500
    _envelope(api.get(f"{base}/dbschema/fly/dbinstance/one/changeset/yaml",
                      params={"changeSet": "V1__t.sql::1::flyway"}), 400, "is a Flyway schema")
    sql = api.post(f"{base}/dbschema/fly/dbinstance/one/changeset/sql", {"changesetFQN": "V1__t.sql::1::flyway"})
    assert sql.status == 200 and sql.json()["sql"] == ["CREATE TABLE t (id INT)"], sql.json()
    _envelope(api.post(f"{base}/dbschema/fly/dbinstance/one/changeset/sql", {"changesetFQN": "x::9::flyway"}), 404)


def test_flyway_command_routes_answer_bad_input_with_the_envelope(api, flyway_base) -> None:
    base = flyway_base
    assert api.put(f"{base}/dbschema/fly/changelog", {"files": FILES}).status == 200
    assert api.put(f"{base}/dbschema/lb/changelog", {"rootFile": "c.sql", "files": {
        "c.sql": "-- liquibase formatted sql\n\n-- changeset a:1\nCREATE TABLE t (id INT);\n"}}).status == 200
    for schema in ("fly", "lb"):
        assert api.post(f"{base}/dbschema/{schema}/instance", {"identifier": "one", "name": "one",
                                                              "url": sqlite_instance(schema)[0]}).status == 201
    flyway = f"{base}/dbschema/fly/dbinstance/one/flyway"
    for command, method in (("info", "GET"), ("validate", "GET"), ("baseline", "POST"), ("repair", "POST")):
        body = "{}" if method == "POST" else None
        json_headers = {"Content-Type": "application/json"}
        _envelope(api.request(method, f"{base}/dbschema/lb/dbinstance/one/flyway/{command}", body=body,
                              headers=json_headers), 400, "is a Liquibase schema", "migrationType Flyway")
        _envelope(api.request(method, f"{base}/dbschema/fly/dbinstance/ghost/flyway/{command}", body=body,
                              headers=json_headers), 404, "ghost")
        _envelope(api.request(method, f"{base}/dbschema/nope/dbinstance/one/flyway/{command}", body=body,
                              headers=json_headers), 404, "nope")
        if method == "POST":
            _envelope(api.request("POST", f"{flyway}/{command}", body="{not json", headers=json_headers), 400)
            _envelope(api.request("POST", f"{flyway}/{command}", body="[1]", headers=json_headers), 400)
            _envelope(api.post(f"{flyway}/{command}", {"pipeline": "x" * 300}), 400, "pipeline")
    _envelope(api.post(f"{flyway}/baseline", {"baselineVersion": "1..2"}), 400, "baselineVersion")
    _envelope(api.post(f"{flyway}/baseline", {"baselineVersion": "v1"}), 400, "Invalid version")
    _envelope(api.post(f"{flyway}/baseline", {"baselineDescription": ""}), 400, "baselineDescription")
    _envelope(api.get(f"{flyway}/validate", params={"ignoreMigrationPatterns": "*:sideways"}), 400,
              "Invalid ignoreMigrationPatterns entry")
    # a Liquibase schema's instance was not touched, and the refusals recorded no execution
    assert api.get(f"{base}/dbschema/fly/executions").json()["executions"] == []
    assert api.get(f"{base}/dbschema/lb/executions").json()["executions"] == []
    info = api.get(f"{flyway}/info")
    assert info.status == 200 and [m["state"] for m in info.json()["migrations"]] == ["Pending"], info.json()
