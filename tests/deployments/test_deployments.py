"""Deployments end to end on the local stack: API -> Step Functions (real ASL) -> task Lambdas ->
real databases, with every changeset's status in DynamoDB equal to DATABASECHANGELOG."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from schemashift.dbschema.services import services

from tests.support.deployments import new_base, statuses, wait_for
from tests.support.realdb import require_real_db
from tests.support.tenancy import create_db_secret, sqlite_instance, sqlite_path

CHANGELOG = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE person;

-- changeset alice:2
ALTER TABLE person ADD email VARCHAR(100);
-- rollback ALTER TABLE person DROP COLUMN email;

-- changeset bob:3
CREATE TABLE audit (id INT PRIMARY KEY, note VARCHAR(200));
-- rollback DROP TABLE audit;

-- changeset bob:4
INSERT INTO audit (id, note) VALUES (1, 'hello');
-- rollback DELETE FROM audit WHERE id = 1;
"""
PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}


def _sqlite_url(tmp_path: Path, name: str = "app") -> str:
    """A SQLite instance URL (relative to the account's directory); ``sqlite_path`` finds its file."""
    return sqlite_instance(name)[0]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def instance_url(request, tmp_path):
    """One fresh database per test on each engine (PostgreSQL/MariaDB from the CI env vars)."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    import sqlalchemy

    env = "SCHEMASHIFT_TEST_POSTGRES_URL" if request.param == "postgresql" else "SCHEMASHIFT_TEST_MYSQL_URL"
    admin_url = require_real_db(env)
    name = "ss_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sqlalchemy.engine.make_url(admin_url).set(database=name)
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        if request.param == "postgresql":
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    engine.dispose()


def _with_secret(url: str) -> tuple[str, str | None]:
    """Network databases get their credentials from Secrets Manager, never from the URL."""
    import sqlalchemy

    if url.startswith("sqlite"):
        return url, None
    parsed = sqlalchemy.engine.make_url(url)
    secret_arn = create_db_secret(parsed.username, parsed.password or "")
    return parsed.set(username=None, password=None).render_as_string(hide_password=False), secret_arn


def _setup(api, url: str, changelog: str = CHANGELOG, instances: dict[str, str] | None = None):
    base, _org, _project = new_base()
    assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
    put = api.put(f"{base}/dbschema/app/changelog", {"rootFile": "changelog.sql", "files": {"changelog.sql": changelog}})
    assert put.status == 200, put.json()
    for name, inst_url in (instances or {"main": url}).items():
        plain_url, secret_arn = _with_secret(inst_url)
        body = {"identifier": name, "name": name, "url": plain_url, "tags": {"fleet": "yes"}}
        if secret_arn:
            body["secretArn"] = secret_arn
        created = api.post(f"{base}/dbschema/app/instance", body)
        assert created.status == 201, created.json()
    return base


def _rows(url: str) -> list[tuple]:
    import sqlalchemy

    engine = sqlalchemy.create_engine(f"sqlite:///{sqlite_path(url)}" if url.startswith("sqlite") else url)
    with engine.connect() as conn:
        table = "databasechangelog" if url.startswith("postgresql") else "DATABASECHANGELOG"
        rows = conn.exec_driver_sql(f"SELECT ID, AUTHOR, EXECTYPE, TAG FROM {table} ORDER BY ORDEREXECUTED").fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def _apply(api, base, body=None, instance="main", headers=None):
    response = api.post(f"{base}/dbschema/app/instance/{instance}/apply", {**PIPE, **(body or {})}, headers=headers)
    assert response.status == 202, response.json()
    assert response.json()["status"] == "IN_PROGRESS"
    return wait_for(api, base, response.json()["executionId"])


def test_apply_tag_and_rollback(api, instance_url) -> None:
    base = _setup(api, instance_url)
    execution = _apply(api, base, {"tag": "release-1"})
    assert execution["status"] == "SUCCESS", execution["error"]
    assert execution["progress"] == {"done": 4, "total": 4}
    assert execution["preStartTag"] is None  # nothing was deployed before
    assert [r["status"] for r in execution["results"]] == ["EXECUTED"] * 4
    assert statuses(api, base, "app", "main") == {str(i): "Successfully_Deployed" for i in (1, 2, 3, 4)}
    rows = _rows(instance_url)
    assert [r[0] for r in rows] == ["1", "2", "3", "4"] and rows[-1][3] == "release-1"
    state = api.post(f"{base}/dbschema/app/migrationstate", {}).json()
    assert all(c["synced"] for c in state["changeSets"])
    assert state["changeSets"][0]["instances"][0]["planExecutionId"] == "plan-1"

    assert api.get(f"{base}/dbschema/app/instance/main").json()["lastAppliedTag"] == "release-1"
    nothing = _apply(api, base)
    assert nothing["status"] == "SUCCESS" and nothing["progress"]["total"] == 0
    assert nothing["preStartTag"] == "release-1"  # reuses the tag on the last row

    rolled = api.post(f"{base}/dbschema/app/instance/main/rollback", {**PIPE, "count": 2})
    assert rolled.status == 202
    done = wait_for(api, base, rolled.json()["executionId"])
    assert done["status"] == "SUCCESS", done["error"]
    assert statuses(api, base, "app", "main") == {"1": "Successfully_Deployed", "2": "Successfully_Deployed",
                                                   "3": "Rolled_Back", "4": "Rolled_Back"}
    assert [r[0] for r in _rows(instance_url)] == ["1", "2"]
    deployed = api.post(f"{base}/dbschema/app/instance/main/deployedState",
                        {**PIPE, "stepType": "DBSchemaApply"}).json()
    assert [d["changeSet"] for d in deployed] == ["1", "2", "3", "4"]


def test_rollback_to_tag(api, tmp_path) -> None:
    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    assert _apply(api, base, {"count": 2})["status"] == "SUCCESS"
    time.sleep(1.1)  # Liquibase tags every row of the latest DATEEXECUTED (second precision on SQLite)
    first = _apply(api, base, {"count": 1, "tag": "v1"})
    assert first["status"] == "SUCCESS" and first["progress"] == {"done": 1, "total": 1}
    second = _apply(api, base)
    assert second["status"] == "SUCCESS" and second["progress"]["done"] == 1
    assert second["preStartTag"] == "v1"
    back = api.post(f"{base}/dbschema/app/instance/main/rollback", {**PIPE, "tag": "v1"})
    done = wait_for(api, base, back.json()["executionId"])
    assert done["status"] == "SUCCESS", done["error"]
    assert [r[0] for r in _rows(url)] == ["1", "2", "3"]
    assert statuses(api, base, "app", "main")["4"] == "Rolled_Back"
    unknown = api.post(f"{base}/dbschema/app/instance/main/rollback", {**PIPE, "tag": "nope"})
    failed = wait_for(api, base, unknown.json()["executionId"])
    assert failed["status"] == "FAILURE" and "nope" in failed["error"]["message"]


def test_dry_run_changes_nothing(api, tmp_path) -> None:
    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    execution = _apply(api, base, {"dryRun": True})
    assert execution["status"] == "SUCCESS"
    assert any("CREATE TABLE person" in s for s in execution["sql"])
    assert any("DATABASECHANGELOG" in s.upper() for s in execution["sql"])
    assert statuses(api, base, "app", "main") == {str(i): "Not_Deployed" for i in (1, 2, 3, 4)}
    con = sqlite3.connect(sqlite_path(url))
    assert con.execute("SELECT name FROM sqlite_master WHERE name = 'person'").fetchall() == []


def test_failure_in_the_middle(api, instance_url) -> None:
    broken = CHANGELOG.replace("CREATE TABLE audit", "CREATE TABLE person")  # changeset 3 collides
    base = _setup(api, instance_url, broken)
    execution = _apply(api, base)
    assert execution["status"] == "FAILURE"
    assert "bob:3" in execution["error"]["message"] or "3" in json.dumps(execution["results"])
    assert statuses(api, base, "app", "main") == {"1": "Successfully_Deployed", "2": "Successfully_Deployed",
                                                   "3": "Deployment_Failed", "4": "Not_Deployed"}
    state = api.get(f"{base}/dbschema/app/dbinstance/main/migrationstate").json()
    assert state["changeSets"][2]["error"]
    assert [r[0] for r in _rows(instance_url)] == ["1", "2"]
    # the lock was released: a fixed changelog can be applied right away
    api.put(f"{base}/dbschema/app/changelog", {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}})
    again = _apply(api, base)
    assert again["status"] == "SUCCESS", again["error"]
    assert [r[0] for r in _rows(instance_url)] == ["1", "2", "3", "4"]


DATABASE_PROPERTIES = """-- liquibase formatted sql

