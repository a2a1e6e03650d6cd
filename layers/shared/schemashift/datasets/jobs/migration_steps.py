"""The TableMigration state machine's task steps: plan -> fragments (Map) -> commit, or abort.

Every step takes ``(account, tableId, operationId)`` and finds the rest in the operation item and
in S3, so a retried step starts from what is recorded. The run-time contract with
``datasets.migrations`` is its own: nothing is visible before ``commit_migration``, and a failed
or cancelled run leaves the table exactly as it was once ``abort_migration`` has removed the
files the fragment workers wrote; the abort step first waits until no worker is still running.
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from schemashift.datasets.catalog.fence import TableFence
from schemashift.datasets.catalog.records import SchemaVersion
from schemashift.datasets.catalog.schema import arrow_schema_text
from schemashift.datasets.catalog.store import NewSchema
from schemashift.datasets.errors import ConcurrentModification
from schemashift.datasets.jobs.failures import recording_failure
from schemashift.datasets.jobs.migration_start import plan_table_migration, require_valid
from schemashift.datasets.jobs.payloads import (
    PayloadStore,
    fragments_key,
    plan_key,
    result_key,
    results_prefix,
)
from schemashift.datasets.jobs.records import ACTIVE, REWRITING
from schemashift.datasets.jobs.services import Services
from schemashift.datasets.migrations import (
    CommitResult,
    FragmentResult,
    MigrationCancelled,
    MigrationFailed,
    MigrationPlan,
    abort_migration,
    commit_migration,
    run_fragment,
)
from schemashift.errors import Conflict, TransientError
from schemashift.faults import maybe_fail

#: Above this many fragments the state machine fans out with a Distributed Map reading the
#: fragment list from S3; below it an inline Map keeps the per-run overhead small.
DISTRIBUTED_MAP_THRESHOLD = 200
RESULT_READERS = 16
#: The fragment function's Lambda timeout (template.yaml): no worker lives longer.
WORKER_TIMEOUT_SECONDS = 900
#: How long one abort invocation waits for running workers (its own timeout is 300 s).
ABORT_WAIT_SECONDS = 240
WORKER_POLL_SECONDS = 0.2


def plan_step(services: Services, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
    """Plan against the latest data version, store the plan, size the work; returns small refs."""
    operations = services.operations
    with recording_failure(services, account, operation_id):
        operation = operations.get(account, operation_id)
        if operation.get("cancelRequested"):
            raise MigrationCancelled("The migration was cancelled before it started")
        operations.mark_running(account, operation_id, progressMessage="planning")
        table = services.catalog.get_table(account, table_id)
        plan = plan_table_migration(services, table, operation["request"]["operations"])
        require_valid(plan)
        plan.storage_options = {}  # credentials never go to S3; every step passes its own
        services.payloads.put(plan_key(account, operation_id), plan.to_json())
        services.payloads.put(fragments_key(account, operation_id), plan.fragment_ids)
        count = len(plan.fragment_ids)
        operations.update(
            account,
            operation_id,
            expectedVersion=table.versionNumber,
            rowsTotal=plan.total_rows if count else 0,
            fragmentsTotal=count,
            workLabel=work_label(plan),
            phase=REWRITING if count else "committing",
            progressMessage=commit_message(plan, table.versionNumber),
        )
    distributed = count > distributed_threshold()
    return {
        "account": account,
        "tableId": table_id,
        "operationId": operation_id,
        "fragmentCount": count,
        "distributed": distributed,
        "fragments": [] if distributed else plan.fragment_ids,
        "bucket": services.payloads.bucket,
        "fragmentsKey": fragments_key(account, operation_id),
    }


def fragment_step(
    services: Services, account: str, table_id: str, operation_id: str, fragment_id: int, attempt: int = 0
) -> dict[str, Any]:
    """One Map item: rewrite one fragment's columns, counting rows as it goes; result to S3.

    ``attempt`` is the state's retry count: a retry first looks for the result an earlier attempt
    stored before it died, and never rewrites a fragment twice."""
    operations = services.operations
    done = {"account": account, "tableId": table_id, "operationId": operation_id, "fragmentId": fragment_id}
    with recording_failure(services, account, operation_id):
        key = result_key(account, operation_id, fragment_id)
        if attempt and services.payloads.find(key) is not None:
            operations.fragment_done(account, operation_id, fragment_id)
            return done
        if not operations.worker_started(account, operation_id, fragment_id):
            return done  # the run is aborting or over: write nothing
        try:
            maybe_fail("table_migration.fragment")
            plan = _cached_plan(services.payloads, plan_key(account, operation_id))
            result = run_fragment(
                plan,
                fragment_id,
                on_rows=lambda rows: operations.add_rows(account, operation_id, rows),
                should_cancel=lambda: operations.stop_requested(account, operation_id),
                storage_options=services.storage_options,
            )
            services.payloads.put(key, result.model_dump(mode="json"))
            maybe_fail("table_migration.after_fragment_result")
            if not operations.fragment_done(account, operation_id, fragment_id):
                # The abort step may have listed the results before ours landed: remove our own files.
                abort_migration(plan, [result], storage_options=services.storage_options)
        finally:
            operations.worker_stopped(account, operation_id, fragment_id)
    return done


def commit_step(services: Services, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
    """Publish the migration as one Lance commit, then as the table's next schema version."""
    operations = services.operations
    with recording_failure(services, account, operation_id):
        operation = operations.get(account, operation_id)
        if operation.get("cancelRequested"):
            raise MigrationCancelled("The migration was cancelled before its commit")
        if operation["status"] not in ACTIVE:  # ended meanwhile (e.g. its execution was stopped)
            raise Conflict(
                f"Operation {operation_id!r} is already {operation['status']}", code="OPERATION_FINISHED"
            )
        plan = load_plan(services.payloads, account, operation_id)
        expected = int(operation["expectedVersion"])
        operations.update(
            account, operation_id, phase="committing", progressMessage=commit_message(plan, expected)
        )
        results = _load_results(services.payloads, account, operation_id, plan.fragment_ids)
        maybe_fail("table_migration.before_commit")
        # Lowered only once the catalog has the new schema: writes it held back then decode with that.
        fence = TableFence(services.catalog, account, table_id)
        try:
            committed = commit_migration(plan, results, storage_options=services.storage_options, fence=fence)
            version = _record_schema_version(services, account, table_id, operation, plan, committed)
        finally:
            fence.lower_fence()
        operations.update(
            account,
            operation_id,
            schemaVersion=version.versionNumber,
            resultMessage=f"completed: schema version {version.versionNumber}",
        )
    return {"account": account, "tableId": table_id, "operationId": operation_id}


