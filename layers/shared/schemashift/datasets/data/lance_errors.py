"""Lance raises ``OSError`` / ``ValueError`` with Rust messages; callers need our error types."""

from __future__ import annotations

import re

from schemashift.datasets.errors import WriteConflict
from schemashift.errors import SchemashiftError, TransientError, ValidationFailed
from schemashift.observability import logger
from schemashift.redaction import truncate

_RUST_LOCATION = re.compile(r",\s*/\S+\.rs:\d+:\d+")
_INTERNAL = re.compile(r"\b(?:s3|file|gs|az|memory)://\S+|(?<![\w.])/(?:[\w.-]+/)+[\w.-]*")
"""Storage URIs and machine paths: never shown to callers."""
_TRANSIENT_HINTS = ("error sending request", "timed out", "timeout", "connection", "slow down", "503")


def translate_lance_error(exc: BaseException) -> SchemashiftError:
    """Map a Lance exception to the domain error a caller should see."""
    if isinstance(exc, SchemashiftError):
        return exc
    message = _INTERNAL.sub("<table storage>", _RUST_LOCATION.sub("", str(exc))).strip()
    lowered = message.lower()
    if "ambiguous merge insert" in lowered:
        return ValidationFailed(
            "The request holds more than one row for the same primary key", code="DUPLICATE_PRIMARY_KEY"
        )
    if "conflict" in lowered:
        return WriteConflict("The table changed concurrently; retry the request")
    if "invalid user input" in lowered or "unsupported data type" in lowered:
        return ValidationFailed(truncate(message.replace("Invalid user input: ", ""), 500))
    if any(hint in lowered for hint in _TRANSIENT_HINTS):
        return TransientError("The table's storage is temporarily unavailable")
    logger.error("unexpected Lance error", extra={"reason": message[:2000]})
    return SchemashiftError("The table's storage failed unexpectedly; the request changed nothing",
                            code="STORAGE_ERROR")
