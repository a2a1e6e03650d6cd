"""Instance snapshots through the local stack on SQLite, PostgreSQL and MariaDB: taken after every
deployment, read by the snapshot routes, compared by sync with the live schema (schema drift)."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy

from tests.support.deployments import new_base, wait_for
from tests.support.instances import instance_body

CHANGELOG = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(100));
-- rollback DROP TABLE person;

-- changeset alice:2
CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, person_id INT NOT NULL,
  CONSTRAINT fk_orders_person FOREIGN KEY (person_id) REFERENCES person (id));
CREATE INDEX idx_orders_person ON orders (person_id);
-- rollback DROP TABLE orders;

-- changeset alice:3
CREATE VIEW v_person AS SELECT id, name FROM person;
-- rollback DROP VIEW v_person;

-- changeset alice:4 dbms:postgresql,mariadb,mysql
CREATE SEQUENCE order_seq;
-- rollback DROP SEQUENCE order_seq;
"""
PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}
ENGINES = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres),
           pytest.param("mysql", marks=pytest.mark.mysql)]


def _deploy(api, base: str, body: dict | None = None, kind: str = "apply") -> dict:
    started = api.post(f"{base}/dbschema/app/instance/main/{kind}", {**PIPE, **(body or {})})
    assert started.status == 202, started.json()
    return wait_for(api, base, started.json()["executionId"])


def _register(api, base: str, instance: dict) -> None:
    """Schema ``app`` with CHANGELOG and the instance ``main``."""
    assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
    assert api.put(f"{base}/dbschema/app/changelog",
                   {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}}).status == 200
    assert api.post(f"{base}/dbschema/app/instance", instance).status == 201


def _names(api, base: str, object_type: str) -> list[str]:
    response = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": object_type})
    assert response.status == 200, (object_type, response.json())
    return response.json()["data"]


def _execute(url: str, sql: str) -> None:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)
    engine.dispose()


@pytest.mark.parametrize("kind", ENGINES)
def test_snapshot_after_deployment_and_drift_by_hand(api, tmp_path, kind) -> None:
    base, _, _ = new_base()
    with instance_body(kind, tmp_path) as (instance, url):
        _register(api, base, instance)
        before = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "Table"})
        assert before.status == 404 and "no snapshot yet" in before.json()["message"], "step: before any deployment"

        done = _deploy(api, base)
        assert done["status"] == "SUCCESS", done
        tables = {t.lower() for t in _names(api, base, "Table")}
        assert tables == {"person", "orders"}, "step: snapshot after the deployment (no tracking tables)"
        assert {n.lower() for n in _names(api, base, "Column")} >= {"person.id", "person.email", "orders.person_id"}
        assert [v.lower() for v in _names(api, base, "View")] == ["v_person"]
        assert any("idx_orders_person" in n.lower() for n in _names(api, base, "Index"))
        assert any("fk_orders_person" in n.lower() for n in _names(api, base, "ForeignKey"))
        assert [s.lower() for s in _names(api, base, "Sequence")] == ([] if kind == "sqlite" else ["order_seq"])
        person = "person" if "person" in _names(api, base, "Table") else "PERSON"
        values = api.post(f"{base}/dbschema/app/dbinstance/main/snapshot-object-values",
                          {"objectType": "Table", "objectNames": [person, "nope"]})
        assert values.status == 200, values.json()
        [entry] = values.json()["data"]
        assert entry["objectName"] == person
        columns = {c["name"].lower(): c for c in entry["objectValue"]["columns"]}
        assert list(columns) == ["id", "name", "email"] and columns["name"]["nullable"] is False
        assert [c.lower() for c in entry["objectValue"]["primaryKey"]["columns"]] == ["id"]

        clean = api.post(f"{base}/dbschema/app/instance/main/sync")
        assert clean.status == 200, clean.json()
        assert clean.json()["schemaDrift"]["changes"] == [] and clean.json()["inSync"] is True, \
            "step: sync right after the deployment finds no drift"

        _execute(url, f"ALTER TABLE {person} ADD nickname VARCHAR(20)")
        _execute(url, "CREATE TABLE scratch (id INT)")
        report = api.post(f"{base}/dbschema/app/instance/main/sync")
        assert report.status == 200, report.json()
        body = report.json()
        changes = {(c["objectType"], c["objectName"].lower(), c["change"]) for c in body["schemaDrift"]["changes"]}
        assert changes == {("Column", "person.nickname", "added"), ("Table", "scratch", "added")}, \
            f"step: sync reports the hand-made column and table: {body['schemaDrift']}"
        assert body["inSync"] is False and body["schemaDrift"]["baseline"]["executionId"] == done["executionId"]
        assert "person.nickname" in {n.lower() for n in _names(api, base, "Column")}, \
            "step: the snapshot routes show the column added by hand"

        rolled = _deploy(api, base, {"count": 1}, kind="rollback")
        assert rolled["status"] == "SUCCESS", rolled
        after_rollback = [s.lower() for s in _names(api, base, "Sequence")]
        assert after_rollback == [] , "step: a rollback takes a new snapshot too"


