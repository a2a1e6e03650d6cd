"""Who may start work through the bus: a ``...Requested`` event starts a deployment or a table
migration only when the AWS account that put it (the envelope's ``account``) is one the tenant in
``detail.account`` trusts; by default only the service's own AWS account. Any other is answered
``<Name>Rejected`` (and the half's ``...Failed``) with code FORBIDDEN and the reason.

Events are put on the local stack's bus as AWS accounts would: the own account by name, another
by the bus's ARN (the emulator takes the caller's account from ``x-moto-account-id``)."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from schemashift.accounts import change_event_senders, check_event_sender, event_senders
from schemashift.auth.keys import create_api_key
from schemashift.aws import client
from schemashift.errors import Forbidden
from schemashift.local import bus_log
from schemashift.local.stack import ACCOUNT_ID
from schemashift.settings import ConfigurationError, get_settings

from tests.datasets.api_helpers import new_table
from tests.datasets.jobs.helpers import op
from tests.support.client import ApiClient

FOREIGN = "210987654321"
TRUSTED = "111122223333"
ADD_FLAG = [op("add_column", name="flag", dataType="bool", nullable=False, defaultValue=False)]


def put(detail_type: str, detail: dict[str, Any], sender: str = ACCOUNT_ID) -> str:
    """Put one request on the schemashift bus as AWS account ``sender``; returns its event id."""
    settings = get_settings()
    entry = {"Source": "ci.pipeline", "DetailType": detail_type, "Detail": json.dumps(detail),
             "EventBusName": settings.event_bus}
    if sender == ACCOUNT_ID:
        events = client("events")
    else:
        entry["EventBusName"] = f"arn:aws:events:{settings.region}:{ACCOUNT_ID}:event-bus/{settings.event_bus}"
        events = boto3.session.Session().client("events", region_name=settings.region,
                                                endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        events.meta.events.register("before-sign.events.PutEvents",
                                    lambda request, **_: request.headers.__setitem__("x-moto-account-id", sender))
    result = events.put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0, result
    return result["Entries"][0]["EventId"]


def answers(key: str, value: str, *kinds: str, timeout: float = 60.0) -> dict[str, dict[str, Any]]:
    """The first event of each detail-type in ``kinds`` whose detail has ``key == value``."""
    home, found = Path(os.environ["SCHEMASHIFT_HOME"]), {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in bus_log.read(home, last=2000):
            if event["detail-type"] in kinds and (event["detail"] or {}).get(key) == value:
                found.setdefault(event["detail-type"], event)
        if len(found) == len(kinds):
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {set(kinds) - set(found)} for {key}={value}")


def tenant(api: ApiClient) -> tuple[str, ApiClient]:
    """A fresh account with a key of its own: its event senders never touch other tests' accounts."""
    account = "ev-" + uuid.uuid4().hex[:8]
    key, _ = create_api_key(account, ["*/*"])
    return account, api.with_key(key)


def deployment(account: str) -> dict[str, Any]:
    return {"account": account, "org": "o", "project": "p", "dbschema": "nope", "dbinstance": "main",
            "pipeline": "deploy", "stageExecutionId": f"s-{uuid.uuid4().hex[:8]}"}


def test_a_foreign_account_cannot_start_a_deployment(stack) -> None:
    detail = deployment("local")
    event_id = put("DbSchemaApplyRequested", detail, sender=FOREIGN)
    seen = answers("stageExecutionId", detail["stageExecutionId"], "DbSchemaApplyRequested",
                   "DbSchemaApplyRejected", "DbSchemaDeploymentFailed")
    assert seen["DbSchemaApplyRequested"]["account"] == FOREIGN  # stamped by the bus, not by the sender
    rejected = seen["DbSchemaApplyRejected"]["detail"]
    assert rejected["status"] == "REJECTED" and rejected["requestEventId"] == event_id
    assert rejected["error"]["code"] == "FORBIDDEN" and rejected["reason"] == rejected["error"]["message"]
    assert rejected["reason"].startswith(f"events from AWS account {FOREIGN} may not start work for account 'local'")
    assert rejected["error"]["details"] == {"senderAccount": FOREIGN, "account": "local"}
    assert seen["DbSchemaDeploymentFailed"]["detail"] == rejected


