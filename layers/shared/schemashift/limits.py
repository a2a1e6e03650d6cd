"""Every bound on the work one request may cause, in one place (the table in docs/reliability.md).

A request over a limit answers 400 (or 413 for sizes) saying which limit and by how much, before
the expensive part starts; nothing is left half done.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.errors import PayloadTooLarge, ValidationFailed

MAX_JSON_DEPTH = 64
"""Nesting of request bodies (objects and arrays)."""
MAX_PATH_PARAMETER = 256
"""Characters of one path parameter (ids, org, project): DynamoDB keys are at most 2 KB."""
MAX_DOCUMENT_DEPTH = 100
"""Nesting of YAML/JSON/XML changelog documents."""
MAX_YAML_ALIASES = 50
"""Aliases to collections per YAML document (SnakeYAML's, hence Liquibase's, default)."""
MAX_ZIP_RATIO = 100
"""Expanded bytes per compressed byte of a changelog zip (text compresses ~5-20x)."""
MAX_ZIP_EXPANDED_BYTES = 20 * 1024 * 1024
MAX_OPERATIONS = 2_000
"""Operations in one table migration or plan."""
MAX_TABLE_FIELDS = 1_000
"""Columns of a dataset table (the schema is one DynamoDB item of at most 400 KB)."""
MAX_FILTERS = 100
"""Filters of one query."""
MAX_OFFSET = 2**53
"""Largest ``offset`` / ``version`` of a query (Lance counts in 64-bit integers; JSON numbers are exact to 2^53)."""
MAX_FIELD_NAME = 255
MAX_FIELD_METADATA_BYTES = 4_096
MAX_EXPRESSION = 4_096
"""Context and label expressions."""


def depth_of(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON-like data, walking iteratively and stopping past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def loads_bounded(text: str | bytes, *, limit: int = MAX_JSON_DEPTH, what: str = "request body") -> Any:
    """``json.loads`` that answers 400 instead of recursing past ``limit`` (or Python's own limit)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValidationFailed(f"{what} is nested more than {limit} levels deep") from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{what} is not valid UTF-8") from None
    if depth_of(data, limit) > limit:
        raise ValidationFailed(f"{what} is nested more than {limit} levels deep")
    return data


def require_count(what: str, count: int, limit: int) -> None:
    if count > limit:
        raise ValidationFailed(f"{count} {what}; the limit is {limit}", code="LIMIT_EXCEEDED",
                               details={"limit": limit, "actual": count})


def require_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise PayloadTooLarge(f"{what} is {size} bytes; the limit is {limit}", details={"limit": limit, "actual": size})
