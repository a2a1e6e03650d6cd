"""Flyway schemas end to end on the local stack: the same ApplyChangesets / Rollback / FleetApply state
machines and execution records as Liquibase schemas, against SQLite, PostgreSQL and MariaDB, with
``flyway_schema_history`` as Flyway writes it."""

from __future__ import annotations

import json
import time

import sqlalchemy
from schemashift.flyway import flyway_checksum

from tests.deployments.test_deployments import _with_secret, instance_url  # noqa: F401  (the per-engine fixture)
from tests.flyway.test_commands import FLYWAY_COLUMNS, _column_types
from tests.support.deployments import new_base, wait_for
from tests.support.tenancy import sqlite_path

PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}
TOML = '[flyway]\nlocations = ["filesystem:sql"]\n'
V1 = "CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));\n"
V1_9 = "  CREATE TABLE audit (id INT PRIMARY KEY, note VARCHAR(200));  \r\n"  # kept byte for byte: checksum
U1_9 = "DROP TABLE audit;\n"
V1_10 = "CREATE TABLE orders (id INT PRIMARY KEY, person_id INT);\n"
U1_10 = "DROP TABLE orders;\n"
R_VIEW = "CREATE OR REPLACE VIEW person_names AS SELECT name FROM person;\n"
R_VIEW_SQLITE = "DROP VIEW IF EXISTS person_names;\nCREATE VIEW person_names AS SELECT name FROM person;\n"


def _files(url: str, **extra: str) -> dict[str, str]:
    files = {"flyway.toml": TOML, "sql/V1__create_person.sql": V1, "sql/V1_9__audit.sql": V1_9,
             "sql/U1_9__audit.sql": U1_9, "sql/V1_10__orders.sql": V1_10, "sql/U1_10__orders.sql": U1_10,
             "sql/R__person_names.sql": R_VIEW_SQLITE if url.startswith("sqlite") else R_VIEW}
    return {**files, **extra}


def _setup(api, url: str, files: dict[str, str]) -> str:
    base, _org, _project = new_base()
    created = api.post(f"{base}/dbschema", {"identifier": "app", "name": "App", "migrationType": "Flyway"})
    assert created.status == 201 and created.json()["migrationType"] == "Flyway", created.json()
    put = api.put(f"{base}/dbschema/app/changelog", {"files": files})
    assert put.status == 200, put.json()
    plain_url, secret_arn = _with_secret(url)
    body = {"identifier": "main", "name": "main", "url": plain_url, **({"secretArn": secret_arn} if secret_arn else {})}
    assert api.post(f"{base}/dbschema/app/instance", body).status == 201
    return base


def _engine(url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(f"sqlite:///{sqlite_path(url)}" if url.startswith("sqlite") else url)


def _history(url: str) -> list[tuple]:
    engine = _engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT installed_rank, version, description, type, script, checksum, success "
            "FROM flyway_schema_history ORDER BY installed_rank").fetchall()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]


def _history_columns(url: str) -> dict[str, str]:
    from schemashift.flyway.history import SchemaHistory
    from schemashift.targets import open_target

    with open_target(f"sqlite:///{sqlite_path(url)}" if url.startswith("sqlite") else url) as target:
        return _column_types(target, SchemaHistory(target).schema)


def _start(api, base: str, action: str, body: dict | None = None) -> dict:
    response = api.post(f"{base}/dbschema/app/instance/main/{action}", {**PIPE, **(body or {})})
    assert response.status == 202, (action, response.json())
    return wait_for(api, base, response.json()["executionId"])


def _statuses(api, base: str) -> dict[str, str]:
    body = api.get(f"{base}/dbschema/app/dbinstance/main/flyway/migrationstate", params={"limit": 100}).json()
    return {m["version"] or m["description"]: m["status"] for m in body["migrations"]}


