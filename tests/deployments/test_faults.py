"""Faults at the AWS edge during ApplyChangesets and FleetApply (real ASL through moto's Step
Functions): DynamoDB throttling, S3 500s, each task Lambda crashing before or after its work, a
database connection killed mid-changeset. Every run retries to success or fails cleanly, and
afterwards DynamoDB (execution, per-changeset state, instance lock) and DATABASECHANGELOG agree."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest

from tests.deployments.test_deployments import PIPE, _apply, _rows, _setup
from tests.support.deployments import statuses, wait_for
from tests.support.faults import aws_errors, lambda_crashes
from tests.support.realdb import require_real_db
from tests.support.tenancy import sqlite_instance, sqlite_path

APPLY_TASKS = ["DeploymentPolicyFunction", "DeploymentStartFunction", "DeploymentBatchFunction",
               "DeploymentFinishFunction"]
FLEET_TASKS = ["FleetGateFunction", "DeploymentStartFunction", "DeploymentBatchFunction", "DeploymentFinishFunction",
               "FleetFinishFunction"]
ALL_DEPLOYED = {str(i): "Successfully_Deployed" for i in (1, 2, 3, 4)}


def _consistent(api, base: str, url: str, instance: str = "main") -> None:
    """DATABASECHANGELOG holds each changeset once, DynamoDB says the same, the INSERT ran once, and
    the instance is free again."""
    rows = _rows(url)
    assert [r[0] for r in rows] == ["1", "2", "3", "4"], rows
    assert all(r[2] == "EXECUTED" for r in rows), rows
    assert statuses(api, base, "app", instance) == ALL_DEPLOYED
    con = sqlite3.connect(sqlite_path(url))
    assert con.execute("SELECT COUNT(*) FROM audit").fetchone() == (1,)
    con.close()
    again = api.post(f"{base}/dbschema/app/instance/{instance}/apply", PIPE)  # no lock was left behind
    assert again.status == 202, again.json()
    assert wait_for(api, base, again.json()["executionId"])["status"] == "SUCCESS"


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("function", APPLY_TASKS)
def test_apply_survives_a_task_lambda_crash(api, stack, function: str, when: str) -> None:
    url = sqlite_instance()[0]
    base = _setup(api, url)
    with lambda_crashes(stack, function, when=when) as seen:
        done = _apply(api, base)
    assert seen["crashed"] == 1, f"{function} was never invoked"
    assert done["status"] == "SUCCESS", (function, when, done["error"])
    assert done["progress"]["done"] == 4
    _consistent(api, base, url)


def test_apply_whose_worker_keeps_crashing_fails_cleanly(api, stack) -> None:
    url = sqlite_instance()[0]
    base = _setup(api, url)
    with lambda_crashes(stack, "DeploymentBatchFunction", when="before", times=10) as seen:
        done = _apply(api, base)
    assert seen["crashed"] == 3  # the first try and the ASL's two retries
    assert done["status"] == "FAILURE" and done["error"]["code"] == "Runtime.ExitError", done["error"]
    con = sqlite3.connect(sqlite_path(url))
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert "DATABASECHANGELOG" not in tables or _rows(url) == [], tables  # nothing ran
    assert set(statuses(api, base, "app", "main").values()) == {"Not_Deployed"}
    rerun = _apply(api, base)  # failing cleanly freed the instance
    assert rerun["status"] == "SUCCESS", rerun["error"]
    _consistent(api, base, url)


@pytest.mark.parametrize("service", ["dynamodb", "s3"])
def test_apply_rides_out_throttling_and_server_errors(api, stack, service: str) -> None:
    url = sqlite_instance()[0]
    base = _setup(api, url)
    with aws_errors(service, every=1 if service == "s3" else 3) as seen:
        done = _apply(api, base)
    assert seen["injected"] >= (1 if service == "s3" else 10), seen
    assert done["status"] == "SUCCESS", done["error"]
    _consistent(api, base, url)


@pytest.mark.parametrize("function", FLEET_TASKS)
def test_fleet_apply_survives_a_task_lambda_crash(api, stack, function: str) -> None:
    instances = {f"db{i}": sqlite_instance(f"db{i}")[0] for i in range(3)}
    base = _setup(api, "", instances=instances)
    with lambda_crashes(stack, function, when="after") as seen:
        response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "maxConcurrency": 2})
        assert response.status == 202, response.json()
        fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert seen["crashed"] == 1
    assert fleet["status"] == "SUCCESS", (function, fleet.get("error"), fleet["instances"])
    assert fleet["summary"] == {"SUCCESS": 3}
    for name, url in instances.items():
        rows = _rows(url)
        assert [r[0] for r in rows] == ["1", "2", "3", "4"], (name, rows)
        assert statuses(api, base, "app", name) == ALL_DEPLOYED


def test_fleet_apply_rides_out_dynamodb_throttling(api, stack) -> None:
    instances = {f"db{i}": sqlite_instance(f"db{i}")[0] for i in range(3)}
    base = _setup(api, "", instances=instances)
    with aws_errors("dynamodb", every=3) as seen:
        response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "maxConcurrency": 3})
        fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert seen["injected"] >= 10, seen
    assert fleet["status"] == "SUCCESS" and fleet["summary"] == {"SUCCESS": 3}, fleet
    assert fleet["progress"] == {"done": 3, "total": 3}, (fleet["progress"], seen)
    for name in instances:
        assert statuses(api, base, "app", name) == ALL_DEPLOYED


SLOW = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));

-- changeset alice:2
INSERT INTO person (id, name) SELECT 1, 'a' FROM (SELECT pg_sleep(4)) AS slow;

-- changeset alice:3
INSERT INTO person (id, name) VALUES (2, 'b');
"""


