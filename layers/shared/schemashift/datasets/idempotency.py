"""Exactly-once row writes for a client-chosen ``idempotency_key`` (Powertools idempotency records).

The record (in the idempotency table) is keyed by account, table and key, and remembers a hash of
mode and body: a repeat with the same body gets the first response back, a repeat with another
body is a 409, and a repeat while the first is still running is a retryable 409. Powertools marks
the record in progress only for the invocation's remaining time, so a crashed write does not
block its key. The Lance layer keeps its own replay marker in the commit (``LanceTable.write``),
which covers the one gap left: a crash after the commit but before the record is completed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from schemashift.errors import Conflict, ValidationFailed

KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 256
REPLAY_WARNING = "idempotent replay: this key was already applied; returning the original result"


class WriteInProgress(Conflict):
    code = "IDEMPOTENCY_KEY_IN_PROGRESS"
    retryable = True


@cache
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    from schemashift.aws import client

    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))


def _mark_replay(response: Any, record: Any) -> Any:
    if isinstance(response, dict):
        warnings = [w for w in response.get("warnings", []) if w != REPLAY_WARNING]
        return {**response, "warnings": [*warnings, REPLAY_WARNING]}
    return response


def run_once(
    table_name: str,
    *,
    account: str,
    table_id: str,
    key: str,
    fingerprint: str,
    write: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
) -> dict[str, Any]:
    """Run ``write`` once per (account, table, key); ``fingerprint`` identifies the request's content."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"idempotency_key must be 1..{MAX_KEY_LENGTH} characters", details={"field": "idempotency_key"}
        )
    config = IdempotencyConfig(
        event_key_jmespath="[account, tableId, key]",
        payload_validation_jmespath="fingerprint",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEY_TTL_SECONDS,
        response_hook=_mark_replay,
    )
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=_persistence(table_name),
        config=config,
        key_prefix="dataset-rows",
    )
    def guarded(request: dict[str, str]) -> dict[str, Any]:
        return write()

    request = {"account": account, "tableId": table_id, "key": key, "fingerprint": fingerprint}
    try:
        return guarded(request=request)
    except IdempotencyValidationError:
        raise Conflict(
            f"idempotency_key {key!r} was already used for a different request",
            details={"idempotency_key": key},
            code="IDEMPOTENCY_KEY_REUSED",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise WriteInProgress(
            f"A request with idempotency_key {key!r} is still running; retry shortly",
            details={"idempotency_key": key},
        ) from None
