"""Lazily created boto3 clients, shared by all domain code.

boto3 costs ~150 ms to import, so it is imported on first use rather than when a handler
module loads. Clients honour AWS_ENDPOINT_URL, which the local stack sets to its moto server.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()


@cache
def client(service: str) -> Any:
    with _lock:
        import boto3
        from botocore.config import Config

        from schemashift.settings import get_settings

        config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)
        return boto3.session.Session().client(service, region_name=get_settings().region, config=config)


@cache
def _dynamodb_resource() -> Any:
    """One resource (one client) for every table: building a client costs milliseconds of endpoint
    rules, so a handler touching four tables builds one, not four."""
    with _lock:
        import boto3
        from botocore.config import Config

        from schemashift.settings import get_settings

        config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)
        return boto3.session.Session().resource("dynamodb", region_name=get_settings().region, config=config)


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource; resources convert Python <-> DynamoDB types for us."""
    return _dynamodb_resource().Table(name)


_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys


def delete_prefix(bucket: str, prefix: str, s3: Any = None) -> int:
    """Delete every object under ``prefix/`` (a folder: ``a/b`` never reaches ``a/bc/``); returns
    how many were deleted. ``s3``: a client of the caller's own, else the shared one."""
    s3 = s3 or client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
        keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
        for start in range(0, len(keys), _DELETE_BATCH):
            chunk = keys[start : start + _DELETE_BATCH]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            deleted += len(chunk)
    return deleted


def reset_clients() -> None:
    """Forget cached clients (the local stack and tests call this after changing endpoints)."""
    client.cache_clear()
    _dynamodb_resource.cache_clear()
    dynamodb_table.cache_clear()


def lance_storage_options() -> dict[str, str]:
    """Object-store options for Lance: on AWS the Lambda role's credentials are found by Lance
    itself; with AWS_ENDPOINT_URL set (the local stack) Lance must be pointed at that endpoint."""
    import os

    from schemashift.settings import get_settings

    options = {"aws_region": get_settings().region}
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options.update(
            {
                "aws_endpoint": endpoint,
                "allow_http": "true" if endpoint.startswith("http://") else "false",
                "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            }
        )
    return options
