"""What every bean-style change type shares: Liquibase property names, loading, registration.

A change class is a dataclass whose snake_case fields mirror the Liquibase bean properties
listed in ``bean`` (camelCase, exactly the getter/setter pairs of the Java class). Those
properties drive the checksum serialization and the description, so the listing must be
exact; ``load`` fills them from a parsed node of any changelog format.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, TypeVar

from schemashift.changelog.model import Change, ChangelogError
from schemashift.changelog.node import Node, java_string

CHANGE_TYPES: dict[str, type[BeanChange]] = {}
_T = TypeVar("_T", bound="type[BeanChange]")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


_METHOD_NAMES = {"validate"}


def snake(name: str) -> str:
    """The Python attribute for a Liquibase property (``validate`` clashes with the verb: ``validate_``)."""
    attribute = _CAMEL.sub("_", name).lower()
    return f"{attribute}_" if attribute in _METHOD_NAMES else attribute


def register(cls: _T) -> _T:
    """Make a change type available to the parsers under its Liquibase name."""
    CHANGE_TYPES[cls.name] = cls
    return cls


class Loadable:
    """Shared loading for changes and column configs: Liquibase names to typed snake_case fields."""

    bean: ClassVar[tuple[str, ...]] = ()

    def checksum_fields(self) -> dict[str, Any]:
        return {name: getattr(self, snake(name)) for name in self.bean}

    @classmethod
    def _hints(cls) -> dict[str, Any]:
        cached = cls.__dict__.get("_hint_cache")
        if cached is None:
            cached = typing.get_type_hints(cls)
            cls._hint_cache = cached  # type: ignore[attr-defined]
        return cached

    def _assign(self, name: str, raw: Any, where: tuple[str | None, int | None]) -> None:
        attribute = snake(name)
        hint = self._hints().get(attribute)
        setattr(self, attribute, convert(raw, hint, name, where))


_LOAD_WARNINGS: ContextVar[list[str] | None] = ContextVar("load_warnings", default=None)


@contextmanager
def load_warnings(sink: list[str]) -> Iterator[None]:
    """Collect what loading changes read leniently (a boolean that is neither true nor false) into ``sink``."""
    token = _LOAD_WARNINGS.set(sink)
    try:
        yield
    finally:
        _LOAD_WARNINGS.reset(token)


def java_boolean(raw: Any, name: str, where: tuple[str | None, int | None]) -> bool:
    """Liquibase's ``ParsedNode`` conversion, ``Boolean.valueOf``: ``true`` in any case is true, anything
    else false (``valueBoolean="falsee"``, even ``"1"``); a value that is not true/false is warned about."""
    text = java_string(raw) or ""
    if text.lower() not in ("true", "false"):
        sink = _LOAD_WARNINGS.get()
        if sink is not None:
            place = f"{where[0]}:{where[1]}" if where[1] is not None else str(where[0] or "")
            sink.append(f"{place}: '{name}' is '{text}', read as false (as Liquibase reads it)")
    return text.lower() == "true"


def convert(raw: Any, hint: Any, name: str, where: tuple[str | None, int | None]) -> Any:
    """Convert a parsed scalar to the Java property's type (Boolean, BigInteger, String)."""
    if raw is None:
        return None
    kinds = set(typing.get_args(hint)) or {hint}
    if bool in kinds:
        return java_boolean(raw, name, where)
    if int in kinds:
        try:
            return int(java_string(raw) or "")
        except ValueError:
            raise ChangelogError(f"'{name}' must be an integer, not '{raw}'", file=where[0], line=where[1]) from None
    return java_string(raw)


@dataclasses.dataclass(eq=False, repr=False)
class BeanChange(Loadable, Change):
    """A change whose checksum is the StringChangeLogSerializer form of its bean properties."""

    excluded: ClassVar[tuple[str, ...]] = ()
    """Properties Liquibase leaves out of the checksum (``getExcludedFieldFilters``)."""
    column_class: ClassVar[type[ColumnConfig] | None] = None
    """The column config type for changes with nested ``column`` elements."""

    def checksum_excluded(self, version: int) -> tuple[str, ...]:
        return self.excluded

    @classmethod
    def load(cls, node: Node, file: str | None = None) -> BeanChange:
        change = cls()
        change.load_node(node, file)
        return change

    def load_node(self, node: Node, file: str | None) -> None:
        where = (file, node.line)
        for name in self.bean:
            if name == "columns" and self.column_class is not None:
                continue
            value = node.value(name)
            if value is not None:
                self._assign(name, value, where)
        if self.column_class is not None:
            self.columns = [self.column_class.load(column, file) for column in node.all("column")]  # type: ignore[attr-defined]
        self.after_load(node, file)

    def after_load(self, node: Node, file: str | None) -> None:
        """Hook for change-specific loading (nested text, where params)."""

    def require(self, *names: str) -> list[str]:
        """Liquibase's ``'x' is required for y`` validation errors for unset properties."""
        return [f"{name} is required for {self.name}" for name in names if getattr(self, snake(name)) in (None, "")]


