"""A canary password, followed everywhere: it reaches its own database and nothing else, and appears in
no response, log line, DynamoDB item, S3 object or Step Functions history. A fake PostgreSQL server
records every password sent to it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy
from schemashift.auth.keys import create_api_key

from tests.support.client import ApiClient
from tests.support.deployments import wait_for
from tests.support.fake_target import FakePostgres
from tests.support.realdb import require_real_db
from tests.support.tenancy import create_db_secret

PIPE = {"pipeline": "p", "planExecutionId": "e", "stageExecutionId": "s"}
CHANGELOG = ("-- liquibase formatted sql\n\n-- changeset alice:1\nCREATE TABLE canary_t (id INT PRIMARY KEY);\n"
             "-- rollback DROP TABLE canary_t;\n\n-- changeset alice:2\nINSERT INTO missing_table VALUES (1);\n")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[_Lines]:
    """What the functions log, formatted as they ship it (the service logger's own formatter)."""
    from schemashift.observability import logger

    service, root = _Lines(), _Lines()
    service.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(service)
    logging.getLogger().addHandler(root)
    try:
        yield service
    finally:
        logger._logger.removeHandler(service)
        logging.getLogger().removeHandler(root)
        service.lines += root.lines


@pytest.fixture
def canary_database() -> Iterator[tuple[str, str, str]]:
    """A PostgreSQL role whose password is the canary, owning a fresh database: (url without password,
    user, canary)."""
    admin_url = sqlalchemy.engine.make_url(require_real_db("SCHEMASHIFT_TEST_POSTGRES_URL"))
    name = "canary_" + uuid.uuid4().hex[:8]
    canary = "Cnry-" + uuid.uuid4().hex
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD '{canary}'")
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {name}")
    url = admin_url.set(username=None, password=None, database=name).render_as_string(hide_password=False)
    try:
        yield url, name, canary
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        admin.dispose()


def _everything_stored() -> str:
    """Every DynamoDB item, S3 object and Step Functions history of the local stack, as text."""
    from schemashift.aws import client

    dumps: list[str] = []
    dynamodb = client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            dumps.append(json.dumps(page["Items"]))
    s3 = client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
            for version in page.get("Versions", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=version["Key"], VersionId=version["VersionId"])
                dumps.append(body["Body"].read().decode("latin-1"))
    sfn = client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
            dumps.append(json.dumps(history["events"], default=str))
    return "\n".join(dumps)


def test_the_canary_reaches_its_database_and_nowhere_else(stack, api: ApiClient, logs: _Lines,
                                                          canary_database: tuple[str, str, str]) -> None:
    url, user, canary = canary_database
    responses: list[str] = []

    def call(client: ApiClient, method: str, path: str, body=None, **kw):
        response = client.request(method, path, json_body=body, **kw)
        responses.append(response.body.decode(errors="replace") + json.dumps(response.headers))
        return response

    account = "canary-" + uuid.uuid4().hex[:6]
    key, _ = create_api_key(account, ["*/*"])
    owner = api.with_key(key)
    base = "/v1/orgs/o/projects/p"
    call(owner, "POST", f"{base}/dbschema", {"identifier": "s", "name": "s"})
    call(owner, "PUT", f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}})
    secret = create_db_secret(user, canary, account=account)
    # the canary in a URL, in every spelling: refused, never echoed
    host = url.split("://", 1)[1]
    for spelled in (f"postgresql://{user}:{canary}@{host}", f"postgresql://{host}?password={canary}",
                    f"jdbc:postgresql://{host}?user={user}&Password={canary}", f"postgresql://{host}?pwd={canary}",
                    f"postgresql://{host}?pass={canary}", f"jdbc:postgresql://{host};password={canary}",
                    f"jdbc:mysql://{host}?PASSWORD={canary}&x=1"):
        refused = call(owner, "POST", f"{base}/dbschema/s/instance", {"identifier": "bad", "name": "b", "url": spelled})
        assert refused.status == 400, (spelled, refused.json())
    own_server, intruder_server = FakePostgres().start(), FakePostgres().start()
    try:
        call(owner, "POST", f"{base}/dbschema/s/instance", {"identifier": "db", "name": "db", "url": url,
                                                            "secretArn": secret})
        call(owner, "POST", f"{base}/dbschema/s/instance", {"identifier": "fake", "name": "f", "secretArn": secret,
                                                            "url": f"postgresql://127.0.0.1:{own_server.port}/app"})
        outcomes: dict[str, list[str]] = {}
        for instance, body in (("db", {**PIPE, "count": 1}), ("db", PIPE), ("fake", PIPE),
                               ("db", {**PIPE, "dryRun": True})):
            started = call(owner, "POST", f"{base}/dbschema/s/instance/{instance}/apply", body)
            assert started.status == 202, started.json()
            done = wait_for(owner, base, started.json()["executionId"])
            call(owner, "GET", f"{base}/executions/{done['executionId']}")
            outcomes.setdefault(instance, []).append(done["status"])
        assert outcomes == {"db": ["SUCCESS", "FAILURE", "SUCCESS"], "fake": ["FAILURE"]}
        assert call(owner, "POST", f"{base}/dbschema/s/instance/db/sync").status == 200
        assert call(owner, "POST", f"{base}/dbschema/s/instance/fake/sync").status >= 400
        call(owner, "POST", f"{base}/dbschema/s/migrationstate", {})
        call(owner, "GET", f"{base}/dbschema/s/instance/db")

        # another tenant with a server of its own: it can name neither the canary's secret nor its instance
        intruder_account = "intruder-" + uuid.uuid4().hex[:6]
        intruder = api.with_key(create_api_key(intruder_account, ["*/*"])[0])
        call(intruder, "POST", f"{base}/dbschema", {"identifier": "s", "name": "s"})
        call(intruder, "PUT", f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}})
        trap = {"identifier": "trap", "name": "t", "url": f"postgresql://127.0.0.1:{intruder_server.port}/loot",
                "secretArn": secret}
        assert call(intruder, "POST", f"{base}/dbschema/s/instance", trap).status == 403
        trap["secretArn"] = create_db_secret("eve", "intruder-own-password", account=intruder_account)
        assert call(intruder, "POST", f"{base}/dbschema/s/instance", trap).status == 201
        started = call(intruder, "POST", f"{base}/dbschema/s/instance/trap/apply", PIPE)
        assert wait_for(intruder, base, started.json()["executionId"])["status"] == "FAILURE"
        assert call(intruder, "PUT", f"{base}/dbschema/s/instance/trap", {"secretArn": secret}).status == 403
        assert call(intruder, "PUT", f"{base}/dbschema/s/instance/fake", {"name": "x"}).status == 404
    finally:
        own_server.stop()
        intruder_server.stop()
    # each password went to its own instance's server, and only there
    assert own_server.logins and {(x.user, x.password) for x in own_server.logins} == {(user, canary)}
    assert intruder_server.logins and {(x.user, x.password) for x in intruder_server.logins} == {
        ("eve", "intruder-own-password")}

    stored = _everything_stored()
    everywhere = {"responses": "\n".join(responses), "logs": "\n".join(logs.lines), "stored": stored}
    hits = {where: text.count(canary) for where, text in everywhere.items()}
    assert hits == {"responses": 0, "logs": 0, "stored": 0}
    assert logs.lines and "canary_t" in stored  # the places searched are the places things went
