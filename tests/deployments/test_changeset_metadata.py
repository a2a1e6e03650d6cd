"""changesetmetadata through the local stack: what each pipeline step's execution produced, by
Harness command, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import yaml
from schemashift.dbschema.services import services

from tests.support.deployments import new_base, wait_for
from tests.support.instances import instance_body

CHANGELOG = """-- liquibase formatted sql

-- changeset alice:1
CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE person;

-- changeset alice:2
CREATE TABLE audit (id INT PRIMARY KEY);
-- rollback DROP TABLE audit;
"""


def _step(stage: str) -> dict[str, str]:
    return {"pipeline": "deploy", "planExecutionId": "plan-7", "stageExecutionId": stage}


def _run(api, base: str, kind: str, body: dict) -> dict:
    started = api.post(f"{base}/dbschema/app/instance/main/{kind}", body)
    assert started.status == 202, started.json()
    done = wait_for(api, base, started.json()["executionId"])
    assert done["status"] == "SUCCESS", done
    return done


def _metadata(api, base: str, command: str, stage: str, content_type: str | None = None):
    params = {"harnessCommand": command, "pipelineExecutionId": "plan-7", "stageExecutionId": stage}
    if content_type:
        params["contentType"] = content_type
    return api.get(f"{base}/dbschema/app/dbinstance/main/changesetmetadata", params=params)


@pytest.mark.parametrize("kind", [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_each_command_answers_what_its_step_produced(api, tmp_path, kind) -> None:
    base, _, _ = new_base()
    with instance_body(kind, tmp_path) as (instance, _):
        assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
        assert api.put(f"{base}/dbschema/app/changelog",
                       {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}}).status == 200
        assert api.post(f"{base}/dbschema/app/instance", instance).status == 201
        preview = _run(api, base, "apply", {**_step("preview"), "dryRun": True})
        _run(api, base, "apply", _step("update"))
        _run(api, base, "rollback", {**_step("rollback"), "count": 1})
        count_preview = _run(api, base, "rollback", {**_step("rollback-preview"), "count": 1, "dryRun": True})

        update = _metadata(api, base, "Update", "update")
        assert update.status == 200, update.json()
        assert [s.split("(")[0].strip().upper() for s in update.json()["data"]] == [
            "CREATE TABLE PERSON", "CREATE TABLE AUDIT"], "step: Update answers the SQL of both changesets"
        text = _metadata(api, base, "Update", "update", "Yaml").json()["data"]
        assert [c["changeSet"]["id"] for c in yaml.safe_load(text[0])["databaseChangeLog"]] == ["1", "2"]
        rollback = _metadata(api, base, "Rollback", "rollback").json()["data"]
        assert [s.strip().rstrip(";").upper() for s in rollback] == ["DROP TABLE AUDIT"], rollback
        assert _metadata(api, base, "DBOPSUpdateSQL", "preview").json()["data"] == preview["sql"]
        assert any("CREATE TABLE person" in s for s in preview["sql"])
        assert _metadata(api, base, "DBOPSRollbackCountSQL", "rollback-preview").json()["data"] == count_preview["sql"]
        snapshot = _metadata(api, base, "DBOPSSnapshot", "update").json()["data"]
        assert {t.lower() for t in json.loads(snapshot[0])["tables"]} == {"person", "audit"}, \
            "step: the snapshot the update left (taken before the rollback dropped audit)"
        assert _metadata(api, base, "Rollback", "update").status == 404, "that step was an update"


@pytest.mark.parametrize("params, status, words", [
    ({"pipelineExecutionId": "p", "stageExecutionId": "s"}, 400, "harnessCommand"),
    ({"harnessCommand": "Deploy", "pipelineExecutionId": "p", "stageExecutionId": "s"}, 400, "harnessCommand"),
    ({"harnessCommand": "Update", "stageExecutionId": "s"}, 400, "pipelineExecutionId"),
    ({"harnessCommand": "Update", "pipelineExecutionId": "p", "stageExecutionId": "s", "contentType": "Xml"}, 400,
     "contentType"),
    ({"harnessCommand": "Update", "pipelineExecutionId": "p", "stageExecutionId": "s"}, 404, "No Update execution"),
])
def test_changeset_metadata_bad_input(api, tmp_path, params, status, words) -> None:
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, _):
        assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
        assert api.post(f"{base}/dbschema/app/instance", instance).status == 201
    response = api.get(f"{base}/dbschema/app/dbinstance/main/changesetmetadata", params=params)
    assert response.status == status and set(response.json()) == {"message"}, response.json()
    assert words in response.json()["message"]


def test_the_sql_an_execution_sent_is_recorded_and_older_executions_are_regenerated(api, tmp_path) -> None:
    from schemashift.aws import client, delete_prefix
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.deployments.execution_sql import execution_prefix
    from schemashift.deployments.executions import jobs, scope_of
    from schemashift.jobs.store import job_key
    from schemashift.settings import get_settings

    base, org, project = new_base()
    tenant, bucket = Tenant("local", org, project), get_settings().bucket
    with instance_body("sqlite", tmp_path) as (instance, _):
        assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
        assert api.put(f"{base}/dbschema/app/changelog",
                       {"rootFile": "changelog.sql", "files": {"changelog.sql": CHANGELOG}}).status == 200
        assert api.post(f"{base}/dbschema/app/instance", instance).status == 201
        done = _run(api, base, "apply", _step("update"))
        prefix = execution_prefix(tenant, "app", "main", done["executionId"])
        stored = client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
        assert len(stored) == 1, "step: the batch stored the SQL it sent"
        units = json.loads(client("s3").get_object(Bucket=bucket, Key=stored[0]["Key"])["Body"].read())["units"]
        assert [(u["changeSetFQN"], u["status"]) for u in units] == [
            ("changelog.sql::1::alice", "EXECUTED"), ("changelog.sql::2::alice", "EXECUTED")]
        assert not any("DATABASECHANGELOG" in sql.upper() for u in units for sql in u["statements"])
        recorded = _metadata(api, base, "Update", "update").json()["data"]
        assert recorded == [sql for u in units for sql in u["statements"]]

        # an execution recorded before SQL was stored: no flag, no objects; the answer is regenerated
        jobs(services()).table.update_item(Key=job_key(scope_of(tenant), done["executionId"]),
                                           UpdateExpression="REMOVE sqlRecorded")
        delete_prefix(bucket, prefix)
        regenerated = _metadata(api, base, "Update", "update")
        assert regenerated.status == 200 and regenerated.json()["data"] == recorded

        _run(api, base, "rollback", {**_step("rollback"), "count": 1})
        assert client("s3").list_objects_v2(Bucket=bucket, Prefix=f"executions/local/{org}/{project}/app/main/").get(
            "KeyCount") == 1, "step: the rollback stored its SQL"
        assert api.delete(f"{base}/dbschema/app/instance/main").status == 204
        assert client("s3").list_objects_v2(Bucket=bucket, Prefix=f"executions/local/{org}/{project}/app/").get(
            "KeyCount") == 0, "step: deleting the instance deleted its executions' SQL"
