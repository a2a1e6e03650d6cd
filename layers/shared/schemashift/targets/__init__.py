"""Target databases: URLs, connections, and Liquibase's DATABASECHANGELOG / DATABASECHANGELOGLOCK."""

from __future__ import annotations

from schemashift.targets.connection import SqlRecording, Target, open_target
from schemashift.targets.errors import LockNotAcquired, StatementFailed, TargetUnavailable
from schemashift.targets.history import ChangeLogHistory, RanChangeSet
from schemashift.targets.lock import ChangeLogLock, LockOptions, LockState
from schemashift.targets.urls import InvalidTargetUrl, TargetUrl, parse_target_url

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