def abort_step(services: Services, account: str, table_id: str, operation_id: str) -> dict[str, Any]:
    """Remove every file the fragment workers wrote; the table's committed versions stay untouched."""
    services.operations.update(account, operation_id, aborting=True, progressMessage="rolling back")
    _wait_for_workers(services, account, operation_id)
    document = services.payloads.find(plan_key(account, operation_id))
    deleted: list[str] = []
    if document is not None:  # without a plan, no worker ever ran
        plan = MigrationPlan.model_validate(document)
        results = _load_results(
            services.payloads,
            account,
            operation_id,
            keys=services.payloads.keys(results_prefix(account, operation_id)),
        )
        deleted = abort_migration(plan, results, storage_options=services.storage_options)
    return {
        "account": account,
        "tableId": table_id,
        "operationId": operation_id,
        "deletedFiles": len(deleted),
    }


def _wait_for_workers(services: Services, account: str, operation_id: str) -> None:
    """Block until no fragment worker can still write: a failed Map leaves its other iterations
    running (a Lambda cannot be stopped), and files they write after the results are listed would
    stay behind once the operation reports its end. A worker registered longer ago than the
    fragment function's timeout is dead. Raises ``TransientError`` near this step's own timeout so
    the state machine retries the abort."""
    operations = services.operations
    deadline = time.monotonic() + ABORT_WAIT_SECONDS
    while True:
        operation = operations.get(account, operation_id)
        running = operation.get("workersRunning") or set()
        newest = int(operation.get("workersRunningAt") or 0)
        if not running or operations.clock_ms() - newest > WORKER_TIMEOUT_SECONDS * 1000:
            return
        if time.monotonic() > deadline:
            raise TransientError(
                f"{len(running)} fragment workers are still running; the rollback waits for them"
            )
        time.sleep(WORKER_POLL_SECONDS)