@pytest.fixture
def postgres_url():
    import sqlalchemy

    admin_url = require_real_db("SCHEMASHIFT_TEST_POSTGRES_URL")
    name = "ss_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sqlalchemy.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), engine, name
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


def test_a_database_connection_dropped_mid_changeset(api, postgres_url) -> None:
    url, admin, name = postgres_url
    base = _setup(api, url, SLOW)
    killed: list[int] = []

    def kill_the_slow_changeset() -> None:
        deadline = time.monotonic() + 60
        with admin.connect() as conn:
            while time.monotonic() < deadline and not killed:
                pids = [r[0] for r in conn.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE %s AND pid <> pg_backend_pid()",
                    (name, "%pg_sleep(4)%")).fetchall()]
                for pid in pids:
                    conn.exec_driver_sql("SELECT pg_terminate_backend(%s)", (pid,))
                    killed.append(pid)
                time.sleep(0.05)

    killer = threading.Thread(target=kill_the_slow_changeset)
    killer.start()
    try:
        done = _apply(api, base)
    finally:
        killer.join()
    assert killed, "the slow changeset never ran"
    assert done["status"] == "SUCCESS", done["error"]
    rows = _rows(url)
    assert [r[0] for r in rows] == ["1", "2", "3"] and all(r[2] == "EXECUTED" for r in rows), rows
    assert statuses(api, base, "app", "main") == {str(i): "Successfully_Deployed" for i in (1, 2, 3)}
    import sqlalchemy

    db = sqlalchemy.create_engine(url)
    with db.connect() as target:
        assert target.exec_driver_sql("SELECT id FROM person ORDER BY id").fetchall() == [(1,), (2,)]
        assert target.exec_driver_sql("SELECT locked FROM databasechangeloglock").fetchone() == (False,)
    db.dispose()


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("function", ["DeploymentStartFunction", "DeploymentBatchFunction", "DeploymentFinishFunction"])
def test_rollback_survives_a_task_lambda_crash(api, stack, function: str, when: str) -> None:
    url = sqlite_instance()[0]
    base = _setup(api, url)
    assert _apply(api, base)["status"] == "SUCCESS"
    with lambda_crashes(stack, function, when=when) as seen:
        rolled = api.post(f"{base}/dbschema/app/instance/main/rollback", {**PIPE, "count": 2})
        assert rolled.status == 202, rolled.json()
        done = wait_for(api, base, rolled.json()["executionId"])
    assert seen["crashed"] == 1
    assert done["status"] == "SUCCESS", (function, when, done["error"])
    assert [r[0] for r in _rows(url)] == ["1", "2"]  # each rollback ran once
    assert statuses(api, base, "app", "main") == {"1": "Successfully_Deployed", "2": "Successfully_Deployed",
                                                   "3": "Rolled_Back", "4": "Rolled_Back"}
    con = sqlite3.connect(sqlite_path(url))
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert "audit" not in tables and "person" in tables


