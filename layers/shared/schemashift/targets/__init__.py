"""Target databases: URLs, connections, and Liquibase's DATABASECHANGELOG / DATABASECHANGELOGLOCK."""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "SqlRecording": "connection", "Target": "connection", "open_target": "connection",
    "LockNotAcquired": "errors", "StatementFailed": "errors", "TargetUnavailable": "errors",
    "ChangeLogHistory": "history", "RanChangeSet": "history",
    "ChangeLogLock": "lock", "LockOptions": "lock", "LockState": "lock",
    "InvalidTargetUrl": "urls", "TargetUrl": "urls", "parse_target_url": "urls",
}


def __getattr__(name: str) -> Any:
    """Load submodules on first use: parsing a URL must not import SQLAlchemy (API cold starts)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"schemashift.targets.{module}"), name)

__all__ = [
    "ChangeLogHistory",
    "ChangeLogLock",
    "InvalidTargetUrl",
    "LockNotAcquired",
    "LockOptions",
    "LockState",
    "RanChangeSet",
    "SqlRecording",
    "StatementFailed",
    "Target",
    "TargetUnavailable",
    "TargetUrl",
    "open_target",
    "parse_target_url",
]
