"""Harness paging: ``page`` (0-based) and ``limit`` (default 10, max 100), echoed in headers."""

from __future__ import annotations

from dataclasses import dataclass

from schemashift.errors import ValidationFailed

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return self.number * self.size

    def headers(self, total: int) -> dict[str, str]:
        return {"X-Total-Elements": str(total), "X-Page-Number": str(self.number), "X-Page-Size": str(self.size)}


def _int_param(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"query parameter '{name}' must be an integer, got {raw!r}") from None


def parse_page(page: str | None, limit: str | None) -> Page:
    number = _int_param("page", page, 0)
    size = _int_param("limit", limit, DEFAULT_LIMIT)
    if number < 0:
        raise ValidationFailed("query parameter 'page' must be >= 0")
    if not 1 <= size <= MAX_LIMIT:
        raise ValidationFailed(f"query parameter 'limit' must be between 1 and {MAX_LIMIT}")
    return Page(number=number, size=size)