def test_migrate_undo_repeatable_and_history(api, instance_url) -> None:  # noqa: F811
    files = _files(instance_url)
    base = _setup(api, instance_url, files)
    applied = _start(api, base, "apply")
    assert applied["status"] == "SUCCESS", applied["error"]
    assert applied["progress"] == {"done": 4, "total": 4}
    assert [r["changeSetFQN"] for r in applied["results"]] == [
        "V1__create_person.sql::1::flyway", "V1_9__audit.sql::1.9::flyway", "V1_10__orders.sql::1.10::flyway",
        "R__person_names.sql::R:person names::flyway"]
    assert [r["status"] for r in applied["results"]] == ["EXECUTED"] * 4
    history = _history(instance_url)
    assert [h[:5] for h in history] == [
        (1, "1", "create person", "SQL", "V1__create_person.sql"), (2, "1.9", "audit", "SQL", "V1_9__audit.sql"),
        (3, "1.10", "orders", "SQL", "V1_10__orders.sql"), (4, None, "person names", "SQL", "R__person_names.sql")]
    assert [h[5] for h in history[:3]] == [flyway_checksum(t) for t in (V1, V1_9, V1_10)]
    assert all(h[6] for h in history)
    assert _history_columns(instance_url) == FLYWAY_COLUMNS[instance_url.split(":")[0].split("+")[0].replace(
        "mysql", "mariadb")]  # the table Flyway's own create script makes
    assert _statuses(api, base) == {"1": "Successfully_Deployed", "1.9": "Successfully_Deployed",
                                    "1.10": "Successfully_Deployed", "person names": "Successfully_Deployed"}
    one = api.get(f"{base}/dbschema/app/dbinstance/main/flyway/migrationstate").json()["migrations"][0]
    assert (one["pipelineIdentifier"], one["pipelineExecutionId"], one["stageExecutionId"]) == (
        "deploy", "plan-1", "stage-1") and one["deployedAt"]

    # nothing pending: a second apply runs nothing; a changed repeatable re-runs alone
    assert _start(api, base, "apply")["progress"] == {"done": 0, "total": 0}
    changed = {**files, "sql/R__person_names.sql": files["sql/R__person_names.sql"].replace("SELECT name",
                                                                                           "SELECT name, id")}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": changed}).status == 200
    rerun = _start(api, base, "apply")
    assert rerun["status"] == "SUCCESS", rerun["error"]
    assert [r["changeSetFQN"] for r in rerun["results"]] == ["R__person_names.sql::R:person names::flyway"]
    assert [h[1:4] for h in _history(instance_url)][-1] == (None, "person names", "SQL")

    # undo by count, then to a version
    undo = _start(api, base, "rollback", {"count": 1})
    assert undo["status"] == "SUCCESS", undo["error"]
    assert [(r["changeSetFQN"], r["status"]) for r in undo["results"]] == [
        ("V1_10__orders.sql::1.10::flyway", "ROLLED_BACK")]
    assert _history(instance_url)[-1][1:5] == ("1.10", "orders", "UNDO_SQL", "U1_10__orders.sql")
    assert _statuses(api, base)["1.10"] == "Rolled_Back"
    again = _start(api, base, "apply", {"targetVersion": "1.10"})
    assert again["status"] == "SUCCESS" and again["progress"]["done"] == 1, again
    down = _start(api, base, "rollback", {"targetVersion": "1.9"})
    assert down["status"] == "SUCCESS" and down["progress"] == {"done": 2, "total": 2}, down
    assert [h[3] for h in _history(instance_url)][-2:] == ["UNDO_SQL", "UNDO_SQL"]
    statuses = _statuses(api, base)
    assert (statuses["1"], statuses["1.9"], statuses["1.10"]) == ("Successfully_Deployed", "Rolled_Back",
                                                                   "Rolled_Back")
    # no undo script for version 1: refused with Flyway's message, nothing changed
    rows = len(_history(instance_url))
    refused = _start(api, base, "rollback", {"count": 1})
    assert refused["status"] == "FAILURE" and "no corresponding undo migration" in refused["error"]["message"]
    assert len(_history(instance_url)) == rows


