"""Flyway schemas end to end on the local stack: the same ApplyChangesets / Rollback / FleetApply state
machines and execution records as Liquibase schemas, against SQLite, PostgreSQL and MariaDB, with
``flyway_schema_history`` as Flyway writes it."""

from __future__ import annotations

import sqlalchemy
from schemashift.flyway import flyway_checksum

from tests.deployments.test_deployments import _with_secret, instance_url  # noqa: F401  (the per-engine fixture)
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
