"""Changelog path handling, as Liquibase writes and compares DATABASECHANGELOG.FILENAME."""

from __future__ import annotations

import posixpath
import re

_DRIVE = re.compile(r"^[A-Za-z]:")


def normalize_path(path: str) -> str:
    """Liquibase ``DatabaseChangeLog.normalizePath``: the form used to compare FILENAME values.

    Strips ``classpath:``, turns backslashes into slashes, drops a drive letter and a leading
    slash, and resolves ``.`` and ``..``.
    """
    if path.startswith("classpath:"):
        path = path[len("classpath:") :]
    path = path.replace("\\", "/")
    if path.find(":") == 1:
        path = _DRIVE.sub("", path, count=1)
    path = path.lstrip("/") if path.startswith("/") else path
    if not path:
        return path
    normalized = posixpath.normpath(path)
    return "" if normalized == "." else normalized


def logical_path(path: str) -> str:
    """A ``logicalFilePath`` as ChangeSet.load stores it: slashes forward, no leading slash."""
    path = path.replace("\\", "/")
    return path[1:] if path.startswith("/") else path


def resolve_sibling(parent_file: str, relative: str) -> str:
    """Path of ``relative`` next to ``parent_file`` (include with relativeToChangelogFile), normalized."""
    directory = posixpath.dirname(parent_file.replace("\\", "/"))
    return join_normalized(directory, relative)


def join_normalized(directory: str, name: str) -> str:
    """Join and resolve ``.``/``..`` the way java.nio ``Path.normalize`` does (no leading ``./``)."""
    joined = posixpath.join(directory, name.replace("\\", "/")) if directory else name.replace("\\", "/")
    normalized = posixpath.normpath(joined)
    if joined.endswith("/") and not normalized.endswith("/"):
        normalized += "/"
    return normalized
