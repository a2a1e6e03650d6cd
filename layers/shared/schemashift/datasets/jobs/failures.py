"""The first domain failure of a run, kept on the operation so the final status can name it.

Step Functions passes only an error name and a message to the ``Catch`` target; the code a caller
needs (``CAST_FAILED``, ``CANCELLED``, ...) and its details would be lost, so each step records
them before re-raising. Transient errors are not recorded: the state machine retries them and
they are not why a run ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from schemashift.datasets.jobs.services import Services
from schemashift.errors import SchemashiftError, TransientError


@contextmanager
def recording_failure(services: Services, account: str, operation_id: str) -> Iterator[None]:
    try:
        yield
    except SchemashiftError as exc:
        if not isinstance(exc, TransientError):
            services.operations.record_error(account, operation_id, failure_record(exc))
        raise


def failure_record(exc: SchemashiftError) -> dict[str, Any]:
    """JSON-safe for DynamoDB (floats become Decimals, odd values strings)."""
    record = {"code": exc.code, "message": exc.message, "details": exc.details}
    return json.loads(json.dumps(record, default=str), parse_float=Decimal)
