"""Flyway schemas behind the deployment seam: scripts, ``flyway_schema_history``, undo.

An apply is Flyway's ``migrate`` (to ``targetVersion`` when given, else the bundle's ``target``; with
``count``, the next N pending migrations; with ``dryRun``, the SQL it would send, nothing run); a
rollback is ``undo``, of the ``count`` latest applied versions or down to ``targetVersion``. Each
migration is checkpointed as it commits, from the engine's ``on_migration`` callback; the history
table stays exactly as Flyway writes it.
"""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.services import Services
from schemashift.deployments.engines import BatchResult, UnitResult, refuse

_APPLY_ONLY_LIQUIBASE = ("toTag", "contexts", "labels", "tag")
_NOT_APPLIED = ("UNDO_SQL", "UNDO_SCRIPT", "DELETE", "BASELINE", "SCHEMA")


def _flyway(target: Any, project: Any, **options: Any) -> Any:
    from schemashift.flyway import Flyway

    return Flyway(target, project.files, project.config, lock_wait_seconds=30.0, **options)


def applied_keys(infos: list[Any]) -> dict[str, Any]:
    """Unit key -> its history row, for every migration applied and neither undone nor deleted."""
    from schemashift.flyway.project import unit_key

    applied: dict[str, Any] = {}
    for info in infos:
        row = info.applied
        if row is None or not row.success or row.type in _NOT_APPLIED or info.state in ("Undone", "Deleted"):
            continue
        applied[unit_key(row.type, row.version, row.description)] = row
    return applied


def history_infos(flyway: Any) -> list[Any]:
    from schemashift.flyway.config import ValidatePattern
    from schemashift.flyway.info import build_info

    return build_info(flyway.scripts(), flyway.history.rows(), flyway.config, ignore=(ValidatePattern("*", "*"),))


def undo_candidates(flyway: Any) -> list[Any]:
    """Applied versioned migrations newest first, as ``undo`` picks them."""
    infos = history_infos(flyway)
    candidates = [i for i in infos if i.applied is not None and i.type == "SQL" and i.version is not None
                  and i.applied.success and i.state not in ("Undone", "Deleted")]
    return sorted(candidates, key=lambda i: i.applied.installed_rank, reverse=True)


