"""Table schemas: the API shape (``fields``, ``primaryKeyColumns``) and its Arrow/Lance form.

``TableSchema.fields`` is the *logical* column order users see. Lance appends new columns
physically at the end, so the physical order of a dataset may differ; ``from_arrow`` takes the
logical order explicitly. The primary key lives in Lance's unenforced-primary-key field
metadata so ``merge_insert`` can find it without us passing it around.
The models validate without pyarrow; only the Arrow conversions import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemashift.datasets.catalog.arrow_types import (
    format_arrow_type,
    normalize_arrow_type,
    parse_arrow_type,
    type_category,
)
from schemashift.errors import ValidationFailed
from schemashift.limits import MAX_FIELD_METADATA_BYTES, MAX_FIELD_NAME, MAX_TABLE_FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

PK_METADATA_KEY = "lance-schema:unenforced-primary-key"
PK_POSITION_METADATA_KEY = "lance-schema:unenforced-primary-key:position"
_RESERVED_METADATA_KEYS = frozenset({PK_METADATA_KEY, PK_POSITION_METADATA_KEY})
_TRUTHY = frozenset({"true", "1", "yes"})
MAX_NAME_LENGTH = MAX_FIELD_NAME


class TableField(BaseModel):
    """One column as the API describes it; ``arrowType`` is stored in canonical spelling."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    arrowType: str
    nullable: bool = True
    metadata: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if not name or not name.strip():
            raise ValueError("column name must not be empty")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"column name must be at most {MAX_NAME_LENGTH} characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise ValueError("column name must not contain control characters (such as NUL or newlines)")
        if "." in name or "`" in name:
            # Lance addresses nested fields by dotted path and quotes names with backticks.
            raise ValueError(f"column name {name!r} must not contain '.' or '`'")
        return name

    @field_validator("arrowType")
    @classmethod
    def _canonical_type(cls, arrow_type: str) -> str:
        try:
            return normalize_arrow_type(arrow_type)
        except ValidationFailed as exc:
            raise ValueError(exc.message) from None

    @field_validator("metadata")
    @classmethod
    def _no_reserved_metadata(cls, metadata: dict[str, str]) -> dict[str, str]:
        size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
        if size > MAX_FIELD_METADATA_BYTES:
            raise ValueError(f"column metadata is {size} bytes; the limit is {MAX_FIELD_METADATA_BYTES}")
        reserved = sorted(_RESERVED_METADATA_KEYS & metadata.keys())
        if reserved:
            raise ValueError(f"metadata keys {reserved} are reserved; use primaryKeyColumns")
        return metadata

    @property
    def data_type(self) -> pa.DataType:
        return parse_arrow_type(self.arrowType)


class TableSchema(BaseModel):
    """Columns in logical order plus the (possibly composite, ordered) primary key."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    fields: list[TableField] = Field(min_length=1, max_length=MAX_TABLE_FIELDS)
    primaryKeyColumns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> TableSchema:
        seen: dict[str, str] = {}
        for field in self.fields:
            # Case-insensitive because CSV headers are matched case-insensitively.
            folded = field.name.casefold()
            if folded in seen:
                raise ValueError(f"duplicate column name {field.name!r} (clashes with {seen[folded]!r})")
            seen[folded] = field.name
        if len(set(self.primaryKeyColumns)) != len(self.primaryKeyColumns):
            raise ValueError("primaryKeyColumns must not repeat a column")
        by_name = {field.name: field for field in self.fields}
        for column in self.primaryKeyColumns:
            field = by_name.get(column)
            if field is None:
                raise ValueError(f"primary key column {column!r} is not a column of the table")
            if field.nullable:
                raise ValueError(f"primary key column {column!r} must be non-nullable")
            reason = primary_key_type_problem(field.arrowType)
            if reason:
                raise ValueError(f"primary key column {column!r} {reason}")
        return self

    @property
    def names(self) -> list[str]:
        return [field.name for field in self.fields]

    def field(self, name: str) -> TableField:
        for field in self.fields:
            if field.name == name:
                return field
        raise ValidationFailed(f"Unknown column {name!r}", details={"column": name})


def primary_key_type_problem(arrow_type: str) -> str | None:
    """Why a type cannot be a key (None when it can): Lance needs primitive leaves; floats don't compare."""
    category = type_category(arrow_type)
    canonical = normalize_arrow_type(arrow_type)
    if category in ("list", "fixed_size_list", "null"):
        return f"has type {canonical}; a primary key must be a primitive column"
    if category.startswith("float"):
        return f"has floating-point type {canonical}; keys must compare exactly"
    return None


