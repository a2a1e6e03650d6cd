"""Step payloads in S3: plans, fragment lists and fragment results never ride in the state.

Step Functions caps a state at 256 KB, and a plan or a thousand fragment results can exceed it,
so steps pass small references and keep the documents under ``payloads/operations/{account}/
{operationId}/`` (the bucket's lifecycle rule expires ``payloads/`` after a week).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PREFIX = "payloads/operations"


def operation_prefix(account: str, operation_id: str) -> str:
    return f"{PREFIX}/{account}/{operation_id}"


def plan_key(account: str, operation_id: str) -> str:
    return f"{operation_prefix(account, operation_id)}/plan.json"


def fragments_key(account: str, operation_id: str) -> str:
    """The fragment ids as a JSON array: the Distributed Map's S3 item reader input."""
    return f"{operation_prefix(account, operation_id)}/fragments.json"


def results_prefix(account: str, operation_id: str) -> str:
    return f"{operation_prefix(account, operation_id)}/results/"


def result_key(account: str, operation_id: str, fragment_id: int) -> str:
    return f"{results_prefix(account, operation_id)}{fragment_id}.json"


@dataclass(frozen=True)
class PayloadStore:
    """Where step payloads live: an S3 client and the data bucket."""

    s3: Any
    bucket: str

    def put(self, key: str, document: Any) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def get(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def find(self, key: str) -> Any | None:
        """The document, or None when it was never written."""
        try:
            return self.get(key)
        except self.s3.exceptions.NoSuchKey:
            return None

    def keys(self, prefix: str) -> list[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        return [
            entry["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for entry in page.get("Contents", [])
        ]

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)
