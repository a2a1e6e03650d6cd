"""Checkpoint items go out in DynamoDB's wire form converted by schemashift itself: exactly what
boto3's serializer (which the Table resource uses) makes of the same values, and the same items read
back through the resource."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeSerializer
from schemashift.store.dynamo import wire_item

VALUES = {
    "s": "text", "empty": "", "unicode": "żółw ✓", "i": 42, "neg": -7, "zero": 0, "big": 10**37,
    "ms": 1764650000000, "t": True, "f": False, "none": None, "dec": Decimal("1.50"), "decint": Decimal(3),
    "m": {"a": 1, "b": [None, "x", {"c": False}], "d": Decimal("0.1")}, "l": [1, "2", [3]], "ss": {"a", "b"},
    "ns": {1, 2}, "bytes": b"\x00\x01", "emptymap": {}, "emptylist": [],
}  # fmt: skip


def test_wire_items_are_what_boto3_serializes() -> None:
    serializer = TypeSerializer()
    assert wire_item(VALUES) == {key: serializer.serialize(value) for key, value in VALUES.items()}


@pytest.mark.parametrize("value", [1.5, 10**38, float("nan")])
def test_values_boto3_refuses_are_refused_alike(value: object) -> None:
    with pytest.raises(Exception) as ours:  # whatever boto3 raises, the same
        wire_item({"v": value})
    with pytest.raises(Exception) as boto3s:
        TypeSerializer().serialize(value)
    assert (type(ours.value), str(ours.value)) == (type(boto3s.value), str(boto3s.value))


def test_checkpoint_items_read_back_as_written(stack) -> None:
    from schemashift.aws import client, dynamodb_table
    from schemashift.settings import get_settings

    table = get_settings().executions_table
    item = {"pk": f"TEST#{uuid.uuid4().hex}", "sk": "R#1", **{k: v for k, v in VALUES.items() if k != "bytes"}}
    client("dynamodb").batch_write_item(RequestItems={table: [{"PutRequest": {"Item": wire_item(item)}}]})
    read = dynamodb_table(table).get_item(Key={"pk": item["pk"], "sk": "R#1"})["Item"]
    expected = {**item, "i": Decimal(42), "neg": Decimal(-7), "zero": Decimal(0), "big": Decimal(10**37),
                "ms": Decimal(1764650000000), "decint": Decimal(3), "ns": {Decimal(1), Decimal(2)},
                "m": {"a": Decimal(1), "b": [None, "x", {"c": False}], "d": Decimal("0.1")},
                "l": [Decimal(1), "2", [Decimal(3)]]}
    assert read == expected