def test_a_failing_snapshot_never_fails_the_deployment(api, tmp_path) -> None:
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, _):
        _register(api, base, instance)
        os.environ["SCHEMASHIFT_FAULTS"] = json.dumps({"deployment.snapshot": 1})
        try:
            done = _deploy(api, base, {"count": 1})
        finally:
            os.environ.pop("SCHEMASHIFT_FAULTS", None)
        assert done["status"] == "SUCCESS", done
        assert done["snapshotError"]["code"] == "InjectedFault", done
        missing = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "Table"})
        assert missing.status == 404
        sync = api.post(f"{base}/dbschema/app/instance/main/sync").json()
        assert sync["schemaDrift"] is None, "no baseline: nothing to compare with"
        assert _names(api, base, "Table") == ["person"], "sync took the snapshot on demand"
        assert _deploy(api, base, {"count": 1})["status"] == "SUCCESS"
        assert sorted(_names(api, base, "Table")) == ["orders", "person"]


def _write_virtual_table(url: str, name: str, sql: str) -> None:
    """What ``CREATE VIRTUAL TABLE`` writes, without the module: SQLite here lacks sqlite-vec."""
    import sqlite3

    database = sqlite3.connect(url.removeprefix("sqlite:///"))
    database.execute("PRAGMA writable_schema = ON")
    database.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', ?, ?, 0, ?)",
                     (name, name, sql))
    database.commit()
    database.close()


def test_a_virtual_table_of_a_module_sqlite_lacks_is_snapshotted_by_its_text(api, tmp_path) -> None:
    """The database holds a virtual table of an extension this SQLite does not load (sqlite-vec's
    ``vec0``): the deployment's snapshot describes it by its USING clause, and sync compares it too."""
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, url):
        _write_virtual_table(url, "vectors", "CREATE VIRTUAL TABLE vectors USING vec0(embedding float[4])")
        _register(api, base, instance)

        done = _deploy(api, base, {"count": 2})
        assert done["status"] == "SUCCESS" and done["error"] is None and "snapshotError" not in done, done
        assert sorted(_names(api, base, "Table")) == ["orders", "person", "vectors"]
        values = api.post(f"{base}/dbschema/app/dbinstance/main/snapshot-object-values",
                          {"objectType": "Table", "objectNames": ["vectors"]})
        assert values.status == 200, values.json()
        assert values.json()["data"][0]["objectValue"]["using"] == "vec0(embedding float[4])", values.json()
        sync = api.post(f"{base}/dbschema/app/instance/main/sync")
        assert sync.status == 200 and sync.json()["inSync"] is True, sync.json()


def test_a_snapshot_that_cannot_read_the_database_leaves_the_deployment_successful(api, tmp_path) -> None:
    """A real failure, not an injected one: the database holds a virtual table that no SQLite can open
    (an FTS5 table with an option FTS5 does not have), so reading its columns fails. The changesets
    are applied and the deployment succeeds; its execution says why it left no snapshot."""
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, url):
        _write_virtual_table(url, "broken", "CREATE VIRTUAL TABLE broken USING fts5(body, nosuchoption = 1)")
        _register(api, base, instance)

        done = _deploy(api, base, {"count": 2})
        assert done["status"] == "SUCCESS" and done["error"] is None, done
        assert 'unrecognized option: "nosuchoption"' in done["snapshotError"]["message"], done["snapshotError"]
        state = api.get(f"{base}/dbschema/app/dbinstance/main/migrationstate", params={"limit": 100}).json()
        assert [c["status"] for c in state["changeSets"]][:2] == ["Successfully_Deployed"] * 2, state
        engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
        with engine.connect() as connection:
            assert {"person", "orders"} <= {row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}, "the changesets ran"
        engine.dispose()
        missing = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "Table"})
        assert missing.status == 404, "no snapshot: none was stored"


