"""Flyway's info, validate, baseline and repair on one instance of a Flyway schema (the
``.../dbinstance/{i}/flyway/...`` routes).

``info`` and ``validate`` only read: they connect with the instance's credentials (Secrets Manager,
behind the tenant walls, as apply does) and answer Flyway's view of the history table against the
schema's current bundle. ``baseline`` and ``repair`` write the history table: each is a short
synchronous command that takes the instance lock in a new execution's name (409 while a deployment
runs), records that execution (kind ``baseline`` / ``repair``, in the same job store as apply and
undo, its result under ``report``), aligns the changeset state with the history afterwards and
releases the lock. ``Idempotency-Key`` makes a retried call answer the first one's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from schemashift.dbschema.changelogs import current_changelog
from schemashift.dbschema.flyway_state import flyway_schema_item
from schemashift.dbschema.instances import connect_instance, get_instance_item
from schemashift.dbschema.locks import release_lock
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.executions import (
    FAILURE,
    SUCCESS,
    add_results,
    create_execution,
    finish_execution,
    scope_of,
)
from schemashift.deployments.flyway_responses import (
    FlywayBaselineResult,
    FlywayInfo,
    FlywayRepairResult,
    FlywayValidation,
)
from schemashift.deployments.models import FlywayBaselineRequest, FlywayRepairRequest
from schemashift.errors import Conflict, SchemashiftError
from schemashift.idempotency import idempotent
from schemashift.jobs.views import harness_status

COMMAND_LEASE_SECONDS = 300
"""The instance lock of a baseline or repair: short, so a crashed call frees the instance soon."""


@contextmanager
def _open(svc: Services, tenant: Tenant, schema: str, instance: str,
          overrides: dict[str, Any] | None = None) -> Iterator[Any]:
    """``(flyway, project, target)`` for the instance, against the schema's current bundle."""
    from schemashift.deployments.engines.flyway import FlywayEngine
    from schemashift.flyway import Flyway

    flyway_schema_item(svc, tenant, schema)
    instance_item = get_instance_item(svc, tenant, schema, instance)
    _, info = current_changelog(svc, tenant, schema)
    with connect_instance(tenant, instance_item) as target:
        project = FlywayEngine(svc).load(info["key"], instance_item.get("substituteProperties") or {}, target.dialect)
        config = project.config.with_overrides(**overrides) if overrides else project.config
        yield Flyway(target, project.files, config, lock_wait_seconds=10.0), project, target  # within the 29 s API timeout


def _where(schema: str, instance: str, flyway: Any) -> dict[str, Any]:
    return {"schemaName": schema, "instanceName": instance, "historySchema": flyway.history.schema,
            "historyTable": flyway.config.table}


def _fqn(project: Any, version: Any, description: str, script: str, type_: str = "SQL") -> str:
    return project.fqn_of(type_, version, description, script)


def flyway_info(svc: Services, tenant: Tenant, schema: str, instance: str) -> FlywayInfo:
    """Every migration of the bundle and of the history table with Flyway's state."""
    with _open(svc, tenant, schema, instance) as (flyway, project, _):
        report = flyway.info()
        migrations = []
        for item in report.migrations:
            row = item.as_dict()
            migrations.append({**{k: row[k] for k in (
                "category", "version", "description", "type", "script", "checksum", "resolvedChecksum", "state",
                "installedRank", "installedOn", "installedBy", "executionTime")},
                "changeSetFQN": _fqn(project, item.version, item.description, item.script, item.type)})
        return FlywayInfo(**_where(schema, instance, flyway), schemaVersion=report.current_version,
                          migrations=migrations)


def flyway_validate(svc: Services, tenant: Tenant, schema: str, instance: str,
                    ignore_patterns: str | None = None) -> FlywayValidation:
    """Flyway's validate; findings are the answer, not an error. ``ignore_patterns``
    (``ignoreMigrationPatterns``, comma separated, empty for none) overrides the bundle's."""
    overrides = {"ignoreMigrationPatterns": ignore_patterns} if ignore_patterns is not None else None
    with _open(svc, tenant, schema, instance, overrides) as (flyway, project, _):
        report = flyway.validate()
        invalid = [{**error, "changeSetFQN": _fqn(project, error["version"], error["description"], error["filepath"])}
                   for error in report.errors]
        message = None
        if invalid:
            message = "Validate failed: Migrations have failed validation\n" + "\n".join(
                e["errorDetails"]["errorMessage"] for e in invalid)
        return FlywayValidation(**_where(schema, instance, flyway), validationSuccessful=report.valid,
                                validateCount=report.validated, invalidMigrations=invalid, errorMessage=message,
                                warnings=report.warnings)