def build_schema(fields: Sequence[dict], primary_key_columns: Sequence[str] = ()) -> TableSchema:
    """Validate API input into a ``TableSchema``, reporting problems as ``ValidationFailed``."""
    try:
        return TableSchema.model_validate(
            {"fields": list(fields), "primaryKeyColumns": list(primary_key_columns)}
        )
    except ValidationError as exc:
        problems = [
            {
                "loc": ".".join(str(part) for part in err["loc"]),
                "message": err["msg"].removeprefix("Value error, "),
            }
            for err in exc.errors()
        ]
        summary = "; ".join(p["message"] if not p["loc"] else f"{p['loc']}: {p['message']}" for p in problems)
        raise ValidationFailed(f"Invalid table schema: {summary}", details=problems) from None


def to_arrow(schema: TableSchema) -> pa.Schema:
    """Arrow schema in logical order, primary key recorded as Lance field metadata."""
    import pyarrow as pa

    positions = {name: index + 1 for index, name in enumerate(schema.primaryKeyColumns)}
    arrow_fields = []
    for field in schema.fields:
        metadata = dict(field.metadata)
        if field.name in positions:
            metadata[PK_METADATA_KEY] = "true"
            metadata[PK_POSITION_METADATA_KEY] = str(positions[field.name])
        arrow_fields.append(pa.field(field.name, field.data_type, field.nullable, metadata=metadata or None))
    return pa.schema(arrow_fields)


def from_arrow(arrow_schema: pa.Schema, logical_order: Sequence[str] | None = None) -> TableSchema:
    """Read a (Lance) Arrow schema back; ``logical_order`` lists every column in the order users see."""
    names = arrow_schema.names
    order = list(logical_order) if logical_order is not None else names
    if sorted(order) != sorted(names):
        raise ValidationFailed(
            "Logical column order does not match the dataset's columns",
            details={"logicalOrder": order, "columns": names},
        )
    fields: list[TableField] = []
    keyed: list[tuple[int, int, str]] = []
    for name in order:
        arrow_field = arrow_schema.field(name)
        metadata = {
            key.decode(): value.decode() for key, value in (arrow_field.metadata or {}).items()
        }
        if metadata.get(PK_METADATA_KEY, "").lower() in _TRUTHY:
            position = int(metadata.get(PK_POSITION_METADATA_KEY, "0") or 0)
            # Lance: positioned key columns first (by position), then the rest by field order.
            keyed.append((0 if position else 1, position or names.index(name), name))
        user_metadata = {k: v for k, v in metadata.items() if k not in _RESERVED_METADATA_KEYS}
        fields.append(
            TableField(
                name=name,
                arrowType=format_arrow_type(arrow_field.type),
                nullable=arrow_field.nullable,
                metadata=user_metadata,
            )
        )
    return TableSchema(fields=fields, primaryKeyColumns=[name for *_, name in sorted(keyed)])


def arrow_schema_text(schema: TableSchema) -> str:
    """Human-readable one-line-per-column rendering for the API's ``arrowSchema`` field."""
    positions = {name: index + 1 for index, name in enumerate(schema.primaryKeyColumns)}
    lines = []
    for field in schema.fields:
        line = f"{field.name}: {field.arrowType}"
        if not field.nullable:
            line += " not null"
        if field.name in positions:
            line += f" primary key({positions[field.name]})"
        lines.append(line)
    return "\n".join(lines)
