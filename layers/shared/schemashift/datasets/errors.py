"""Errors specific to dataset tables, beyond the generic domain types."""

from __future__ import annotations

from schemashift.errors import Conflict


class ConcurrentModification(Conflict):
    """Another request changed the same table first; repeating the request may succeed."""

    code = "CONCURRENT_MODIFICATION"
    retryable = True
