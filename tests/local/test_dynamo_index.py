"""The emulator's Query by key answers exactly what moto's own Query answers (it only reads less)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from schemashift.aws import client
from schemashift.local import dynamo_index


@pytest.fixture()
def table(stack: Any) -> Any:
    name = f"index-test-{uuid.uuid4().hex[:8]}"
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                              for n, t in (("pk", "S"), ("sk", "S"), ("g", "S"), ("gs", "N"))],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "gs", "KeyType": "RANGE"}]}])
    yield name
    dynamodb.delete_table(TableName=name)


def _pages(dynamodb: Any, request: dict[str, Any]) -> list[Any]:
    """Every page's items and LastEvaluatedKey, following the keys."""
    pages, start = [], None
    while True:
        answer = dynamodb.query(**request, **({"ExclusiveStartKey": start} if start else {}))
        pages.append((answer["Items"], answer.get("LastEvaluatedKey"), answer["Count"], answer["ScannedCount"]))
        start = answer.get("LastEvaluatedKey")
        if not start or len(pages) > 200:
            return pages


def _both(dynamodb: Any, request: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    fast = _pages(dynamodb, request)
    dynamo_index.enabled = False
    try:
        moto = _pages(dynamodb, request)
    finally:
        dynamo_index.enabled = True
    return fast, moto


def test_query_by_key_answers_as_moto_does(table: str) -> None:
    dynamodb = client("dynamodb")
    rng = random.Random(7)
    partitions = ["a", "b", "c"]
    groups = ["x", "y"]
    sks = [f"{rng.choice('CDR')}{i:04d}#{rng.choice(['db1', 'db2', 'db10'])}" for i in range(120)]
    for sk in sks:
        item = {"pk": {"S": rng.choice(partitions)}, "sk": {"S": sk}, "v": {"N": str(rng.randint(0, 9))}}
        if rng.random() < 0.7:  # some items are not in the index
            item["g"] = {"S": rng.choice(groups)}
            item["gs"] = {"N": str(rng.randint(-5, 30))}
        dynamodb.put_item(TableName=table, Item=item)
    # writes after the index exists: overwrite, move between index partitions in place, delete
    dynamodb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})
    for sk in rng.sample(sks, 30):
        for pk in partitions:
            dynamodb.update_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                 UpdateExpression="SET g = :g, gs = :s",
                                 ExpressionAttributeValues={":g": {"S": rng.choice(groups)},
                                                            ":s": {"N": str(rng.randint(-5, 30))}})
    for sk in rng.sample(sks, 20):
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": rng.choice(partitions)}, "sk": {"S": sk}})
    dynamodb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": f"C9{i:03d}#db1"}, "g": {"S": "x"}, "gs": {"N": "3"}}}}
        for i in range(20)]})

    conditions = [
        ("", {}), (" AND sk = :a", {":a": {"S": sks[5]}}), (" AND sk < :a", {":a": {"S": "D"}}),
        (" AND sk <= :a", {":a": {"S": sks[40]}}), (" AND sk > :a", {":a": {"S": "C0050"}}),
        (" AND sk >= :a", {":a": {"S": sks[60]}}), (" AND sk BETWEEN :a AND :b", {":a": {"S": "C0010#"}, ":b": {"S": "R0090#~"}}),
        (" AND begins_with(sk, :a)", {":a": {"S": "C"}}), (" AND begins_with(sk, :a)", {":a": {"S": "Q"}}),
    ]
    checked = 0
    for pk in partitions:
        for condition, values in conditions:
            for limit in (None, 1, 7):
                for forward in (True, False):
                    request: dict[str, Any] = {
                        "TableName": table, "KeyConditionExpression": "pk = :p" + condition,
                        "ExpressionAttributeValues": {":p": {"S": pk}, **values}, "ScanIndexForward": forward}
                    if limit:
                        request["Limit"] = limit
                    fast, moto = _both(dynamodb, request)
                    assert fast == moto, request
                    checked += 1
    index_conditions = [("", {}), (" AND gs = :a", {":a": {"N": "3"}}), (" AND gs < :a", {":a": {"N": "0"}}),
                        (" AND gs BETWEEN :a AND :b", {":a": {"N": "2"}, ":b": {"N": "11"}}),
                        (" AND gs >= :a", {":a": {"N": "20"}})]
    for group in [*groups, "none"]:
        for condition, values in index_conditions:
            for limit in (None, 3):
                for forward in (True, False):
                    request = {"TableName": table, "IndexName": "gsi1", "KeyConditionExpression": "g = :g" + condition,
                               "ExpressionAttributeValues": {":g": {"S": group}, **values}, "ScanIndexForward": forward,
                               "FilterExpression": "v <> :nine", "ProjectionExpression": "pk, sk, gs, v"}
                    request["ExpressionAttributeValues"][":nine"] = {"N": "9"}
                    if limit:
                        request["Limit"] = limit
                    fast, moto = _both(dynamodb, request)
                    assert fast == moto, request
                    checked += 1
    assert checked == 3 * 9 * 3 * 2 + 3 * 5 * 2 * 2
