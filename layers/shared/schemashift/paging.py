"""One paging model for every list route: a ``PageRequest`` in, a ``Page`` out.

Two presentations share it. Harness-style routes number their pages (``page`` 0-based, ``limit``
default 10) and echo ``X-Total-Elements`` / ``X-Page-Number`` / ``X-Page-Size``; Catalyzed-style
routes and the job listings continue from an opaque ``cursor`` (``limit`` default 50), because
DynamoDB pages by key, not by offset. A cursor is the last key of the previous page in plain
base64 (not a secret), so on the way back in it is checked against the partition being listed:
a cursor can never move a query into another tenant's keys.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from schemashift.errors import ValidationFailed

NUMBERED_DEFAULT_LIMIT = 10
CURSOR_DEFAULT_LIMIT = 50
MAX_LIMIT = 100

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page: ``number`` for numbered pages, ``cursor`` (where the last page stopped) for keyed ones."""

    limit: int = CURSOR_DEFAULT_LIMIT
    cursor: str | None = None
    number: int = 0

    @property
    def offset(self) -> int:
        return self.number * self.limit

    def headers(self, total: int) -> dict[str, str]:
        """The Harness paging headers of a numbered page."""
        return {"X-Total-Elements": str(total), "X-Page-Number": str(self.number), "X-Page-Size": str(self.limit)}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; ``next_cursor`` is None on the last page of a keyed listing."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


def _int_param(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(
            f"query parameter '{name}' must be an integer, got {raw!r}", details={"field": name}
        ) from None


def _checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"query parameter 'limit' must be between 1 and {MAX_LIMIT}", details={"field": "limit"}
        )
    return limit


def numbered_page(page: str | None, limit: str | None) -> PageRequest:
    """Harness ``page`` (0-based) and ``limit`` (default 10, max 100)."""
    number = _int_param("page", page, 0)
    if number < 0:
        raise ValidationFailed("query parameter 'page' must be >= 0", details={"field": "page"})
    return PageRequest(limit=_checked_limit(_int_param("limit", limit, NUMBERED_DEFAULT_LIMIT)), number=number)


def cursor_page(limit: str | None, cursor: str | None) -> PageRequest:
    """``limit`` (default 50, max 100) and the ``cursor`` a previous page returned."""
    return PageRequest(limit=_checked_limit(_int_param("limit", limit, CURSOR_DEFAULT_LIMIT)), cursor=cursor or None)


def page_of(items: list[T], request: PageRequest) -> tuple[list[T], int]:
    """A numbered page cut from a complete, ordered list, with the list's size (for the headers)."""
    return items[request.offset : request.offset + request.limit], len(items)


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
