"""Domain error types.

Domain code raises these; the API layer maps them to the two documented envelopes
(Harness ``{"message"}`` and Catalyzed ``{"error","code","details","retryable"}``)
in exactly one place (``schemashift.api.errors``).
"""

from __future__ import annotations

from typing import Any


class SchemashiftError(Exception):
    """Base of every error the service reports to a caller."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    retryable: bool = False

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class ValidationFailed(SchemashiftError):
    status = 400
    code = "VALIDATION_ERROR"


class Unauthorized(SchemashiftError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(SchemashiftError):
    status = 403
    code = "FORBIDDEN"


class NotFound(SchemashiftError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(SchemashiftError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(SchemashiftError):
    status = 409
    code = "CONFLICT"


class PayloadTooLarge(SchemashiftError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class TransientError(SchemashiftError):
    """A failure worth retrying (throttling, a dropped connection)."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    retryable = True
