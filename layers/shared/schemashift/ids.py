"""URL-safe random identifiers (nanoid-like), e.g. table and operation ids."""

from __future__ import annotations

from random import SystemRandom

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
_RANDOM = SystemRandom()
"""The operating system's randomness, as ``secrets.choice`` uses: without ``secrets``, whose ``hmac``
import loads OpenSSL's hashlib at every handler's start for nothing."""


def new_id(prefix: str = "", size: int = 21) -> str:
    body = "".join(_RANDOM.choice(_ALPHABET) for _ in range(size))
    return f"{prefix}{body}"
