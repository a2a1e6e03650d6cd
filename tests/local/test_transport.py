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


def _answers(table, pk: str) -> list[object]:
    """Every kind of DynamoDB item answer the service reads back: results, pages, counts, old and
    new values, sets, and errors with their modeled fields (on an empty partition)."""
    client = table.meta.client
    answers: list[object] = []

    def record(call, *args, **kwargs) -> None:
        try:
            answer = call(*args, **kwargs)
        except client.exceptions.ClientError as error:
            answer = {"error": type(error).__name__, **error.response}
        answer.pop("ResponseMetadata", None)
        answers.append(answer)

    with table.batch_writer() as batch:
        for i in range(12):
            batch.put_item(Item={"pk": pk, "sk": f"{i:03d}", "n": i, "flag": i % 2 == 0, "f": Decimal("0.5")})
    record(table.put_item, Item={"pk": pk, "sk": "set", "tags": {"a", "b"}, "m": {"l": [1, None, "x"]}})
    record(table.get_item, Key={"pk": pk, "sk": "set"})
    record(table.get_item, Key={"pk": pk, "sk": "absent"})
    record(table.put_item, Item={"pk": pk, "sk": "000", "n": 100}, ReturnValues="ALL_OLD")
    record(table.update_item, Key={"pk": pk, "sk": "001"}, UpdateExpression="SET n = n + :one",
           ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_OLD")
    record(table.delete_item, Key={"pk": pk, "sk": "002"}, ReturnValues="ALL_OLD")
    record(table.query, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk}, Limit=5)
    record(table.query, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
           ExpressionAttributeValues={":p": pk, ":a": "003", ":b": "009"}, Select="COUNT",
           ReturnConsumedCapacity="TOTAL")
    record(table.query, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk, ":t": True},
           FilterExpression="flag = :t", ScanIndexForward=False)
    record(client.batch_get_item, RequestItems={table.name: {"Keys": [{"pk": pk, "sk": "003"},
                                                                      {"pk": pk, "sk": "set"}]}})
    record(client.batch_write_item, RequestItems={table.name: [{"PutRequest": {"Item": {"pk": pk, "sk": "new"}}}]})
    record(table.put_item, Item={"pk": pk, "sk": "003"}, ConditionExpression="attribute_not_exists(pk)",
           ReturnValuesOnConditionCheckFailure="ALL_OLD")
    record(client.transact_write_items, TransactItems=[
        {"Put": {"TableName": table.name, "Item": {"pk": pk, "sk": "004"},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table.name, "Key": {"pk": pk, "sk": "005"}, "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": 5}}}])
    record(client.transact_get_items, TransactItems=[{"Get": {"TableName": table.name,
                                                              "Key": {"pk": pk, "sk": "005"}}}])
    record(table.get_item, Key={"pk": pk})
    with table.batch_writer() as batch:
        for item in table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk})["Items"]:
            batch.delete_item(Key={"pk": pk, "sk": item["sk"]})
    return answers


def test_answers_without_http_are_what_botocore_parses(stack) -> None:
    """The ``before-call`` answers (moto's JSON taken as the parsed response) against the same
    operations through botocore's request, signing and parser (``before-send``), on a twin table."""
    from schemashift.local import transport

    table = dynamodb_table(get_settings().executions_table)
    pk = f"TEST#{uuid.uuid4().hex}"
    installed = transport._installed
    assert installed is not None and installed.answer_before_call
    answered = installed.answered
    direct = _answers(table, pk)
    assert installed.answered - answered >= 15
    installed.answer_before_call = False
    try:
        answered = installed.answered
        parsed = _answers(table, pk)
        assert installed.answered == answered
    finally:
        installed.answer_before_call = True
    assert len(direct) == 15
    assert direct == parsed
    assert direct[-1]["error"] == "ClientError" and direct[-1]["Error"]["Code"] == "ValidationException"
    assert direct[-3]["CancellationReasons"][0]["Code"] == "ConditionalCheckFailed"
    assert direct[1]["Item"]["tags"] == {"a", "b"}


def test_a_kept_update_expression_tree_is_never_changed_by_the_updates_that_use_it(stack) -> None:
    """The emulator keeps each UpdateExpression's parse tree: the same expression with other values,
    on other items, new or existing, must update each item as if freshly parsed; a bad one still fails."""
    table = dynamodb_table(get_settings().executions_table)
    pk = f"TEST#{uuid.uuid4().hex}"
    expression = "SET note = :note, #st = :st ADD n :one REMOVE gone"
    for round_ in range(3):
        for sk in ("a", "b"):
            if round_ == 0 and sk == "b":
                table.put_item(Item={"pk": pk, "sk": sk, "gone": 1})
            table.update_item(Key={"pk": pk, "sk": sk}, UpdateExpression=expression,
                              ExpressionAttributeNames={"#st": "status"},
                              ExpressionAttributeValues={":note": f"{sk}{round_}", ":st": round_, ":one": round_ + 1})
    for sk in ("a", "b"):
        assert table.get_item(Key={"pk": pk, "sk": sk})["Item"] == {"pk": pk, "sk": sk, "note": f"{sk}2",
                                                                    "status": 2, "n": 6}
    for _ in range(2):
        with pytest.raises(table.meta.client.exceptions.ClientError, match="ValidationException"):
            table.update_item(Key={"pk": pk, "sk": "a"}, UpdateExpression="SET = :v",
                              ExpressionAttributeValues={":v": 1})


def test_item_sizes_are_moto_sums_for_every_value_type(stack) -> None:
    """Query pages stop at 1 MB by item size; the emulator's short cut sums what moto's attribute
    values would, for each kind (strings in UTF-8 bytes, numbers as written, nested maps, sets)."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.utilities import bytesize

    attrs = {"pk": {"S": "p"}, "żółw": {"S": "✓ text"}, "n": {"N": "-12.500"}, "t": {"BOOL": False},
             "z": {"NULL": True}, "m": {"M": {"a": {"S": "x"}, "l": {"L": [{"N": "1"}, {"NULL": True}]}}},
             "ss": {"SS": ["a", "bc"]}, "ns": {"NS": ["1", "22"]}, "empty": {"S": ""}, "b": {"B": b"\x00\x01"}}
    item = Item(DynamoType({"S": "p"}), None, attrs)
    assert item.size() == sum(bytesize(key) + DynamoType(value).size() for key, value in attrs.items()) > 40
