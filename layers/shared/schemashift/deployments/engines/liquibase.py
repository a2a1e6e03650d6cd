"""Liquibase schemas behind the deployment seam: changelogs, DATABASECHANGELOG, tags."""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.bundles import load_bundle
from schemashift.dbschema.locks import DEFAULT_LEASE_SECONDS
from schemashift.dbschema.services import Services
from schemashift.deployments.engines import BatchResult, UnitResult, refuse
from schemashift.deployments.errors import DryRunFailed


def changelog_for(svc: Services, key: str, substitute_properties: dict[str, Any], dialect: str,
                  database: Any = None) -> Any:
    """The stored changelog bundle ``key`` parsed for ``dialect`` with the instance's properties.

    With the open ``database`` (deployments and sync have one), the connection-dependent ``database.*``
    properties (``defaultSchemaName``, ``databaseProductVersion``, ...) are defined too, as in Liquibase
    and the CLI; previews and lint without a connection get the dialect's only."""
    from schemashift.changelog import BundleAccessor, parse_changelog

    bundle = load_bundle(svc, key)
    properties = {k: str(v) for k, v in substitute_properties.items()}
    return parse_changelog(bundle.root_file, BundleAccessor(bundle.files), parameters=properties or None,
                           dialect=dialect, database=database)


def contexts_labels(request: dict[str, Any], instance_item: dict[str, Any]) -> tuple[Any, Any]:
    return (request.get("contexts") or instance_item.get("context"),
            request.get("labels") or instance_item.get("labels"))


def pending_fqns(target: Any, changelog: Any, request: dict[str, Any], instance_item: dict[str, Any]) -> list[str]:
    """The changesets an apply with ``request`` would run, in order (reads DATABASECHANGELOG only)."""
    from schemashift.engine import status

    contexts, labels = contexts_labels(request, instance_item)
    pending = [item.fqn for item in status(target, changelog, contexts=contexts, labels=labels).pending]
    if request.get("count"):
        pending = pending[: int(request["count"])]
    if request.get("toTag"):
        pending = pending[: _count_to_tag(changelog, pending, request["toTag"], len(pending))]
    return pending


def _count_to_tag(changelog: Any, pending: list[str], tag: str, default: int) -> int:
    """update-to-tag runs pending changesets up to and including the tagDatabase changeset."""
    pending_set = set(pending)
    count = 0
    for cs in changelog.changesets:
        if cs.fqn in pending_set:
            count += 1
            if cs.is_tag() == tag:
                return count
    return default


_RECORDED = ("EXECUTED", "RERAN", "MARK_RAN", "ROLLED_BACK")
"""Statuses whose statements end with the DATABASECHANGELOG write (the engine appends it last)."""


def _unit_checkpoint(checkpoint: Any) -> Any:
    """The engine's changeset outcome as the runner checkpoints it, its own SQL without the history write."""
    def on_finish(result: Any) -> None:
        statements = list(result.statements)
        if result.status in _RECORDED and statements:
            statements = statements[:-1]
        checkpoint(UnitResult(result.fqn, result.status, result.duration_ms, result.error, statements))

    return on_finish


def _run_options(execution: dict[str, Any], deadline: float | None, on_finish: Any = None) -> Any:
    from schemashift.engine import RunOptions
    from schemashift.targets.lock import LockOptions

    return RunOptions(
        lock=LockOptions(wait_timeout=30.0, poll_interval=2.0, break_stale_lock_after=float(DEFAULT_LEASE_SECONDS)),
        deadline=deadline, deployment_id=execution["deploymentId"], run_id=execution["executionId"],
        on_changeset_finish=on_finish,
    )


def _pre_start_tag(target: Any, rows: list[Any], execution_id: str) -> str | None:
    """Harness's preStartTag: reuse the last row's tag, else tag the last row now."""
    from schemashift.engine import tag

    if not rows:
        return None
    if rows[-1].tag:
        return rows[-1].tag
    name = f"schemashift_pre_{execution_id}"
    tag(target, name)
    return name


def _rollback_size(rows: list[Any], request: dict[str, Any]) -> int:
    if request.get("count"):
        return min(int(request["count"]), len(rows))
    wanted = str(request["tag"]).lower()
    for index, row in enumerate(rows):
        if (row.tag or "").lower() == wanted:
            after = len(rows) - index - 1
            return after + (1 if row.is_tag_changeset else 0)
    from schemashift.engine import TagNotFound

    raise TagNotFound(f"Tag '{request['tag']}' does not exist on instance '{request.get('instance', '')}'")


