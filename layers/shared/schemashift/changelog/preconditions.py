"""Preconditions: conditions checked against a live database before a changeset (or changelog) runs.

Each precondition raises ``PreconditionFailed`` when its condition does not hold; any other
exception while checking is an *error*. ``Preconditions.evaluate`` turns both into an outcome
carrying the configured action (onFail / onError: HALT, CONTINUE, MARK_RAN, WARN).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from schemashift.changelog.model import DatabaseProbe, dbms_matches

FailAction = Literal["HALT", "CONTINUE", "MARK_RAN", "WARN"]
FAIL_ACTIONS: tuple[FailAction, ...] = ("HALT", "CONTINUE", "MARK_RAN", "WARN")


class PreconditionFailed(Exception):
    """The condition was checked and does not hold."""


class Precondition(ABC):
    name: ClassVar[str]

    @abstractmethod
    def check(self, probe: DatabaseProbe) -> None:
        """Raise PreconditionFailed when the condition does not hold."""

    def problems(self) -> list[str]:
        """Why this precondition cannot be evaluated at all (an unsupported element); [] normally."""
        return [problem for nested in getattr(self, "nested", ()) for problem in nested.problems()]


@dataclass
class AndPrecondition(Precondition):
    name: ClassVar[str] = "and"
    nested: list[Precondition] = field(default_factory=list)

    def check(self, probe: DatabaseProbe) -> None:
        for precondition in self.nested:
            precondition.check(probe)


@dataclass
class OrPrecondition(Precondition):
    name: ClassVar[str] = "or"
    nested: list[Precondition] = field(default_factory=list)

    def check(self, probe: DatabaseProbe) -> None:
        failures: list[str] = []
        for precondition in self.nested:
            try:
                precondition.check(probe)
                return
            except PreconditionFailed as failure:
                failures.append(str(failure))
        if failures:
            raise PreconditionFailed("; ".join(failures))


@dataclass
class NotPrecondition(Precondition):
    name: ClassVar[str] = "not"
    nested: list[Precondition] = field(default_factory=list)

    def check(self, probe: DatabaseProbe) -> None:
        for precondition in self.nested:
            try:
                precondition.check(probe)
            except PreconditionFailed:
                continue
            raise PreconditionFailed(f"Not precondition failed: {precondition.name} passed")


@dataclass
class DbmsPrecondition(Precondition):
    name: ClassVar[str] = "dbms"
    type: str = ""

    def check(self, probe: DatabaseProbe) -> None:
        if not dbms_matches(self.type, probe.dialect):
            raise PreconditionFailed(f"DBMS Precondition failed: expected {self.type}, got {probe.dialect}")


@dataclass
class SqlCheckPrecondition(Precondition):
    name: ClassVar[str] = "sqlCheck"
    expected_result: str = ""
    sql: str = ""

    def check(self, probe: DatabaseProbe) -> None:
        result = probe.query_scalar(self.sql)
        if result is None:
            raise PreconditionFailed("No rows returned from SQL Precondition")
        text = _as_text(result, probe.dialect)
        if text != self.expected_result:
            expected = self.expected_result
            raise PreconditionFailed(f"SQL Precondition failed.  Expected '{expected}' got '{text}'")


@dataclass
class TableExistsPrecondition(Precondition):
    name: ClassVar[str] = "tableExists"
    table_name: str = ""
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        if not probe.table_exists(self.table_name, self.schema_name):
            raise PreconditionFailed(f"Table {_qualified(self.schema_name, self.table_name)} does not exist")


@dataclass
class ViewExistsPrecondition(Precondition):
    name: ClassVar[str] = "viewExists"
    view_name: str = ""
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        if not probe.view_exists(self.view_name, self.schema_name):
            raise PreconditionFailed(f"View {_qualified(self.schema_name, self.view_name)} does not exist")


@dataclass
class ColumnExistsPrecondition(Precondition):
    name: ClassVar[str] = "columnExists"
    table_name: str = ""
    column_name: str = ""
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        if not probe.column_exists(self.table_name, self.column_name, self.schema_name):
            column = _qualified(self.schema_name, f"{self.table_name}.{self.column_name}")
            raise PreconditionFailed(f"Column '{column}' does not exist")


@dataclass
class TableIsEmptyPrecondition(Precondition):
    name: ClassVar[str] = "tableIsEmpty"
    table_name: str = ""
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        table = _qualified(self.schema_name, self.table_name)
        if probe.query_scalar(f"SELECT COUNT(*) FROM {table}") not in (0, "0"):
            raise PreconditionFailed(f"Table {self.table_name} is not empty.")


@dataclass
class RowCountPrecondition(Precondition):
    name: ClassVar[str] = "rowCount"
    table_name: str = ""
    expected_rows: int = 0
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        table = _qualified(self.schema_name, self.table_name)
        count = int(str(probe.query_scalar(f"SELECT COUNT(*) FROM {table}")))
        if count != self.expected_rows:
            raise PreconditionFailed(
                f"Table {self.table_name} does not have the expected row count of {self.expected_rows}. "
                f"It contains {count} rows"
            )


@dataclass
class ChangeLogPropertyDefinedPrecondition(Precondition):
    """Evaluated against the properties known at parse time (``actual`` is filled by the parser)."""

    name: ClassVar[str] = "changeLogPropertyDefined"
    property: str = ""
    value: str | None = None
    actual: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        if self.actual is None:
            raise PreconditionFailed(f"Changelog property '{self.property}' was not set")
        if self.value is not None and self.actual != self.value:
            raise PreconditionFailed(
                f"Expected changelog property '{self.property}' to have a value of '{self.value}'.  Got '{self.actual}'"
            )


@dataclass
class ExpectedQuotingStrategyPrecondition(Precondition):
    """Liquibase ``expectedQuotingStrategy``: the root changelog's ``objectQuotingStrategy`` must be ``strategy``.

    As in Liquibase, a mismatch is a failure in a changeset (its message names the changeset's own strategy)
    and an *error* at changelog level (Liquibase's message dereferences the absent changeset)."""

    name: ClassVar[str] = "expectedQuotingStrategy"
    strategy: str = "LEGACY"
    actual: str = "LEGACY"
    """The root changelog's strategy (filled by the parser)."""
    changeset_strategy: str | None = None
    """The strategy of the changeset holding the precondition; None at changelog level."""

    def check(self, probe: DatabaseProbe) -> None:
        if self.actual == self.strategy:
            return
        if self.changeset_strategy is None:
            raise RuntimeError(f"expectedQuotingStrategy {self.strategy} at changelog level: the changelog's "
                               f"strategy is {self.actual}")
        raise PreconditionFailed(
            f"Quoting strategy Precondition failed: expected {self.strategy}, got {self.changeset_strategy}")


@dataclass
class UnsupportedPrecondition(Precondition):
    """A Liquibase precondition we cannot evaluate: checking it is a precondition *error*, so the
    container's onError decides (HALT by default: the update stops at that changeset)."""

    name: ClassVar[str] = "unsupported"
    element: str = ""
    file: str | None = None
    line: int | None = None

    def problems(self) -> list[str]:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return [f"precondition '{self.element}' ({where}) is not supported by schemashift"]

    def check(self, probe: DatabaseProbe) -> None:
        raise RuntimeError(self.problems()[0])


SQL_OUTPUT_OPTIONS = ("TEST", "FAIL", "IGNORE")


def sql_output_option(text: str | None) -> str:
    """``onSqlOutput`` (or ``onUpdateSQL``) in any case; IGNORE when unset; anything else refused as Liquibase does."""
    value = (text or "IGNORE").upper()
    if value not in SQL_OUTPUT_OPTIONS:
        raise ValueError(f"Unknown onSqlOutput attribute value '{text}'.  Possible values: {', '.join(SQL_OUTPUT_OPTIONS)}")
    return value


@dataclass
class CustomPrecondition(UnsupportedPrecondition):
    """``customPrecondition`` names a Java class. schemashift runs no Java, so checking it *fails*
    as in Liquibase when the class is not on its classpath ("Could not open custom precondition
    class ..."): the container's onFail decides (HALT by default), not its onError."""

    class_name: str = ""

    def check(self, probe: DatabaseProbe) -> None:
        raise PreconditionFailed(
            f"Could not open custom precondition class {self.class_name} (schemashift runs no Java classes: "
            'check the condition another way, e.g. with sqlCheck, or give the preConditions onFail="MARK_RAN" '
            'or "CONTINUE")'
        )


@dataclass(frozen=True)
class PreconditionOutcome:
    status: Literal["passed", "failed", "error"]
    action: FailAction | None
    """What to do: the container's onFail (failed) or onError (error); None when passed."""
    message: str = ""


@dataclass
class Preconditions(AndPrecondition):
    """Liquibase ``PreconditionContainer``: an AND of conditions plus what to do when they do not hold."""

    name: ClassVar[str] = "preConditions"
    on_fail: FailAction = "HALT"
    on_error: FailAction = "HALT"
    on_fail_message: str | None = None
    on_error_message: str | None = None
    on_sql_output: str = "IGNORE"

    def evaluate(self, probe: DatabaseProbe, *, sql_output: bool = False) -> PreconditionOutcome:
        """Check the conditions; under ``update-sql`` (``sql_output``) as ``onSqlOutput`` says: TEST checks
        them, IGNORE passes, FAIL fails (so ``onFail`` decides), as Liquibase does."""
        if sql_output and self.on_sql_output.upper() != "TEST":
            if self.on_sql_output.upper() == "FAIL":
                message = f"Unexpected precondition in updateSQL mode with onUpdateSQL value: {self.on_sql_output}"
                return PreconditionOutcome("failed", self.on_fail, self.on_fail_message or message)
            return PreconditionOutcome("passed", None)
        try:
            self.check(probe)
        except PreconditionFailed as failure:
            return PreconditionOutcome("failed", self.on_fail, self.on_fail_message or str(failure))
        except Exception as error:  # any database error is a precondition *error*, by design
            return PreconditionOutcome("error", self.on_error, self.on_error_message or str(error))
        return PreconditionOutcome("passed", None)


@dataclass
class ChangelogPreconditions(Preconditions):
    """The ``preConditions`` of several changelog files (root and includes): each keeps its own
    ``onFail``/``onError``, as Liquibase evaluates them file by file; a WARN does not stop the others."""

    def evaluate(self, probe: DatabaseProbe, *, sql_output: bool = False) -> PreconditionOutcome:
        warned: PreconditionOutcome | None = None
        for container in self.nested:
            outcome = container.evaluate(probe, sql_output=sql_output) if isinstance(container, Preconditions) else (
                Preconditions(nested=[container]).evaluate(probe, sql_output=sql_output))
            if outcome.status == "passed":
                continue
            if outcome.action != "WARN":
                return outcome
            warned = warned or outcome
        return warned or PreconditionOutcome("passed", None)


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _as_text(value: object, dialect: str | None = None) -> str:
    """Render a query result the way JDBC's getString would for common types (PostgreSQL's
    driver returns the server's text, so a boolean is ``t``/``f`` there)."""
    if isinstance(value, bool):
        if dialect == "postgresql":
            return "t" if value else "f"
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