def _exec(url: str, *statements: str) -> None:
    engine = _engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def _repair(url: str, files: dict[str, str]) -> dict:
    """``schemashift flyway repair`` as a user runs it against the database (the engine, no service)."""
    from schemashift.flyway import Flyway, load_config
    from schemashift.targets import open_target

    target_url = f"sqlite:///{sqlite_path(url)}" if url.startswith("sqlite") else url
    with open_target(target_url) as target:
        return Flyway(target, files, load_config(files)).repair().as_dict()


def test_out_of_order_validate_repair_and_failure(api, instance_url) -> None:  # noqa: F811
    files = _files(instance_url)
    base = _setup(api, instance_url, files)
    assert _start(api, base, "apply")["status"] == "SUCCESS"

    # a version lower than the current one: refused by validate (Flyway's message) unless outOfOrder
    late = {**files, "sql/V1_5__late.sql": "CREATE TABLE late (id INT);\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": late}).status == 200
    refused = _start(api, base, "apply")
    assert refused["status"] == "FAILURE"
    assert "Detected resolved migration not applied to database: 1.5" in refused["error"]["message"]
    assert _statuses(api, base)["1.5"] == "Not_Deployed"
    ordered = {**late, "flyway.toml": TOML + "outOfOrder = true\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": ordered}).status == 200
    out_of_order = _start(api, base, "apply")
    assert out_of_order["status"] == "SUCCESS", out_of_order["error"]
    assert [r["changeSetFQN"] for r in out_of_order["results"]] == ["V1_5__late.sql::1.5::flyway"]
    assert _history(instance_url)[-1][:4] == (5, "1.5", "late", "SQL")

    # a versioned script changed after it ran: sync reports it, apply refuses with Flyway's message
    edited = {**ordered, "sql/V1__create_person.sql": V1.replace("VARCHAR(50)", "VARCHAR(60)")}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": edited}).status == 200
    sync = api.post(f"{base}/dbschema/app/instance/main/sync").json()
    assert sync["checksumMismatches"] == [{"changeSetFQN": "V1__create_person.sql::1::flyway",
                                           "stored": str(flyway_checksum(V1)),
                                           "current": str(flyway_checksum(edited["sql/V1__create_person.sql"]))}]
    assert sync["inSync"] is False and sync["schemaVersion"] == "1.10"
    mismatch = _start(api, base, "apply")
    assert mismatch["status"] == "FAILURE" and "Migration checksum mismatch for migration version 1" in \
        mismatch["error"]["message"]
    repaired = _repair(instance_url, edited)
    assert repaired["repairActions"] == ["ALIGNED APPLIED MIGRATION CHECKSUMS"]
    assert _history(instance_url)[0][5] == flyway_checksum(edited["sql/V1__create_person.sql"])
    assert api.post(f"{base}/dbschema/app/instance/main/sync").json()["inSync"] is True

    # a failing migration: Deployment_Failed with the pipeline ids, the history as Flyway leaves it
    broken = {**edited, "sql/V2__broken.sql": "CREATE TABLE person (id INT);\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": broken}).status == 200
    failed = _start(api, base, "apply")
    assert failed["status"] == "FAILURE"
    assert failed["results"][-1]["changeSetFQN"] == "V2__broken.sql::2::flyway"
    assert failed["results"][-1]["status"] == "FAILED"
    state = api.get(f"{base}/dbschema/app/dbinstance/main/flyway/migrationstate", params={"limit": 100}).json()
    v2 = next(m for m in state["migrations"] if m["version"] == "2")
    assert v2["status"] == "Deployment_Failed" and v2["pipelineExecutionId"] == "plan-1" and v2["error"]
    mysql = instance_url.startswith("mysql")
    assert [h[1] for h in _history(instance_url)][-1] == ("2" if mysql else "1.5")  # MariaDB: a success=0 row
    if mysql:
        assert _history(instance_url)[-1][6] is False
        assert _repair(instance_url, edited)["repairActions"] == ["REMOVED FAILED MIGRATIONS"]