def flyway_baseline(svc: Services, tenant: Tenant, schema: str, instance: str, body: FlywayBaselineRequest,
                    idempotency_key: str | None = None) -> FlywayBaselineResult:
    """Baseline an existing database: the history table with its ``BASELINE`` row; refused (409)
    when the history already records migrations, as Flyway refuses."""
    overrides = {"baselineVersion": body.baselineVersion, "baselineDescription": body.baselineDescription}

    def command(flyway: Any, project: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        report = flyway.baseline()
        return {"successfullyBaselined": report.baselined, "baselineVersion": report.baseline_version,
                "baselineDescription": flyway.config.baseline_description}, []

    out = _run_command(svc, "baseline", tenant, schema, instance, body, idempotency_key, command,
                       {k: v for k, v in overrides.items() if v is not None})
    return FlywayBaselineResult.model_validate(out)


def flyway_repair(svc: Services, tenant: Tenant, schema: str, instance: str, body: FlywayRepairRequest,
                  idempotency_key: str | None = None) -> FlywayRepairResult:
    """Flyway's repair: remove failed rows, mark applied migrations gone from the bundle deleted,
    realign checksums, descriptions and types with the scripts."""

    def command(flyway: Any, project: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        report = flyway.repair()
        lists: dict[str, list[dict[str, Any]]] = {}
        results = []
        for name, rows, status in (("migrationsRemoved", report.removed, "REMOVED_FAILED"),
                                   ("migrationsDeleted", report.deleted, "MARKED_DELETED"),
                                   ("migrationsAligned", report.aligned, "ALIGNED")):
            lists[name] = [{**row, "changeSetFQN": _fqn(project, row["version"], row["description"], row["filepath"])}
                           for row in rows]
            results += [{"changeSetFQN": row["changeSetFQN"], "status": status, "durationMs": 0, "error": None}
                        for row in lists[name]]
        return {"repairActions": report.actions, **lists}, results

    return FlywayRepairResult.model_validate(
        _run_command(svc, "repair", tenant, schema, instance, body, idempotency_key, command, {}))


Command = Callable[[Any, Any], tuple[dict[str, Any], list[dict[str, Any]]]]


def _run_command(svc: Services, kind: str, tenant: Tenant, schema: str, instance: str, body: Any,
                 idempotency_key: str | None, command: Command, overrides: dict[str, Any]) -> dict[str, Any]:
    from schemashift.deployments.start import lease_instance

    flyway_schema_item(svc, tenant, schema)  # a Liquibase schema: 400 before anything else
    get_instance_item(svc, tenant, schema, instance)

    def run(payload: dict[str, Any]) -> dict[str, Any]:
        execution_id = lease_instance(svc, tenant, schema, instance, kind, payload, lease_seconds=COMMAND_LEASE_SECONDS)
        scope = scope_of(tenant)
        try:
            execution = create_execution(svc, tenant, schema, instance, kind, payload, execution_id=execution_id)
            try:
                with _open(svc, tenant, schema, instance, overrides) as (flyway, project, target):
                    report, results = command(flyway, project)
                    where = _where(schema, instance, flyway)
                    _align_state(svc, tenant, schema, instance, target, project)
            except SchemashiftError as error:
                finish_execution(svc, scope, execution_id, FAILURE, {"code": error.code, "message": error.message})
                raise _refused(error, execution_id) from error
            except Exception:
                finish_execution(svc, scope, execution_id, FAILURE,
                                 {"code": "INTERNAL_ERROR", "message": f"the {kind} failed unexpectedly"})
                raise
            if results:
                add_results(svc, scope, execution_id, results)
            final = finish_execution(svc, scope, execution_id, SUCCESS, None, report=report, migrationType="Flyway",
                                     progressDone=len(results), progressTotal=len(results))
        except BaseException:
            release_lock(svc, tenant, schema, instance, execution_id)
            raise
        release_lock(svc, tenant, schema, instance, execution_id)
        return {**where, "executionId": execution["executionId"], "status": harness_status(final["status"]),
                **report}

    return idempotent(idempotency_key, f"{tenant.schema_pk(schema)}#flyway-{kind}#{instance}",
                      body.model_dump(exclude_none=True), run, table=svc.idempotency_table)


def _refused(error: SchemashiftError, execution_id: str) -> SchemashiftError:
    """Flyway's refusals (already baselined, history present, ...) are 409s naming the execution;
    anything else keeps its own status."""
    from schemashift.flyway import FlywayCommandFailed

    if isinstance(error, FlywayCommandFailed):
        return Conflict(f"{error.message} (execution {execution_id})", details={"executionId": execution_id})
    return error


def _align_state(svc: Services, tenant: Tenant, schema: str, instance: str, target: Any, project: Any) -> None:
    """The changeset state follows the history table the command left (as sync would)."""
    from schemashift.deployments.engines.flyway import FlywayEngine

    FlywayEngine(svc).reconcile(tenant, schema, instance, target, project)
