"""The policy gate: the first step of ApplyChangesets and FleetApply, before any changeset runs.

For each instance it reads the pending changesets (DATABASECHANGELOG is only read), lints them for
the instance's dialect with the schema's lint configuration, and evaluates the project's policies on
Harness's input shape. The lint findings and the policy decision are recorded on the execution;
``warn`` messages also on the instance (migrationstate shows them). Any ``deny`` fails the execution
with every message before anything runs; for a fleet, no instance starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemashift.clock import now_ms
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.steps import PolicyOutcome
from schemashift.errors import SchemashiftError
from schemashift.safety.findings import LintReport
from schemashift.safety.policies import JDBC_TYPES, PolicyDecision
from schemashift.safety.units import LintUnit

MAX_RECORDED_FINDINGS = 100
"""Findings kept on an execution item (the counts always cover all of them)."""


class PolicyDenied(SchemashiftError):
    """A policy denied the deployment; nothing was run."""

    status = 403
    code = "POLICY_DENIED"


@dataclass
class GateOutcome:
    instance: str
    dialect: str
    report: LintReport
    decision: PolicyDecision

    def record(self) -> dict[str, Any]:
        return {"lint": lint_summary(self.report), "policy": {**self.decision.to_dict(), "evaluated": now_ms()}}


def lint_summary(report: LintReport) -> dict[str, Any]:
    findings = []
    for finding in report.findings[:MAX_RECORDED_FINDINGS]:
        entry = finding.to_dict()
        if entry["statement"] and len(entry["statement"]) > 500:
            entry["statement"] = entry["statement"][:497] + "..."
        findings.append(entry)
    return {"dialect": report.dialect, "changesets": report.changesets, "counts": report.counts(),
            "suppressed": report.suppressed, "findings": findings,
            "truncated": len(report.findings) > MAX_RECORDED_FINDINGS}


def policy_input(schema_item: dict[str, Any], instance_item: dict[str, Any], dialect: str, units: list[LintUnit],
                 report: LintReport, request: dict[str, Any]) -> dict[str, Any]:
    """Harness's ``db_sql`` input, plus changeset metadata and lint findings."""
    from schemashift.store.dynamo import plain

    return {
        "sqlStatements": [sql for unit in units for sql in unit.statements],
        "dbInstance": {"identifier": instance_item["identifier"], "name": instance_item.get("name"),
                       "type": JDBC_TYPES.get(dialect, dialect), "dialect": dialect,
                       "dbConnectionUrl": instance_item.get("url"), "tags": plain(instance_item.get("tags") or {})},
        "dbSchema": {"identifier": schema_item["identifier"], "name": schema_item.get("name"),
                     "tags": plain(schema_item.get("tags") or {})},
        "changeSets": [{"changeSetFQN": unit.fqn, "id": unit.id, "author": unit.author, "fileName": unit.file_path,
                        "sqlStatements": unit.statements, "runInTransaction": unit.run_in_transaction,
                        "runOnChange": unit.run_on_change, "runAlways": unit.run_always, "rollback": unit.rollback,
                        "changeTypes": unit.change_types} for unit in units],
        "lintFindings": [finding.to_dict() for finding in report.findings],
        "pipeline": {key: request.get(key) or "" for key in ("pipeline", "planExecutionId", "stageExecutionId")},
    }


def evaluate_instance(svc: Services, tenant: Tenant, schema: str, instance: str,
                      request: dict[str, Any]) -> GateOutcome:
    """Lint the instance's pending changesets and evaluate the project's policies on them."""
    from schemashift.dbschema.changelogs import current_changelog
    from schemashift.dbschema.instances import connect_instance, get_instance_item
    from schemashift.dbschema.schemas import get_schema_item
    from schemashift.deployments.engines import engine_for
    from schemashift.safety.config import LintConfig
    from schemashift.safety.lint import lint_units
    from schemashift.safety.policies import evaluate
    from schemashift.safety.policy_store import policies_for

    schema_item = get_schema_item(svc, tenant, schema)
    instance_item = get_instance_item(svc, tenant, schema, instance)
    _, info = current_changelog(svc, tenant, schema)
    engine = engine_for(svc, info)
    with connect_instance(tenant, instance_item) as target:
        dialect = target.dialect
        project = engine.load(info["key"], instance_item.get("substituteProperties") or {}, dialect, target)
        pending = engine.pending(target, project, request, instance_item)
    units = engine.lint_units(project, dialect, pending)
    report = lint_units(units, dialect, LintConfig.from_stored(schema_item.get("lint")))
    decision = evaluate(policies_for(svc, tenant, schema),
                        policy_input(schema_item, instance_item, dialect, units, report, request))
    return GateOutcome(instance, dialect, report, decision)