def load_plan(payloads: PayloadStore, account: str, operation_id: str) -> MigrationPlan:
    return MigrationPlan.model_validate(payloads.get(plan_key(account, operation_id)))


@functools.lru_cache(maxsize=4)
def _cached_plan(payloads: PayloadStore, key: str) -> MigrationPlan:
    """A warm fragment worker serves many Map items of one run: read its plan once."""
    return MigrationPlan.model_validate(payloads.get(key))


def distributed_threshold() -> int:
    return int(os.environ.get("TABLE_MIGRATION_DISTRIBUTED_THRESHOLD", DISTRIBUTED_MAP_THRESHOLD))


def work_label(plan: MigrationPlan) -> str:
    """``rewriting column amount`` / ``rewriting columns amount, status``."""
    columns = list(dict.fromkeys(column.column for column in plan.computed_columns))
    noun = "column" if len(columns) == 1 else "columns"
    return f"rewriting {noun} {', '.join(columns)}"


def commit_message(plan: MigrationPlan, expected_version: int) -> str:
    message = f"committing schema version {expected_version + 1}"
    if plan.index_builds:
        message += " and building index " + ", ".join(build.name for build in plan.index_builds)
    return message


def _load_results(
    payloads: PayloadStore,
    account: str,
    operation_id: str,
    fragment_ids: list[int] | None = None,
    *,
    keys: list[str] | None = None,
) -> list[FragmentResult]:
    """Fragment results from S3, read in parallel (one object per fragment)."""
    wanted = (
        keys if keys is not None else [result_key(account, operation_id, fid) for fid in fragment_ids or []]
    )
    with ThreadPoolExecutor(max_workers=RESULT_READERS) as pool:
        documents = list(pool.map(payloads.find, wanted))
    return [FragmentResult.model_validate(document) for document in documents if document is not None]


def _record_schema_version(
    services: Services,
    account: str,
    table_id: str,
    operation: dict[str, Any],
    plan: MigrationPlan,
    committed: CommitResult,
) -> SchemaVersion:
    """The catalog's next schema version, written only if the table is still at the planned one."""
    schema = committed.table_schema
    new = NewSchema(
        fields=[field.model_dump() for field in schema.fields],
        primaryKeyColumns=list(schema.primaryKeyColumns),
        arrowSchema=arrow_schema_text(schema),
        lanceVersion=committed.lance_version,
        description=operation.get("description"),
        operationId=operation["operationId"],
    )
    catalog = services.catalog
    try:
        return catalog.add_schema_version(account, table_id, int(operation["expectedVersion"]), new)
    except ConcurrentModification:
        current = catalog.current_schema(account, table_id)
        if current.operationId == operation["operationId"]:
            return current  # this step ran before and recorded it
        raise MigrationFailed(
            "The table's schema version changed during the migration; its data change stays committed "
            f"at Lance version {committed.lance_version} and needs a restore",
            code="CATALOG_CONFLICT",
            details={
                "expectedVersion": int(operation["expectedVersion"]),
                "currentVersion": current.versionNumber,
            },
        ) from None