def test_baseline_of_an_existing_database(api, instance_url) -> None:  # noqa: F811
    _exec(instance_url, "CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50))")
    files = _files(instance_url)
    base = _setup(api, instance_url, files)
    refused = _start(api, base, "apply")
    assert refused["status"] == "FAILURE" and "Found non-empty schema(s)" in refused["error"]["message"]
    baselined = {**files, "flyway.toml": TOML + "baselineOnMigrate = true\nbaselineVersion = \"1\"\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": baselined}).status == 200
    applied = _start(api, base, "apply")
    assert applied["status"] == "SUCCESS", applied["error"]
    history = _history(instance_url)
    assert history[0][:5] == (1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>")
    assert [h[1] for h in history[1:]] == ["1.9", "1.10", None]
    statuses = _statuses(api, base)
    assert statuses["1"] == "Not_Deployed" and statuses["1.9"] == statuses["1.10"] == "Successfully_Deployed"


def test_fleet_pipeline_event_and_migrationscripts(api, stack, tmp_path) -> None:
    from schemashift.aws import client
    from schemashift.settings import get_settings

    from tests.support.tenancy import sqlite_instance

    url = sqlite_instance("one")[0]
    files = _files(url)
    base = _setup(api, url, files)
    org, project = base.split("/")[3], base.split("/")[5]
    assert api.post(f"{base}/dbschema/app/instance", {"identifier": "two", "name": "two",
                                                      "url": sqlite_instance("two")[0]}).status == 201
    fleet = api.post(f"{base}/dbschema/app/apply", {**PIPE, "targetVersion": "1.9"})
    assert fleet.status == 202, fleet.json()
    done = wait_for(api, base, fleet.json()["executionId"])
    assert done["status"] == "SUCCESS", done
    state = api.post(f"{base}/dbschema/app/flyway/migrationstate", {}).json()
    assert [i["identifier"] for i in state["instances"]] == ["main", "two"]
    by_version = {m["version"]: m for m in state["migrations"]}
    assert by_version["1.9"]["synced"] and not by_version["1.10"]["synced"]
    assert [e["status"] for e in by_version["1.10"]["instances"]] == ["Not_Deployed", "Not_Deployed"]

    # a pipeline asks by event: undo on one instance, then the scripts that step ran
    detail = {"account": "local", "org": org, "project": project, "dbschema": "app", "dbinstance": "two",
              "pipeline": "deploy", "planExecutionId": "plan-2", "stageExecutionId": "stage-9", "count": 1}
    client("events").put_events(Entries=[{"Source": "ci", "DetailType": "DbSchemaRollbackRequested",
                                          "Detail": json.dumps(detail), "EventBusName": get_settings().event_bus}])
    step = {"orgIdentifier": org, "projectIdentifier": project, "dbSchema": "app", "dbInstance": "two",
            "pipelineExecutionId": "plan-2", "command": "Undo"}
    for _ in range(600):
        scripts = api.get("/v1/step/flyway/migrationscripts", params=step).json()
        if scripts["data"]:
            break
        time.sleep(0.1)
    assert scripts["data"] == [U1_9] and scripts["scripts"][0]["script"] == "U1_9__audit.sql"
    assert api.get("/v1/step/flyway/migrationscripts", params={**step, "command": "Migrate"}).json()["data"] == []
    applied = api.get("/v1/step/flyway/migrationscripts", params={**step, "pipelineExecutionId": "plan-1",
                                                                  "command": "Migrate"}).json()
    assert applied["data"] == [V1, V1_9, files["sql/R__person_names.sql"]]  # repeatables run whatever the target


NO_DROPS = """package db_sql

deny[msg] {
  finding := input.lintFindings[_]
  finding.category == "destructive"
  msg := sprintf("%s: %s", [finding.rule, finding.changeSetFQN])
}
"""


def test_policy_gate_lints_pending_flyway_scripts(api, tmp_path) -> None:
    from tests.support.tenancy import sqlite_instance

    url = sqlite_instance("gate")[0]
    files = {"flyway.toml": "[flyway]\n", "V1__t.sql": "CREATE TABLE t (id INT, note VARCHAR(10));\n",
             "V2__drop_note.sql": "ALTER TABLE t DROP COLUMN note;\n"}
    base = _setup(api, url, files)
    assert api.put(f"{base}/policies/no_drops", {"rego": NO_DROPS}).status == 201
    denied = _start(api, base, "apply")
    assert denied["status"] == "FAILURE" and denied["error"]["code"] == "PolicyDenied", denied
    assert "V2__drop_note.sql::2::flyway" in denied["error"]["message"]
    assert denied["progress"]["done"] == 0
    assert not _engine(url).connect().exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE name = 'flyway_schema_history'").fetchall()
    # up to version 1 only the CREATE is pending: the gate lets it through
    assert _start(api, base, "apply", {"targetVersion": "1"})["status"] == "SUCCESS"
    assert [h[1] for h in _history(url)] == ["1"]


def test_worker_crash_after_a_migration_committed_is_recovered_once(api, tmp_path) -> None:
    import os

    from tests.support.tenancy import sqlite_instance

    url = sqlite_instance("crash")[0]
    files = _files(url, **{"sql/V1_11__seed.sql": "INSERT INTO person (id, name) VALUES (1, 'ada');\n"})
    base = _setup(api, url, files)
    os.environ["SCHEMASHIFT_FAULTS"] = json.dumps({"deployment.before_checkpoint": 3})  # outlasts the retries
    try:
        crashed = _start(api, base, "apply")
    finally:
        os.environ.pop("SCHEMASHIFT_FAULTS", None)
    assert crashed["status"] == "FAILURE"
    committed = len(_history(url))
    assert committed >= 1  # each retried batch committed one more migration whose checkpoint never landed
    rerun = _start(api, base, "apply")
    assert rerun["status"] == "SUCCESS", rerun["error"]
    assert [r["status"] for r in rerun["results"]] == ["EXECUTED"] * (5 - committed)  # the rest, once
    assert "RECOVERED" in [r["status"] for r in crashed["results"]] or committed == 1  # retries adopted theirs
    assert [h[1] for h in _history(url)] == ["1", "1.9", "1.10", "1.11", None]
    assert set(_statuses(api, base).values()) == {"Successfully_Deployed"}
    with _engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM person").fetchone() == (1,)  # the seed ran once


def test_instance_properties_are_flyway_placeholders(api, tmp_path) -> None:
    from tests.support.tenancy import sqlite_instance

    url = sqlite_instance("placeholders")[0]
    files = {"flyway.toml": '[flyway]\n[flyway.placeholders]\ncurrency = "EUR"\n',
             "V1__t.sql": "CREATE TABLE t (c VARCHAR(3) DEFAULT '${currency}', owner VARCHAR(20) DEFAULT '${team}');\n"}
    base = _setup(api, url, files)
    missing = _start(api, base, "apply")
    assert missing["status"] == "FAILURE" and "No value provided for placeholder: ${team}" in missing["error"]["message"]
    assert api.put(f"{base}/dbschema/app/instance/main", {"substituteProperties": {"currency": "USD",
                                                                                   "team": "payments"}}).status == 200
    assert _start(api, base, "apply")["status"] == "SUCCESS"
    _exec(url, "INSERT INTO t DEFAULT VALUES")
    with _engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT c, owner FROM t").fetchall() == [("USD", "payments")]
    assert _history(url)[0][5] == flyway_checksum(files["V1__t.sql"])  # checksum of the script as written
