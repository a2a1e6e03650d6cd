"""Request bodies of the dataset and dataset-table routes (pydantic, no pyarrow).

Column definitions stay plain dicts here: they are checked by ``schema.build_schema`` in the
function that creates the table, which knows the Arrow types.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemashift.limits import MAX_FILTERS, MAX_OFFSET, MAX_TABLE_FIELDS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Description = Annotated[str, StringConstraints(max_length=4096)]

MAX_QUERY_ROWS = 10_000


ScopeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]


class CreateDataset(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    description: Description | None = None
    org: ScopeName | None = None
    """The org/project the dataset (and its tables) belong to, for API key scopes."""
    project: ScopeName | None = None


class CreateTable(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    datasetId: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    tableName: Name
    description: Description | None = None
    fields: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_TABLE_FIELDS)
    primaryKeyColumns: list[str] = Field(default_factory=list, max_length=MAX_TABLE_FIELDS)


class UpdateTable(BaseModel):
    """``PATCH``: only the keys present change; ``"description": null`` clears the description."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    tableName: Name | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "UpdateTable":
        if not self.model_fields_set:
            raise ValueError("give tableName and/or description")
        if "tableName" in self.model_fields_set and self.tableName is None:
            raise ValueError("tableName cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class QueryRows(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    columns: list[str] | None = Field(default=None, max_length=MAX_TABLE_FIELDS)
    filters: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_FILTERS)
    limit: Annotated[int, Field(ge=0, le=MAX_QUERY_ROWS)] = 1000
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0
    version: Annotated[int, Field(ge=1, le=MAX_OFFSET)] | None = None
    includeTotal: bool = False


class CreateUpload(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    contentType: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
