"""Step 3: publish a migration as one Lance commit, then its index changes; or clean up.

The schema change (renames, drops, casts, new columns, nullability, primary key, logical
order) is one ``Merge`` when fragment tasks wrote data and one ``Project`` otherwise, both
with ``read_version=plan.read_version``. Index builds run against the committed version and
are published together in one ``CreateIndex`` commit. When the table changed since the plan,
the commit is rebased if that is safe (appends, deletions) and fails with a retryable
``ConcurrentModification`` otherwise. After a few commits lost to row writes it raises the
caller's write fence, which holds those writes back for a few seconds so that it lands.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, Protocol

import lance
import pyarrow as pa
from lance.commit import CommitConflictError
from lance.file import LanceFileSession
from lance.fragment import FragmentMetadata

from schemashift.datasets.catalog.arrow_types import parse_arrow_type
from schemashift.datasets.catalog.schema import to_arrow
from schemashift.datasets.errors import ConcurrentModification, MigrationFailed
from schemashift.datasets.migrations.dataset_info import DatasetInfo, quote_filter
from schemashift.datasets.migrations.fragments import compute_fragment, require_valid
from schemashift.datasets.migrations.index_changes import publish_index_changes
from schemashift.datasets.migrations.lance_schema import (
    build_lance_schema,
    lance_field_count,
    same_schema,
    schema_metadata_json,
)
from schemashift.datasets.migrations.models import CommitResult, FragmentResult, MigrationPlan
from schemashift.observability import logger

COMMIT_PATIENCE_SECONDS = 240.0
"""How long the commit keeps rebasing onto concurrent writes before giving up: a time, not a count,
since the number of attempts a commit needs grows with the write rate and with how long a rebase
takes. Without a write fence, two writers appending in a tight loop can outrun it for all of it;
with one it lands in about 5. Well inside the commit task's 900 s timeout."""
#: Rows appended concurrently that the commit step computes itself before giving up.
CATCH_UP_MAX_ROWS = 1_000_000
#: Commits lost to row writes before the commit raises the write fence (and renews it after every later loss).
FENCE_AFTER_LOST_ATTEMPTS = 3


class WriteFence(Protocol):
    """Holds the table's row writes back for a few seconds (time-bound: a dead holder blocks nothing).

    The caller lowers it once the new schema is where writes read it (``catalog.fence.TableFence``)."""

    def raise_fence(self) -> None: ...


def commit_migration(
    plan: MigrationPlan,
    results: Sequence[FragmentResult],
    *,
    storage_options: dict[str, str] | None = None,
    fence: WriteFence | None = None,
) -> CommitResult:
    """Commit the plan with its fragment results; on failure nothing stays visible or on disk.

    With a ``fence``, a schema change that keeps losing to row writes raises it, so it lands after a
    few attempts instead of rebasing for as long as the writers keep up."""
    require_valid(plan)
    options = storage_options if storage_options is not None else plan.storage_options
    published = _published(plan, options)
    if "indexes" in published or ("schema" in published and not plan.index_builds and not plan.index_drops):
        latest = lance.dataset(plan.uri, storage_options=options or None)
        return _result(plan, latest, max(published.values()))
    by_fragment = _results_by_fragment(plan, results)
    read = DatasetInfo.open(plan.uri, options, plan.read_version)
    committer = _Committer(plan, read, options, fence)
    if "schema" in published:  # an earlier attempt committed the schema change, then stopped
        dataset = committer.resume_after(published["schema"])
    else:
        try:
            dataset = committer.commit_schema_change(by_fragment)
        except Exception:
            abort_migration(plan, [*results, *committer.catch_up], storage_options=options)
            raise
    try:
        dataset = publish_index_changes(plan, dataset, options, commit_message=_marker(plan, "indexes"))
    except Exception as exc:
        restored = committer.undo(dataset)
        raise MigrationFailed(
            f"Building the migration's indexes failed: {exc}",
            code="INDEX_BUILD_FAILED",
            details={"restoredVersion": restored},
        ) from exc
    return _result(plan, dataset, dataset.version, committer.attempts)


def abort_migration(
    plan: MigrationPlan,
    results: Sequence[FragmentResult],
    *,
    storage_options: dict[str, str] | None = None,
) -> list[str]:
    """Delete the data files of uncommitted fragment results; files a commit references are kept."""
    options = storage_options if storage_options is not None else plan.storage_options
    latest = lance.dataset(plan.uri, storage_options=options or None)
    referenced = {f.path for fragment in latest.get_fragments() for f in fragment.metadata.data_files()}
    session = LanceFileSession(plan.uri, storage_options=options or None)
    deleted = []
    for path in sorted({path for result in results for path in result.new_files} - referenced):
        if session.contains(f"data/{path}"):
            session.delete_file(f"data/{path}")
            deleted.append(path)
    return deleted