-- changeset alice:properties
CREATE TABLE props (name VARCHAR(40), val VARCHAR(200));
INSERT INTO props VALUES ('schema', '${database.defaultSchemaName}');
INSERT INTO props VALUES ('prefix', '${database.defaultSchemaNamePrefix}');
INSERT INTO props VALUES ('version', '${database.databaseProductVersion}');
INSERT INTO props VALUES ('major', '${database.databaseMajorVersion}');
INSERT INTO props VALUES ('type', '${database.typeName}');
INSERT INTO props VALUES ('changelog', '${database.databaseChangeLogTableName}');
"""


def test_deployments_define_the_live_database_properties(api, instance_url) -> None:
    """A deployment reads the changelog for the open instance, so ``database.defaultSchemaName``,
    ``databaseProductVersion`` and the others that need the connection are defined, as in the CLI and
    in Liquibase (not only those the dialect fixes)."""
    import sqlalchemy

    base = _setup(api, instance_url, DATABASE_PROPERTIES)
    execution = _apply(api, base)
    assert execution["status"] == "SUCCESS", execution["error"]
    url = f"sqlite:///{sqlite_path(instance_url)}" if instance_url.startswith("sqlite") else instance_url
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        found = dict(conn.exec_driver_sql("SELECT name, val FROM props").fetchall())
        if instance_url.startswith("postgresql"):
            schema, version = "public", conn.exec_driver_sql("SHOW server_version").scalar()
        elif instance_url.startswith("sqlite"):
            schema, version = None, conn.exec_driver_sql("SELECT sqlite_version()").scalar()
        else:
            schema, version = conn.exec_driver_sql("SELECT DATABASE()").scalar(), conn.exec_driver_sql(
                "SELECT VERSION()").scalar()
    engine.dispose()
    assert found["version"] == version and found["major"] == version.split(".")[0]
    assert found["schema"] == (schema or "${database.defaultSchemaName}")  # SQLite has none: left as written
    assert found["prefix"] == (f".{schema}" if schema else "")
    assert found["type"] == {"postgresql": "postgresql", "sqlite": "sqlite"}.get(instance_url.split(":")[0], "mariadb")
    assert found["changelog"].upper() == "DATABASECHANGELOG"


@pytest.mark.parametrize("fault", ["deployment.before_checkpoint", "deployment.after_checkpoint"])
def test_worker_crash_then_rerun_applies_each_changeset_once(api, tmp_path, fault) -> None:
    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    os.environ["SCHEMASHIFT_FAULTS"] = json.dumps({fault: 3})  # outlasts the state machine's retries
    try:
        crashed = _apply(api, base)
    finally:
        os.environ.pop("SCHEMASHIFT_FAULTS", None)
    assert crashed["status"] == "FAILURE"
    assert len(_rows(url)) >= 1
    rerun = _apply(api, base)
    assert rerun["status"] == "SUCCESS", rerun["error"]
    rows = _rows(url)
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    assert all(r[2] == "EXECUTED" for r in rows)
    assert statuses(api, base, "app", "main") == {str(i): "Successfully_Deployed" for i in (1, 2, 3, 4)}
    con = sqlite3.connect(sqlite_path(url))
    assert con.execute("SELECT COUNT(*) FROM audit").fetchone() == (1,)  # the INSERT ran exactly once


def test_crash_before_a_changeset_is_retried_by_the_state_machine(api, tmp_path) -> None:
    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    os.environ["SCHEMASHIFT_FAULTS"] = json.dumps({"deployment.before_checkpoint": 1})
    try:
        execution = _apply(api, base)
    finally:
        os.environ.pop("SCHEMASHIFT_FAULTS", None)
    assert execution["status"] == "SUCCESS", execution["error"]
    assert [r[0] for r in _rows(url)] == ["1", "2", "3", "4"]
    assert statuses(api, base, "app", "main") == {str(i): "Successfully_Deployed" for i in (1, 2, 3, 4)}


def test_concurrent_applies_and_stale_lock(api, stack, tmp_path) -> None:
    from schemashift.dbschema.locks import acquire_lock
    from schemashift.dbschema.tenancy import Tenant

    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    tenant = Tenant("local", base.split("/")[3], base.split("/")[5])
    assert acquire_lock(services(), tenant, "app", "main", owner="someone-else", lease_seconds=60)
    refused = api.post(f"{base}/dbschema/app/instance/main/apply", PIPE)
    assert refused.status == 409 and "already running" in refused.json()["message"]
    # the holder crashes: its lease runs out, and the next run takes the lock over
    assert acquire_lock(services(), tenant, "app", "main", owner="someone-else", lease_seconds=-1) is not None
    execution = _apply(api, base)
    assert execution["status"] == "SUCCESS", execution["error"]


def test_idempotency_key_never_starts_a_second_run(api, tmp_path) -> None:
    base = _setup(api, _sqlite_url(tmp_path))
    headers = {"Idempotency-Key": "pipeline-run-42"}
    first = api.post(f"{base}/dbschema/app/instance/main/apply", PIPE, headers=headers)
    second = api.post(f"{base}/dbschema/app/instance/main/apply", PIPE, headers=headers)
    assert first.status == second.status == 202
    assert first.json()["executionId"] == second.json()["executionId"]
    wait_for(api, base, first.json()["executionId"])
    other_body = api.post(f"{base}/dbschema/app/instance/main/apply", {**PIPE, "count": 1}, headers=headers)
    assert other_body.status == 409
    # the invocation's context was registered: a start cut off mid-call blocks its key only for the
    # invocation's remaining time, not for the whole record lifetime
    from schemashift.aws import dynamodb_table
    from schemashift.settings import get_settings

    records = dynamodb_table(get_settings().idempotency_table).scan()["Items"]  # test-only read
    assert records and all("in_progress_expiration" in record for record in records), records


def test_fleet_apply_with_one_failing_instance(api, tmp_path) -> None:
    instances = {f"db{i:02d}": _sqlite_url(tmp_path, f"db{i:02d}") for i in range(10)}
    con = sqlite3.connect(sqlite_path(instances["db04"]))
    con.execute("CREATE TABLE audit (x INT)")  # makes changeset 3 fail on db04
    con.commit()
    base = _setup(api, "", instances=instances)
    response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "tags": {"fleet": "yes"}, "maxConcurrency": 3,
                                                      "maxFailures": 5})
    assert response.status == 202, response.json()
    fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert fleet["status"] == "FAILURE"
    by_instance = {i["instance"]: i["status"] for i in fleet["instances"]}
    assert by_instance.pop("db04") == "FAILURE"
    assert set(by_instance.values()) == {"SUCCESS"}
    assert fleet["summary"] == {"SUCCESS": 9, "FAILURE": 1}
    state = api.post(f"{base}/dbschema/app/migrationstate", {}).json()
    first = state["changeSets"][0]
    assert first["synced"] is True
    third = state["changeSets"][2]
    assert third["synced"] is False
    assert {i["instance"]: i["status"] for i in third["instances"]}["db04"] == "Deployment_Failed"


def test_fleet_stops_starting_instances_after_max_failures(api, tmp_path) -> None:
    instances = {f"db{i}": _sqlite_url(tmp_path, f"db{i}") for i in range(4)}
    for name in instances:  # every instance fails
        con = sqlite3.connect(sqlite_path(instances[name]))
        con.execute("CREATE TABLE person (x INT)")
        con.commit()
    base = _setup(api, "", instances=instances)
    response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "maxConcurrency": 1, "maxFailures": 0})
    fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert fleet["summary"] == {"FAILURE": 1, "CANCELLED": 3}


def test_pipeline_event_starts_a_deployment(api, stack, tmp_path) -> None:
    from schemashift.aws import client
    from schemashift.settings import get_settings

    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    org, project = base.split("/")[3], base.split("/")[5]
    detail = {**PIPE, "account": "local", "org": org, "project": project, "dbschema": "app", "dbinstance": "main"}
    client("events").put_events(Entries=[{"Source": "ci", "DetailType": "DbSchemaApplyRequested",
                                          "Detail": json.dumps(detail), "EventBusName": get_settings().event_bus}])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and statuses(api, base, "app", "main")["4"] != "Successfully_Deployed":
        time.sleep(0.1)
    assert statuses(api, base, "app", "main") == {str(i): "Successfully_Deployed" for i in (1, 2, 3, 4)}
    assert [r[0] for r in _rows(url)] == ["1", "2", "3", "4"]
    run = api.post(f"{base}/dbschema/app/instance/main/deployedState", PIPE).json()
    assert [r["changeSet"] for r in run] == ["1", "2", "3", "4"]


def test_sync_adopts_external_changes_and_reports_drift(api, tmp_path) -> None:
    url = _sqlite_url(tmp_path)
    base = _setup(api, url)
    assert _apply(api, base, {"count": 2})["status"] == "SUCCESS"
    con = sqlite3.connect(sqlite_path(url))
    # another tool ran changeset 3 and something unknown; and changeset 1's row has a stale checksum
    con.execute("INSERT INTO DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, EXECTYPE, MD5SUM) "
                "VALUES ('3', 'bob', 'changelog.sql', '2026-01-01 00:00:00', 3, 'EXECUTED', NULL)")
    con.execute("INSERT INTO DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, EXECTYPE) "
                "VALUES ('x', 'eve', 'other.sql', '2026-01-01 00:00:00', 4, 'EXECUTED')")
    con.execute("UPDATE DATABASECHANGELOG SET MD5SUM = '9:00000000000000000000000000000000' WHERE ID = '1'")
    con.commit()
    report = api.post(f"{base}/dbschema/app/instance/main/sync")
    assert report.status == 200, report.json()
    body = report.json()
    assert body["adopted"] == ["changelog.sql::3::bob"]
    assert body["unknownRows"] == ["other.sql::x::eve"]
    assert [m["changeSetFQN"] for m in body["checksumMismatches"]] == ["changelog.sql::1::alice"]
    assert statuses(api, base, "app", "main")["3"] == "Successfully_Deployed"


def test_pipeline_requests_that_cannot_start_are_rejected_with_a_reason(api, stack, tmp_path) -> None:
    """Another account's schema, and a detail without its instance, answer ``DbSchemaApplyRejected``."""
    from schemashift.aws import client
    from schemashift.local import bus_log
    from schemashift.settings import get_settings

    base = _setup(api, _sqlite_url(tmp_path))
    org, project = base.split("/")[3], base.split("/")[5]
    detail = {**PIPE, "org": org, "project": project, "dbschema": "app", "dbinstance": "main"}
    outsider = {**detail, "account": "someone-else", "stageExecutionId": f"s-{uuid.uuid4().hex[:8]}"}
    no_instance = {**detail, "account": "local", "dbinstance": "", "stageExecutionId": f"s-{uuid.uuid4().hex[:8]}"}
    entries = [{"Source": "ci", "DetailType": kind, "Detail": json.dumps(body), "EventBusName": get_settings().event_bus}
               for kind, body in (("DbSchemaApplyRequested", outsider), ("DbSchemaRollbackRequested", no_instance))]
    client("events").put_events(Entries=entries)
    home = Path(os.environ["SCHEMASHIFT_HOME"])
    deadline, answers = time.monotonic() + 30, {}
    while time.monotonic() < deadline and len(answers) < 2:
        answers = {e["detail"]["stageExecutionId"]: e for e in bus_log.read(home, last=500)
                   if e["detail-type"].endswith("Rejected")
                   and e["detail"].get("stageExecutionId") in (outsider["stageExecutionId"],
                                                                no_instance["stageExecutionId"])}
        time.sleep(0.1)
    first, second = answers[outsider["stageExecutionId"]], answers[no_instance["stageExecutionId"]]
    assert first["detail-type"] == "DbSchemaApplyRejected" and first["source"] == "schemashift"
    assert first["detail"]["status"] == "REJECTED" and first["detail"]["account"] == "someone-else"
    assert first["detail"]["error"]["code"] == "NOT_FOUND" and "app" in first["detail"]["reason"]
    assert second["detail-type"] == "DbSchemaRollbackRejected"
    assert second["detail"]["reason"] == "event detail lacks dbinstance"
    failed = [e for e in bus_log.read(home, last=500) if e["detail-type"] == "DbSchemaDeploymentFailed"
              and e["detail"].get("stageExecutionId") == outsider["stageExecutionId"]]
    assert [e["detail"] for e in failed] == [first["detail"]]  # listeners of the completions hear it too