class FlywayEngine:
    migration_type = "Flyway"

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def check_request(self, kind: str, request: dict[str, Any]) -> None:
        if kind in ("baseline", "repair"):  # their requests are their own models
            return
        if request.get("dryRun") and kind != "apply":
            raise refuse("dryRun on a rollback", self.migration_type, " (a dry run previews an apply)")
        if request.get("dryRun") == "transactional":
            raise refuse("dryRun 'transactional'", self.migration_type, " (give dryRun true for the SQL preview)")
        if kind == "rollback":
            if request.get("tag"):
                raise refuse("a rollback to a tag", self.migration_type, " (give targetVersion or count)")
            if not (request.get("count") or request.get("targetVersion")):
                raise refuse("a rollback without targetVersion or count", self.migration_type)
            if request.get("count") and request.get("targetVersion"):
                raise refuse("a rollback with both targetVersion and count", self.migration_type)
            return
        for name in _APPLY_ONLY_LIQUIBASE:
            if request.get(name):
                raise refuse(name, self.migration_type, " (an apply migrates to targetVersion, or to the latest)")

    def load(self, key: str, properties: dict[str, Any], dialect: str, database: Any = None) -> Any:
        from schemashift.dbschema.bundles import load_bundle
        from schemashift.flyway.project import load_project

        return load_project(load_bundle(self.svc, key).files, properties)

    def reclaim(self, target: Any, tenant: Any, execution_id: str) -> None:
        """Flyway's lock is a session lock (advisory / named): it ends with the dead run's connection."""

    def reconcile(self, tenant: Any, schema: str, instance: str, target: Any, project: Any,
                  known: dict[Any, dict[str, Any]] | None = None) -> dict[str, Any]:
        from schemashift.dbschema.changelogs import read_definitions
        from schemashift.dbschema.state import ChangesetStatusUpdate, instance_states, record_changeset_status
        from schemashift.flyway.project import unit_fqn

        flyway = _flyway(target, project)
        rows = flyway.history.rows()
        infos = history_infos(flyway)
        applied = applied_keys(infos)
        listed = list(known.values()) if known is not None else read_definitions(self.svc, tenant, schema)
        definitions = [d for d in listed if d.get("flyway")]
        states = instance_states(self.svc, tenant, schema, instance)
        updates, adopted, rolled_back = [], [], []
        for definition in definitions:
            state = states.get(definition["csk"], {})
            row = applied.get(definition["changeSet"])
            if row is not None and state.get("status") != "Successfully_Deployed":
                adopted.append(definition["fqn"])
                updates.append(ChangesetStatusUpdate(
                    definition["fqn"], "Successfully_Deployed", pipeline=state.get("pipeline") or "sync",
                    deployedAt=int(row.installed_on.timestamp() * 1000) if row.installed_on else None,
                    log_run=False))
            elif row is None and state.get("status") == "Successfully_Deployed":
                rolled_back.append(definition["fqn"])
                updates.append(ChangesetStatusUpdate(definition["fqn"], "Rolled_Back", pipeline="sync",
                                                     log_run=False))
        record_changeset_status(self.svc, tenant, schema, instance, updates, known)
        keys = {d["changeSet"] for d in definitions}
        unknown = [unit_fqn(row.script, key) for key, row in applied.items() if key not in keys]
        mismatches = [{"changeSetFQN": project.fqn_of(i.type, i.version, i.description, i.script),
                       "stored": str(i.applied.checksum), "current": str(i.resolved.checksum)}
                      for i in infos if i.applied is not None and i.resolved is not None and i.version is not None
                      and i.applied.success and i.applied.type not in _NOT_APPLIED
                      and i.state not in ("Undone", "Deleted") and not i.resolved.checksum_matches(i.applied.checksum)]
        current = max((row.version for row in applied.values() if row.version is not None), default=None)
        return {"instance": instance, "rows": len(rows), "adopted": adopted, "markedRolledBack": rolled_back,
                "unknownRows": unknown, "checksumMismatches": mismatches,
                "schemaVersion": str(current) if current is not None else None,
                "inSync": not (unknown or mismatches)}

    def pending(self, target: Any, project: Any, request: dict[str, Any], instance_item: dict[str, Any]) -> list[str]:
        from schemashift.flyway.config import ValidatePattern
        from schemashift.flyway.info import build_info
        from schemashift.flyway.versions import MigrationTarget

        flyway = _flyway(target, project)
        goal = MigrationTarget.parse(str(request["targetVersion"])) if request.get("targetVersion") else None
        infos = build_info(flyway.scripts(), flyway.history.rows(), flyway.config, target=goal,
                           ignore=(ValidatePattern("*", "*"),))
        pending = [project.fqn_of(i.type, i.version, i.description, i.script) for i in infos if i.state == "Pending"]
        return pending[: int(request["count"])] if request.get("count") else pending

    def lint_units(self, project: Any, dialect: str, pending: list[str]) -> list[Any]:
        from schemashift.safety.units import unit_from_sql

        wanted = set(pending)
        return [unit_from_sql(unit.fqn, project.files[unit.path], dialect, has_undo=unit.has_undo)  # type: ignore[arg-type]
                for unit in project.units if unit.fqn in wanted]

    def prepare(self, scope: str, execution_id: str, execution: dict[str, Any], target: Any, project: Any,
                instance_item: dict[str, Any], fields: dict[str, Any]) -> None:
        from schemashift.flyway import FlywayCommandFailed
        from schemashift.flyway.versions import MigrationTarget

        request = execution["request"]
        flyway = _flyway(target, project)
        if request.get("targetVersion"):
            flyway._check_target(MigrationTarget.parse(str(request["targetVersion"])))
        if execution["kind"] == "apply" and request.get("dryRun"):
            _dry_run(flyway, project, request, fields)
            return
        if execution["kind"] == "apply":
            if flyway.config.validate_on_migrate:  # as migrate does, even when nothing is pending
                from schemashift.flyway import FlywayValidationFailed
                from schemashift.flyway.config import ValidatePattern

                validation = flyway.validate(extra_ignore=(ValidatePattern("*", "pending"),))
                if not validation.valid:
                    raise FlywayValidationFailed([e["errorDetails"]["errorMessage"] for e in validation.errors])
            total = len(self.pending(target, project, request, instance_item))
        else:
            undo_scripts = {s.version for s in flyway.scripts() if s.kind == "undo"}
            chain = []
            for info in undo_candidates(flyway):
                if request.get("targetVersion") and info.version < MigrationTarget.parse(
                        str(request["targetVersion"])).version:
                    break
                if info.version not in undo_scripts:
                    if not chain:
                        raise FlywayCommandFailed(f"Unable to undo migration to version {info.version} as no "
                                                  "corresponding undo migration was found")
                    break
                chain.append(info)
            total = min(int(request["count"]), len(chain)) if request.get("count") else len(chain)
        fields.update(progressTotal=total, remaining=total, preStartTag=None)

    def run(self, target: Any, project: Any, execution: dict[str, Any], instance_item: dict[str, Any],
            deadline: float, checkpoint: Any) -> BatchResult:
        from schemashift.flyway import FlywayMigrationFailed

        request = execution["request"]
        done_before = int(execution.get("progressDone", 0))
        touched: list[str] = []

        def on_migration(outcome: Any) -> None:
            fqn = project.fqn_of(outcome.type, outcome.version, outcome.description, outcome.script)
            touched.append(fqn)
            status = "FAILED" if outcome.status == "FAILED" else (
                "ROLLED_BACK" if outcome.type == "UNDO_SQL" else "EXECUTED")
            checkpoint(UnitResult(fqn, status, float(outcome.execution_time), outcome.error, list(outcome.sql)))

        flyway = _flyway(target, project, on_migration=on_migration, deadline=deadline)
        try:
            if execution["kind"] == "apply":
                limit = int(request["count"]) - done_before if request.get("count") else None
                report = flyway.migrate(str(request["targetVersion"]) if request.get("targetVersion") else None,
                                        limit=limit)
                remaining = report.remaining if limit is None else min(report.remaining,
                                                                       limit - len(report.migrations))
                return BatchResult(remaining, done_before + len(report.migrations),
                                   touched[-1] if touched else None)
            if request.get("targetVersion"):
                report = flyway.undo(str(request["targetVersion"]))
                return BatchResult(report.remaining, done_before + len(report.migrations),
                                   touched[-1] if touched else None)
            left = int(execution.get("progressTotal", 0)) - done_before
            undone = 0
            while undone < left:
                report = flyway.undo()
                if report.remaining or not report.migrations:
                    break
                undone += len(report.migrations)
            return BatchResult(left - undone, done_before + undone, touched[-1] if touched else None)
        except FlywayMigrationFailed as failure:
            if touched:  # the engine names a migration by version; the service by FQN
                failure.changeset = touched[-1]
                failure.details["changeSetFQN"] = touched[-1]
            raise


def _dry_run(flyway: Any, project: Any, request: dict[str, Any], fields: dict[str, Any]) -> None:
    """The execution's ``sql``: each migration migrate would run, introduced by a ``-- <script>``
    comment, then its statements with placeholders replaced (Flyway's dry-run output, without the
    history table's writes)."""
    from schemashift.deployments.execution_sql import bounded_sql

    planned = flyway.dry_run(str(request["targetVersion"]) if request.get("targetVersion") else None,
                             int(request["count"]) if request.get("count") else None)
    sql: list[str] = []
    for migration in planned:
        what = f"version {migration.version}" if migration.version is not None else "repeatable"
        fqn = project.fqn_of(migration.type, migration.version, migration.description, migration.script)
        sql.append(f"-- {migration.script} ({what}, {migration.description}; {fqn}"
                   f"{'' if migration.transactional else '; runs outside a transaction'})")
        sql += migration.statements
    fields.update(sql=bounded_sql(sql), progressTotal=len(planned), remaining=0, preStartTag=None)
