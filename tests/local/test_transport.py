"""In-process AWS calls answer exactly what moto's HTTP server answers, and stay consistent under
concurrent requests."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import boto3
import pytest
from schemashift.aws import dynamodb_table
from schemashift.settings import get_settings


def test_fast_path_answers_like_the_http_server(stack) -> None:
    name = get_settings().executions_table
    local = dynamodb_table(name)
    pk = f"TEST#{uuid.uuid4().hex}"
    item = {"pk": pk, "sk": "a", "n": 3, "m": {"l": [1, "x", None, True], "s": {"a", "b"}}, "f": Decimal("1.5")}
    local.put_item(Item=item)
    local.put_item(Item={"pk": pk, "sk": "b", "n": 1})
    updated = local.update_item(Key={"pk": pk, "sk": "a"}, UpdateExpression="ADD n :one SET z = :z",
                                ExpressionAttributeValues={":one": 1, ":z": "zz"}, ReturnValues="ALL_NEW")
    assert updated["Attributes"]["n"] == 4

    from schemashift.local import transport

    transport.uninstall()
    try:
        over_http = boto3.session.Session().resource(
            "dynamodb", region_name="us-east-1", endpoint_url=stack.emulator.endpoint).Table(name)
        query = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": pk}}
        http_items = over_http.query(**query)["Items"]
        http_get = over_http.get_item(Key={"pk": pk, "sk": "a"}, ProjectionExpression="m, n")["Item"]
        with pytest.raises(over_http.meta.client.exceptions.ConditionalCheckFailedException):
            over_http.put_item(Item={"pk": pk, "sk": "a"}, ConditionExpression="attribute_not_exists(pk)")
    finally:
        transport.install(stack.emulator.port, stack.region)
    assert local.query(**query)["Items"] == http_items
    assert local.get_item(Key={"pk": pk, "sk": "a"}, ProjectionExpression="m, n")["Item"] == http_get
    with pytest.raises(local.meta.client.exceptions.ConditionalCheckFailedException):
        local.put_item(Item={"pk": pk, "sk": "a"}, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(local.meta.client.exceptions.ClientError, match="ValidationException"):
        local.get_item(Key={"pk": pk})  # missing the sort key


def test_queries_and_writes_from_many_threads_never_collide(stack) -> None:
    """moto's backends have no locks: a Query iterating a partition while a BatchWriteItem adds to it
    used to fail with 'dictionary changed size during iteration'."""
    table = dynamodb_table(get_settings().executions_table)
    pk = f"TEST#{uuid.uuid4().hex}"
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with table.batch_writer() as batch:
                for i in range(150):
                    batch.put_item(Item={"pk": pk, "sk": f"{worker}#{i:04d}", "v": i})
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(30):
                table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)] + [threading.Thread(target=read)
                                                                                for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk},
                       Select="COUNT")["Count"] == 450