SLOW_MARIADB = SLOW.replace("(SELECT pg_sleep(4)) AS slow", "(SELECT SLEEP(4)) AS slow")


def test_a_mariadb_connection_dropped_mid_changeset(api) -> None:
    import sqlalchemy

    admin_url = require_real_db("SCHEMASHIFT_TEST_MYSQL_URL")
    name = "ss_" + uuid.uuid4().hex[:10]
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sqlalchemy.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    killed: list[int] = []

    def kill_the_slow_changeset() -> None:
        deadline = time.monotonic() + 60
        with admin.connect() as conn:
            while time.monotonic() < deadline and not killed:
                ids = [r[0] for r in conn.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist WHERE db = %s AND info LIKE %s",
                    (name, "%SLEEP(4)%")).fetchall()]
                for thread_id in ids:
                    conn.exec_driver_sql(f"KILL {int(thread_id)}")
                    killed.append(thread_id)
                time.sleep(0.05)

    try:
        base = _setup(api, url, SLOW_MARIADB)
        killer = threading.Thread(target=kill_the_slow_changeset)
        killer.start()
        try:
            done = _apply(api, base)
        finally:
            killer.join()
        assert killed, "the slow changeset never ran"
        assert done["status"] == "SUCCESS", done["error"]
        rows = _rows(url)
        assert [r[0] for r in rows] == ["1", "2", "3"] and all(r[2] == "EXECUTED" for r in rows), rows
        db = sqlalchemy.create_engine(url)
        with db.connect() as target:
            assert target.exec_driver_sql("SELECT id FROM person ORDER BY id").fetchall() == [(1,), (2,)]
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def test_apply_rides_out_dynamodb_writes_whose_answer_is_lost(api, stack) -> None:
    url = sqlite_instance()[0]
    base = _setup(api, url)
    with aws_errors("dynamodb", every=2, lost_writes=True) as seen:
        done = _apply(api, base)
    assert seen["injected"] >= 5, seen
    assert done["status"] == "SUCCESS", (done["error"], seen)
    assert done["progress"] == {"done": 4, "total": 4}, (done["progress"], seen)
    _consistent(api, base, url)


def test_fleet_apply_rides_out_dynamodb_writes_whose_answer_is_lost(api, stack) -> None:
    instances = {f"db{i}": sqlite_instance(f"db{i}")[0] for i in range(3)}
    base = _setup(api, "", instances=instances)
    with aws_errors("dynamodb", every=2, lost_writes=True) as seen:
        response = api.post(f"{base}/dbschema/app/apply", {**PIPE, "maxConcurrency": 3})
        assert response.status == 202, response.json()
        fleet = wait_for(api, base, response.json()["executionId"], timeout=300)
    assert seen["injected"] >= 10, seen
    assert fleet["status"] == "SUCCESS" and fleet["summary"] == {"SUCCESS": 3}, fleet
    assert fleet["progress"] == {"done": 3, "total": 3}, (fleet["progress"], seen)
    for name in instances:
        assert statuses(api, base, "app", name) == ALL_DEPLOYED