class _Committer:
    """Commits the schema change, rebasing onto concurrent writes it can absorb."""

    def __init__(
        self, plan: MigrationPlan, read: DatasetInfo, options: dict[str, str], fence: WriteFence | None = None
    ) -> None:
        self.plan = plan
        self.read = read
        self.options = options
        self.fence = fence
        self.attempts = 1
        self.committed_version: int | None = None
        self.catch_up: list[FragmentResult] = []
        # each fragment's data files when its new columns were computed (at the plan, or at a catch-up)
        self.base_files = {f.fragment_id: _file_paths(f.metadata.to_json()) for f in read.dataset.get_fragments()}

    def commit_schema_change(self, results: dict[int, FragmentResult]) -> lance.LanceDataset:
        plan = self.plan
        if not plan.computed_columns and plan.new_schema == plan.base_schema:
            return self._index_base()
        fragments = {fid: result.fragment for fid, result in results.items()}
        new_ids = _agreed_field_ids(results.values())
        base = self.read.dataset
        deadline = time.monotonic() + COMMIT_PATIENCE_SECONDS
        attempts = 0
        while attempts == 0 or time.monotonic() < deadline:
            attempts += 1
            self.attempts = attempts
            try:
                dataset = lance.LanceDataset.commit(
                    plan.uri,
                    self._operation(fragments, new_ids, base),
                    read_version=base.version,
                    storage_options=self.options or None,
                    commit_message=_marker(plan),
                )
            except CommitConflictError:
                if self.fence is not None and attempts >= FENCE_AFTER_LOST_ATTEMPTS:
                    self.fence.raise_fence()  # before reading the base, so that base can be the last
                base = lance.dataset(plan.uri, storage_options=self.options or None)
                fragments = self._rebase(base, fragments, new_ids)
                continue
            self.committed_version = dataset.version
            if attempts > 1:
                fenced = self.fence is not None and attempts > FENCE_AFTER_LOST_ATTEMPTS
                logger.info(
                    "migration commit rebased", extra={"attempts": attempts, "version": dataset.version, "fenced": fenced}
                )
            return dataset
        raise ConcurrentModification(
            f"The table kept changing during the migration ({attempts} commit attempts in "
            f"{COMMIT_PATIENCE_SECONDS:.0f} s); retry when writes are less frequent",
            details={"readVersion": plan.read_version, "attempts": attempts},
        )

    def resume_after(self, version: int) -> lance.LanceDataset:
        """The latest version, if the schema change committed at ``version`` is still in force."""
        latest = lance.dataset(self.plan.uri, storage_options=self.options or None)
        committed = lance.dataset(self.plan.uri, version=version, storage_options=self.options or None)
        if not same_schema(latest.lance_schema, committed.lance_schema):
            raise MigrationFailed(
                "The migration's schema change was undone or overtaken before its indexes were built",
                code="SUPERSEDED",
                details={"committedVersion": version},
            )
        self.committed_version = version
        return latest

    def undo(self, dataset: lance.LanceDataset) -> int | None:
        """Put the read version back after a committed schema change whose indexes failed."""
        if self.committed_version is None:
            return None
        latest = lance.dataset(self.plan.uri, storage_options=self.options or None)
        if latest.version != self.committed_version:
            return None  # someone wrote after us: restoring would discard their data
        previous = lance.dataset(self.plan.uri, version=self.plan.read_version, storage_options=self.options or None)
        previous.restore()
        return lance.dataset(self.plan.uri, storage_options=self.options or None).version

    def _index_base(self) -> lance.LanceDataset:
        """Index-only migrations build on the latest data, provided its schema is the planned one."""
        latest = lance.dataset(self.plan.uri, storage_options=self.options or None)
        if not same_schema(latest.lance_schema, self.read.dataset.lance_schema):
            raise ConcurrentModification("The table schema changed since the migration was planned")
        return latest

    def _operation(
        self, fragments: dict[int, dict[str, Any]], new_ids: dict[str, list[int]], base: lance.LanceDataset
    ) -> lance.LanceOperation.BaseOperation:
        schema = self._lance_schema(new_ids)
        if not self.plan.computed_columns:
            return lance.LanceOperation.Project(schema)
        metadata = [FragmentMetadata.from_json(json.dumps(fragments[f.fragment_id])) for f in base.get_fragments()]
        return lance.LanceOperation.Merge(metadata, schema)

    def _lance_schema(self, new_ids: dict[str, list[int]]) -> Any:
        plan, read = self.plan, self.read
        target = to_arrow(plan.new_schema)  # type: ignore[arg-type]
        # Null-only columns take ids after every id in use, including the fragment tasks' new ones.
        next_id = max([read.next_field_id, *(i + 1 for ids in new_ids.values() for i in ids)])
        fields, ids = [], []
        for column in plan.columns:
            wanted = target.field(column.name)
            if column.kind == "existing":
                data_type = read.arrow_schema.field(column.source_column).type
                ids.append(read.field_ids[column.source_column])
            elif column.kind == "computed" and column.temp_name in new_ids:
                data_type = parse_arrow_type(_computed(plan, column.temp_name).arrow_type)
                ids.append(new_ids[column.temp_name])
            else:  # added as all-NULL, or computed on a table without fragments (no data to write)
                data_type = wanted.type
                count = lance_field_count(wanted)
                ids.append(list(range(next_id, next_id + count)))
                next_id += count
            fields.append(pa.field(wanted.name, data_type, wanted.nullable, metadata=wanted.metadata))
        return build_lance_schema(pa.schema(fields), ids, schema_metadata_json(read.dataset.lance_schema))

    def _rebase(
        self, latest: lance.LanceDataset, fragments: dict[int, dict[str, Any]], new_ids: dict[str, list[int]]
    ) -> dict[int, dict[str, Any]]:
        """Fold concurrent appends and deletions into our fragments, or raise when unsafe."""
        if not same_schema(latest.lance_schema, self.read.dataset.lance_schema):
            raise ConcurrentModification("The table schema changed during the migration")
        self._recheck_non_nullable(latest)
        if not self.plan.computed_columns:
            return fragments
        read_files = self.base_files
        rebased, missing = {}, []
        for fragment in latest.get_fragments():
            current = fragment.metadata.to_json()
            ours = fragments.get(fragment.fragment_id)
            if ours is None:
                missing.append(fragment)
                continue
            if _file_paths(current) != read_files[fragment.fragment_id]:
                raise ConcurrentModification(f"Fragment {fragment.fragment_id} was rewritten during the migration")
            added = [f for f in ours["files"] if f["path"] not in read_files[fragment.fragment_id]]
            rebased[fragment.fragment_id] = {**current, "files": current["files"] + added}
        if sum(fragment.count_rows() for fragment in missing) > CATCH_UP_MAX_ROWS:
            raise ConcurrentModification("Too many rows were appended during the migration to catch up")
        for fragment in missing:
            result = compute_fragment(latest, self.plan, fragment.fragment_id)
            self.catch_up.append(result)
            if result.new_field_ids != new_ids:
                raise ConcurrentModification("New columns would get different field ids; plan again")
            read_files[fragment.fragment_id] = _file_paths(fragment.metadata.to_json())
            rebased[fragment.fragment_id] = result.fragment
        return rebased

    def _recheck_non_nullable(self, latest: lance.LanceDataset) -> None:
        """Rows written since the plan may hold NULLs in a column this migration makes non-nullable."""
        for column in self.plan.columns:
            if column.kind != "existing":
                continue
            was_nullable = self.plan.base_schema.field(column.source_column).nullable
            if was_nullable and not self.plan.new_schema.field(column.name).nullable:  # type: ignore[union-attr]
                nulls = latest.count_rows(filter=f"{quote_filter(column.source_column)} IS NULL")
                if nulls:
                    raise MigrationFailed(
                        f"Rows written during the migration put {nulls} NULL value(s) in {column.name!r}",
                        code="NULL_VALUE",
                        details={"column": column.name},
                    )