class LiquibaseEngine:
    migration_type = "Liquibase"

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def check_request(self, kind: str, request: dict[str, Any]) -> None:
        if request.get("targetVersion"):
            raise refuse("targetVersion", self.migration_type, " (use tag, toTag or count)")
        if kind == "rollback" and not (request.get("tag") or request.get("count")):
            raise refuse("a rollback without tag or count", self.migration_type)

    def load(self, key: str, properties: dict[str, Any], dialect: str, database: Any = None) -> Any:
        return changelog_for(self.svc, key, properties, dialect, database)

    def reclaim(self, target: Any, tenant: Any, execution_id: str) -> None:
        from schemashift.deployments.liveness import reclaim_changelog_lock

        reclaim_changelog_lock(self.svc, target, tenant, execution_id)

    def reconcile(self, tenant: Any, schema: str, instance: str, target: Any, project: Any,
                  known: dict[Any, dict[str, Any]] | None = None) -> dict[str, Any]:
        from schemashift.deployments.sync import reconcile

        return reconcile(self.svc, tenant, schema, instance, target, project, known)

    def pending(self, target: Any, project: Any, request: dict[str, Any], instance_item: dict[str, Any]) -> list[str]:
        return pending_fqns(target, project, request, instance_item)

    def lint_units(self, project: Any, dialect: str, pending: list[str]) -> list[Any]:
        from schemashift.safety.units import units_from_changelog

        return units_from_changelog(project, dialect, only=set(pending))

    def prepare(self, scope: str, execution_id: str, execution: dict[str, Any], target: Any, project: Any,
                instance_item: dict[str, Any], fields: dict[str, Any]) -> None:
        from schemashift.engine import rollback_sql, update_sql
        from schemashift.targets.history import ChangeLogHistory

        request, kind = execution["request"], execution["kind"]
        contexts, labels = contexts_labels(request, instance_item)
        count = int(request["count"]) if request.get("count") else None  # DynamoDB numbers are Decimals
        if request.get("dryRun") == "transactional" and kind == "apply":
            _transactional_dry_run(self.svc, scope, execution_id, target, project, contexts, labels, fields)
        elif request.get("dryRun"):
            preview = (update_sql(target, project, count=count, to_tag=request.get("toTag"),
                                  contexts=contexts, labels=labels) if kind == "apply" else
                       rollback_sql(target, project, tag=request.get("tag"), count=count,
                                    contexts=contexts, labels=labels))
            from schemashift.deployments.execution_sql import bounded_sql

            fields.update(sql=bounded_sql(preview.statements), progressTotal=len(preview.run.changesets),
                          remaining=0)
        elif kind == "apply":
            total = len(pending_fqns(target, project, request, instance_item))
            rows = ChangeLogHistory(target).ran_changesets()
            fields["preStartTag"] = _pre_start_tag(target, rows, execution_id) if total else (
                rows[-1].tag if rows else None)
            fields.update(progressTotal=total, remaining=total)
        else:
            total = _rollback_size(ChangeLogHistory(target).ran_changesets(), request)
            fields.update(progressTotal=total, remaining=total)

    def run(self, target: Any, project: Any, execution: dict[str, Any], instance_item: dict[str, Any],
            deadline: float, checkpoint: Any) -> BatchResult:
        from schemashift.dbschema.state import ChangesetStatusUpdate, record_changeset_status
        from schemashift.deployments.executions import tenant_of
        from schemashift.engine import rollback, rollback_count, tag, update, update_count, update_to_tag

        request = execution["request"]
        done_before = int(execution.get("progressDone", 0))
        options = _run_options(execution, deadline, _unit_checkpoint(checkpoint))
        contexts, labels = contexts_labels(request, instance_item)
        if execution["kind"] == "rollback":
            if request.get("count"):
                result = rollback_count(target, project, int(request["count"]) - done_before, contexts=contexts,
                                        labels=labels, options=options)
            else:
                result = rollback(target, project, request["tag"], contexts=contexts, labels=labels, options=options)
        elif request.get("count"):
            result = update_count(target, project, int(request["count"]) - done_before, contexts=contexts,
                                  labels=labels, options=options)
        elif request.get("toTag"):
            result = update_to_tag(target, project, request["toTag"], contexts=contexts, labels=labels,
                                   options=options)
        else:
            result = update(target, project, contexts=contexts, labels=labels, options=options)
        remaining = int(result.remaining)
        applied = done_before + sum(1 for r in result.changesets if r.status in ("EXECUTED", "RERAN", "MARK_RAN"))
        if remaining == 0 and execution["kind"] == "apply" and request.get("tag") and applied > 0:
            tag(target, request["tag"], options=_run_options(execution, None))
            if result.changesets:
                record_changeset_status(self.svc, tenant_of(execution), execution["schema"], execution["instance"], [
                    ChangesetStatusUpdate(result.changesets[-1].fqn, "Successfully_Deployed",
                                          request.get("pipeline", ""), request.get("planExecutionId", ""),
                                          request.get("stageExecutionId", ""), tag=request["tag"],
                                          executionId=execution["executionId"], log_run=False)])
        return BatchResult(remaining, applied, result.changesets[-1].fqn if result.changesets else None)


def _transactional_dry_run(svc: Services, scope: str, execution_id: str, target: Any, changelog: Any, contexts: Any,
                           labels: Any, fields: dict[str, Any]) -> None:
    import json
    from decimal import Decimal

    from schemashift.deployments.executions import update_execution
    from schemashift.safety.dry_run import transactional_dry_run

    report = transactional_dry_run(target, changelog, contexts=contexts, labels=labels)
    stored = json.loads(json.dumps(report.to_dict()), parse_float=Decimal)  # DynamoDB takes no floats
    fields.update(dryRunReport=stored, progressTotal=len(report.changesets) + len(report.notRun),
                  remaining=0)
    if not report.ok and report.error is not None:
        update_execution(svc, scope, execution_id, **fields)
        raise DryRunFailed(f"Dry run failed at {report.error['changeSetFQN']}: {report.error['message']} "
                           "(everything was rolled back)")
