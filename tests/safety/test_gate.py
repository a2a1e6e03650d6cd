"""The safety gate end to end on the local stack: policies stored per project, evaluated by the real
ApplyChangesets / FleetApply ASL (moto's interpreter) before the first changeset, lint over HTTP."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from schemashift.targets import open_target

from tests.support.deployments import new_base, wait_for
from tests.targets.databases import fresh_database

CHANGELOG = """-- liquibase formatted sql

-- changeset ann:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE person;

-- changeset ann:2
ALTER TABLE person ADD email VARCHAR(100);
-- rollback ALTER TABLE person DROP COLUMN email;

-- changeset ann:3
ALTER TABLE person DROP COLUMN name;
"""
PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}

NO_DROPS_IN_PROD = """package db_sql

deny[msg] {
  finding := input.lintFindings[_]
  finding.category == "destructive"
  input.dbInstance.tags.env == "prod"
  msg := sprintf("%s on %s: %s", [finding.rule, input.dbInstance.identifier, finding.changeSetFQN])
}
"""
WARN_NO_ROLLBACK = """package team

import rego.v1

warn contains msg if {
  some changeset in input.changeSets
  changeset.rollback == "none"
  msg := sprintf("%s cannot be rolled back", [changeset.changeSetFQN])
}
"""


def _setup(api, tmp_path: Path, instances: dict[str, dict[str, str]]) -> str:
    base, _org, _project = new_base()
    assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
    put = api.put(f"{base}/dbschema/app/changelog", {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}})
    assert put.status == 200, put.json()
    for name, tags in instances.items():
        body = {"identifier": name, "name": name, "url": f"sqlite:///{tmp_path.name}/{name}.db", "tags": tags}
        assert api.post(f"{base}/dbschema/app/instance", body).status == 201
    return base


def _file(tmp_path: Path, name: str) -> Path:
    """The file of the instance ``sqlite:///<tmp_path.name>/<name>`` under the dev account's directory."""
    from tests.support.tenancy import sqlite_path

    return sqlite_path(f"sqlite:///{tmp_path.name}/{name}")


def _tables(path: Path) -> list[str]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        return sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def test_policy_routes_store_validate_and_isolate(api) -> None:
    base, _, _ = new_base()
    created = api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD, "name": "No drops in prod"})
    assert created.status == 201, created.json()
    assert created.json()["package"] == "db_sql" and created.json()["enabled"] is True
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD, "enabled": False}).status == 200
    assert api.get(f"{base}/policies/no_drops").json()["enabled"] is False
    listed = api.get(f"{base}/policies")
    assert [p["identifier"] for p in listed.json()["policies"]] == ["no_drops"]
    broken = api.put(f"{base}/policies/broken", {"rego": "package x\ndeny contains m if {\n"})
    assert broken.status == 400 and "line 2" in broken.json()["message"], broken.json()
    flags = api.put(f"{base}/policies/flags", {"rego": 'package x\ndeny[m] { regex.match("(?i)drop", input.sqlStatements[_]); m := "x" }'})
    assert flags.status == 400 and "(?i)" in flags.json()["message"]
    other, _, _ = new_base()
    assert api.get(f"{other}/policies/no_drops").status == 404
    assert api.get(f"{other}/policies").json()["policies"] == []
    assert api.delete(f"{base}/policies/no_drops").status == 204
    assert api.delete(f"{base}/policies/no_drops").status == 404