def gate(svc: Services, scope: str, execution_id: str) -> PolicyOutcome:
    """The state machine step; raises PolicyDenied (caught into RecordFailure / the fleet's FinishDenied)."""
    from schemashift.deployments.executions import get_execution_item, tenant_of, update_execution

    execution = get_execution_item(svc, scope, execution_id)
    tenant = tenant_of(execution)
    if execution["kind"] == "fleet":
        return _gate_fleet(svc, scope, execution_id, execution, tenant)
    outcome = evaluate_instance(svc, tenant, execution["schema"], execution["instance"], execution.get("request") or {})
    update_execution(svc, scope, execution_id, **outcome.record())
    _note_warnings(svc, tenant, execution["schema"], outcome, execution_id)
    _emit(svc, execution_id, execution, tenant, [outcome])
    if outcome.decision.denied:
        raise PolicyDenied(_denial([outcome]))
    return PolicyOutcome(executionId=execution_id, scope=scope, warnings=len(outcome.decision.warn))


def _gate_fleet(svc: Services, scope: str, parent_id: str, parent: dict[str, Any], tenant: Tenant) -> PolicyOutcome:
    """Every instance of the fleet is evaluated before the first one starts."""
    from schemashift.deployments.executions import CANCELLED, finish_execution, jobs, set_child_status, update_execution

    children = [(child["name"], child["jobId"]) for child in jobs(svc).children(scope, parent_id)]
    request = parent.get("request") or {}
    outcomes = []
    for instance, child_id in children:
        outcome = evaluate_instance(svc, tenant, parent["schema"], instance, request)
        update_execution(svc, scope, child_id, **outcome.record())
        _note_warnings(svc, tenant, parent["schema"], outcome, child_id)
        outcomes.append((instance, child_id, outcome))
    denied = [outcome for _, _, outcome in outcomes if outcome.decision.denied]
    update_execution(svc, scope, parent_id, policy={
        "deny": [{"instance": o.instance, **m.to_dict()} for _, _, o in outcomes for m in o.decision.deny],
        "warn": [{"instance": o.instance, **m.to_dict()} for _, _, o in outcomes for m in o.decision.warn],
        "evaluated": now_ms()})
    _emit(svc, parent_id, parent, tenant, [outcome for _, _, outcome in outcomes])
    if denied:
        for instance, child_id, outcome in outcomes:
            reason = "denied by policy" if outcome.decision.denied else "not started: the fleet was denied by policy"
            finish_execution(svc, scope, child_id, CANCELLED, {"code": "PolicyDenied", "message": reason})
            set_child_status(svc, scope, parent_id, instance, CANCELLED)
        raise PolicyDenied(_denial(denied))
    return PolicyOutcome(executionId=parent_id, scope=scope, warnings=sum(len(o.decision.warn) for _, _, o in outcomes))


def _denial(outcomes: list[GateOutcome]) -> str:
    lines = [f"[{o.instance}] {m.policy}: {m.message}" for o in outcomes for m in o.decision.deny]
    return f"Denied by policy ({len(lines)} message{'s' if len(lines) != 1 else ''}): " + "; ".join(lines)


def _note_warnings(svc: Services, tenant: Tenant, schema: str, outcome: GateOutcome, execution_id: str) -> None:
    from schemashift.dbschema.instances import note_policy_warnings

    note_policy_warnings(svc, tenant, schema, outcome.instance, [m.to_dict() for m in outcome.decision.warn],
                         execution_id)


def _emit(svc: Services, execution_id: str, execution: dict[str, Any], tenant: Tenant,
          outcomes: list[GateOutcome]) -> None:
    from schemashift.events import emit

    request = execution.get("request") or {}
    emit("DbSchemaPolicyEvaluated", {
        "executionId": execution_id, "kind": execution["kind"], "account": tenant.account,
        "org": tenant.org, "project": tenant.project, "dbschema": execution["schema"],
        "pipeline": request.get("pipeline"), "planExecutionId": request.get("planExecutionId"),
        "stageExecutionId": request.get("stageExecutionId"),
        "denied": any(o.decision.denied for o in outcomes),
        "instances": [{"dbinstance": o.instance, "dialect": o.dialect, "lint": o.report.counts(),
                       "deny": [m.to_dict() for m in o.decision.deny], "warn": [m.to_dict() for m in o.decision.warn]}
                      for o in outcomes],
    }, bus=svc.event_bus, events=svc.events)
