"""Where table data and pending uploads live in the data bucket (boto3 only, no Lance).

Keys are partitioned by account like the metadata: ``tables/{account}/{tableId}/`` holds one
table's Lance dataset and ``uploads/{account}/{tableId}/{uploadId}`` one large request body.
Removing a table's data is a prefix delete, which the metadata-only functions can do without
loading Lance.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

TABLES_PREFIX = "tables"
UPLOADS_PREFIX = "uploads"


def table_prefix(account: str, table_id: str) -> str:
    return f"{TABLES_PREFIX}/{account}/{table_id}"


def upload_key(account: str, table_id: str, upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}/{account}/{table_id}/{upload_id}"


@dataclass(frozen=True)
class DataBucket:
    """The bucket with the S3 clients that reach it (``presigner`` signs upload URLs with SigV4)."""

    s3: Any
    name: str
    presigner: Any = None

    def table_uri(self, account: str, table_id: str) -> str:
        return f"s3://{self.name}/{table_prefix(account, table_id)}"

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix/``; returns how many were deleted."""
        from schemashift.aws import delete_prefix

        return delete_prefix(self.name, prefix, self.s3)

    def delete_table_data(self, account: str, table_id: str) -> int:
        return self.delete_prefix(table_prefix(account, table_id))


def default_bucket() -> DataBucket:
    from schemashift.aws import client
    from schemashift.settings import get_settings

    settings = get_settings()
    presigner = _presigner(settings.region, os.environ.get("AWS_ENDPOINT_URL"))
    return DataBucket(client("s3"), settings.bucket, presigner)


@cache
def _presigner(region: str, endpoint: str | None) -> Any:
    """boto3 may presign S3 URLs with SigV2, which buckets created since 2020 refuse; force SigV4.

    Cached per endpoint because the local stack points AWS_ENDPOINT_URL at its emulator."""
    import boto3
    from botocore.config import Config

    config = Config(signature_version="s3v4")
    return boto3.session.Session().client("s3", region_name=region, endpoint_url=endpoint, config=config)
