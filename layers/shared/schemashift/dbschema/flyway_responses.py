"""Response shapes of the Flyway routes (Harness's Flyway field names; times are epoch milliseconds)."""

from typing import Literal

from pydantic import Field

from schemashift.api.models import Out
from schemashift.dbschema.responses import InstanceRef
from schemashift.dbschema.rules import Status


class _Migration(Out):
    version: str | None = Field(description="Flyway version (null for a repeatable migration)")
    type: str = Field(description="SQL (versioned or repeatable) or SQL_BASELINE, as in flyway_schema_history")
    description: str
    script: str = Field(description="script path relative to its location (schemashift addition)")
    checksum: int | None = Field(description="Flyway CRC-32 of the script in the current bundle (schemashift addition)")
    inBundle: bool = Field(description="false for a migration gone from the bundle but deployed somewhere")


class _Deployment(Out):
    status: Status
    deployedAt: int | None
    pipelineIdentifier: str
    pipelineExecutionId: str
    stageExecutionId: str
    updated: int | None = None
    error: str | None = None


class FlywayMigrationOnInstance(_Deployment):
    instance: str


class FlywayMigration(_Migration):
    deployedAt: int | None = Field(description="latest deployment of this migration on the instances shown")
    synced: bool = Field(description="deployed on every instance shown")
    instances: list[FlywayMigrationOnInstance]


class FlywayMigrationState(Out):
    """``POST .../flyway/migrationstate``."""

    schema_: str = Field(alias="schema", description="Identifier of the Schema")
    instances: list[InstanceRef]
    migrations: list[FlywayMigration]


class InstanceFlywayMigration(_Migration, _Deployment):
    pass


class InstanceFlywayMigrationState(Out):
    """``GET .../dbinstance/{dbinstance}/flyway/migrationstate``."""

    schemaName: str
    instanceName: str
    migrations: list[InstanceFlywayMigration]


class ScriptRun(Out):
    script: str
    version: str | None
    description: str
    status: Literal["EXECUTED", "ROLLED_BACK", "FAILED"]
    executionId: str


class FlywayMigrationScripts(Out):
    """``GET /v1/step/flyway/migrationscripts``."""

    data: list[str] = Field(description="the text of each script the step ran, in the order it ran them")
    scripts: list[ScriptRun] = Field(description="which script each entry of data is (schemashift addition)")
