"""Request shapes of the dbschema API (Harness DB DevOps field names); the rules they share with
responses and other domains are in ``dbschema.rules``."""

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from schemashift.dbschema.rules import IDENTIFIER_PATTERN, checked_expression
from schemashift.limits import MAX_EXPRESSION
from schemashift.safety.config import LintConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


Tags = dict[Annotated[str, StringConstraints(min_length=1, max_length=128)],
            Annotated[str, StringConstraints(max_length=256)]]


class SchemaIn(_Strict):
    identifier: str = Field(pattern=IDENTIFIER_PATTERN)
    name: str = Field(min_length=1, max_length=256)
    tags: Tags = Field(default_factory=dict, max_length=128)
    migrationType: Literal["Liquibase", "Flyway"] = Field(default="Liquibase", description=(
        "Liquibase (a changelog) or Flyway (V/U/R/B scripts and flyway.toml or flyway.conf); fixed at creation"))
    description: str | None = Field(default=None, max_length=1024)
    lint: LintConfig | None = Field(default=None, description="lint configuration: disabled, severity, ignore")


class SchemaUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    tags: Tags | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=1024)
    migrationType: Literal["Liquibase", "Flyway"] | None = Field(default=None, description="ignored: fixed at creation")
    lint: LintConfig | None = None


Properties = dict[Annotated[str, StringConstraints(min_length=1, max_length=256)],
                  Annotated[str, StringConstraints(max_length=4096)]]


class InstanceIn(_Strict):
    identifier: str = Field(pattern=IDENTIFIER_PATTERN)
    name: str = Field(min_length=1, max_length=256)
    url: str = Field(min_length=1, max_length=2048)
    secretArn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+")
    context: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    labels: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    tags: Tags = Field(default_factory=dict, max_length=128)
    branch: str | None = Field(default=None, max_length=256)
    substituteProperties: Properties = Field(default_factory=dict, max_length=256)

    _expressions = field_validator("context", "labels")(checked_expression)


class InstanceUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    secretArn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+")
    context: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    labels: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    tags: Tags | None = Field(default=None, max_length=128)
    branch: str | None = Field(default=None, max_length=256)
    substituteProperties: Properties | None = Field(default=None, max_length=256)

    _expressions = field_validator("context", "labels")(checked_expression)


class TagFilter(_Strict):
    key: str
    value: str


class InstanceListRequest(_Strict):
    filterType: Literal["Equals", "NotEquals"] = "Equals"
    instanceTags: list[TagFilter] = Field(default_factory=list)


class ChangelogBundle(_Strict):
    # File texts are kept byte for byte: a stripped space or newline changes a Flyway checksum.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, defer_build=True)

    rootFile: str | None = Field(default=None, min_length=1, max_length=1024, description=(
        "the root changelog (Liquibase schemas; required with files); Flyway bundles read flyway.toml or "
        "flyway.conf at the bundle root and need none"))
    files: dict[str, str] | None = None
    zipBase64: str | None = None

    @field_validator("files")
    @classmethod
    def _not_empty(cls, files: dict[str, str] | None) -> dict[str, str] | None:
        if files is not None and not files:
            raise ValueError("files must contain at least the root changelog")
        return files


class InstanceFilter(_Strict):
    instances: list[str] | None = None
    order: Literal["ASC", "DESC"] = "ASC"
    sort: Literal["name", "updated", "created", "identifier"] = "identifier"


class MigrationStateRequest(_Strict):
    instanceFilter: InstanceFilter | None = None


class DeployedStateRequest(_Strict):
    pipeline: str = Field(min_length=1)
    planExecutionId: str = Field(min_length=1)
    stageExecutionId: str = Field(min_length=1)
    stepType: Literal["DBSchemaApply", "DBSchemaRollback"] | None = None
    startTime: int | None = None


class ChangesetSqlRequest(_Strict):
    """Harness sends ``changesetFQN``; ``changeSetFQN`` (the name in responses) is accepted too."""

    changesetFQN: str = Field(min_length=5, validation_alias=AliasChoices("changesetFQN", "changeSetFQN"),
                              description="fileName::changesetId::author (also accepted as changeSetFQN)")


class ChangesetId(_Strict):
    id: str = Field(min_length=1, max_length=255, description="changeset id (matched on id only)")


class ChangesetExistenceRequest(_Strict):
    changeSets: list[ChangesetId] = Field(min_length=1, max_length=100)


SnapshotObjectType = Literal["Table", "Column", "PrimaryKey", "ForeignKey", "UniqueConstraint", "Index", "View",
                             "Sequence"]


class SnapshotObjectValuesRequest(_Strict):
    objectType: SnapshotObjectType
    objectNames: list[Annotated[str, StringConstraints(min_length=1, max_length=512)]] = Field(
        min_length=1, max_length=100)
