"""Flyway's info, validate, baseline and repair routes, apply with count and dryRun, baseline-migration
(``B``) scripts, and what a Flyway execution leaves for changesetmetadata and the snapshot routes:
through the local stack on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json

import sqlalchemy
from schemashift.dbschema.services import services
from schemashift.flyway import flyway_checksum

from tests.deployments.test_deployments import instance_url  # noqa: F401  (the per-engine fixture)
from tests.deployments.test_flyway_deployments import (
    PIPE,
    TOML,
    V1,
    V1_9,
    V1_10,
    _engine,
    _exec,
    _files,
    _history,
    _setup,
    _start,
    _statuses,
)
from tests.support.deployments import wait_for


def _flyway(api, base: str, command: str, body: dict | None = None, key: str | None = None, **params: str):
    path = f"{base}/dbschema/app/dbinstance/main/flyway/{command}"
    if command in ("info", "validate"):
        return api.get(path, params=params or None)
    headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    return api.request("POST", path, body=json.dumps({**PIPE, **(body or {})}), headers=headers)


def _ok(response) -> dict:
    assert response.status == 200, response.json()
    return response.json()


def _states(api, base: str) -> list[tuple]:
    return [(m["version"] or m["description"], m["type"], m["state"]) for m in _ok(_flyway(api, base, "info"))[
        "migrations"]]


def _tables(url: str) -> set[str]:
    engine = _engine(url)
    names = {name.lower() for name in sqlalchemy.inspect(engine).get_table_names()}
    engine.dispose()
    return names


def test_info_and_validate_report_a_changed_a_missing_and_a_pending_script(api, instance_url) -> None:  # noqa: F811
    files = _files(instance_url)
    base = _setup(api, instance_url, files)
    before = _ok(_flyway(api, base, "info"))
    assert before["schemaVersion"] is None and before["historyTable"] == "flyway_schema_history"
    assert {m["state"] for m in before["migrations"]} == {"Pending"}, "step: nothing applied yet"
    pending = _ok(_flyway(api, base, "validate"))
    assert pending["validationSuccessful"] is False and pending["validateCount"] == 0
    assert {e["errorDetails"]["errorCode"] for e in pending["invalidMigrations"]} == {
        "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED", "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"}
    assert _ok(_flyway(api, base, "validate", ignoreMigrationPatterns="*:pending"))["validationSuccessful"] is True

    assert _start(api, base, "apply")["status"] == "SUCCESS"
    info = _ok(_flyway(api, base, "info"))
    assert info["schemaVersion"] == "1.10"
    assert [(m["version"], m["state"], m["installedRank"]) for m in info["migrations"]] == [
        ("1", "Success", 1), ("1.9", "Success", 2), ("1.10", "Success", 3), (None, "Success", 4)]
    assert info["migrations"][1]["checksum"] == flyway_checksum(V1_9) and info["migrations"][1]["installedOn"]
    assert info["migrations"][0]["changeSetFQN"] == "V1__create_person.sql::1::flyway"
    clean = _ok(_flyway(api, base, "validate"))
    assert clean["validationSuccessful"] is True and clean["validateCount"] == 4 and clean["invalidMigrations"] == []

    # V1 edited after it ran, V1_9 removed from the bundle, V2 new: a 200 naming each, Flyway's messages
    edited_v1 = V1.replace("VARCHAR(50)", "VARCHAR(60)")
    changed = {**{k: v for k, v in files.items() if "1_9" not in k}, "sql/V1__create_person.sql": edited_v1,
               "sql/V2__note.sql": "CREATE TABLE note (id INT PRIMARY KEY);\n"}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": changed}).status == 200
    found = _ok(_flyway(api, base, "validate"))
    assert found["validationSuccessful"] is False and found["errorMessage"].startswith("Validate failed")
    by_version = {e["version"]: e for e in found["invalidMigrations"]}
    assert {v: e["errorDetails"]["errorCode"] for v, e in by_version.items()} == {
        "1": "CHECKSUM_MISMATCH", "1.9": "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
        "2": "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"}
    assert f"-> Applied to database : {flyway_checksum(V1)}" in by_version["1"]["errorDetails"]["errorMessage"]
    assert f"-> Resolved locally    : {flyway_checksum(edited_v1)}" in by_version["1"]["errorDetails"]["errorMessage"]
    states = {(m["version"] or m["description"]): m for m in _ok(_flyway(api, base, "info"))["migrations"]}
    assert (states["1.9"]["state"], states["2"]["state"]) == ("Missing", "Pending")
    assert states["1"]["checksum"] == flyway_checksum(V1) and states["1"]["resolvedChecksum"] == \
        flyway_checksum(edited_v1), "step: info shows the stored and the bundle's checksum"

    # V2 removed too: 1.10 is now above every script, a Future migration, ignored by default (*:future)
    future = {k: v for k, v in changed.items() if "1_10" not in k and "V2" not in k}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": future}).status == 200
    assert {(m["version"], m["state"]) for m in _ok(_flyway(api, base, "info"))["migrations"]} >= {("1.10", "Future")}
    assert "1.10" not in {e["version"] for e in _ok(_flyway(api, base, "validate"))["invalidMigrations"]}
    strict = _ok(_flyway(api, base, "validate", ignoreMigrationPatterns=""))
    assert {e["version"]: e["errorDetails"]["errorCode"] for e in strict["invalidMigrations"]}["1.10"] == \
        "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"
    assert [h[0] for h in _history(instance_url)] == [1, 2, 3, 4], "step: info and validate changed nothing"


def test_baseline_of_an_existing_database_through_the_route(api, instance_url) -> None:  # noqa: F811
    from schemashift.dbschema.locks import acquire_lock, release_lock
    from schemashift.dbschema.tenancy import Tenant

    _exec(instance_url, "CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50))")
    base = _setup(api, instance_url, _files(instance_url))
    org, project = base.split("/")[3], base.split("/")[5]
    tenant = Tenant("local", org, project)
    assert acquire_lock(services(), tenant, "app", "main", owner="exe_someone_else") is not None
    busy = _flyway(api, base, "baseline", {"baselineVersion": "1"})
    assert busy.status == 409 and "already running" in busy.json()["message"], busy.json()
    release_lock(services(), tenant, "app", "main", "exe_someone_else")

    first = _ok(_flyway(api, base, "baseline", {"baselineVersion": "1", "baselineDescription": "existing db"},
                        key="baseline-1"))
    assert (first["status"], first["successfullyBaselined"], first["baselineVersion"], first["baselineDescription"]) \
        == ("SUCCESS", True, "1", "existing db")
    assert _history(instance_url) == [(1, "1", "existing db", "BASELINE", "existing db", None, True)]
    again = _ok(_flyway(api, base, "baseline", {"baselineVersion": "1", "baselineDescription": "existing db"},
                        key="baseline-1"))
    assert again["executionId"] == first["executionId"], "step: a retried call answers the first one's result"
    reused = _flyway(api, base, "baseline", {"baselineVersion": "3"}, key="baseline-1")
    assert reused.status == 409 and "already used for a different request" in reused.json()["message"]
    execution = api.get(f"{base}/executions/{first['executionId']}").json()
    assert (execution["kind"], execution["status"], execution["planExecutionId"]) == ("baseline", "SUCCESS", "plan-1")
    assert execution["report"]["baselineVersion"] == "1"
    assert [e["kind"] for e in api.get(f"{base}/dbschema/app/instance/main/executions").json()["executions"]] == [
        "baseline"], "step: one execution for the call and its retry"

    other = _flyway(api, base, "baseline", {"baselineVersion": "2"})
    assert other.status == 409 and "already been baselined with (1,existing db)" in other.json()["message"]
    refused = api.get(f"{base}/dbschema/app/instance/main/executions").json()["executions"][0]
    assert (refused["kind"], refused["status"]) == ("baseline", "FAILURE") and refused["error"]["message"]

    applied = _start(api, base, "apply")
    assert applied["status"] == "SUCCESS", applied["error"]
    assert [h[1] for h in _history(instance_url)] == ["1", "1.9", "1.10", None]
    statuses = _statuses(api, base)
    assert statuses["1"] == "Not_Deployed" and statuses["1.10"] == "Successfully_Deployed"
    assert {("1", "BASELINE", "Baseline"), ("1", "SQL", "Ignored (Baseline)")} <= set(_states(api, base))
    history = _flyway(api, base, "baseline", {"baselineVersion": "5"})
    assert history.status == 409 and "already been baselined" in history.json()["message"]
    assert len(_history(instance_url)) == 4, "step: refused baselines changed nothing"


def test_repair_after_a_failed_migration(api, instance_url) -> None:  # noqa: F811
    files = _files(instance_url, **{"sql/V2__broken.sql": "CREATE TABLE person (id INT);\n"})
    base = _setup(api, instance_url, files)
    failed = _start(api, base, "apply")
    assert failed["status"] == "FAILURE" and failed["results"][-1]["changeSetFQN"] == "V2__broken.sql::2::flyway"
    mysql = instance_url.startswith("mysql")
    state_of_2 = next(s for v, _, s in _states(api, base) if v == "2")
    assert state_of_2 == ("Failed" if mysql else "Pending"), "step: MariaDB keeps a success=0 row, as Flyway"
    refused = _start(api, base, "apply")
    if mysql:
        assert refused["status"] == "FAILURE" and "Detected failed migration to version 2" in \
            refused["error"]["message"]

    # fix the broken script, and V1 was edited meanwhile: repair removes the failed row, realigns V1
    fixed = {**files, "sql/V2__broken.sql": "CREATE TABLE note (id INT PRIMARY KEY);\n",
             "sql/V1__create_person.sql": V1.replace("(50)", "(60)")}
    assert api.put(f"{base}/dbschema/app/changelog", {"files": fixed}).status == 200
    assert _ok(_flyway(api, base, "validate"))["validationSuccessful"] is False
    repaired = _ok(_flyway(api, base, "repair", key="repair-1"))
    assert repaired["status"] == "SUCCESS"
    assert repaired["repairActions"] == (["REMOVED FAILED MIGRATIONS"] if mysql else []) + [
        "ALIGNED APPLIED MIGRATION CHECKSUMS"]
    assert [m["changeSetFQN"] for m in repaired["migrationsAligned"]] == ["V1__create_person.sql::1::flyway"]
    assert [m["version"] for m in repaired["migrationsRemoved"]] == (["2"] if mysql else [])
    assert _history(instance_url)[0][5] == flyway_checksum(fixed["sql/V1__create_person.sql"])
    assert all(h[6] for h in _history(instance_url)), "step: no failed row is left"
    execution = api.get(f"{base}/executions/{repaired['executionId']}").json()
    assert execution["kind"] == "repair" and [(r["changeSetFQN"], r["status"]) for r in execution["results"]] == (
        [("V2__broken.sql::2::flyway", "REMOVED_FAILED")] if mysql else []) + [
        ("V1__create_person.sql::1::flyway", "ALIGNED")]
    assert _ok(_flyway(api, base, "repair", key="repair-1"))["executionId"] == repaired["executionId"]
    assert _ok(_flyway(api, base, "validate", ignoreMigrationPatterns="*:pending"))["validationSuccessful"] is True
    done = _start(api, base, "apply")
    assert done["status"] == "SUCCESS", done["error"]
    assert [r["changeSetFQN"] for r in done["results"]] == ["V2__broken.sql::2::flyway",
                                                           "R__person_names.sql::R:person names::flyway"]
    assert _statuses(api, base)["2"] == "Successfully_Deployed"
    nothing = _ok(_flyway(api, base, "repair"))
    assert nothing["repairActions"] == [] and nothing["status"] == "SUCCESS"


def _metadata(api, base: str, command: str, stage: str):
    return api.get(f"{base}/dbschema/app/dbinstance/main/changesetmetadata", params={
        "harnessCommand": command, "pipelineExecutionId": "plan-1", "stageExecutionId": stage})


def test_apply_with_count_and_dry_run_and_what_it_leaves(api, instance_url) -> None:  # noqa: F811
    placeholder = "CREATE TABLE audit (id INT PRIMARY KEY, note VARCHAR(200) DEFAULT '${team}');\n"
    files = {**_files(instance_url, **{"sql/V1_9__audit.sql": placeholder}),
             "flyway.toml": TOML + '[flyway.placeholders]\nteam = "payments"\n'}
    base = _setup(api, instance_url, files)
    preview = _start(api, base, "apply", {"dryRun": True, "stageExecutionId": "preview"})
    assert preview["status"] == "SUCCESS" and preview["dryRun"] is True, preview
    assert preview["progress"]["total"] == 4
    comments = [s for s in preview["sql"] if s.startswith("-- ")]
    assert [c.split(" (")[0] for c in comments] == ["-- V1__create_person.sql", "-- V1_9__audit.sql",
                                                   "-- V1_10__orders.sql", "-- R__person_names.sql"]
    assert "DEFAULT 'payments'" in "\n".join(preview["sql"]), "step: placeholders replaced"
    assert "flyway_schema_history" not in _tables(instance_url) and not _tables(instance_url), \
        "step: a dry run touches nothing, not even the history table"
    assert _ok(_metadata(api, base, "DBOPSUpdateSQL", "preview"))["data"] == preview["sql"]
    limited = _start(api, base, "apply", {"dryRun": True, "count": 1, "stageExecutionId": "preview-1"})
    limited_comments = [s for s in limited["sql"] if s.startswith("-- ")]
    assert len(limited_comments) == 1 and limited_comments[0].startswith("-- V1__create_person.sql")

    two = _start(api, base, "apply", {"count": 2, "stageExecutionId": "first-two"})
    assert two["status"] == "SUCCESS" and two["progress"] == {"done": 2, "total": 2}, two
    assert [h[1] for h in _history(instance_url)] == ["1", "1.9"]
    ran = _ok(_metadata(api, base, "Update", "first-two"))["data"]
    assert [s.strip().rstrip(";") for s in ran] == [V1.strip().rstrip(";"), placeholder.replace(
        "${team}", "payments").strip().rstrip(";")], "step: changesetmetadata answers the SQL that ran"
    rest = _start(api, base, "apply", {"dryRun": True, "stageExecutionId": "preview-rest"})
    assert [c.split(" (")[0] for c in rest["sql"] if c.startswith("-- ")] == ["-- V1_10__orders.sql",
                                                                          "-- R__person_names.sql"]
    final = _start(api, base, "apply", {"count": 5, "stageExecutionId": "rest"})
    assert final["status"] == "SUCCESS" and final["progress"] == {"done": 2, "total": 2}, final
    assert [h[1] for h in _history(instance_url)] == ["1", "1.9", "1.10", None]
    assert _ok(_metadata(api, base, "Update", "rest"))["data"][0].strip().rstrip(";") == V1_10.strip().rstrip(";")

    # what a Flyway deployment left: its snapshot (no history table in it) and the routes over it
    snapshot = json.loads(_ok(_metadata(api, base, "DBOPSSnapshot", "rest"))["data"][0])
    assert {t.lower() for t in snapshot["tables"]} == {"person", "audit", "orders"}
    names = _ok(api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "Table"}))
    assert {n.lower() for n in names["data"]} == {"person", "audit", "orders"}
    views = api.get(f"{base}/dbschema/app/dbinstance/main/snapshot-object-names", params={"objectType": "View"}).json()
    assert [v.lower() for v in views["data"]] == ["person_names"]
    undo = api.post(f"{base}/dbschema/app/instance/main/rollback", {**PIPE, "count": 1, "stageExecutionId": "undo"})
    assert wait_for(api, base, undo.json()["executionId"])["status"] == "SUCCESS"
    assert [s.strip().rstrip(";").upper() for s in _ok(_metadata(api, base, "Rollback", "undo"))["data"]] == [
        "DROP TABLE ORDERS"], "step: an undo's SQL is its U script's"
    yaml = api.get(f"{base}/dbschema/app/dbinstance/main/changesetmetadata", params={
        "harnessCommand": "Update", "pipelineExecutionId": "plan-1", "stageExecutionId": "rest", "contentType": "Yaml"})
    assert yaml.status == 400 and "SQL only" in yaml.json()["message"]


def test_baseline_migration_scripts_on_an_empty_database(api, instance_url) -> None:  # noqa: F811
    files = {"flyway.toml": "[flyway]\n", "V1__a.sql": "CREATE TABLE a (id INT);\n",
             "V2__b.sql": "CREATE TABLE b (id INT);\n",
             "B2__ab.sql": "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n",
             "V3__c.sql": "CREATE TABLE c (id INT);\n"}
    base = _setup(api, instance_url, files)
    applied = _start(api, base, "apply")
    assert applied["status"] == "SUCCESS", applied["error"]
    assert [r["changeSetFQN"] for r in applied["results"]] == ["B2__ab.sql::B:2::flyway", "V3__c.sql::3::flyway"]
    assert [h[1:4] for h in _history(instance_url)] == [("2", "ab", "SQL_BASELINE"), ("3", "c", "SQL")]
    assert _states(api, base) == [("1", "SQL", "Below Baseline"), ("2", "SQL", "Ignored (Baseline)"),
                                  ("2", "SQL_BASELINE", "Baseline"), ("3", "SQL", "Success")]
    assert _ok(_flyway(api, base, "validate"))["validationSuccessful"] is True
    state = api.get(f"{base}/dbschema/app/dbinstance/main/flyway/migrationstate", params={"limit": 100}).json()
    assert [(m["version"], m["type"], m["status"]) for m in state["migrations"]] == [
        ("1", "SQL", "Not_Deployed"), ("2", "SQL", "Not_Deployed"), ("2", "SQL_BASELINE", "Successfully_Deployed"),
        ("3", "SQL", "Successfully_Deployed")], "step: versions the baseline migration replaced never ran"
    assert {t for t in _tables(instance_url) if t != "flyway_schema_history"} == {"a", "b", "c"}
