"""The index half of a migration: build on the committed data, then one ``CreateIndex`` commit.

Index segments are built uncommitted (``create_index_uncommitted``) so that new, rebuilt and
dropped indexes of one request appear together; a failed build deletes its segments.
"""

from __future__ import annotations

import lance
from lance.dataset import Index
from lance.file import LanceFileSession

from schemashift.datasets.migrations.models import IndexBuild, MigrationPlan


def publish_index_changes(
    plan: MigrationPlan, dataset: lance.LanceDataset, options: dict[str, str], *, commit_message: str
) -> lance.LanceDataset:
    """Build the plan's indexes on ``dataset`` and publish them, with its drops, as one commit."""
    if not plan.index_builds and not plan.index_drops:
        return dataset
    fragment_ids = [fragment.fragment_id for fragment in dataset.get_fragments()]
    removed = [
        Index(
            uuid=segment.uuid,
            name=index.name,
            fields=list(index.fields),
            dataset_version=segment.dataset_version_at_last_update,
            fragment_ids=segment.fragment_ids,
            index_version=segment.index_version,
        )
        for index in dataset.describe_indices()
        if index.name in plan.index_drops
        for segment in index.segments
    ]
    built: list[Index] = []
    try:
        for build in plan.index_builds:
            built.append(_build_index(dataset, build, fragment_ids))
        if not built and not removed:
            return dataset
        return lance.LanceDataset.commit(
            plan.uri,
            lance.LanceOperation.CreateIndex(new_indices=built, removed_indices=removed),
            read_version=dataset.version,
            storage_options=options or None,
            commit_message=commit_message,
        )
    except Exception:
        _delete_index_files(plan.uri, options, built)
        raise


def _build_index(dataset: lance.LanceDataset, build: IndexBuild, fragment_ids: list[int]) -> Index:
    if build.kind == "scalar":
        return dataset.create_index_uncommitted(
            build.column, build.index_type, name=build.name, fragment_ids=fragment_ids
        )
    return dataset.create_index_uncommitted(
        build.column,
        build.index_type,
        name=build.name,
        metric=build.metric or "l2",
        num_partitions=build.num_partitions,
        num_sub_vectors=build.num_sub_vectors,
        fragment_ids=fragment_ids,
    )


def _delete_index_files(uri: str, options: dict[str, str], indexes: list[Index]) -> None:
    session = LanceFileSession(uri, storage_options=options or None)
    for index in indexes:
        for path in session.list(f"_indices/{index.uuid}"):
            session.delete_file(path)
