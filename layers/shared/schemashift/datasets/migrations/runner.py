"""All three steps in one process: the reference path, used by tests and the local stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemashift.datasets.catalog.schema import TableSchema
from schemashift.datasets.migrations.commit import abort_migration, commit_migration
from schemashift.datasets.migrations.fragments import run_fragment
from schemashift.datasets.migrations.models import CommitResult, FragmentResult
from schemashift.datasets.migrations.planner import plan_migration
from schemashift.errors import ValidationFailed


def run_migration(
    uri: str,
    storage_options: dict[str, str] | None,
    schema: TableSchema,
    operations: list[dict[str, Any]],
    on_progress: Callable[[int, int], None] | None = None,
    *,
    should_cancel: Callable[[], bool] | None = None,
) -> CommitResult:
    """Plan, run every fragment, commit; ``on_progress(rows_done, rows_total)`` after each batch.

    Raises ``ValidationFailed`` (with every problem in ``details``) for an invalid request; any
    failure after that leaves the table as it was and removes the files written so far.
    """
    plan = plan_migration(uri, storage_options, schema, operations)
    if not plan.isValid:
        raise ValidationFailed("Invalid migration: " + "; ".join(plan.validationErrors), details=plan.validationErrors)
    total = plan.total_rows if plan.fragment_ids else 0
    done = 0

    def on_rows(rows: int) -> None:
        nonlocal done
        done += rows
        if on_progress is not None:
            on_progress(done, total)

    results: list[FragmentResult] = []
    try:
        for fragment_id in plan.fragment_ids:
            results.append(run_fragment(plan, fragment_id, on_rows=on_rows, should_cancel=should_cancel))
    except BaseException:
        abort_migration(plan, results)
        raise
    return commit_migration(plan, results)
