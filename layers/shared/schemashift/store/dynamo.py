"""Thin helpers over the boto3 Table resource: paginated queries, batched reads/writes, and the
one builder of update expressions.

Every request-path read is a GetItem, BatchGetItem or Query on a key; there is no Scan here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from schemashift.paging import Page, PageRequest, decode_cursor, encode_cursor

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25


def query_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """All items of a Query, following LastEvaluatedKey.

    With string expressions (every caller's), the Query goes through the low-level client and its
    items are converted here exactly as the Table resource converts them (``plain_item``): the
    resource walks the output shape of every response, a third of a 500-item Query's client cost.
    Condition objects, or a table of another endpoint, take the resource's path."""
    dynamodb = _low_level(table)
    if dynamodb is None or any(not isinstance(kwargs.get(name, ""), str) for name in _EXPRESSIONS):
        yield from _query_all_resource(table, **kwargs)
        return
    request = {"TableName": table.name, **kwargs}
    for name in ("ExpressionAttributeValues", "ExclusiveStartKey"):
        if name in request:
            request[name] = wire_item(request[name])
    while True:
        page = dynamodb.query(**request)
        for item in page.get("Items", ()):
            yield plain_item(item)
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last  # already in wire form


_EXPRESSIONS = ("KeyConditionExpression", "FilterExpression", "ProjectionExpression")


def _query_all_resource(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def _low_level(table: Any) -> Any:
    """The shared low-level DynamoDB client, if it reaches the same endpoint as ``table``."""
    from schemashift.aws import client

    dynamodb = client("dynamodb")
    theirs, ours = table.meta.client.meta, dynamodb.meta
    return dynamodb if (theirs.endpoint_url, theirs.region_name) == (ours.endpoint_url, ours.region_name) else None


def batch_get(table: Any, keys: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
    """BatchGetItem in chunks of 100, retrying unprocessed keys."""
    items: list[dict[str, Any]] = []
    resource = table.meta.client
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {table.name: {"Keys": keys[start : start + BATCH_GET_LIMIT], **kwargs}}
        while request:
            response = resource.batch_get_item(RequestItems=request)
            items += response.get("Responses", {}).get(table.name, [])
            request = response.get("UnprocessedKeys") or {}
    return items


def batch_write(table: Any, puts: Iterable[dict[str, Any]] = (), deletes: Iterable[dict[str, Any]] = ()) -> None:
    """Put and delete many items; batch_writer chunks by 25 and retries unprocessed items."""
    with table.batch_writer() as writer:
        for item in puts:
            writer.put_item(Item=item)
        for key in deletes:
            writer.delete_item(Key=key)


def wire_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's wire form, exactly as boto3's ``TypeSerializer`` makes it, for writes
    sent through the low-level client (the Table resource walks the service model to find where to
    convert: a quarter of a bulk write's client cost). Strings, ints, bools, None, maps and lists are
    converted here; everything else (Decimals, sets, bytes, floats) by boto3's serializer."""
    return {key: _wire(value) for key, value in item.items()}


_MAX_EXACT_INT = 10**38  # DynamoDB numbers carry 38 digits; boto3 refuses longer ones (left to it)


def _wire(value: Any) -> dict[str, Any]:
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if kind is int and -_MAX_EXACT_INT < value < _MAX_EXACT_INT:
        return {"N": str(value)}
    if kind is dict:
        return {"M": {key: _wire(member) for key, member in value.items()}}
    if kind is list:
        return {"L": [_wire(member) for member in value]}
    return _serializer().serialize(value)


_SERIALIZER: Any = None


def _serializer() -> Any:
    global _SERIALIZER
    if _SERIALIZER is None:
        from boto3.dynamodb.types import TypeSerializer

        _SERIALIZER = TypeSerializer()
    return _SERIALIZER


def plain_item(wire: Mapping[str, Any]) -> dict[str, Any]:
    """An item read through the low-level client, exactly as boto3's ``TypeDeserializer`` makes it
    (the Table resource's conversion): strings, numbers (``Decimal`` in DynamoDB's context), bools,
    nulls, maps and lists here; binary values and sets by boto3's deserializer."""
    return {key: _plain(value) for key, value in wire.items()}


def _plain(value: Mapping[str, Any]) -> Any:
    if len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "S" or kind == "BOOL":
            return raw
        if kind == "N":
            return _number()(raw)
        if kind == "M":
            return {key: _plain(member) for key, member in raw.items()}
        if kind == "L":
            return [_plain(member) for member in raw]
        if kind == "NULL":
            return None
    return _deserializer().deserialize(value)


@cache
def _number() -> Any:
    """boto3's ``Decimal`` constructor for DynamoDB numbers (38 digits; boto3 loads on first use)."""
    from boto3.dynamodb.types import DYNAMODB_CONTEXT

    return DYNAMODB_CONTEXT.create_decimal


_DESERIALIZER: Any = None


def _deserializer() -> Any:
    global _DESERIALIZER
    if _DESERIALIZER is None:
        from boto3.dynamodb.types import TypeDeserializer

        _DESERIALIZER = TypeDeserializer()
    return _DESERIALIZER


def plain(value: Any) -> Any:
    """DynamoDB Decimals -> int/float, recursively, for JSON responses."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def update_kwargs(
    fields: Mapping[str, Any] | None = None,
    *,
    add: Mapping[str, Any] | None = None,
    if_absent: Mapping[str, Any] | None = None,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The UpdateExpression and placeholders that SET ``fields``, ADD ``add`` and set ``if_absent``
    only where the attribute is missing. Every attribute goes through a ``#u<n>`` name (no reserved
    word can break it); ``condition`` brings its own ``names``/``values`` placeholders."""
    all_names: dict[str, str] = dict(names or {})
    all_values: dict[str, Any] = dict(values or {})
    sets: list[str] = []
    adds: list[str] = []

    def placeholders(attribute: str, value: Any) -> tuple[str, str]:
        n = len(all_values)
        name, ref = f"#u{n}", f":u{n}"
        all_names[name] = attribute
        all_values[ref] = value
        return name, ref

    for attribute, value in (fields or {}).items():
        name, ref = placeholders(attribute, value)
        sets.append(f"{name} = {ref}")
    for attribute, value in (if_absent or {}).items():
        name, ref = placeholders(attribute, value)
        sets.append(f"{name} = if_not_exists({name}, {ref})")
    for attribute, value in (add or {}).items():
        name, ref = placeholders(attribute, value)
        adds.append(f"{name} {ref}")
    clauses = ([f"SET {', '.join(sets)}"] if sets else []) + ([f"ADD {', '.join(adds)}"] if adds else [])
    if not clauses:
        raise ValueError("an update needs at least one attribute to change")
    kwargs: dict[str, Any] = {"UpdateExpression": " ".join(clauses), "ExpressionAttributeNames": all_names}
    if all_values:
        kwargs["ExpressionAttributeValues"] = all_values
    if condition:
        kwargs["ConditionExpression"] = condition
    return kwargs


def update_item(
    table: Any,
    key: Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
    *,
    returns: str = "ALL_NEW",
    **options: Any,
) -> dict[str, Any]:
    """One UpdateItem built by ``update_kwargs``; returns the attributes DynamoDB sends back.

    A failed ``condition`` raises the client's ``ConditionalCheckFailedException``
    (``condition_failed(table)``), for the caller to translate into a domain error."""
    response = table.update_item(Key=dict(key), ReturnValues=returns, **update_kwargs(fields, **options))
    return response.get("Attributes") or {}


def condition_failed(table: Any) -> type[Exception]:
    """The exception a failed ConditionExpression raises on ``table``."""
    return table.meta.client.exceptions.ConditionalCheckFailedException


def query_page(
    table: Any,
    request: PageRequest,
    *,
    key_names: tuple[str, ...],
    pinned: dict[str, str],
    key_prefix: str,
    **query: Any,
) -> Page[dict[str, Any]]:
    """One page of a Query, continuing from ``request.cursor``; the cursor must match ``pinned`` and
    stay under ``key_prefix``. Fills the page through a ``FilterExpression`` (DynamoDB applies
    ``Limit`` before filtering), and the cursor names the last item returned, so nothing is skipped."""
    start = decode_cursor(request.cursor, pinned=pinned, key_prefix=key_prefix)
    items: list[dict[str, Any]] = []
    while True:
        response = table.query(Limit=request.limit, **query, **({"ExclusiveStartKey": start} if start else {}))
        found = response.get("Items", [])
        last_key = response.get("LastEvaluatedKey")
        for position, item in enumerate(found):
            items.append(item)
            if len(items) == request.limit:
                more = position < len(found) - 1 or last_key is not None
                cursor = encode_cursor({name: item[name] for name in key_names}) if more else None
                return Page(items, cursor)
        if not last_key:
            return Page(items, None)
        start = last_key