def _marker(plan: MigrationPlan, step: str = "schema") -> str:
    return f"schemashift migration {plan.plan_id} {step}"


def _published(plan: MigrationPlan, options: dict[str, str]) -> dict[str, int]:
    """Versions an earlier attempt of this same commit already published, by step."""
    latest = lance.dataset(plan.uri, storage_options=options or None)
    markers = {_marker(plan, step): step for step in ("schema", "indexes")}
    found = {}
    for version in range(plan.read_version + 1, latest.version + 1):
        try:
            transaction = latest.read_transaction(version)
        except (OSError, ValueError):
            continue  # cleaned up
        properties = (transaction.transaction_properties or {}) if transaction else {}
        step = markers.get(properties.get("__lance_commit_message", ""))
        if step:
            found[step] = version
    return found


def _result(plan: MigrationPlan, dataset: lance.LanceDataset, version: int, attempts: int = 1) -> CommitResult:
    return CommitResult(
        lance_version=version,
        schema=plan.new_schema,
        indexes=sorted(index.name for index in dataset.describe_indices()),
        attempts=attempts,
    )


def _results_by_fragment(plan: MigrationPlan, results: Sequence[FragmentResult]) -> dict[int, FragmentResult]:
    by_fragment = {result.fragment_id: result for result in results}
    missing = sorted(set(plan.fragment_ids) - by_fragment.keys())
    unexpected = sorted(by_fragment.keys() - set(plan.fragment_ids))
    if missing or unexpected or len(by_fragment) != len(results):
        raise MigrationFailed(
            "Fragment results do not match the plan",
            code="INCOMPLETE_RESULTS",
            details={"missing": missing, "unexpected": unexpected},
        )
    return by_fragment


def _agreed_field_ids(results: Any) -> dict[str, list[int]]:
    """Every fragment task numbers the new columns the same way (they all start from one version)."""
    distinct = {json.dumps(result.new_field_ids, sort_keys=True) for result in results}
    if len(distinct) > 1:
        raise MigrationFailed("Fragment results disagree on the new columns' field ids", code="INCONSISTENT_RESULTS")
    return json.loads(distinct.pop()) if distinct else {}


def _computed(plan: MigrationPlan, temp_name: str | None) -> Any:
    return next(column for column in plan.computed_columns if column.temp_name == temp_name)


def _file_paths(fragment_json: dict[str, Any]) -> list[str]:
    return [f["path"] for f in fragment_json["files"]]
