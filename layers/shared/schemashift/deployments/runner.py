"""What the deployment state machine's tasks do: start, apply in budgeted batches, finish.

Every task takes ``{"executionId": ...}`` and keeps its state in the execution item, so a retried
or resumed task picks up where the database says things stand. Each changeset is checkpointed to
DynamoDB as soon as it commits; the next start reconciles any gap a crash left.
"""

from __future__ import annotations

import time
from typing import Any

from schemashift.clock import now_ms
from schemashift.dbschema.changelogs import identity, split_fqn
from schemashift.dbschema.instances import connect_instance, get_instance_item, note_deployment
from schemashift.dbschema.locks import acquire_lock, release_lock
from schemashift.dbschema.services import Services
from schemashift.dbschema.state import (
    ChangesetStatusUpdate,
    DefinitionIndex,
    definitions_index,
    record_changeset_status,
    state_items,
)
from schemashift.deployments.checkpoints import CheckpointWriter
from schemashift.deployments.engines import Engine, engine_for
from schemashift.deployments.engines.liquibase import changelog_for, pending_fqns
from schemashift.deployments.errors import InstanceBusy
from schemashift.deployments.execution_sql import RECORDED, SqlJournal
from schemashift.deployments.executions import (
    CANCELLED,
    FAILURE,
    SUCCESS,
    add_failure,
    add_progress,
    add_results,
    finish_execution,
    get_execution_item,
    set_child_status,
    tenant_of,
    update_execution,
)
from schemashift.deployments.executions import (
    checkpoint as save_checkpoint,
)
from schemashift.deployments.steps import Finished, FleetFinished, GateOutcome, Remaining
from schemashift.events import emit
from schemashift.faults import armed, maybe_fail
from schemashift.jobs.views import harness_status
from schemashift.step_errors import describe_step_error
from schemashift.targets.errors import TargetUnavailable

__all__ = ["changelog_for", "finish", "fleet_finish", "fleet_gate", "pending_fqns", "run_batch", "start"]

SAFETY_MARGIN_S = 20.0
"""Time left unused in a batch Lambda so the last changeset's checkpoint always lands."""
DEFAULT_BATCH_SECONDS = 600.0


def _project(engine: Engine, execution: dict[str, Any], target: Any) -> Any:
    return engine.load(execution["changelogKey"], execution.get("substituteProperties") or {}, target.dialect, target)


def start(svc: Services, scope: str, execution_id: str) -> Remaining:
    """Lease the lock, reconcile state, tag the pre-start state and size the work."""
    from schemashift.dbschema.changelogs import current_changelog
    from schemashift.targets.history import new_deployment_id

    execution = get_execution_item(svc, scope, execution_id)
    tenant, schema, instance = tenant_of(execution), execution["schema"], execution["instance"]
    if acquire_lock(svc, tenant, schema, instance, owner=execution_id) is None:
        raise InstanceBusy(f"Another deployment is running on instance '{instance}'")
    instance_item = get_instance_item(svc, tenant, schema, instance)
    _, changelog_info = current_changelog(svc, tenant, schema)
    engine = engine_for(svc, changelog_info)
    engine.check_request(execution["kind"], execution["request"])
    fields: dict[str, Any] = {"changelogKey": changelog_info["key"], "changelogVersion": changelog_info["version"],
                              "migrationType": engine.migration_type,
                              "deploymentId": execution.get("deploymentId") or new_deployment_id(), RECORDED: True,
                              "substituteProperties": instance_item.get("substituteProperties") or {}}
    execution = {**execution, **fields}
    with connect_instance(tenant, instance_item) as target:
        engine.reclaim(target, tenant, execution_id)
        project = _project(engine, execution, target)
        fields["sync"] = engine.reconcile(tenant, schema, instance, target, project)
        engine.prepare(scope, execution_id, execution, target, project, instance_item, fields)
    update_execution(svc, scope, execution_id, **fields)
    return Remaining(executionId=execution_id, scope=scope, remaining=int(fields["remaining"]))


