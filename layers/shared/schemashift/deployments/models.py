"""Request shapes of the deployment API and pipeline events."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemashift.dbschema.rules import checked_expression
from schemashift.errors import ValidationFailed
from schemashift.limits import MAX_EXPRESSION


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)



def _parses_as(kind: str, value: str | None) -> str | None:
    """``value`` unchanged when Flyway's parser of ``kind`` (``Version``/``MigrationTarget``) reads it."""
    from schemashift.flyway import versions

    if value is None:
        return None
    try:
        getattr(versions, kind).parse(value)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from None
    return value


def _flyway_target(value: str | None) -> str | None:
    return _parses_as("MigrationTarget", value)


TARGET_VERSION_HELP = "Flyway schemas: a version (1.10), 'latest', 'current' or 'next' (Flyway's target)"


class PipelineIds(_Body):
    pipeline: str = Field(default="api", min_length=1, max_length=256)
    planExecutionId: str = Field(default="", max_length=256)
    stageExecutionId: str = Field(default="", max_length=256)


class ApplyRequest(PipelineIds):
    tag: str | None = Field(default=None, min_length=1, max_length=255, description="post-deploy tag")
    toTag: str | None = Field(default=None, min_length=1, max_length=255)
    count: int | None = Field(default=None, ge=1, le=100_000)
    contexts: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    labels: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    dryRun: bool | Literal["sql", "transactional"] = Field(default=False, description=(
        "true or 'sql': record the SQL the run would send; 'transactional' (PostgreSQL): run the changesets "
        "in a transaction that is always rolled back, recording errors and timings"))
    targetVersion: str | None = Field(default=None, min_length=1, max_length=50,
                                      description=TARGET_VERSION_HELP + ": migrate up to it")

    _expressions = field_validator("contexts", "labels")(checked_expression)
    _target = field_validator("targetVersion")(_flyway_target)

    @model_validator(mode="after")
    def _one_limit(self) -> "ApplyRequest":
        if self.toTag and self.count:
            raise ValueError("give either toTag or count, not both")
        return self


class RollbackRequest(PipelineIds):
    tag: str | None = Field(default=None, min_length=1, max_length=255)
    count: int | None = Field(default=None, ge=1, le=100_000)
    contexts: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    labels: str | None = Field(default=None, max_length=MAX_EXPRESSION)
    dryRun: bool = False
    targetVersion: str | None = Field(default=None, min_length=1, max_length=50, description=(
        "Flyway schemas: undo every applied version down to and including this one"))

    _expressions = field_validator("contexts", "labels")(checked_expression)
    _target = field_validator("targetVersion")(_flyway_target)

    @model_validator(mode="after")
    def _tag_or_count(self) -> "RollbackRequest":
        if sum(1 for given in (self.tag, self.count, self.targetVersion) if given) != 1:
            raise ValueError("give exactly one of tag or count (or targetVersion for Flyway schemas)")
        return self


class FleetApplyRequest(ApplyRequest):
    instances: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    tags: dict[str, str] | None = None
    maxConcurrency: int = Field(default=5, ge=1, le=100)
    maxFailures: int = Field(default=0, ge=0)


def _flyway_version(value: str | None) -> str | None:
    return _parses_as("Version", value)


class FlywayBaselineRequest(PipelineIds):
    """``POST .../flyway/baseline``: what the bundle's configuration says unless given here."""

    baselineVersion: str | None = Field(default=None, min_length=1, max_length=50, description=(
        "the version to baseline at (default: the bundle's baselineVersion, else 1)"))
    baselineDescription: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "the baseline row's description (default: the bundle's baselineDescription, else << Flyway Baseline >>)"))

    _version = field_validator("baselineVersion")(_flyway_version)


class FlywayRepairRequest(PipelineIds):
    """``POST .../flyway/repair``: the pipeline step it belongs to, if any."""


Kind = Literal["apply", "rollback", "fleet", "baseline", "repair"]
