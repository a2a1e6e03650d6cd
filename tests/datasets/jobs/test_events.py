"""Pipelines: DatasetMigrationRequested on the schemashift bus starts a migration, and the outcome
comes back as DatasetMigrationCompleted / DatasetMigrationFailed, or DatasetMigrationRejected with a
reason (delivered here to an SQS queue)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from schemashift.aws import client
from schemashift.settings import get_settings

from tests.datasets.api_helpers import new_table
from tests.datasets.jobs.helpers import op, rows, wait
from tests.support.client import ApiClient

ROOT = Path(__file__).resolve().parents[3]
ADD_FLAG = [op("add_column", name="flag", dataType="bool", nullable=False, defaultValue=False)]


@pytest.fixture
def outcomes(stack) -> Any:
    """A queue subscribed to the outcome events; ``receive(table_id, kind)`` returns the next one."""
    sqs, events, bus = client("sqs"), client("events"), get_settings().event_bus
    name = f"outcomes-{uuid.uuid4().hex[:8]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["schemashift"],
        "detail-type": ["DatasetMigrationCompleted", "DatasetMigrationFailed", "DatasetMigrationRejected"],
    }
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])

    seen: list[dict[str, Any]] = []

    def receive(table_id: str, kind: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in seen:
                if event["detail"].get("tableId") == table_id and kind in (None, event["detail-type"]):
                    seen.remove(event)
                    return event
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                seen.append(json.loads(message["Body"]))
            time.sleep(0.1)
        raise AssertionError(f"no {kind or 'outcome'} event for table {table_id}")

    yield receive
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
    events.delete_rule(Name=name, EventBusName=bus)


def request(table_id: str, **detail: Any) -> str:
    entry = {
        "Source": "ci.pipeline",
        "DetailType": "DatasetMigrationRequested",
        "Detail": json.dumps({"account": "local", "tableId": table_id, **detail}),
        "EventBusName": get_settings().event_bus,
    }
    return client("events").put_events(Entries=[entry])["Entries"][0]["EventId"]


def test_requested_event_runs_a_migration_and_reports_completion(api: ApiClient, outcomes) -> None:
    table_id = new_table(api)
    event_id = request(table_id, operations=ADD_FLAG, description="from the pipeline")
    event = outcomes(table_id)
    assert event["detail-type"] == "DatasetMigrationCompleted" and event["source"] == "schemashift"
    detail = event["detail"]
    assert detail["status"] == "completed" and detail["progressPercent"] == 100
    assert detail["requestEventId"] == event_id and detail["schemaVersion"] == 2
    assert detail["description"] == "from the pipeline" and detail["account"] == "local"
    operation = api.get(f"/dataset-tables/{table_id}/operations/{detail['operationId']}").json()
    assert operation["status"] == "completed"
    assert api.get(f"/dataset-tables/{table_id}/schema").json()["fields"][-1]["name"] == "flag"


def test_failed_migration_and_rejected_request_are_reported(api: ApiClient, outcomes) -> None:
    table_id = new_table(api)
    assert (
        api.post(
            f"/dataset-tables/{table_id}/rows", [{"id": 1, "name": "x"}], params={"mode": "append"}
        ).status
        == 200
    )
    request(table_id, operations=[op("change_column_type", name="name", newType="int64")])
    failed = outcomes(table_id)
    assert failed["detail-type"] == "DatasetMigrationFailed"
    assert failed["detail"]["status"] == "failed" and failed["detail"]["error"]["code"] == "CAST_FAILED"
    assert rows(api, table_id) == [{"id": 1, "name": "x", "amount": None, "placed": None}]

    unknown = f"missing-{uuid.uuid4().hex[:8]}"
    event_id = request(unknown, operations=ADD_FLAG)
    rejected = outcomes(unknown, "DatasetMigrationRejected")
    assert rejected["detail"]["status"] == "rejected" and rejected["detail"]["requestEventId"] == event_id
    assert rejected["detail"]["error"]["code"] == "NOT_FOUND" and rejected["detail"]["tableId"] == unknown
    assert rejected["detail"]["reason"] == rejected["detail"]["error"]["message"] and "not found" in (
        rejected["detail"]["reason"].lower()
    )
    also_failed = outcomes(unknown, "DatasetMigrationFailed")  # pipelines that wait only for completions
    assert also_failed["detail"] == rejected["detail"]
    invalid = new_table(api)
    request(invalid, operations=[op("drop_column", name="nope")])
    problems = outcomes(invalid, "DatasetMigrationRejected")["detail"]["error"]
    assert problems["code"] == "VALIDATION_ERROR"
    assert len(problems["details"]) == 1 and problems["details"][0].startswith("operations[0] (drop_column):")


def test_a_redelivered_event_starts_nothing_new(api: ApiClient, stack) -> None:
    table_id = new_table(api)
    event = json.loads((ROOT / "events" / "tasks_table_migration_event.json").read_text())
    event["id"] = str(uuid.uuid4())
    event["detail"] = {"account": "local", "tableId": table_id, "operations": ADD_FLAG}
    first = stack.invoke("TableMigrationEventFunction", event)
    again = stack.invoke("TableMigrationEventFunction", event)
    assert first["status"] == "started" and again == first
    assert wait(api, table_id, first["operationId"])["status"] == "completed"
    assert len(api.get(f"/dataset-tables/{table_id}/operations").json()["operations"]) == 1
