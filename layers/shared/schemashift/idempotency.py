"""Exactly-once starts and writes for a client-chosen key: the one idempotency module.

Powertools idempotency records (idempotency table, 24 hours) keyed by a caller-chosen scope and the
key; a fingerprint of the request is part of the record, so a repeat with the same request gets
the first response back, a repeat with another request is a 409 (``IDEMPOTENCY_KEY_REUSED``) and a
repeat while the first is still running a retryable 409 (``IDEMPOTENCY_KEY_IN_PROGRESS``). With
the Lambda context registered (every entry point calls ``remember_lambda_context``), Powertools marks
a record in progress only for the invocation's remaining time, so a crashed call does not block its key. Used by deployment starts (header
``Idempotency-Key``, pipeline event ids), table operation starts and row writes
(``idempotency_key``); imports nothing heavy until a key is actually given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any

from schemashift.errors import Conflict, ValidationFailed

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 256

_lambda_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


def remember_lambda_context(context: Any) -> None:
    """Called by each entry point with its invocation's context, so every idempotent call made while
    handling it (API starts, row writes, pipeline events) registers it. A context variable, not a
    global: the local stack runs functions side by side in threads of one process."""
    _lambda_context.set(context)


class KeyReused(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"


class KeyInProgress(Conflict):
    code = "IDEMPOTENCY_KEY_IN_PROGRESS"
    retryable = True


@cache
def _persistence(table_name: str) -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from schemashift.aws import client

    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))


def fingerprint_of(payload: Any) -> str:
    """A stable text of a JSON request (key order does not matter)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def run_once(key: str | None, scope: str, fingerprint: str, run: Callable[[], Any], *, table: str,
             on_replay: Callable[[Any], Any] | None = None,
             key_name: str = "Idempotency-Key") -> Any:
    """``run()`` once per (scope, key), recorded in the idempotency table ``table``; a replay returns
    the stored response (through ``on_replay``). Without a key, ``run()`` simply runs."""
    if key is None:
        return run()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(f"{key_name} must be 1..{MAX_KEY_LENGTH} characters", details={"field": key_name})
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key", payload_validation_jmespath="fingerprint", raise_on_no_idempotency_key=True,
        expires_after_seconds=TTL_SECONDS,
        response_hook=(lambda response, _record: on_replay(response)) if on_replay else None,
    )
    lambda_context = _lambda_context.get()
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(table), config=config)
    def guarded(request: dict[str, str]) -> Any:
        return run()

    try:
        return guarded(request={"key": f"{scope}#{key}", "fingerprint": fingerprint})
    except IdempotencyValidationError:
        raise KeyReused(f"{key_name} {key!r} was already used for a different request",
                        details={key_name: key}) from None
    except IdempotencyAlreadyInProgressError:
        raise KeyInProgress(f"A request with {key_name} {key!r} is still being processed; retry shortly",
                            details={key_name: key}) from None


def idempotent(key: str | None, scope: str, payload: dict[str, Any],
               start: Callable[[dict[str, Any]], dict[str, Any]], *, table: str) -> dict[str, Any]:
    """A job start: ``start(payload)`` once per (scope, key); the payload is the request's fingerprint."""
    return run_once(key or None, scope, fingerprint_of(payload), lambda: start(payload), table=table)
