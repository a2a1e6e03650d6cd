"""Queries through the low-level client answer exactly what the Table resource answers: the same
Python values (boto3's deserializer), every page, filters and projections, condition objects too."""

from __future__ import annotations

import uuid
from decimal import Decimal

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from schemashift.store.dynamo import plain_item, query_all

VALUES = {
    "s": "text", "empty": "", "unicode": "żółw ✓", "i": Decimal(42), "neg": Decimal(-7), "frac": Decimal("1.50"),
    "big": Decimal(10**37), "tiny": Decimal("1E-130"), "t": True, "f": False, "none": None,
    "m": {"a": Decimal(1), "b": [None, "x", {"c": False}], "d": Decimal("0.1")}, "l": [Decimal(1), "2", [Decimal(3)]],
    "ss": {"a", "b"}, "ns": {Decimal(1), Decimal("2.5")}, "bytes": Binary(b"\x00\x01"), "bs": {Binary(b"x")},
    "emptymap": {}, "emptylist": [],
}  # fmt: skip


def test_plain_items_are_what_boto3_deserializes() -> None:
    wire = {key: TypeSerializer().serialize(value) for key, value in VALUES.items()}
    ours, boto3s = plain_item(wire), {key: TypeDeserializer().deserialize(value) for key, value in wire.items()}
    assert ours == boto3s == VALUES
    assert {key: type(value) for key, value in ours.items()} == {key: type(value) for key, value in boto3s.items()}
    assert str(ours["frac"]) == "1.50" and str(ours["tiny"]) == str(boto3s["tiny"])


def test_query_all_answers_what_the_resource_answers(stack) -> None:
    from schemashift.aws import dynamodb_table
    from schemashift.settings import get_settings

    table = dynamodb_table(get_settings().executions_table)
    pk = f"TEST#{uuid.uuid4().hex}"
    with table.batch_writer() as batch:
        for i in range(30):
            batch.put_item(Item={"pk": pk, "sk": f"R#{i:03d}", "n": i, "even": i % 2 == 0,
                                 **{k: v for k, v in VALUES.items() if k not in ("bytes", "bs")}})
        batch.put_item(Item={"pk": pk, "sk": "Z#bin", "bytes": Binary(b"\x00\x01"), "bs": {Binary(b"x")}})
    queries = [
        {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": pk}, "Limit": 7},
        {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :r)", "FilterExpression": "even = :t",
         "ExpressionAttributeValues": {":pk": pk, ":r": "R#", ":t": True}, "Limit": 4},
        {"KeyConditionExpression": "pk = :pk", "ProjectionExpression": "sk, #n, m.b",
         "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":pk": pk}, "ScanIndexForward": False},
        {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": pk},
         "ExclusiveStartKey": {"pk": pk, "sk": "R#025"}},
    ]
    for query in queries:
        expected = _resource_query_all(table, dict(query))
        assert list(query_all(table, **dict(query))) == expected and expected, query
    by_condition = list(query_all(table, KeyConditionExpression=Key("pk").eq(pk), FilterExpression=Attr("n").lt(3)))
    assert [item["sk"] for item in by_condition] == ["R#000", "R#001", "R#002"]
    assert next(iter(query_all(table, KeyConditionExpression="pk = :pk AND sk = :b",
                               ExpressionAttributeValues={":pk": pk, ":b": "Z#bin"})))["bytes"] == Binary(b"\x00\x01")


def _resource_query_all(table, query: dict) -> list[dict]:
    items: list[dict] = []
    while True:
        page = table.query(**query)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