def run_batch(svc: Services, scope: str, execution_id: str, remaining_ms: int | None = None) -> Remaining:
    """Apply (or roll back) as many changesets as fit in this invocation's time budget."""
    from schemashift.engine import MigrationFailed

    execution = get_execution_item(svc, scope, execution_id)
    if execution.get("dryRun") or int(execution.get("remaining", 0)) <= 0:
        return Remaining(executionId=execution_id, scope=scope, remaining=0)
    tenant, schema, instance = tenant_of(execution), execution["schema"], execution["instance"]
    request = execution["request"]
    engine = engine_for(svc, execution)
    acquire_lock(svc, tenant, schema, instance, owner=execution_id)  # renew the lease
    instance_item = get_instance_item(svc, tenant, schema, instance)
    budget = (remaining_ms / 1000.0 if remaining_ms else DEFAULT_BATCH_SECONDS) - SAFETY_MARGIN_S
    deadline = time.time() + max(budget, 1.0)
    applied_status = "Successfully_Deployed" if execution["kind"] != "rollback" else "Rolled_Back"

    index = definitions_index(svc, tenant, schema)
    writer = CheckpointWriter(lambda records: save_checkpoint(svc, scope, execution_id, records))
    failed: set[str] = set()
    journal = SqlJournal()

    def checkpoint(result: Any) -> None:
        maybe_fail("deployment.before_checkpoint")
        journal.add(result.fqn, result.status, result.statements)
        definition = index.get(identity(*split_fqn(result.fqn)))
        status = {"FAILED": "Deployment_Failed"}.get(result.status, applied_status)
        puts: list[dict[str, Any]] = []
        if definition is not None and result.status in ("EXECUTED", "RERAN", "MARK_RAN", "ROLLED_BACK", "FAILED"):
            update = ChangesetStatusUpdate(result.fqn, status, request.get("pipeline", ""),
                                           request.get("planExecutionId", ""), request.get("stageExecutionId", ""),
                                           error=result.error, executionId=execution_id)
            puts = state_items(tenant, schema, instance, definition, update, now_ms())
        if result.status == "FAILED":
            failed.add(result.fqn)
        row = {"changeSetFQN": result.fqn, "status": result.status, "durationMs": round(result.duration_ms),
               "error": result.error}
        writer.add((row, puts, 0 if result.status == "FAILED" else 1))
        if armed("deployment.after_checkpoint"):  # a crash right after the checkpoint landed
            writer.flush()
            maybe_fail("deployment.after_checkpoint")

    with connect_instance(tenant, instance_item) as target, writer:
        engine.reclaim(target, tenant, execution_id)
        project = _project(engine, execution, target)
        _repair_gap(svc, engine, execution, target, project, index)
        try:
            result = engine.run(target, project, execution, instance_item, deadline, checkpoint)
        except MigrationFailed as failure:
            writer.flush()
            if getattr(failure, "retryable", False):
                # the connection dropped mid-changeset: the database rolled its transaction back, so
                # nothing is recorded as failed and the state machine retries the batch
                raise TargetUnavailable(f"The connection to the database dropped while {failure.changeset} "
                                        f"ran; retrying: {failure.db_error or failure.message}") from failure
            if failure.changeset not in failed:
                record_changeset_status(svc, tenant, schema, instance, [ChangesetStatusUpdate(
                    failure.changeset, "Deployment_Failed", request.get("pipeline", ""),
                    request.get("planExecutionId", ""), request.get("stageExecutionId", ""),
                    error=failure.db_error or failure.message, executionId=execution_id)])
            add_results(svc, scope, execution_id, [{"changeSetFQN": failure.changeset, "status": "FAILED",
                                        "error": failure.db_error or failure.message,
                                        "statement": failure.statement}])
            raise
        finally:
            _store_sql(svc, journal, tenant, schema, instance, execution_id)
        writer.flush()
    update_execution(svc, scope, execution_id, remaining=result.remaining)
    return Remaining(executionId=execution_id, scope=scope, remaining=result.remaining)


def _store_sql(svc: Services, journal: SqlJournal, tenant: Any, schema: str, instance: str, execution_id: str) -> None:
    """The batch's SQL for changesetmetadata; a failure to store it never fails the deployment."""
    from schemashift.observability import logger

    try:
        journal.store(svc, tenant, schema, instance, execution_id)
    except Exception as exc:  # reported, never fatal
        logger.warning("storing the execution's SQL failed",
                       extra={"error": type(exc).__name__, "detail": str(exc)[:300]})


def _repair_gap(svc: Services, engine: Engine, execution: dict[str, Any], target: Any, project: Any,
                index: DefinitionIndex) -> None:
    """A retried batch after a crash: changesets that committed before their checkpoint are
    recorded now, counted as this execution's work, never run again."""
    execution_id = execution["executionId"]
    scope = execution["pk"].split("JOB#")[0]
    report = engine.reconcile(tenant_of(execution), execution["schema"], execution["instance"], target, project,
                              index)
    moved = report["adopted"] if execution["kind"] != "rollback" else report["markedRolledBack"]
    if moved:
        add_results(svc, scope, execution_id,
                    [{"changeSetFQN": fqn, "status": "RECOVERED", "durationMs": 0, "error": None} for fqn in moved])
        add_progress(svc, scope, execution_id, len(moved))
        execution["progressDone"] = int(execution.get("progressDone", 0)) + len(moved)