@pytest.mark.parametrize("method, suffix, params, body, status, words", [
    ("GET", "snapshot-object-names", None, None, 400, "objectType"),
    ("GET", "snapshot-object-names", {"objectType": "Tabel"}, None, 400, "objectType must be one of"),
    ("POST", "snapshot-object-values", None, {"objectType": "Table"}, 400, "objectNames"),
    ("POST", "snapshot-object-values", None, {"objectType": "Table", "objectNames": []}, 400, "objectNames"),
    ("POST", "snapshot-object-values", None, {"objectType": "Table", "objectNames": ["x"] * 101}, 400, "objectNames"),
    ("POST", "snapshot-object-values", None, {"objectType": "Thing", "objectNames": ["x"]}, 400, "objectType"),
    ("POST", "snapshot-object-values", None, {"objectType": "Table", "objectNames": ["x"]}, 404, "no snapshot yet"),
])
def test_snapshot_routes_bad_input(api, tmp_path, method, suffix, params, body, status, words) -> None:
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, _):
        assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
        assert api.post(f"{base}/dbschema/app/instance", instance).status == 201
    response = api.request(method, f"{base}/dbschema/app/dbinstance/main/{suffix}", params=params,
                           body=None if body is None else json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status == status and set(response.json()) == {"message"}, response.json()
    assert words in response.json()["message"], response.json()
    ghost = api.get(f"{base}/dbschema/app/dbinstance/ghost/snapshot-object-names", params={"objectType": "Table"})
    assert ghost.status == 404 and "ghost" in ghost.json()["message"]


def _stored(prefix: str) -> list[str]:
    from schemashift.aws import client
    from schemashift.settings import get_settings

    pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=get_settings().bucket, Prefix=prefix)
    return [entry["Key"] for page in pages for entry in page.get("Contents", [])]


def test_snapshots_are_deleted_with_their_instance_and_schema(api, tmp_path) -> None:
    base, org, project = new_base()
    files = {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}}
    with instance_body("sqlite", tmp_path, "main") as (main, _), instance_body("sqlite", tmp_path, "main2") as (
            main2, _):
        for schema in ("app", "other"):
            assert api.post(f"{base}/dbschema", {"identifier": schema, "name": schema}).status == 201
            assert api.put(f"{base}/dbschema/{schema}/changelog", files).status == 200
        assert api.post(f"{base}/dbschema/app/instance", main).status == 201
        assert api.post(f"{base}/dbschema/app/instance", main2).status == 201
        assert api.post(f"{base}/dbschema/other/instance", main).status == 201
        for schema, instance in (("app", "main"), ("app", "main2"), ("other", "main")):
            started = api.post(f"{base}/dbschema/{schema}/instance/{instance}/apply", {**PIPE, "count": 1})
            assert started.status == 202, started.json()
            assert wait_for(api, base, started.json()["executionId"])["status"] == "SUCCESS"
            assert api.post(f"{base}/dbschema/{schema}/instance/{instance}/sync").status == 200
    tenant = f"snapshots/local/{org}/{project}"
    assert len(_stored(f"{tenant}/app/main/")) >= 1 and _stored(f"{tenant}/app/main2/"), "step: snapshots stored"

    assert api.delete(f"{base}/dbschema/app/instance/main").status in (200, 204)
    assert _stored(f"{tenant}/app/main/") == [], "step: the deleted instance's snapshots are gone"
    assert _stored(f"{tenant}/app/main2/"), "step: a neighbour whose name starts the same keeps its own"
    assert _stored(f"{tenant}/other/main/"), "step: the same instance name in another schema keeps its own"
    again = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "Table"})
    assert again.status == 404

    assert api.delete(f"{base}/dbschema/app").status in (200, 204)
    assert _stored(f"{tenant}/app/") == [], "step: a deleted schema's instances' snapshots are gone"
    assert _stored(f"{tenant}/other/main/"), "step: another schema's are untouched"
