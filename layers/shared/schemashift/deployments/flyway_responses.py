"""Response shapes of the Flyway command routes (``.../dbinstance/{i}/flyway/info|validate|baseline|repair``).

Field names are Flyway's own JSON output's (``flyway info -outputType=json`` ...) where it has them;
``schemaName`` / ``instanceName`` are the schemashift schema and instance, as in the other
instance routes, and the database schema of the history table is ``historySchema``.
"""

from pydantic import Field

from schemashift.api.models import Out
from schemashift.jobs.views import ExecutionStatus


class _OnInstance(Out):
    schemaName: str = Field(description="Identifier of the Schema")
    instanceName: str = Field(description="Identifier of the Instance")
    historySchema: str = Field(description="the database schema that holds the history table")
    historyTable: str = Field(description="the history table (flyway_schema_history unless configured)")


class FlywayInfoMigration(Out):
    category: str = Field(description="Versioned, Repeatable or Undo")
    version: str | None = Field(description="null for a repeatable migration")
    description: str
    type: str = Field(description="SQL, SQL_BASELINE, UNDO_SQL, BASELINE, DELETE, as in the history table")
    script: str
    checksum: int | None = Field(description="the applied row's checksum, else the script's")
    resolvedChecksum: int | None = Field(description="the script's checksum in the current bundle")
    state: str = Field(description=(
        "Flyway's state: Pending, Success, Failed, Undone, Future, Missing, Ignored, Baseline, Out of Order, "
        "Outdated, Superseded, Deleted, Below Baseline, Above Target, Ignored (Baseline), "
        "Failed (Missing), Failed (Future) (undo scripts are not listed)"))
    installedRank: int | None
    installedOn: str | None = Field(description="when it was applied, as the history table says")
    installedBy: str | None
    executionTime: int | None = Field(description="milliseconds")
    changeSetFQN: str = Field(description="the migration's name in the other routes (<script>::<key>::flyway)")


class FlywayInfo(_OnInstance):
    """``GET .../flyway/info``."""

    schemaVersion: str | None = Field(description="the highest applied version, null when none")
    migrations: list[FlywayInfoMigration]


class FlywayErrorDetails(Out):
    errorCode: str = Field(description="Flyway's code: CHECKSUM_MISMATCH, APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED, ...")
    errorMessage: str


class FlywayInvalidMigration(Out):
    version: str | None
    description: str
    filepath: str
    changeSetFQN: str
    errorDetails: FlywayErrorDetails


class FlywayValidation(_OnInstance):
    """``GET .../flyway/validate``: findings are a 200 with ``validationSuccessful: false``."""

    validationSuccessful: bool
    validateCount: int = Field(description="migrations validated (0 when validation failed, as Flyway counts)")
    invalidMigrations: list[FlywayInvalidMigration]
    errorMessage: str | None = Field(default=None, description="Flyway's whole validate message, when it failed")
    warnings: list[str]


class _Command(_OnInstance):
    executionId: str = Field(description="the execution that recorded the command (GET P/executions/{id})")
    status: ExecutionStatus


class FlywayBaselineResult(_Command):
    """``POST .../flyway/baseline``."""

    successfullyBaselined: bool
    baselineVersion: str
    baselineDescription: str


class FlywayRepairedMigration(Out):
    version: str | None
    description: str
    filepath: str
    changeSetFQN: str


class FlywayRepairResult(_Command):
    """``POST .../flyway/repair``."""

    repairActions: list[str] = Field(description=(
        "REMOVED FAILED MIGRATIONS, MARKED MISSING MIGRATIONS AS DELETED, ALIGNED APPLIED MIGRATION CHECKSUMS"))
    migrationsRemoved: list[FlywayRepairedMigration] = Field(description="failed rows removed")
    migrationsDeleted: list[FlywayRepairedMigration] = Field(description="applied migrations gone from the "
                                                                         "bundle, marked deleted")
    migrationsAligned: list[FlywayRepairedMigration] = Field(description="rows whose checksum, description or "
                                                                         "type now match the scripts")