def finish(svc: Services, scope: str, execution_id: str, error: dict[str, Any] | None = None) -> Finished:
    """Record the outcome, release the lock and tell pipelines."""
    execution = get_execution_item(svc, scope, execution_id)
    tenant = tenant_of(execution)
    failure = describe_step_error(error, "DeploymentFailed") if error else None
    status = FAILURE if failure else SUCCESS
    request = execution.get("request") or {}
    ended = execution.get("status") in (SUCCESS, FAILURE, CANCELLED)  # a retried finish
    if status == SUCCESS and not ended and execution["kind"] == "apply" and not request.get("dryRun"):
        # before the status flips, so whoever sees SUCCESS also sees the instance's lastDeployed
        applied = int(execution.get("progressDone", 0)) > 0
        note_deployment(svc, tenant, execution["schema"], execution["instance"],
                        request.get("tag") if applied and request.get("tag") else execution.get("preStartTag"))
    snapshot: dict[str, Any] = {}
    if not ended and not request.get("dryRun") and execution["kind"] in ("apply", "rollback") and (
            status == SUCCESS or int(execution.get("progressDone", 0)) > 0
            or (failure or {}).get("code") == "MigrationFailed"):
        from schemashift.dbschema.snapshots import snapshot_after_deployment

        # while the lock is held, before the status flips: the baseline sync compares with
        snapshot = snapshot_after_deployment(svc, tenant, execution["schema"], execution["instance"], execution_id)
    final = finish_execution(svc, scope, execution_id, status, failure, **snapshot)
    release_lock(svc, tenant, execution["schema"], execution["instance"], owner=execution_id)
    if execution.get("parentId"):
        set_child_status(svc, scope, execution["parentId"], execution["instance"], final["status"])
        add_progress(svc, scope, execution["parentId"], 1)
        if final["status"] == FAILURE:
            add_failure(svc, scope, execution["parentId"])
    detail = {
        "executionId": execution_id, "kind": execution["kind"], "status": harness_status(final["status"]),
        "account": tenant.account, "org": tenant.org, "project": tenant.project,
        "dbschema": execution["schema"], "dbinstance": execution["instance"],
        "pipeline": request.get("pipeline"), "planExecutionId": request.get("planExecutionId"),
        "stageExecutionId": request.get("stageExecutionId"), "preStartTag": final.get("preStartTag"),
        "applied": int(final.get("progressDone", 0)), "error": failure,
    }
    emit("DbSchemaDeploymentSucceeded" if final["status"] == SUCCESS else "DbSchemaDeploymentFailed", detail,
         bus=svc.event_bus, events=svc.events)
    return Finished(executionId=execution_id, status=harness_status(final["status"]))

def fleet_gate(svc: Services, scope: str, execution_id: str, parent_id: str, max_failures: int) -> GateOutcome:
    """Before an instance of a fleet starts: skip it once the fleet has more than maxFailures failures."""
    from schemashift.deployments.executions import count_failures

    if count_failures(svc, scope, parent_id) > max_failures:
        finish_execution(svc, scope, execution_id, CANCELLED, {"code": "MaxFailuresReached",
                                                   "message": "not started: the fleet exceeded maxFailures"})
        set_child_status(svc, scope, parent_id, get_execution_item(svc, scope, execution_id)["instance"], CANCELLED)
        return GateOutcome(executionId=execution_id, scope=scope, skip=True)
    return GateOutcome(executionId=execution_id, scope=scope, skip=False)


def fleet_finish(svc: Services, scope: str, parent_id: str, error: dict[str, Any] | None = None) -> FleetFinished:
    """Aggregate the instances' outcomes into the fleet execution and tell pipelines.

    ``error`` is the policy gate's failure: then no instance was started and it is the fleet's error."""
    from schemashift.deployments.executions import jobs

    parent = get_execution_item(svc, scope, parent_id)
    children = jobs(svc).children(scope, parent_id)
    counts: dict[str, int] = {}
    for child in children:
        counts[child["status"]] = counts.get(child["status"], 0) + 1
    ok = counts.get(SUCCESS, 0) == len(children)
    if error is not None:
        ok = False
        error = describe_step_error(error, "PolicyDenied")
    elif not ok:
        error = {"code": "FleetIncomplete",
                 "message": f"{counts.get(FAILURE, 0)} failed, {counts.get(CANCELLED, 0)} not started"}
    final = finish_execution(svc, scope, parent_id, SUCCESS if ok else FAILURE, error, summary=counts,
                             progressDone=len(children) - counts.get(CANCELLED, 0))
    tenant = tenant_of(parent)
    request = parent.get("request") or {}
    emit("DbSchemaDeploymentSucceeded" if ok else "DbSchemaDeploymentFailed", {
        "executionId": parent_id, "kind": "fleet", "status": harness_status(final["status"]),
        "account": tenant.account,
        "org": tenant.org, "project": tenant.project, "dbschema": parent["schema"],
        "summary": {harness_status(k): v for k, v in counts.items()},
        "pipeline": request.get("pipeline"), "planExecutionId": request.get("planExecutionId"),
        "stageExecutionId": request.get("stageExecutionId"), "error": error}, bus=svc.event_bus, events=svc.events)
    return FleetFinished(executionId=parent_id, status=harness_status(final["status"]),
                         summary={harness_status(k): v for k, v in counts.items()})
