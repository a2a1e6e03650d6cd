"""Liquibase-compatible changelogs: parse, checksum, describe, generate SQL, roll back.

Importing this package is cheap (standard library only); SQLAlchemy is imported when
statements are first generated, PyYAML when a YAML/JSON changelog is first parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.changelog.accessors import BundleAccessor, FileSystemAccessor
from schemashift.changelog.model import (
    DIALECTS,
    Change,
    ChangelogError,
    ChangeSet,
    DatabaseChangeLog,
    DatabaseProbe,
    Dialect,
    ResourceAccessor,
    RollbackImpossible,
    dbms_matches,
)
from schemashift.changelog.preconditions import PreconditionOutcome, Preconditions

if TYPE_CHECKING:
    from schemashift.changelog.parsers import parse_changelog
    from schemashift.changelog.splitting import split_statements

__all__ = [
    "DIALECTS",
    "BundleAccessor",
    "Change",
    "ChangeSet",
    "ChangelogError",
    "DatabaseChangeLog",
    "DatabaseProbe",
    "Dialect",
    "FileSystemAccessor",
    "PreconditionOutcome",
    "Preconditions",
    "ResourceAccessor",
    "RollbackImpossible",
    "dbms_matches",
    "parse_changelog",
    "split_statements",
]

_LAZY = {
    "parse_changelog": "schemashift.changelog.parsers",
    "split_statements": "schemashift.changelog.splitting",
}


def __getattr__(name: str) -> Any:
    """Load the parsers and the splitter on first use, keeping the package import light."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
