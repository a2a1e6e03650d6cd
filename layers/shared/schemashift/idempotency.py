"""``Idempotency-Key`` for start calls: a retried start returns the first call's response.

Powertools idempotency records (idempotency table, 24 hours) keyed by a caller-chosen scope and the
key; the request body is part of the record, so reusing a key with another body is a 409. Shared by
deployments and table operations; imports nothing heavy until a key is actually given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemashift.errors import Conflict
from schemashift.settings import get_settings

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


def idempotent(key: str | None, scope: str, payload: dict[str, Any],
               start: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Run ``start(payload)`` once per (scope, key); replays return the stored response."""
    if not key:
        return start(payload)
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                               expires_after_seconds=IDEMPOTENCY_TTL_SECONDS, raise_on_no_idempotency_key=True)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def start_once(request: dict[str, Any]) -> dict[str, Any]:
        return start(request["body"])

    try:
        return start_once(request={"key": f"{scope}#{key}", "body": payload})
    except IdempotencyValidationError:
        raise Conflict("Idempotency-Key was already used with a different request body") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly") from None
