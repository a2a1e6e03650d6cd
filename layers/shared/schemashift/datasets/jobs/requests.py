"""Request bodies of the migration and maintenance routes (pydantic, no pyarrow).

Migration steps stay plain ``{type, params}`` dicts here: the planner checks them all at once and
reports every problem, which a per-field model would cut short at the first.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemashift.limits import MAX_OFFSET, MAX_OPERATIONS

Description = Annotated[str, StringConstraints(max_length=4096)]


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    operations: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_OPERATIONS)
    description: Description | None = None


class PlanRequest(BaseModel):
    """``POST .../migrations/plan``: an empty list is a plan problem (``isValid: false``), not a 400."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    operations: list[dict[str, Any]] = Field(max_length=MAX_OPERATIONS)
    description: Description | None = None


class CompactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    targetRowsPerFragment: Annotated[int, Field(ge=1, le=100_000_000)] = 1024 * 1024
    materializeDeletions: bool = True
    description: Description | None = None


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    versionNumber: Annotated[int, Field(ge=1, le=MAX_OFFSET)]
    description: Description | None = None
