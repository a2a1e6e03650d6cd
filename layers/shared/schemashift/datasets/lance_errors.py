"""Lance raises ``OSError`` / ``ValueError`` with Rust messages; callers need our error types."""

from __future__ import annotations

import re

from schemashift.datasets.errors import WriteConflict
from schemashift.errors import SchemashiftError, TransientError, ValidationFailed

_RUST_LOCATION = re.compile(r",\s*/\S+\.rs:\d+:\d+")
_TRANSIENT_HINTS = ("error sending request", "timed out", "timeout", "connection", "slow down", "503")


def translate_lance_error(exc: BaseException) -> SchemashiftError:
    """Map a Lance exception to the domain error a caller should see."""
    if isinstance(exc, SchemashiftError):
        return exc
    message = _RUST_LOCATION.sub("", str(exc)).strip()
    lowered = message.lower()
    if "ambiguous merge insert" in lowered:
        return ValidationFailed(
            "The request holds more than one row for the same primary key",
            details={"reason": message},
            code="DUPLICATE_PRIMARY_KEY",
        )
    if "conflict" in lowered:
        return WriteConflict("The table changed concurrently; retry the request", details={"reason": message})
    if "invalid user input" in lowered:
        return ValidationFailed(message.replace("Invalid user input: ", ""), details={"reason": message})
    if any(hint in lowered for hint in _TRANSIENT_HINTS):
        return TransientError("The table's storage is temporarily unavailable", details={"reason": message})
    return SchemashiftError(f"Lance error: {message}", details={"reason": message})