def test_deny_stops_a_fleet_before_any_instance_changes(api, tmp_path: Path) -> None:
    base = _setup(api, tmp_path, {"dev1": {"env": "dev", "fleet": "yes"}, "prod1": {"env": "prod", "fleet": "yes"},
                                  "prod2": {"env": "prod", "fleet": "yes"}})
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD}).status == 201
    assert api.put(f"{base}/policies/rollbacks", {"rego": WARN_NO_ROLLBACK}).status == 201
    response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "tags": {"fleet": "yes"}, "maxConcurrency": 3})
    assert response.status == 202, response.json()
    fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert fleet["status"] == "FAILURE"
    assert fleet["error"]["code"] == "PolicyDenied"
    for instance in ("prod1", "prod2"):  # every message, for every denied instance
        assert f"[{instance}] no_drops: drop-column on {instance}: changelog.sql::3::ann" in fleet["error"]["message"]
    assert {i["instance"]: i["status"] for i in fleet["instances"]} == {
        "dev1": "CANCELLED", "prod1": "CANCELLED", "prod2": "CANCELLED"}
    for name in ("dev1", "prod1", "prod2"):  # nothing touched any database, not even the dev one
        assert _tables(_file(tmp_path, f"{name}.db")) == []
    assert [m["instance"] for m in fleet["policy"]["deny"]] == ["prod1", "prod2"]
    assert {m["instance"] for m in fleet["policy"]["warn"]} == {"dev1", "prod1", "prod2"}
    child = api.get(f"{base}/executions/{fleet['instances'][0]['executionId']}").json()
    assert child["status"] == "CANCELLED" and child["lint"]["counts"]["error"] == 1


def test_warn_is_recorded_and_shown_in_migrationstate(api, tmp_path: Path) -> None:
    base = _setup(api, tmp_path, {"dev1": {"env": "dev"}})
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD}).status == 201
    assert api.put(f"{base}/policies/rollbacks", {"rego": WARN_NO_ROLLBACK}).status == 201
    started = api.post(f"{base}/dbschema/app/instance/dev1/apply", PIPE)
    assert started.status == 202
    execution = wait_for(api, base, started.json()["executionId"])
    assert execution["status"] == "SUCCESS", execution["error"]
    assert execution["policy"]["deny"] == []
    assert execution["policy"]["warn"] == [
        {"policy": "rollbacks", "message": "changelog.sql::3::ann cannot be rolled back"}]
    assert {f["rule"] for f in execution["lint"]["findings"]} == {"drop-column", "no-rollback"}
    state = api.post(f"{base}/dbschema/app/migrationstate", {}).json()
    assert state["instances"][0]["identifier"] == "dev1" and state["instances"][0]["name"] == "dev1"
    warnings = state["instances"][0]["policyWarnings"]
    assert warnings["executionId"] == execution["executionId"]
    assert [m["message"] for m in warnings["messages"]] == ["changelog.sql::3::ann cannot be rolled back"]
    assert _tables(_file(tmp_path, "dev1.db")) == ["DATABASECHANGELOG", "DATABASECHANGELOGLOCK", "person"]


def test_deny_fails_a_single_apply_with_every_message(api, tmp_path: Path) -> None:
    base = _setup(api, tmp_path, {"prod1": {"env": "prod"}})
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD}).status == 201
    started = api.post(f"{base}/dbschema/app/instance/prod1/apply", PIPE)
    execution = wait_for(api, base, started.json()["executionId"])
    assert execution["status"] == "FAILURE" and execution["error"]["code"] == "PolicyDenied"
    assert "no_drops: drop-column on prod1: changelog.sql::3::ann" in execution["error"]["message"]
    assert execution["progress"]["done"] == 0 and _tables(_file(tmp_path, "prod1.db")) == []
    again = api.post(f"{base}/dbschema/app/instance/prod1/apply", PIPE)  # the lock was released
    assert again.status == 202


def test_lint_route(api, tmp_path: Path) -> None:
    base = _setup(api, tmp_path, {"prod1": {"env": "prod"}})
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS_IN_PROD}).status == 201
    body = api.post(f"{base}/dbschema/app/lint", {"dialect": "postgresql"}).json()
    assert body["dialect"] == "postgresql" and body["changesets"] == 3
    assert [(f["rule"], f["changeSetFQN"]) for f in body["findings"]] == [
        ("drop-column", "changelog.sql::3::ann"), ("no-rollback", "changelog.sql::3::ann")]
    with_policies = api.post(f"{base}/dbschema/app/lint", {"instance": "prod1", "evaluatePolicies": True}).json()
    assert with_policies["dialect"] == "sqlite"
    assert [m["policy"] for m in with_policies["policy"]["deny"]] == ["no_drops"]
    configured = api.put(f"{base}/dbschema/app", {"lint": {"disabled": ["no-rollback"],
                                                           "severity": {"drop-column": "warning"}}})
    assert configured.status == 200 and configured.json()["lint"]["disabled"] == ["no-rollback"]
    body = api.post(f"{base}/dbschema/app/lint", {"dialect": "mysql"}).json()
    assert [(f["rule"], f["severity"]) for f in body["findings"]] == [("drop-column", "warning")]
    assert api.post(f"{base}/dbschema/app/lint", {"dialect": "oracle"}).status == 400
    assert api.post(f"{base}/dbschema/app/lint", {"dialect": "sqlite", "changesets": ["nope::1::x"]}).status == 400
    bad_config = api.put(f"{base}/dbschema/app", {"lint": {"disabled": ["no-such-rule"]}})
    assert bad_config.status == 400 and "no-such-rule" in bad_config.json()["message"]


