"""Response shapes of the dbschema API (Harness DB DevOps field names; times are epoch milliseconds)."""

from typing import Any

from pydantic import Field

from schemashift.api.models import Out
from schemashift.dbschema.rules import Status
from schemashift.safety.config import LintConfig


class ChangelogInfo(Out):
    version: int
    sha256: str
    key: str
    rootFile: str
    uploaded: int
    changesetCount: int


class Schema(Out):
    identifier: str
    name: str
    tags: dict[str, str]
    migrationType: str
    description: str | None
    created: int
    updated: int
    instanceCount: int
    changelog: ChangelogInfo | None
    changesetCount: int
    lint: LintConfig | None = Field(default=None, description="lint configuration (schemashift addition)")


class Instance(Out):
    identifier: str
    name: str
    url: str
    secretArn: str | None
    context: str | None
    labels: str | None
    tags: dict[str, str]
    branch: str | None
    substituteProperties: dict[str, str]
    dialect: str | None
    created: int | None
    updated: int | None
    lastAppliedTag: str | None
    lastDeployedChangeSetTag: str | None
    schemaIdentifier: str


class ChangelogUpload(Out):
    schema_: str = Field(alias="schema")
    version: int
    sha256: str
    rootFile: str
    uploaded: int
    changesetCount: int
    changed: bool
    added: int | None = None
    removedButDeployed: int | None = None


class PolicyMessage(Out):
    policy: str
    message: str


class PolicyWarnings(Out):
    """The policy warnings of the instance's latest gated deployment."""

    executionId: str
    messages: list[PolicyMessage]
    evaluated: int


class InstanceRef(Out):
    identifier: str
    name: str
    policyWarnings: PolicyWarnings | None = Field(default=None, description=(
        "present when the latest deployment's policy evaluation warned (schemashift addition)"))


class ChangesetOnInstance(Out):
    instance: str = Field(description="Identfier of the instance")
    status: Status = Field(description="Status of change set deployment")
    pipeline: str
    planExecutionId: str
    stageExecutionId: str
    tag: str | None = None
    updated: int | None = Field(default=None, description="Time of last Change Set Deployment/Rollback attempt")
    error: str | None = None


class ChangesetState(Out):
    author: str
    changeSet: str = Field(description="Identifier of the Change Set")
    changeSetFQN: str = Field(description="unique identifier in the format filename::changesetId::author")
    fileName: str
    synced: bool = Field(description="If Change Set is successfully deployed to all instances")
    updated: int
    instances: list[ChangesetOnInstance]


class MigrationState(Out):
    """``POST .../migrationstate`` (the seed contract)."""

    schema_: str = Field(alias="schema", description="Identifier of the Schema")
    instances: list[InstanceRef] | None = None
    changeSets: list[ChangesetState] | None = None


class InstanceChangeset(Out):
    changeSet: str
    changeSetFQN: str
    author: str
    fileName: str
    status: Status
    deployedAt: int | None
    comment: str | None
    label: str | None
    tag: str | None
    pipeline: str
    planExecutionId: str
    stageExecutionId: str
    updated: int | None
    error: str | None


class InstanceMigrationState(Out):
    schemaName: str
    instanceName: str
    changeSets: list[InstanceChangeset]


class InstanceSummary(Out):
    identifier: str
    name: str
    deployed: int = Field(description="Changesets of the current changelog Successfully_Deployed here")
    pending: int = Field(description="Changesets of the current changelog not deployed here (never run, failed or rolled back)")
    failed: int = Field(description="Of the pending, those in Deployment_Failed")
    rolledBack: int = Field(description="Of the pending, those in Rolled_Back")


class SchemaSummary(Out):
    """``GET .../dbschema/{dbschema}/summary``: each instance's counts (the console's schema list)."""

    schema_: str = Field(alias="schema", description="Identifier of the Schema")
    changesetCount: int
    instances: list[InstanceSummary]


class PipelineStep(Out):
    pipeline: str
    planExecutionId: str
    stageExecutionId: str


class DeployedChangeset(Out):
    changeSet: str
    changeSetFQN: str
    author: str
    fileName: str
    status: Status
    tag: str | None
    updated: int
    error: str | None
    deployedInCurrentExecution: bool
    metadata: PipelineStep


class ChangesetSql(Out):
    sql: list[str]


class ChangesetYaml(Out):
    yaml: str = Field(description="the changeset as a one-changeset Liquibase YAML changelog")


class ChangesetExistence(Out):
    existence: dict[str, bool] = Field(description="per requested id: a changeset with that id is registered")


class RecentDeployment(Out):
    dbSchemaIdentifier: str
    dbSchemaName: str
    dbInstanceIdentifier: str
    dbInstanceName: str
    lastDeployed: int = Field(description="end of the instance's latest successful apply (epoch ms)")


class Overview(Out):
    """``GET P/dbschema/overview``."""

    dbSchemaCount: int
    dbInstanceCount: int
    recentDeployments: list[RecentDeployment] = Field(max_length=5)


class SnapshotObjectNames(Out):
    data: list[str] = Field(description="names of the objects of that type in the instance's latest snapshot")


class SnapshotObject(Out):
    objectName: str
    objectValue: dict[str, Any] = Field(description="the object as the snapshot holds it")


class SnapshotObjectValues(Out):
    data: list[SnapshotObject] = Field(description="the requested objects the snapshot holds, in request order")
