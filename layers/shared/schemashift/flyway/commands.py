"""Flyway's commands against one target: migrate, undo, info, validate, baseline, repair.

The control flow follows Flyway 11 (``Flyway.migrate``, ``DbMigrate``, ``DbValidate``, ``DbBaseline``,
``DbRepair``; undo as documented for Flyway Teams): one migration at a time under the history
lock, each in its own transaction together with its history row where the script allows, and
outside any transaction when a statement cannot run in one (``CREATE INDEX CONCURRENTLY``). On
MySQL/MariaDB, whose DDL commits implicitly, a failed migration leaves a ``success = 0`` row for
``repair`` to remove, as Flyway does; on PostgreSQL and SQLite it rolls back and leaves none.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemashift.engine.errors import MigrationFailed
from schemashift.errors import NotFound, ValidationFailed
from schemashift.flyway.config import FlywayConfig, ValidatePattern
from schemashift.flyway.history import SchemaHistory
from schemashift.flyway.info import MigrationInfo, build_info
from schemashift.flyway.scripts import Script, resolve_scripts
from schemashift.flyway.statements import split_script
from schemashift.flyway.versions import MigrationTarget
from schemashift.targets.connection import Target
from schemashift.targets.errors import StatementFailed


class FlywayValidationFailed(ValidationFailed):
    code = "FLYWAY_VALIDATE_FAILED"

    def __init__(self, errors: list[str], prefix: str = "Validate failed: Migrations have failed validation") -> None:
        super().__init__(prefix + "\n" + "\n".join(errors), details={"errors": errors})
        self.errors = errors


class FlywayCommandFailed(ValidationFailed):
    """A command refused to run (non-empty schema without history, failed migration present, ...)."""

    code = "FLYWAY_COMMAND_FAILED"


class FlywayMigrationFailed(MigrationFailed):
    code = "FLYWAY_MIGRATION_FAILED"


class FlywayTargetNotFound(NotFound):
    code = "FLYWAY_TARGET_NOT_FOUND"


@dataclass
class MigrationOutcome:
    """One migration (or undo) a run executed."""

    category: str
    version: str | None
    description: str
    type: str
    script: str
    status: str
    """SUCCESS | FAILED"""
    execution_time: int
    transactional: bool = True
    out_of_order: bool = False
    statements: int = 0
    error: str | None = None
    statement: str | None = None
    sql: list[str] = field(default_factory=list)
    """The statements that ran, placeholders replaced (the history row not included)."""

    @property
    def key(self) -> str:
        return migration_key(self.version, self.description)

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "version": self.version, "description": self.description,
                "type": self.type, "filepath": self.script, "executionTime": self.execution_time,
                "status": self.status, "transactional": self.transactional, "outOfOrder": self.out_of_order,
                "error": self.error}


@dataclass
class DryRunMigration:
    """One migration a dry run would execute, with the statements it would send."""

    version: str | None
    description: str
    type: str
    script: str
    statements: list[str]
    transactional: bool

    @property
    def key(self) -> str:
        return migration_key(self.version, self.description)


def migration_key(version: str | None, description: str) -> str:
    """How a migration is named across instances: its version, or ``R:<description>`` for repeatables."""
    return version if version is not None else f"R:{description}"


@dataclass
class RunReport:
    command: str
    schema: str
    initial_version: str | None = None
    target_version: str | None = None
    migrations: list[MigrationOutcome] = field(default_factory=list)
    remaining: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"operation": self.command, "schemaName": self.schema, "initialSchemaVersion": self.initial_version,
                "targetSchemaVersion": self.target_version, "migrationsExecuted": len(self.migrations),
                "migrations": [m.as_dict() for m in self.migrations], "remaining": self.remaining,
                "warnings": self.warnings}


@dataclass
class InfoReport:
    schema: str
    current_version: str | None
    migrations: list[MigrationInfo]

    def as_dict(self) -> dict[str, Any]:
        return {"schemaName": self.schema, "schemaVersion": self.current_version,
                "migrations": [m.as_dict() for m in self.migrations]}


@dataclass
class ValidateReport:
    valid: bool
    errors: list[dict[str, Any]]
    validated: int
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"validationSuccessful": self.valid, "invalidMigrations": self.errors,
                "validateCount": self.validated, "warnings": self.warnings}


@dataclass
class RepairReport:
    removed: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    aligned: list[dict[str, Any]] = field(default_factory=list)

    @property
    def actions(self) -> list[str]:
        actions = []
        if self.removed:
            actions.append("REMOVED FAILED MIGRATIONS")
        if self.deleted:
            actions.append("MARKED MISSING MIGRATIONS AS DELETED")
        if self.aligned:
            actions.append("ALIGNED APPLIED MIGRATION CHECKSUMS")
        return actions

    def as_dict(self) -> dict[str, Any]:
        return {"repairActions": self.actions, "migrationsRemoved": self.removed,
                "migrationsDeleted": self.deleted, "migrationsAligned": self.aligned}


@dataclass
class BaselineReport:
    baselined: bool
    baseline_version: str

    def as_dict(self) -> dict[str, Any]:
        return {"successfullyBaselined": self.baselined, "baselineVersion": self.baseline_version}


OnMigration = Callable[[MigrationOutcome], None]


class Flyway:
    """Flyway's commands for one bundle of scripts against one open target."""

    def __init__(self, target: Target, files: Mapping[str, str], config: FlywayConfig | None = None, *,
                 on_migration: OnMigration | None = None, deadline: float | None = None,
                 lock_wait_seconds: float = 60.0) -> None:
        self.target = target
        self.files = dict(files)
        self.config = config or FlywayConfig()
        self.history = SchemaHistory(target, self.config.table, self.config.default_schema or
                                     (self.config.schemas[0] if self.config.schemas else None))
        self.on_migration = on_migration
        self.deadline = deadline
        self.lock_wait_seconds = lock_wait_seconds
        self._scripts: list[Script] | None = None
        self._ran: list[Script] = []
        """Scripts this run applied: never picked again in the same run, even if still pending."""

    # -- inputs -----------------------------------------------------------------------------

    def placeholders(self) -> dict[str, str]:
        """The configured placeholders plus Flyway's built-in ``flyway:*`` ones."""
        sep = self.config.placeholder_separator
        database = {"postgresql": "SELECT current_database()", "mysql": "SELECT DATABASE()",
                    "mariadb": "SELECT DATABASE()"}.get(self.target.dialect)
        builtins = {
            "defaultSchema": self.history.schema, "user": self.history.installed_by(),
            "database": str(self.target.query_scalar(database)) if database else "main",
            "timestamp": datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "workingDirectory": os.getcwd(),
            "table": self.config.table, "environment": self.config.environment,
        }
        return {**self.config.placeholders, **{f"flyway{sep}{name}": value for name, value in builtins.items()}}

    def scripts(self) -> list[Script]:
        if self._scripts is None:
            self._scripts = resolve_scripts(self.files, self.config, self.placeholders())
        return self._scripts

    def _info(self, **overrides: Any) -> list[MigrationInfo]:
        return build_info(self.scripts(), self.history.rows(), self.config, **overrides)

    # -- info / validate --------------------------------------------------------------------

    def info(self) -> InfoReport:
        infos = self._info()
        return InfoReport(self.history.schema, _current_version(infos), infos)

    def validate(self, *, extra_ignore: tuple[ValidatePattern, ...] = ()) -> ValidateReport:
        infos = self._info(ignore=self.config.ignore_migration_patterns + extra_ignore)
        errors = []
        for info in infos:
            message = info.validate()
            if message:
                errors.append({"version": str(info.version) if info.version is not None else None,
                               "description": info.description, "filepath": info.script,
                               "errorDetails": {"errorCode": _error_code(message, info.version is not None),
                                                "errorMessage": message}})
        warnings = [] if infos else ["No migrations found. Are your locations set up correctly?"]
        return ValidateReport(not errors, errors, len(infos) if not errors else 0, warnings)

    # -- baseline ---------------------------------------------------------------------------

    def baseline(self) -> BaselineReport:
        version, description = self.config.baseline_version, self.config.baseline_description
        with self.history.lock(self.lock_wait_seconds):
            if not self.history.exists():
                self.history.create((version, description), self.config.installed_by)
                return BaselineReport(True, str(version))
            rows = self.history.rows()
            marker = next((row for row in rows[:2] if row.type == "BASELINE"), None)
            table = self.history.table
            if marker is not None:
                if marker.version == version and marker.description == description:
                    return BaselineReport(True, str(version))
                raise FlywayCommandFailed(
                    f"Unable to baseline schema history table {table} with ({version},{description}) as it has "
                    f"already been baselined with ({marker.version},{marker.description})")
            if any(not row.synthetic and not row.undo for row in rows):
                raise FlywayCommandFailed(f"Unable to baseline schema history table {table} as it already contains "
                                          "migrations")
            if not rows:
                raise FlywayCommandFailed(f"Unable to baseline schema history table {table} as it already exists, "
                                          "and is empty.\nDelete the schema history table, and run baseline again.")
            raise FlywayCommandFailed(f"Unable to baseline schema history table {table} as it already contains "
                                      "migrations.\nDelete the schema history table, and run baseline again.")

    # -- migrate ----------------------------------------------------------------------------

    def _validate_before_migrate(self, target: MigrationTarget) -> None:
        self._check_target(target)
        if self.config.validate_on_migrate:
            validation = self.validate(extra_ignore=(ValidatePattern("*", "pending"),))
            if not validation.valid:
                raise FlywayValidationFailed([e["errorDetails"]["errorMessage"] for e in validation.errors])

    def _needs_baseline(self) -> bool:
        """No history yet: True when migrate would baseline a non-empty schema (refused unless
        ``baselineOnMigrate``), False for an empty one."""
        if not self._schema_objects():
            return False
        if not self.config.baseline_on_migrate:
            raise FlywayCommandFailed(
                f"Found non-empty schema(s) {self.history.quote(self.history.schema)} but no schema "
                "history table. Use baseline() or set baselineOnMigrate to true to initialize the "
                "schema history table.")
        return True

    def migrate(self, target: str | None = None, limit: int | None = None) -> RunReport:
        """Apply pending migrations up to ``target`` (default: the configuration's, else latest);
        with ``limit``, at most that many (the next N pending, in the order migrate picks them)."""
        migration_target = MigrationTarget.parse(target) if target is not None else self.config.target
        report = RunReport("migrate", self.history.schema)
        self._ran = []
        self._validate_before_migrate(migration_target)
        with self.history.lock(self.lock_wait_seconds):
            if not self.history.exists():
                if self._needs_baseline():
                    self.history.create((self.config.baseline_version, self.config.baseline_description),
                                        self.config.installed_by)
                else:
                    self.history.create(None)
            first = True
            while True:
                infos = self._info(target=migration_target, ignore=(ValidatePattern("*", "*"),))
                current = _current_version(infos)
                if first:
                    report.initial_version = current
                    if self.config.out_of_order:
                        report.warnings.append(f"outOfOrder mode is active. Migration of schema "
                                               f"{self.history.quote(self.history.schema)} may not be reproducible.")
                    first = False
                self._refuse_failed(infos)
                ran = {id(script) for script in self._ran}
                pending = [i for i in infos if i.state == "Pending" and id(i.resolved) not in ran]
                if not pending or (limit is not None and len(report.migrations) >= limit):
                    break
                if self.deadline is not None and time.time() >= self.deadline:
                    report.remaining = len(pending)
                    break
                info = pending[0]
                assert info.resolved is not None
                out_of_order = info.version is not None and current is not None and any(
                    i.version is not None and i.is_applied and i.type == "SQL" and i.version > info.version
                    and i.state not in ("Undone", "Deleted") for i in infos)
                outcome = self._execute(info.resolved, info.resolved.type, out_of_order)
                report.migrations.append(outcome)
                if migration_target.kind == "next":
                    break
        report.target_version = next((m.version for m in reversed(report.migrations) if m.version), None)
        return report

    def dry_run(self, target: str | None = None, limit: int | None = None) -> list[DryRunMigration]:
        """What ``migrate(target, limit)`` would run, each migration's statements with placeholders
        replaced, as the engine would send them; nothing is executed or written (the history table
        is only read, and its own writes are not listed). Refused as migrate would refuse."""
        from schemashift.flyway.history import AppliedMigration

        migration_target = MigrationTarget.parse(target) if target is not None else self.config.target
        self._validate_before_migrate(migration_target)
        rows = self.history.rows()
        if not self.history.exists() and self._needs_baseline():
            version, description = self.config.baseline_version, self.config.baseline_description
            rows = [AppliedMigration(1, version, description, "BASELINE", description, None, "", None, 0, True)]
        infos = build_info(self.scripts(), rows, self.config, target=migration_target,
                           ignore=(ValidatePattern("*", "*"),))
        self._refuse_failed(infos)
        pending = [i for i in infos if i.state == "Pending" and i.resolved is not None]
        if migration_target.kind == "next":
            pending = pending[:1]
        if limit is not None:
            pending = pending[:limit]
        planned = []
        for info in pending:
            script = info.resolved
            assert script is not None
            sql = script.sql(self.config, self.placeholders())
            statements = split_script(sql, self.target.dialect, server_version=self._server_version())
            planned.append(DryRunMigration(str(script.version) if script.version is not None else None,
                                           script.description, script.type, script.script,
                                           [statement.sql for statement in statements],
                                           _transactional(script, statements, self.config)))
        return planned

    def _check_target(self, target: MigrationTarget) -> None:
        if target.kind == "version" and target.must_exist:
            versions = {s.version for s in self.scripts() if s.version is not None}
            versions |= {row.version for row in self.history.rows() if row.version is not None}
            if target.version not in versions:
                raise FlywayTargetNotFound(f"No migration with a target version {target.version} could be found. "
                                           "Ensure target is specified correctly and the migration exists.")

    def _refuse_failed(self, infos: list[MigrationInfo]) -> None:
        failed = [i for i in infos if i.is_failed]
        if not failed:
            return
        if len(failed) == 1 and failed[0].state == "Failed (Future)" and any(
                p.state in ("*", "future") for p in self.config.ignore_migration_patterns):
            return
        schema = self.history.quote(self.history.schema)
        if failed[0].version is None:
            raise FlywayCommandFailed(f'Schema {schema} contains a failed repeatable migration '
                                      f'("{failed[0].description}") !')
        raise FlywayCommandFailed(f"Schema {schema} contains a failed migration to version {failed[0].version} !")

    def _schema_objects(self) -> list[str]:
        import sqlalchemy

        inspector = sqlalchemy.inspect(self.target._connection)  # the target's own connection
        schema = None if self.target.dialect == "sqlite" else self.history.schema
        names = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
        return [name for name in names if name != self.config.table]

    # -- undo -------------------------------------------------------------------------------

    def undo(self, target: str | None = None) -> RunReport:
        """Undo the latest applied versioned migration, or, with ``target``, every one down to it."""
        migration_target = MigrationTarget.parse(target) if target is not None else MigrationTarget(kind="current")
        self._check_target(migration_target)
        report = RunReport("undo", self.history.schema)
        undo_scripts = {s.version: s for s in self.scripts() if s.kind == "undo"}
        with self.history.lock(self.lock_wait_seconds):
            while True:
                infos = self._info(ignore=(ValidatePattern("*", "*"),))
                if report.initial_version is None and not report.migrations:
                    report.initial_version = _current_version(infos)
                self._refuse_failed(infos)
                candidates = [i for i in infos if i.applied is not None and i.type in ("SQL",) and i.version is not None
                              and i.applied.success and i.state not in ("Undone", "Deleted")]
                candidates.sort(key=lambda i: i.applied.installed_rank if i.applied else 0, reverse=True)
                if not candidates:
                    break
                latest = candidates[0]
                if migration_target.kind == "version" and latest.version is not None and \
                        migration_target.version is not None and latest.version < migration_target.version:
                    break
                script = undo_scripts.get(latest.version)
                if script is None:
                    if not report.migrations and migration_target.kind != "version":
                        raise FlywayCommandFailed(f"Unable to undo migration to version {latest.version} as no "
                                                  "corresponding undo migration was found")
                    break
                if self.deadline is not None and time.time() >= self.deadline:
                    report.remaining = len(candidates)
                    break
                report.migrations.append(self._execute(script, "UNDO_SQL", False))
                if migration_target.kind != "version":
                    break
        infos = self._info()
        report.target_version = _current_version(infos)
        return report

    # -- repair -----------------------------------------------------------------------------

    def repair(self) -> RepairReport:
        """Remove failed rows, mark missing migrations deleted, realign checksums/descriptions/types."""
        report = RepairReport()
        if not self.history.exists():
            return report
        with self.history.lock(self.lock_wait_seconds), self.target.transaction():
            for row in [row for row in self.history.rows() if not row.success]:
                self.target.execute(self.history.delete_failed_statement(row))
                report.removed.append(_repair_output(row.version, row.description, row.script))
            self.history.invalidate()
            infos = self._info(target=MigrationTarget(), out_of_order=True, ignore=(ValidatePattern("*", "*"),))
            for info in infos:
                row = info.applied
                if row is None or row.synthetic or row.undo:
                    continue
                if info.state in ("Missing", "Failed (Missing)", "Future", "Failed (Future)") and not any(
                        p.matches(info.version is not None, {"Missing": "missing", "Future": "future"}.get(
                            info.state, "")) for p in self.config.ignore_migration_patterns):
                    self.target.execute(self.history.insert_statement(
                        row.version, row.description, "DELETE", row.script, row.checksum, 0, row.success,
                        self.config.installed_by))
                    self.history.invalidate()
                    report.deleted.append(_repair_output(row.version, row.description, row.script))
            for info in infos:
                row, script = info.applied, info.resolved
                if row is None or script is None or row.synthetic or info.state in ("Undone", "Ignored"):
                    continue
                if script.version is not None:
                    needed = (not script.checksum_matches(row.checksum) or script.description != row.description
                              or script.type != row.type)
                else:
                    needed = row.checksum == script.equivalent_checksum and row.checksum != script.checksum
                if needed:
                    self.target.execute(self.history.update_statement(
                        row.installed_rank, script.description, script.type, script.checksum))
                    report.aligned.append(_repair_output(row.version, script.description, script.script))
        self.history.invalidate()
        return report

    # -- execution --------------------------------------------------------------------------

    def _execute(self, script: Script, type_: str, out_of_order: bool) -> MigrationOutcome:
        """Run one script and record it; raise FlywayMigrationFailed (after recording) on failure."""
        dialect = self.target.dialect
        sql = script.sql(self.config, self.placeholders())
        statements = split_script(sql, dialect, server_version=self._server_version())
        transactional = _transactional(script, statements, self.config)
        category = "Undo" if type_ == "UNDO_SQL" else ("Versioned" if script.version is not None else "Repeatable")
        outcome = MigrationOutcome(category, str(script.version) if script.version is not None else None,
                                   script.description, type_, script.script, "SUCCESS", 0, transactional,
                                   out_of_order, len(statements))
        started = time.perf_counter()
        failing: str | None = None
        try:
            if transactional:
                self.target.begin()
            for statement in statements:
                failing = statement.sql
                self.target.execute(statement.sql)
                outcome.sql.append(statement.sql)
            failing = None
            elapsed = int((time.perf_counter() - started) * 1000)
            row = self.history.insert_statement(script.version, script.description, type_, script.script,
                                                script.checksum, elapsed, True, self.config.installed_by)
            if transactional:
                self.target.commit_with(row)
            else:
                self.target.execute(row)
        except StatementFailed as error:
            self.target.rollback()
            elapsed = int((time.perf_counter() - started) * 1000)
            outcome.status, outcome.execution_time, outcome.error, outcome.statement = (
                "FAILED", elapsed, error.db_message, failing)
            rolled_back = transactional and dialect in ("postgresql", "sqlite")
            if not rolled_back:
                self.target.execute(self.history.insert_statement(
                    script.version, script.description, type_, script.script, script.checksum, elapsed, False,
                    self.config.installed_by))
            self.history.invalidate()
            self._notify(outcome)
            what = f"to version {script.version}" if script.version is not None else f'"{script.description}"'
            state = "Changes successfully rolled back." if rolled_back else \
                "Please restore backups and roll back database and code!"
            raise FlywayMigrationFailed(
                f"Migration {script.script} failed ({what}). {state}\nMessage    : {outcome.error}\n"
                f"Statement  : {failing}",
                changeset=outcome.key, statement=failing, db_error=outcome.error) from None
        outcome.execution_time = elapsed
        self.history.invalidate()
        self._ran.append(script)
        self._notify(outcome)
        return outcome

    def _notify(self, outcome: MigrationOutcome) -> None:
        if self.on_migration is not None:
            self.on_migration(outcome)

    def _server_version(self) -> tuple[int, ...]:
        if self.target.dialect != "postgresql":
            return ()
        raw = str(self.target.query_scalar("SHOW server_version_num") or "0")
        number = int(raw) if raw.isdigit() else 0
        return (number // 10000, number // 100 % 100)


def _transactional(script: Script, statements: list[Any], config: FlywayConfig) -> bool:
    if script.execute_in_transaction is not None:
        return script.execute_in_transaction
    kinds = {statement.transactional for statement in statements}
    if kinds == {True, False} and not config.mixed and config.execute_in_transaction:
        offending = next(s for s in statements if not s.transactional)
        raise FlywayCommandFailed(
            "Detected both transactional and non-transactional statements within the same migration (even though "
            f"mixed is false). Offending statement found at line {offending.line}: {offending.sql} "
            "[non-transactional]")
    return False not in kinds and config.execute_in_transaction


_ERROR_CODES = (  # message start -> Flyway's ErrorCode (versioned, repeatable)
    ("Migration checksum mismatch", "CHECKSUM_MISMATCH", "CHECKSUM_MISMATCH"),
    ("Migration type mismatch", "TYPE_MISMATCH", "TYPE_MISMATCH"),
    ("Migration description mismatch", "DESCRIPTION_MISMATCH", "DESCRIPTION_MISMATCH"),
    ("Detected failed", "FAILED_VERSIONED_MIGRATION", "FAILED_REPEATABLE_MIGRATION"),
    ("Detected applied migration not resolved locally", "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
     "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"),
    ("Detected outdated", "OUTDATED_REPEATABLE_MIGRATION", "OUTDATED_REPEATABLE_MIGRATION"),
    ("Detected resolved", "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED", "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"),
)


def _error_code(message: str, versioned: bool) -> str:
    for start, when_versioned, when_repeatable in _ERROR_CODES:
        if message.startswith(start):
            return when_versioned if versioned else when_repeatable
    return "VALIDATE_ERROR"


def _current_version(infos: list[MigrationInfo]) -> str | None:
    versions = [info.version for info in infos if info.version is not None and info.is_applied
                and info.state not in ("Deleted", "Undone") and info.type not in ("DELETE", "UNDO_SQL")]
    return str(max(versions)) if versions else None


def _repair_output(version: Any, description: str, script: str) -> dict[str, Any]:
    return {"version": str(version) if version is not None else None, "description": description, "filepath": script}
