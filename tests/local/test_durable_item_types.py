"""Every DynamoDB attribute type, at any depth, comes back from the local stack's stored state equal,
after a stop (SIGTERM) and after a crash (SIGKILL); writing one never costs the journal other items."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import boto3

from tests.support.local_process import Running

EVERY_TYPE: dict[str, Any] = {
    "s": {"S": "text ü"},
    "n": {"N": "-12.5"},
    "b": {"B": b"\x00\xff binary"},
    "bool": {"BOOL": False},
    "null": {"NULL": True},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.25"]},
    "bs": {"BS": [b"\x00", b"\xfe\xff"]},
    "l": {"L": [{"B": b"\x01"}, {"BS": [b"x", b"y"]}, {"NS": ["7"]}, {"L": [{"B": b"deep"}]}]},
    "m": {"M": {"b": {"B": b"\x02"}, "bs": {"BS": [b"q"]}, "m": {"M": {"l": {"L": [{"BS": [b"z"]}, {"SS": ["w"]}]}}}}},
}


def dynamodb(running: Running) -> Any:
    return boto3.client("dynamodb", endpoint_url=running.aws, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def resources_table(home: Path) -> str:
    return json.loads((home / "local.json").read_text())["environment"]["RESOURCES_TABLE"]


def key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"TYPES#{name}"}, "sk": {"S": "ITEM"}}


def read(running: Running, table: str, name: str) -> dict[str, Any] | None:
    return dynamodb(running).get_item(TableName=table, Key=key(name), ConsistentRead=True).get("Item")


def test_every_attribute_type_survives_sigterm_and_sigkill(stack_process: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = stack_process()
    table = resources_table(home)
    client = dynamodb(first)
    client.put_item(TableName=table, Item={**key("put"), **EVERY_TYPE})
    client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {**key("batch"), **EVERY_TYPE}}}]})
    client.put_item(TableName=table, Item={**key("updated"), "s": {"S": "x"}})
    client.update_item(TableName=table, Key=key("updated"),
                       UpdateExpression="SET l = :l, m = :m ADD bs :bs, ns :ns",
                       ExpressionAttributeValues={":l": EVERY_TYPE["l"], ":m": EVERY_TYPE["m"],
                                                  ":bs": {"BS": [b"\x00", b"\xfe\xff"]}, ":ns": {"NS": ["3"]}})
    client.put_item(TableName=table, Item={**key("plain"), "s": {"S": "written in the same flush"}})
    updated = read(first, table, "updated")
    assert updated is not None and updated["bs"] == EVERY_TYPE["bs"] and updated["m"] == EVERY_TYPE["m"]
    first.stop(signal.SIGTERM)

    second = stack_process()  # step: after a clean stop
    assert read(second, table, "put") == {**key("put"), **EVERY_TYPE}
    assert read(second, table, "batch") == {**key("batch"), **EVERY_TYPE}
    assert read(second, table, "updated") == updated
    assert read(second, table, "plain") == {**key("plain"), "s": {"S": "written in the same flush"}}
    # Restored binary values behave as written ones: set arithmetic and conditions on them still work.
    client = dynamodb(second)
    client.update_item(TableName=table, Key=key("put"), UpdateExpression="ADD bs :more DELETE ss :a",
                       ConditionExpression="b = :b AND contains(bs, :one)",
                       ExpressionAttributeValues={":more": {"BS": [b"\x03"]}, ":a": {"SS": ["a"]},
                                                  ":b": EVERY_TYPE["b"], ":one": {"B": b"\x00"}})
    changed = read(second, table, "put")
    assert changed is not None and sorted(changed["bs"]["BS"]) == sorted([b"\x00", b"\xfe\xff", b"\x03"])
    assert changed["ss"] == {"SS": ["b"]}
    client.put_item(TableName=table, Item={**key("late"), **EVERY_TYPE})
    time.sleep(1.5)  # more than the journal's flush interval
    second.stop(signal.SIGKILL)

    third = stack_process()  # step: after kill -9
    assert read(third, table, "put") == changed
    assert read(third, table, "late") == {**key("late"), **EVERY_TYPE}
    assert read(third, table, "updated") == updated
    third.stop(signal.SIGTERM)
