"""Response shapes of the deployment routes that are not jobs (a job is ``jobs.views.Execution``)."""

from typing import Any, Literal

from pydantic import Field

from schemashift.api.models import Out


class ChecksumMismatch(Out):
    changeSetFQN: str
    stored: str
    current: str


class SchemaChange(Out):
    objectType: str = Field(description="Table, Column, PrimaryKey, ForeignKey, UniqueConstraint, Index, View or Sequence")
    objectName: str = Field(description="a table's parts are named table.part")
    change: Literal["added", "removed", "changed"]
    before: dict[str, Any] | None = Field(default=None, description="the object in the baseline snapshot")
    after: dict[str, Any] | None = Field(default=None, description="the object in the live schema")


class Baseline(Out):
    taken: int = Field(description="when the snapshot of the latest deployment was taken (epoch ms)")
    executionId: str | None


class SchemaDrift(Out):
    """The live schema compared with the snapshot the instance's latest deployment left."""

    baseline: Baseline
    snapshotTaken: int = Field(description="when the live schema was read (now the instance's latest snapshot)")
    truncated: bool = Field(description="a snapshot hit its bound (tables or time): the comparison is partial")
    changes: list[SchemaChange]


class SyncReport(Out):
    """``POST .../instance/{i}/sync``: what reconciling with DATABASECHANGELOG found and did."""

    instance: str
    rows: int
    adopted: list[str]
    markedRolledBack: list[str]
    unknownRows: list[str]
    checksumMismatches: list[ChecksumMismatch]
    schemaDrift: SchemaDrift | None = Field(default=None, description=(
        "objects changed outside any deployment; null when schemashift never deployed the instance"))
    schemaVersion: str | None = Field(default=None, description=(
        "Flyway schemas: the highest version applied on the instance (null when none is); absent for Liquibase"))
    inSync: bool


class InstanceLockRelease(Out):
    released: bool
    executionId: str | None
    wasRunning: bool


class ChangelogLockRelease(Out):
    released: bool
    lockedBy: str | None
    lockGranted: str | None


class ReleaseLocksReport(Out):
    """``POST .../instance/{i}/releaselocks``: which locks were freed, and who held them."""

    instance: str
    instanceLock: InstanceLockRelease
    changelogLock: ChangelogLockRelease


class ChangesetMetadata(Out):
    """``GET .../dbinstance/{i}/changesetmetadata``."""

    data: list[str] = Field(description="SQL statements, one YAML changelog, or one snapshot as JSON")
