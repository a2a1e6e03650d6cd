"""The local stack as a real process (``schemashift local up``) keeps everything across a stop
(SIGTERM) and a crash (SIGKILL), and ends jobs the stop interrupted."""

from __future__ import annotations

import json
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests

from tests.support.local_process import Running

KEY = {"x-api-key": "local-dev-key"}
TERMINAL = ("SUCCESS", "FAILURE", "CANCELLED")


def aws(running: Running, service: str) -> Any:
    return boto3.client(service, endpoint_url=running.aws, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def call(method: str, url: str, expect: int, **kwargs: Any) -> Any:
    response = requests.request(method, url, headers={**KEY, **kwargs.pop("headers", {})}, timeout=60, **kwargs)
    assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text[:500]}"
    return response.json() if response.content else None


def wait_for(url: str, done: Any, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        body = call("GET", url, 200)
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def changelog(count: int) -> str:
    return "-- liquibase formatted sql\n\n" + "".join(
        f"-- changeset dev:{i}\nCREATE TABLE t{i} (id INT PRIMARY KEY);\n-- rollback DROP TABLE t{i};\n\n"
        for i in range(count))


def build_world(running: Running, tmp_path: Path) -> dict[str, Any]:
    """A schema, an instance, a finished execution, a dataset table with rows, a finished operation,
    a secret, an EventBridge rule."""
    base = f"{running.api}/v1/orgs/default/projects/p{uuid.uuid4().hex[:6]}"
    call("POST", f"{base}/dbschema", 201, json={"identifier": "orders", "name": "Orders"})
    call("PUT", f"{base}/dbschema/orders/changelog", 200,
         json={"rootFile": "changelog.sql", "files": {"changelog.sql": changelog(3)}})
    call("POST", f"{base}/dbschema/orders/instance", 201,
         json={"identifier": "dev", "name": "Dev", "url": "sqlite:///dev.db"})
    started = call("POST", f"{base}/dbschema/orders/instance/dev/apply", 202,
                   json={"pipeline": "p", "planExecutionId": "1", "stageExecutionId": "1", "tag": "v1"})
    execution = wait_for(f"{base}/executions/{started['executionId']}", lambda e: e["status"] in TERMINAL)
    assert execution["status"] == "SUCCESS", execution

    dataset = call("POST", f"{running.api}/datasets", 201, json={"name": f"d{uuid.uuid4().hex[:6]}"})
    table = call("POST", f"{running.api}/dataset-tables", 201, json={
        "datasetId": dataset["datasetId"], "tableName": "events", "primaryKeyColumns": ["id"],
        "fields": [{"name": "id", "arrowType": "int64", "nullable": False}, {"name": "kind", "arrowType": "utf8"}]})
    table_url = f"{running.api}/dataset-tables/{table['tableId']}"
    call("POST", f"{table_url}/rows?mode=append", 200, json=[{"id": i, "kind": f"k{i}"} for i in range(50)])
    operation = call("POST", f"{table_url}/migrations", 202, json={"operations": [
        {"type": "add_column", "params": {"name": "note", "dataType": "utf8", "nullable": True}}]})
    operation = wait_for(f"{table_url}/operations/{operation['operationId']}",
                         lambda o: o["status"] in ("completed", "failed", "cancelled"))
    assert operation["status"] == "completed", operation

    secret = aws(running, "secretsmanager").create_secret(
        Name=f"schemashift/local/db-{uuid.uuid4().hex[:6]}", SecretString=json.dumps({"username": "u", "password": "p"}))
    aws(running, "events").put_rule(Name="watch-completions", EventBusName="schemashift",
                                    EventPattern=json.dumps({"source": ["schemashift"]}))
    return {"base": base, "execution": execution, "table_url": table_url, "operation": operation,
            "secret": secret, "table": table}


def check_world(running: Running, world: dict[str, Any], rows: int = 50) -> None:
    base = world["base"]
    assert call("GET", f"{base}/dbschema/orders", 200)["identifier"] == "orders"
    assert call("GET", f"{base}/dbschema/orders/instance/dev", 200)["identifier"] == "dev"
    execution = call("GET", f"{base}/executions/{world['execution']['executionId']}", 200)
    assert execution["status"] == "SUCCESS" and len(execution["results"]) == 3
    state = call("POST", f"{base}/dbschema/orders/migrationstate?limit=3", 200,
                 json={"instanceFilter": {"instances": ["dev"]}})
    assert {i["status"] for c in state["changeSets"] for i in c["instances"]} == {"Successfully_Deployed"}
    query = call("POST", f"{world['table_url']}/query", 200, json={"limit": 1000})
    assert len(query["rows"]) == rows and {"id", "kind", "note"} <= set(query["rows"][0])
    operation = call("GET", f"{world['table_url']}/operations/{world['operation']['operationId']}", 200)
    assert operation["status"] == "completed"
    secret = aws(running, "secretsmanager").get_secret_value(SecretId=world["secret"]["Name"])
    assert secret["ARN"] == world["secret"]["ARN"] and json.loads(secret["SecretString"])["username"] == "u"
    rules = aws(running, "events").list_rules(EventBusName="schemashift")["Rules"]
    assert "watch-completions" in {r["Name"] for r in rules}


def test_state_survives_sigterm_and_sigkill_and_running_jobs_end(stack_process: Any, tmp_path: Path) -> None:
    first = stack_process()
    world = build_world(first, tmp_path)
    first.stop(signal.SIGTERM)

    second = stack_process()
    check_world(second, world)  # step: everything back after a clean stop
    call("POST", f"{world['table_url']}/rows?mode=append", 200, json=[{"id": 100 + i, "kind": "late"} for i in range(5)])
    # An execution in flight at the crash: a long apply holds the instance; a second start is refused.
    base = world["base"]
    call("POST", f"{base}/dbschema/orders/instance", 201,
         json={"identifier": "big", "name": "Big", "url": "sqlite:///big.db"})
    call("PUT", f"{base}/dbschema/orders/changelog", 200,
         json={"rootFile": "changelog.sql", "files": {"changelog.sql": changelog(2000)}})
    pipeline = {"pipeline": "p", "planExecutionId": "2", "stageExecutionId": "2"}
    long_run = call("POST", f"{base}/dbschema/orders/instance/big/apply", 202, json=pipeline)
    refused = call("POST", f"{base}/dbschema/orders/instance/big/apply", 409, json=pipeline)
    assert long_run["executionId"] in refused["message"], refused
    time.sleep(1.5)  # more than the journal's flush interval
    assert call("GET", f"{base}/executions/{long_run['executionId']}", 200)["status"] == "IN_PROGRESS"
    second.stop(signal.SIGKILL)

    third = stack_process()
    check_world(third, {**world}, rows=55)  # step: everything back after kill -9, the late rows too
    execution = wait_for(f"{base}/executions/{long_run['executionId']}", lambda e: e["status"] in TERMINAL, 60)
    assert execution["status"] == "FAILURE" and "stopped" in execution["error"]["message"], \
        f"step: in-flight execution after the crash: {execution}"
    # The instance lock was released: a new apply runs (one changeset, to keep the test short).
    again = call("POST", f"{base}/dbschema/orders/instance/big/apply", 202, json={**pipeline, "count": 1})
    final = wait_for(f"{base}/executions/{again['executionId']}", lambda e: e["status"] in TERMINAL, 120)
    assert final["status"] == "SUCCESS", final
    third.stop(signal.SIGTERM)
