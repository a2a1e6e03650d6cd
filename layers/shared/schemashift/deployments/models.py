"""Request shapes of the deployment API and pipeline events."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


class PipelineIds(_Body):
    pipeline: str = Field(default="api", min_length=1, max_length=256)
    planExecutionId: str = Field(default="", max_length=256)
    stageExecutionId: str = Field(default="", max_length=256)


class ApplyRequest(PipelineIds):
    tag: str | None = Field(default=None, min_length=1, max_length=255, description="post-deploy tag")
    toTag: str | None = Field(default=None, min_length=1, max_length=255)
    count: int | None = Field(default=None, ge=1, le=100_000)
    contexts: str | None = Field(default=None, max_length=1024)
    labels: str | None = Field(default=None, max_length=1024)
    dryRun: bool | Literal["sql", "transactional"] = Field(default=False, description=(
        "true or 'sql': record the SQL the run would send; 'transactional' (PostgreSQL): run the changesets "
        "in a transaction that is always rolled back, recording errors and timings"))

    @model_validator(mode="after")
    def _one_limit(self) -> ApplyRequest:
        if self.toTag and self.count:
            raise ValueError("give either toTag or count, not both")
        return self


class RollbackRequest(PipelineIds):
    tag: str | None = Field(default=None, min_length=1, max_length=255)
    count: int | None = Field(default=None, ge=1, le=100_000)
    contexts: str | None = Field(default=None, max_length=1024)
    labels: str | None = Field(default=None, max_length=1024)
    dryRun: bool = False

    @model_validator(mode="after")
    def _tag_or_count(self) -> RollbackRequest:
        if bool(self.tag) == bool(self.count):
            raise ValueError("give exactly one of tag or count")
        return self


class FleetApplyRequest(ApplyRequest):
    instances: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    tags: dict[str, str] | None = None
    maxConcurrency: int = Field(default=5, ge=1, le=100)
    maxFailures: int = Field(default=0, ge=0)


Kind = Literal["apply", "rollback", "fleet"]
