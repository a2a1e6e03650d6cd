"""Maintenance operations on a table's dataset: compaction, index catch-up, time-travel restore."""

from __future__ import annotations

from typing import Any

import lance
from pydantic import BaseModel

from schemashift.errors import NotFound


class MaintenanceResult(BaseModel):
    lance_version: int
    metrics: dict[str, Any]


def compact(
    uri: str,
    storage_options: dict[str, str] | None,
    *,
    target_rows_per_fragment: int = 1024 * 1024,
    materialize_deletions: bool = True,
) -> MaintenanceResult:
    """Merge small fragments and drop deleted rows (``operationType`` ``compact``); indexes are remapped."""
    dataset = lance.dataset(uri, storage_options=storage_options or None)
    metrics = dataset.optimize.compact_files(
        target_rows_per_fragment=target_rows_per_fragment, materialize_deletions=materialize_deletions
    )
    latest = lance.dataset(uri, storage_options=storage_options or None)
    return MaintenanceResult(
        lance_version=latest.version,
        metrics={
            "fragmentsRemoved": metrics.fragments_removed,
            "fragmentsAdded": metrics.fragments_added,
            "filesRemoved": metrics.files_removed,
            "filesAdded": metrics.files_added,
        },
    )


def build_indexes(uri: str, storage_options: dict[str, str] | None) -> MaintenanceResult:
    """Bring every index up to date with rows appended since it was built (``operationType`` ``build_index``)."""
    dataset = lance.dataset(uri, storage_options=storage_options or None)
    before = {index["name"]: len(index["fragment_ids"]) for index in dataset.list_indices()}
    dataset.optimize.optimize_indices()
    latest = lance.dataset(uri, storage_options=storage_options or None)
    return MaintenanceResult(lance_version=latest.version, metrics={"indexes": sorted(before)})


def restore(uri: str, storage_options: dict[str, str] | None, version: int) -> int:
    """Make ``version``'s data and schema the latest again, as a new version; returns that version."""
    dataset = lance.dataset(uri, storage_options=storage_options or None)
    if version not in {v["version"] for v in dataset.versions()}:
        raise NotFound(f"Dataset version {version} does not exist", details={"versionNumber": version})
    lance.dataset(uri, version=version, storage_options=storage_options or None).restore()
    return lance.dataset(uri, storage_options=storage_options or None).version