@dataclasses.dataclass(eq=False)
class ConstraintsConfig(Loadable):
    """``<constraints>`` of a column; every declared Java field takes part in the checksum."""

    bean: ClassVar[tuple[str, ...]] = (
        "nullable", "notNullConstraintName", "primaryKey", "primaryKeyName", "primaryKeyTablespace",
        "references", "referencedTableCatalogName", "referencedTableSchemaName", "referencedTableName",
        "referencedColumnNames", "unique", "uniqueConstraintName", "checkConstraint", "deleteCascade",
        "foreignKeyName", "initiallyDeferred", "deferrable", "validateNullable", "validateUnique",
        "validatePrimaryKey", "validateForeignKey",
    )  # fmt: skip
    nullable: bool | None = None
    not_null_constraint_name: str | None = None
    primary_key: bool | None = None
    primary_key_name: str | None = None
    primary_key_tablespace: str | None = None
    references: str | None = None
    referenced_table_catalog_name: str | None = None
    referenced_table_schema_name: str | None = None
    referenced_table_name: str | None = None
    referenced_column_names: str | None = None
    unique: bool | None = None
    unique_constraint_name: str | None = None
    check_constraint: str | None = None
    delete_cascade: bool | None = None
    foreign_key_name: str | None = None
    initially_deferred: bool | None = None
    deferrable: bool | None = None
    validate_nullable: bool | None = None
    validate_unique: bool | None = None
    validate_primary_key: bool | None = None
    validate_foreign_key: bool | None = None

    @classmethod
    def load(cls, node: Node, file: str | None) -> ConstraintsConfig:
        config = cls()
        for name in cls.bean:
            value = node.value(name)
            if value is not None:
                config._assign(name, value, (file, node.line))
        return config


_COLUMN_BEAN: tuple[str, ...] = (
    "name", "computed", "type", "value", "valueNumeric", "valueDate", "valueBoolean", "valueBlobFile",
    "valueClobFile", "encoding", "valueComputed", "valueSequenceNext", "valueSequenceCurrent", "defaultValue",
    "defaultValueNumeric", "defaultValueDate", "defaultValueBoolean", "defaultValueComputed",
    "defaultValueSequenceNext", "defaultValueConstraintName", "constraints", "autoIncrement", "generationType",
    "defaultOnNull", "startWith", "incrementBy", "remarks", "descending",
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$")
_NUMBER = re.compile(r"^[-+]?(\d|\.\d)")


@dataclasses.dataclass(eq=False)
class ColumnConfig(Loadable):
    """A ``<column>``: every declared Java field of ColumnConfig takes part in the checksum."""

    bean: ClassVar[tuple[str, ...]] = _COLUMN_BEAN
    name: str | None = None
    computed: bool | None = None
    type: str | None = None
    value: str | None = None
    value_numeric: str | None = None
    value_date: str | None = None
    value_boolean: bool | None = None
    value_blob_file: str | None = None
    value_clob_file: str | None = None
    encoding: str | None = None
    value_computed: str | None = None
    value_sequence_next: str | None = None
    value_sequence_current: str | None = None
    default_value: str | None = None
    default_value_numeric: str | None = None
    default_value_date: str | None = None
    default_value_boolean: bool | None = None
    default_value_computed: str | None = None
    default_value_sequence_next: str | None = None
    default_value_constraint_name: str | None = None
    constraints: ConstraintsConfig | None = None
    auto_increment: bool | None = None
    generation_type: str | None = None
    default_on_null: bool | None = None
    start_with: int | None = None
    increment_by: int | None = None
    remarks: str | None = None
    descending: bool | None = None

    @classmethod
    def load(cls, node: Node, file: str | None) -> ColumnConfig:
        config = cls()
        where = (file, node.line)
        special = {"valueNumeric", "defaultValueNumeric", "valueDate", "defaultValueDate", "constraints", "value"}
        for name in cls.bean:
            if name in special:
                continue
            value = node.value(name)
            if value is not None:
                config._assign(name, value, where)
        config.value = node.string("value")
        if config.value is None and node.text and node.text.strip():
            config.value = node.text.strip()
        config.value_numeric, computed = _numeric(node.string("valueNumeric"))
        config.value_computed = config.value_computed if computed is None else computed
        config.default_value_numeric, computed = _numeric(node.string("defaultValueNumeric"))
        config.default_value_computed = config.default_value_computed if computed is None else computed
        config.value_date, computed = _date(node.string("valueDate"))
        config.value_computed = computed if computed is not None else config.value_computed
        config.default_value_date, computed = _date(node.string("defaultValueDate"))
        config.default_value_computed = computed if computed is not None else config.default_value_computed
        constraints = node.child("constraints")
        if constraints is not None:
            config.constraints = ConstraintsConfig.load(constraints, file)
        return config

    def has_default(self) -> bool:
        return any(
            value is not None
            for value in (
                self.default_value, self.default_value_numeric, self.default_value_date,
                self.default_value_boolean, self.default_value_computed, self.default_value_sequence_next,
            )
        )  # fmt: skip


@dataclasses.dataclass(eq=False)
class AddColumnConfig(ColumnConfig):
    bean: ClassVar[tuple[str, ...]] = (*_COLUMN_BEAN, "afterColumn", "beforeColumn", "position")
    after_column: str | None = None
    before_column: str | None = None
    position: int | None = None


def _numeric(text: str | None) -> tuple[str | None, str | None]:
    """``ColumnConfig.setValueNumeric``: a number keeps its text; anything else is computed."""
    if text is None or text.lower() == "null":
        return None, None
    stripped = text
    if stripped.startswith("("):
        stripped = re.sub(r"\)$", "", stripped[1:])
    return (stripped, None) if _NUMBER.match(stripped) else (None, text)


def _date(text: str | None) -> tuple[str | None, str | None]:
    """A date value in ISODateFormat, as Liquibase serializes it; unparseable ones are computed."""
    if text is None:
        return None, None
    if _DATE.match(text) or _TIME.match(text):
        return text, None
    match = _TIMESTAMP.match(text)
    if match:
        fraction = (match.group(3) or "").rstrip("0")
        return f"{match.group(1)}T{match.group(2)}" + (f".{fraction}" if fraction else ""), None
    return None, text