def test_a_foreign_account_cannot_start_a_table_migration(api: ApiClient, stack) -> None:
    table_id = new_table(api)
    put("DatasetMigrationRequested", {"account": "local", "tableId": table_id, "operations": ADD_FLAG},
        sender=FOREIGN)
    seen = answers("tableId", table_id, "DatasetMigrationRejected", "DatasetMigrationFailed")
    rejected = seen["DatasetMigrationRejected"]["detail"]
    assert rejected["status"] == "rejected" and rejected["error"]["code"] == "FORBIDDEN"
    assert f"events from AWS account {FOREIGN} may not start work for account 'local'" in rejected["reason"]
    assert seen["DatasetMigrationFailed"]["detail"] == rejected
    assert api.get(f"/dataset-tables/{table_id}/operations").json()["operations"] == []
    assert "flag" not in [f["name"] for f in api.get(f"/dataset-tables/{table_id}/schema").json()["fields"]]


def test_the_own_account_by_default_then_only_the_trusted_senders(api: ApiClient, stack) -> None:
    account, client_of = tenant(api)
    first, second, third = new_table(client_of), new_table(client_of), new_table(client_of)
    put("DatasetMigrationRequested", {"account": account, "tableId": first, "operations": ADD_FLAG})
    assert answers("tableId", first, "DatasetMigrationCompleted")  # nothing configured: the own account starts

    assert change_event_senders(account, add=[TRUSTED]) == (TRUSTED,)
    put("DatasetMigrationRequested", {"account": account, "tableId": second, "operations": ADD_FLAG}, sender=TRUSTED)
    done = answers("tableId", second, "DatasetMigrationCompleted")["DatasetMigrationCompleted"]["detail"]
    assert done["account"] == account and done["status"] == "completed"
    assert client_of.get(f"/dataset-tables/{second}/schema").json()["fields"][-1]["name"] == "flag"

    put("DatasetMigrationRequested", {"account": account, "tableId": third, "operations": ADD_FLAG})
    reason = answers("tableId", third, "DatasetMigrationRejected")["DatasetMigrationRejected"]["detail"]["reason"]
    assert reason == (f"events from AWS account {ACCOUNT_ID} may not start work for account {account!r}: "
                      "it is not among the account's event senders")

    detail = deployment(account)  # the deployment half passes the same wall, then finds no schema
    put("DbSchemaApplyRequested", detail, sender=TRUSTED)
    error = answers("stageExecutionId", detail["stageExecutionId"], "DbSchemaApplyRejected")[
        "DbSchemaApplyRejected"]["detail"]["error"]
    assert error["code"] == "NOT_FOUND" and "nope" in error["message"]

    assert change_event_senders(account, remove=[TRUSTED]) == () and event_senders(account) == ()
    check_event_sender(account, ACCOUNT_ID)  # back to the default


def test_a_request_naming_no_sender_or_a_bad_account_is_refused(stack) -> None:
    with pytest.raises(Forbidden, match="unknown AWS account"):
        check_event_sender("local", None)
    detail = deployment("bad/account")
    put("DbSchemaApplyRequested", detail)
    error = answers("stageExecutionId", detail["stageExecutionId"], "DbSchemaApplyRejected")[
        "DbSchemaApplyRejected"]["detail"]["error"]
    assert error["code"] == "VALIDATION_ERROR" and "bad/account" in error["message"]


def test_without_the_service_account_id_the_function_fails_loudly(stack, monkeypatch) -> None:
    monkeypatch.setenv("SERVICE_AWS_ACCOUNT_ID", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="SERVICE_AWS_ACCOUNT_ID is not set"):
            check_event_sender("local", ACCOUNT_ID)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    check_event_sender("local", ACCOUNT_ID)
