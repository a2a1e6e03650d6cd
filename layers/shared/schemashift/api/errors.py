"""The one place where errors become HTTP responses.

Two envelopes, chosen by path: Harness-style routes (``/v1/...`` and everything else) answer
``{"message": ...}``; Catalyzed-style routes (``/datasets``, ``/dataset-tables``) answer
``{"error", "code", "details", "retryable"}``.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.errors import SchemashiftError
from schemashift.redaction import redact, truncate

CATALYZED_PREFIXES = ("/datasets", "/dataset-tables")

# Codes for statuses raised by the platform rather than the domain.
_STATUS_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def is_catalyzed_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?") for p in CATALYZED_PREFIXES)


def _bounded(value: Any, depth: int = 0) -> Any:
    """Details as callers may see them: secrets hidden, echoed input cut, at most 100 entries a level."""
    if isinstance(value, str):
        return redact(truncate(value, 500))
    if depth > 6:
        return "..."
    if isinstance(value, dict):
        return {str(k)[:200]: _bounded(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple)):
        return [_bounded(v, depth + 1) for v in value[:100]]
    return value


def error_body(
    path: str,
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: Any = None,
    retryable: bool | None = None,
) -> dict[str, Any]:
    """The envelope for ``path``; every message passes the secret rule and is cut to 2,000 characters."""
    message = redact(truncate(str(message)))
    if is_catalyzed_path(path):
        return {
            "error": message,
            "code": code or _STATUS_CODES.get(status, "ERROR"),
            "details": _bounded(details),
            "retryable": bool(retryable) if retryable is not None else status >= 500,
        }
    return {"message": message}


def error_from_exception(path: str, exc: SchemashiftError) -> tuple[int, dict[str, Any]]:
    return exc.status, error_body(
        path, exc.status, exc.message, code=exc.code, details=exc.details, retryable=exc.retryable
    )


def error_response(path: str, status: int, message: str, **kwargs: Any) -> dict[str, Any]:
    """A complete API Gateway proxy response (used outside the resolver, e.g. by the local gateway)."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(error_body(path, status, message, **kwargs)),
        "isBase64Encoded": False,
    }
