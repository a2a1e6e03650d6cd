"""Cursor paging for the Catalyzed-style list routes: ``limit`` plus an opaque ``cursor``.

DynamoDB pages by key, not by offset, so a cursor is the last key of the previous page. The
cursor is plain base64 (not a secret), so on the way back in it is checked against the
partition being listed: a cursor can never move a query into another account's keys.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from schemashift.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


def parse_page_request(limit: str | None, cursor: str | None) -> PageRequest:
    """Validate the ``limit`` and ``cursor`` query parameters."""
    if limit in (None, ""):
        size = DEFAULT_LIMIT
    else:
        try:
            size = int(limit)
        except ValueError:
            raise ValidationFailed(
                f"query parameter 'limit' must be an integer, got {limit!r}", details={"field": "limit"}
            ) from None
    if not 1 <= size <= MAX_LIMIT:
        raise ValidationFailed(
            f"query parameter 'limit' must be between 1 and {MAX_LIMIT}", details={"field": "limit"}
        )
    return PageRequest(limit=size, cursor=cursor or None)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, pinned: dict[str, str], key_prefix: str) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor stands for; it must match ``pinned`` and stay under ``key_prefix``."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise _bad_cursor()
    if any(key.get(name) != value for name, value in pinned.items()):
        raise _bad_cursor()
    if not str(key.get("pk", "")).startswith(key_prefix):
        raise _bad_cursor()
    return key


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "query parameter 'cursor' is not a cursor returned by this listing", details={"field": "cursor"}
    )