COMMAND_CHANGELOG = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <changeSet id="1" author="alice">
    <createTable tableName="person"><column name="id" type="int"/></createTable>
  </changeSet>
  <changeSet id="windows-only" author="alice">
    <executeCommand executable="ping.exe" os="Windows 10"><arg value="127.0.0.1"/></executeCommand>
  </changeSet>
  <changeSet id="touch" author="alice">
    <executeCommand executable="/bin/touch"><arg value="{marker}"/></executeCommand>
  </changeSet>
</databaseChangeLog>
"""


def test_the_service_refuses_an_execute_command_that_would_run(api, tmp_path) -> None:
    """The service runs no operating-system commands: the deployment fails before any changeset,
    naming the changeset and what to do; one for another operating system is a no-op, as in Liquibase."""
    url = _sqlite_url(tmp_path)
    marker = tmp_path / "touched"
    base = _setup(api, url)
    files = {"changelog.xml": COMMAND_CHANGELOG.format(marker=marker)}
    put = api.put(f"{base}/dbschema/app/changelog", {"rootFile": "changelog.xml", "files": files})
    assert put.status == 200, put.json()
    execution = _apply(api, base)
    assert execution["status"] == "FAILURE"
    message = execution["error"]["message"]
    assert "changelog.xml::touch::alice" in message and "executeCommand (/bin/touch) is refused" in message
    assert "changelog-sync" in message and "windows-only" not in message
    assert not marker.exists()
    assert _rows(url) == []  # refused before anything ran

    files = {"changelog.xml": COMMAND_CHANGELOG.split("  <changeSet id=\"touch\"")[0] + "</databaseChangeLog>\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"rootFile": "changelog.xml", "files": files}).status == 200
    execution = _apply(api, base)
    assert execution["status"] == "SUCCESS", execution["error"]
    assert [row[:3] for row in _rows(url)] == [("1", "alice", "EXECUTED"), ("windows-only", "alice", "EXECUTED")]
