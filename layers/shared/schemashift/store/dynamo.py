"""Thin helpers over the boto3 Table resource: paginated queries and batched reads/writes.

Every request-path read is a GetItem, BatchGetItem or Query on a key; there is no Scan here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25


def query_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """All items of a Query, following LastEvaluatedKey."""
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


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


def plain(value: Any) -> Any:
    """DynamoDB Decimals -> int/float, recursively, for JSON responses."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value
