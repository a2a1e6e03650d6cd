"""URL-safe random identifiers (nanoid-like), e.g. table and operation ids."""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"


def new_id(prefix: str = "", size: int = 21) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(size))
    return f"{prefix}{body}"