def test_a_saved_config_naming_a_retired_rule_still_reads_lints_and_deploys(api, tmp_path: Path) -> None:
    """Rule ids are checked when a configuration is saved; one that a later version no longer has
    (written here straight into the schema item, as an upgrade would leave it) is inert: the schema
    still reads, lints and deploys with the rest of its configuration."""
    from schemashift.dbschema.services import services
    from schemashift.dbschema.tenancy import SCHEMA_SK, Tenant

    from tests.support.tenancy import DEV_ACCOUNT

    base = _setup(api, tmp_path, {"dev1": {"env": "dev"}})
    org, project = base.split("/")[3], base.split("/")[5]
    tenant = Tenant(DEV_ACCOUNT, org, project)
    stored = {"disabled": ["retired-rule", "no-rollback"], "severity": {"retired-rule": "error"},
              "ignore": {"changelog.sql::3::ann": ["retired-rule"]}}
    services().resources.update_item(Key={"pk": tenant.pk, "sk": SCHEMA_SK + "app"},
                                     UpdateExpression="SET lint = :lint", ExpressionAttributeValues={":lint": stored})

    read = api.get(f"{base}/dbschema/app")
    assert read.status == 200, read.json()
    assert read.json()["lint"] == stored
    linted = api.post(f"{base}/dbschema/app/lint", {"dialect": "sqlite"})
    assert linted.status == 200, linted.json()
    assert [f["rule"] for f in linted.json()["findings"]] == ["drop-column"]  # no-rollback still disabled
    started = api.post(f"{base}/dbschema/app/instance/dev1/apply", PIPE)
    assert started.status == 202, started.json()
    execution = wait_for(api, base, started.json()["executionId"])
    assert execution["status"] == "SUCCESS", execution["error"]
    assert [f["rule"] for f in execution["lint"]["findings"]] == ["drop-column"]


@pytest.mark.postgres
def test_transactional_dry_run_through_the_api(api, tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        base, _org, _project = new_base()
        assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
        failing = CHANGELOG + "\n-- changeset ann:4\nALTER TABLE person ADD CONSTRAINT ck CHECK (missing > 0);\n"
        assert api.put(f"{base}/dbschema/app/changelog",
                       {"rootFile": "changelog.sql", "files": {"changelog.sql": failing}}).status == 200
        created = api.post(f"{base}/dbschema/app/instance", {"identifier": "pg", "name": "pg", "url": url})
        assert created.status == 201, created.json()
        started = api.post(f"{base}/dbschema/app/instance/pg/apply", {**PIPE, "dryRun": "transactional"})
        assert started.status == 202, started.json()
        execution = wait_for(api, base, started.json()["executionId"])
        assert execution["status"] == "FAILURE" and execution["error"]["code"] == "DryRunFailed"
        report = execution["dryRunReport"]
        assert [c["status"] for c in report["changesets"]] == ["EXECUTED", "EXECUTED", "EXECUTED", "FAILED"]
        assert report["error"]["changeSetFQN"] == "changelog.sql::4::ann" and "missing" in report["error"]["message"]
        assert all(c["durationMs"] >= 0 for c in report["changesets"]) and report["rolledBack"] is True
        with open_target(url) as target:  # nothing was kept
            assert not target.table_exists("person") and not target.table_exists("databasechangelog")
        assert api.post(f"{base}/dbschema/app/instance/pg/apply", {**PIPE, "dryRun": "nonsense"}).status == 400
