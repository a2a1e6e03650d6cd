"""A Flyway baseline or repair running when the local stack stops (kill -9, or SIGTERM mid-call) ends
``failed`` on the next start: its execution says why, the instance lock is free again and
``DbSchemaDeploymentFailed`` is on the bus."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import sqlalchemy
from schemashift.flyway.history import SchemaHistory
from schemashift.local import bus_log
from schemashift.targets import open_target

from tests.support.local_process import Running
from tests.support.realdb import require_real_db

KEY = {"x-api-key": "local-dev-key"}
PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}
FILES = {"flyway.toml": '[flyway]\nlocations = ["filesystem:sql"]\n',
         "sql/V2__orders.sql": "CREATE TABLE orders (id INT PRIMARY KEY);\n"}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = require_real_db("SCHEMASHIFT_TEST_POSTGRES_URL")
    name = "ss_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sqlalchemy.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


def call(method: str, url: str, expect: int | None = None, **kwargs: Any) -> Any:
    response = requests.request(method, url, headers=KEY, timeout=60, **kwargs)
    if expect is not None:
        assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text[:500]}"
    return response


def setup(running: Running, url: str) -> str:
    """A Flyway schema and its instance on the PostgreSQL database (credentials in Secrets Manager)."""
    base = f"{running.api}/v1/orgs/default/projects/p{uuid.uuid4().hex[:6]}"
    call("POST", f"{base}/dbschema", 201, json={"identifier": "app", "name": "App", "migrationType": "Flyway"})
    call("PUT", f"{base}/dbschema/app/changelog", 200, json={"files": FILES})
    parsed = sqlalchemy.engine.make_url(url)
    secrets = boto3.client("secretsmanager", endpoint_url=running.aws, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    secret = secrets.create_secret(Name=f"schemashift/local/db-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(
        {"username": parsed.username, "password": parsed.password or ""}))
    call("POST", f"{base}/dbschema/app/instance", 201, json={
        "identifier": "main", "name": "main", "secretArn": secret["ARN"],
        "url": parsed.set(username=None, password=None).render_as_string(hide_password=False)})
    return base


def command(base: str, name: str, **body: Any) -> requests.Response:
    return call("POST", f"{base}/dbschema/app/dbinstance/main/flyway/{name}", json={**PIPE, **body})


def executions(base: str) -> list[dict[str, Any]]:
    return call("GET", f"{base}/dbschema/app/instance/main/executions", 200).json()["executions"]


def interrupt(running: Running, base: str, url: str, name: str, sig: int) -> str:
    """Start ``name`` while another session holds Flyway's lock on the history table, so the call
    waits inside the command (its execution IN_PROGRESS, the instance lock held); stop the stack then."""
    with open_target(url) as target, SchemaHistory(target).lock(0):
        caller = threading.Thread(target=_ignore_errors, args=(base, name), daemon=True)
        caller.start()
        deadline = time.monotonic() + 8  # the command gives up waiting for Flyway's lock after 10 s
        running_now: list[dict[str, Any]] = []
        while not running_now and time.monotonic() < deadline:
            running_now = [e for e in executions(base) if e["kind"] == name and e["status"] == "IN_PROGRESS"]
            time.sleep(0.2)
        assert running_now, f"step: the {name} never showed as running: {executions(base)}"
        time.sleep(1.0)  # more than the journal's flush interval, less than the lock wait left
        assert next(e["status"] for e in executions(base) if e["kind"] == name) == "IN_PROGRESS"
        running.stop(sig)
    caller.join(timeout=30)
    return str(running_now[0]["executionId"])


def _ignore_errors(base: str, name: str) -> None:
    with contextlib.suppress(requests.RequestException):  # the stack stopped under the call: the point
        command(base, name)


def failed_events(home: Path, execution_id: str) -> list[dict[str, Any]]:
    return [e for e in bus_log.read(home, last=1000)
            if e["detail-type"] == "DbSchemaDeploymentFailed" and e["detail"].get("executionId") == execution_id]


def check_ended(running: Running, home: Path, base: str, execution_id: str, kind: str) -> None:
    execution = call("GET", f"{base}/executions/{execution_id}", 200).json()
    assert (execution["kind"], execution["status"]) == (kind, "FAILURE"), execution
    assert execution["error"]["code"] == "LocalStackStopped" and "stopped" in execution["error"]["message"]
    [event] = failed_events(home, execution_id)
    assert event["detail"]["kind"] == kind and event["detail"]["status"] == "FAILURE"
    assert event["detail"]["error"]["code"] == "LocalStackStopped"


def test_baseline_and_repair_left_running_by_a_stop_end_failed(stack_process: Any, tmp_path: Path,
                                                                 postgres_url: str) -> None:
    home = tmp_path / "home"
    first = stack_process()
    base = setup(first, postgres_url)
    baseline_id = interrupt(first, base, postgres_url, "baseline", signal.SIGKILL)

    second = stack_process()
    check_ended(second, home, base, baseline_id, "baseline")  # step: the baseline killed with the stack
    # The instance lock is free (a held one answers 409 for five minutes): the baseline runs now.
    again = command(base, "baseline", baselineVersion="1")
    assert again.status_code == 200 and again.json()["successfullyBaselined"] is True, again.text
    repair_id = interrupt(second, base, postgres_url, "repair", signal.SIGTERM)

    third = stack_process()
    check_ended(third, home, base, repair_id, "repair")  # step: the repair under a clean stop
    repaired = command(base, "repair")
    assert repaired.status_code == 200, repaired.text
    assert [e["status"] for e in executions(base)][:1] == ["SUCCESS"]
    assert len(failed_events(home, baseline_id)) == 1, "step: a later start does not end it again"
    third.stop(signal.SIGTERM)
