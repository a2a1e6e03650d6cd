"""The changelog model: changesets, changes and the seams to files and databases.

This module is the contract between the changelog parsers (which build these objects) and
the engine (which executes them). It imports only the standard library so that API
handlers can parse changelogs without pulling in SQLAlchemy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from schemashift.errors import ValidationFailed

if TYPE_CHECKING:
    from schemashift.changelog.preconditions import Preconditions
    from schemashift.changelog.sql_visitors import SqlVisitor

Dialect = Literal["postgresql", "mysql", "mariadb", "sqlite"]
"""Liquibase ``dbms`` short names of the databases we generate SQL for."""

DIALECTS: tuple[Dialect, ...] = ("postgresql", "mysql", "mariadb", "sqlite")

DESCRIPTION_LIMIT = 250
"""Liquibase cuts DESCRIPTION and COMMENTS to this many characters."""


class ChangelogError(ValidationFailed):
    """A changelog that cannot be parsed or is invalid; names the file and line."""

    code = "CHANGELOG_INVALID"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = file if line is None else f"{file}:{line}"
        full = f"{where}: {message}" if file else message
        super().__init__(full, details={"file": file, "line": line, "reason": message})
        self.file = file
        self.line = line


class RollbackImpossible(ValidationFailed):
    """A changeset cannot be rolled back automatically and has no explicit rollback."""

    code = "ROLLBACK_IMPOSSIBLE"


@runtime_checkable
class ResourceAccessor(Protocol):
    """Where changelog files come from (a directory tree, an uploaded bundle)."""

    def read_text(self, path: str) -> str:
        """The file's text; raises ChangelogError when it does not exist."""
        ...

    def read_bytes(self, path: str) -> bytes:
        """The file's raw bytes; raises ChangelogError when it does not exist."""
        ...

    def list_dir(self, path: str, recursive: bool = True) -> list[str]:
        """Paths of the files under ``path`` (for includeAll), as ``read_text`` accepts them."""
        ...


@runtime_checkable
class DatabaseProbe(Protocol):
    """What preconditions (and SQLite table rebuilds) need to ask a live database."""

    dialect: Dialect
    default_schema: str | None

    def query_scalar(self, sql: str) -> object: ...

    def query_rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def table_exists(self, table: str, schema: str | None = None) -> bool: ...

    def view_exists(self, view: str, schema: str | None = None) -> bool: ...

    def column_exists(self, table: str, column: str, schema: str | None = None) -> bool: ...

    def schema_inspector(self) -> Any:
        """A SQLAlchemy Inspector on the live catalog (indexes, keys, sequences)."""
        ...

    def probe_schema(self, schema: str | None) -> str | None: ...

    def connection_user(self) -> str | None: ...


def dbms_matches(definition: str | None, dialect: Dialect | str | None, *, if_empty: bool = True) -> bool:
    """Liquibase ``DatabaseList.definitionMatches``: ``all``, ``none``, ``!name`` and lists."""
    names = [part.strip() for part in (definition or "").split(",") if part.strip()]
    if not names:
        return if_empty
    if "all" in names:
        return True
    if "none" in names:
        return False
    short_name = dialect or "null"
    if f"!{short_name}" in names:
        return False
    wanted = [name for name in names if not name.startswith("!")]
    return not wanted or short_name in wanted


@dataclass(frozen=True)
class HostCommand:
    """An operating-system command a change runs on the machine running the engine (executeCommand).

    The engine runs it only when its caller allows commands (the ``schemashift db`` CLI, as
    Liquibase does); the service refuses the changeset instead.
    """

    argv: tuple[str, ...]
    timeout_seconds: float | None = None
    """None waits for the command however long it takes (Liquibase's default)."""
    runs_here: bool = True
    """False when the change's ``os`` list leaves out this machine's operating system (a no-op)."""

    @property
    def display(self) -> str:
        """Liquibase's ``getCommandString``: the executable, a space, the arguments joined by spaces."""
        return f"{self.argv[0]} {' '.join(self.argv[1:])}"


class Change(ABC):
    """One Liquibase change type: validate, generate SQL, describe, checksum, invert.

    Subclasses declare ``name`` (the Liquibase change name) and implement
    ``generate_statements``; the other verbs have Liquibase's default behaviour.
    """

    name: ClassVar[str]
    liquibase_class: ClassVar[str] = ""
    """Java class name, used in Liquibase's 'No inverse to ... created' message."""

    @abstractmethod
    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """SQL to execute, in order.

        ``probe`` is needed only where the statements depend on the live schema (SQLite
        table rebuilds); callers that have a connection should pass it and generate each
        change's statements right before executing it.
        """

    def checksum_fields(self) -> dict[str, Any]:
        """Liquibase bean properties, by Liquibase name, that feed the checksum (None = unset)."""
        return {}

    def description(self) -> str:
        """Liquibase ``AbstractChange.getDescription``: name plus sorted ``*name=`` and ``path=`` pairs."""
        from schemashift.changelog.checksums import describe_change

        return describe_change(self)

    def checksum(self, version: int = 9) -> str:
        """``"<version>:<md5 hex>"`` as Liquibase computes it for this change."""
        from schemashift.changelog.checksums import change_checksum

        return change_checksum(self, version)

    def inverse(self) -> list[Change]:
        """Changes that undo this one (automatic rollback); [] is a no-op rollback."""
        raise RollbackImpossible(f"No inverse to {self.java_class_name()} created")

    def supports_rollback(self) -> bool:
        try:
            self.inverse()
        except RollbackImpossible:
            return False
        return True

    def validate(self, dialect: Dialect) -> list[str]:
        """Human-readable problems for this dialect; [] when the change is valid."""
        return []

    def host_command(self) -> HostCommand | None:
        """The operating-system command this change runs when it executes; None for SQL changes."""
        return None

    def applies_to(self, dialect: Dialect | None) -> bool:
        """False for a dbms-targeted change (sql, sqlFile) whose ``dbms`` excludes ``dialect``."""
        return True

    @property
    def is_dbms_targeted(self) -> bool:
        return False

    def java_class_name(self) -> str:
        if self.liquibase_class:
            return self.liquibase_class
        return f"liquibase.change.core.{self.name[0].upper()}{self.name[1:]}Change"

    def __repr__(self) -> str:
        return f"<{self.name} {self.description()!r}>"


@dataclass(eq=False)
class ChangeSet:
    """One changeset: identity, changes, rollback, filters and execution attributes."""

    id: str
    author: str
    file_path: str
    """Exactly what goes into DATABASECHANGELOG.FILENAME."""
    changes: list[Change] = field(default_factory=list)
    rollback: list[Change] | None = None
    """None = use the changes' inverses; [] = an explicit empty rollback."""
    comment: str | None = None
    contexts: str | None = None
    labels: str | None = None
    dbms: str | None = None
    run_always: bool = False
    run_on_change: bool = False
    run_in_transaction: bool = True
    fail_on_error: bool = True
    ignore: bool = False
    run_with: str | None = None
    """Liquibase ``runWith``: the executor; only ``jdbc`` (the default) runs here (``unsupported`` says so)."""
    run_order: str | None = None
    """``first`` / ``last``: where the changeset goes in the run order (the parser places it)."""
    created: str | None = None
    """Liquibase ``created``: informational only (not stored, not in the checksum)."""
    on_validation_fail: Literal["HALT", "MARK_RAN"] = "HALT"
    """``MARK_RAN``: a changeset whose changes fail validation is recorded as MARK_RAN instead of failing it."""
    preconditions: Preconditions | None = None
    valid_checksums: list[str] = field(default_factory=list)
    line: int | None = None
    inherited_contexts: list[str] = field(default_factory=list)
    """contextFilter expressions of the includes that led to this changeset, outermost first."""
    inherited_labels: list[str] = field(default_factory=list)
    sql_visitors: list[SqlVisitor] = field(default_factory=list)
    """``modifySql`` edits; they count in the checksum, and ``modify_sql`` applies them."""
    warnings: list[str] = field(default_factory=list)
    """Things parsed but not honoured, for the caller to report."""
    object_quoting_strategy: str | None = None
    """Liquibase's ``objectQuotingStrategy`` (the changeset's, else its file's); None is LEGACY."""
    lint_ignore: list[str] = field(default_factory=list)
    """Lint rule ids suppressed for this changeset (XML ``schemashift:lintIgnore``, YAML/JSON
    ``lintIgnore``): attributes Liquibase ignores and that do not enter the checksum."""

    @property
    def fqn(self) -> str:
        """Harness ``changeSetFQN``: ``file::id::author``."""
        return f"{self.file_path}::{self.id}::{self.author}"

    def checksum(
        self, dialect: Dialect | None = None, version: int = 9, *, contexts: Sequence[str] | str | None = None,
        labels: str | None = None,
    ) -> str:
        """The MD5SUM column value, e.g. ``"9:<hex>"``, for a run on ``dialect`` with ``contexts``/``labels``:
        as in Liquibase, ``modifySql`` edits that such a run leaves out do not count."""
        from schemashift.changelog.checksums import changeset_checksum

        return changeset_checksum(self, dialect, version, contexts=contexts, labels=labels)

    def active_visitors(
        self, dialect: Dialect | None, contexts: Sequence[str] | str | None = None, labels: str | None = None
    ) -> list[SqlVisitor]:
        """The ``modifySql`` edits a run keeps: Liquibase's dbms, context and label filters drop the others
        from the changeset before its checksum is taken (no dialect: no dbms filter)."""
        return [visitor for visitor in self.sql_visitors if visitor.applies(dialect, contexts, labels)]

    def unsupported_changes(self) -> list[str]:
        """Change types here that schemashift cannot run (nor checksum); [] normally."""
        return [problem for change in self.changes for problem in getattr(change, "unsupported_problems", list)()]

    def validation_problems(self, dialect: Dialect) -> list[str]:
        """What change validation finds in this changeset's changes for ``dialect`` (Liquibase's ``validate``)."""
        return [problem for change in self.changes if change.applies_to(dialect) for problem in change.validate(dialect)]

    def marked_ran_on_validation_failure(self, dialect: Dialect) -> bool:
        """``onValidationFail="MARK_RAN"`` and its changes fail validation: Liquibase records it MARK_RAN
        without running it. Never for a change type schemashift cannot run (that is refused, not marked)."""
        return (self.on_validation_fail == "MARK_RAN" and not self.unsupported_changes()
                and bool(self.validation_problems(dialect)))

    def unsupported(self) -> list[str]:
        """Why this changeset cannot run here (unsupported change types or preconditions); [] when it can."""
        return self.unsupported_changes() + (self.preconditions.problems() if self.preconditions is not None else [])

    def is_checksum_valid(
        self, stored: str | None, dialect: Dialect | None = None, *, contexts: Sequence[str] | str | None = None,
        labels: str | None = None,
    ) -> bool:
        """Liquibase ``isCheckSumValid``: recompute with the stored row's version; honour validCheckSum."""
        from schemashift.changelog.checksums import checksum_is_valid

        return checksum_is_valid(self, stored, dialect, contexts=contexts, labels=labels)

    def modify_sql(
        self,
        statements: list[str],
        dialect: Dialect,
        contexts: Sequence[str] | str | None = None,
        labels: str | None = None,
        *,
        rollback: bool = False,
    ) -> list[str]:
        """Statements after this changeset's applicable ``modifySql`` edits (call before executing)."""
        if not self.sql_visitors:
            return statements
        from schemashift.changelog.sql_visitors import apply_sql_visitors

        return apply_sql_visitors(statements, self.sql_visitors, dialect, contexts, labels, rollback=rollback)

    def statements_for(
        self, change: Change, dialect: Dialect, probe: DatabaseProbe | None = None, *, rollback: bool = False,
        contexts: Sequence[str] | str | None = None, labels: str | None = None,
    ) -> list[str]:
        """The SQL one of this changeset's changes sends on ``dialect``: generated, then ``modifySql``-edited.

        The one place statements are produced, for running (the executor passes its live target as
        ``probe``, right before executing the change) and for previews and lint (no probe).
        """
        if not change.applies_to(dialect):
            return []
        from schemashift.changelog.changes.sqlbuild import quoting

        with quoting(self.object_quoting_strategy):
            statements = change.generate_statements(dialect, probe)
        return self.modify_sql(statements, dialect, contexts, labels, rollback=rollback)

    def description(self) -> str:
        """DESCRIPTION column: the changes' descriptions joined with "; ", cut to 250."""
        if not self.changes:
            return "empty"
        text = "; ".join(change.description() for change in self.changes)
        return _limit(text)

    def comments(self) -> str:
        """COMMENTS column: the trimmed comment cut to 250, "" when there is none."""
        return _limit((self.comment or "").strip())

    def full_contexts(self) -> str | None:
        """CONTEXTS column (Liquibase ``buildFullContext``)."""
        from schemashift.changelog.expressions import full_context

        return full_context([*self.inherited_contexts, self.contexts or ""])

    def full_labels(self) -> str | None:
        """LABELS column: inherited and own labels, comma-joined."""
        from schemashift.changelog.expressions import full_labels

        return full_labels([*self.inherited_labels, self.labels or ""])

    def rollback_changes(self) -> list[Change]:
        """Explicit rollback changes, or the changes' inverses in reverse order."""
        if self.rollback is not None:
            return list(self.rollback)
        inverses: list[Change] = []
        for change in reversed(self.changes):
            if change.name == "sql" and self.file_path.lower().endswith(".sql"):
                raise RollbackImpossible(
                    "Liquibase does not support automatic rollback generation for raw sql changes "
                    '(did you mean to specify keyword "empty" to ignore rolling back this change?)',
                    details={"changeSetFQN": self.fqn},
                )
            try:
                inverses.extend(change.inverse())
            except RollbackImpossible as error:
                raise RollbackImpossible(f"{self.fqn}: {error.message}", details={"changeSetFQN": self.fqn}) from error
        return inverses

    def matches(
        self,
        contexts: Sequence[str] | str | None,
        labels: str | None,
        dialect: Dialect | None,
    ) -> bool:
        """Whether update would consider this changeset (context, label, dbms and ignore filters)."""
        from schemashift.changelog.expressions import contexts_match, labels_match

        if self.ignore:
            return False
        if not dbms_matches(self.dbms, dialect):
            return False
        if not contexts_match([*self.inherited_contexts, self.contexts or ""], contexts):
            return False
        return labels_match([*self.inherited_labels, self.labels or ""], labels)

    def is_tag(self) -> str | None:
        """The tag when this is a tagDatabase changeset (its DESCRIPTION is exactly ``tagDatabase``)."""
        if len(self.changes) == 1 and self.changes[0].name == "tagDatabase":
            return str(getattr(self.changes[0], "tag", "") or "") or None
        return None

    def __repr__(self) -> str:
        return f"<ChangeSet {self.fqn}>"


@dataclass
class DatabaseChangeLog:
    """A parsed changelog with includes flattened, in execution order."""

    root_file: str
    changesets: list[ChangeSet] = field(default_factory=list)
    preconditions: Preconditions | None = None
    """Changelog-level preconditions of the root file (checked once before update)."""
    parameters: dict[str, str] = field(default_factory=dict)
    """Global changelog properties after parsing (CLI parameters included)."""
    warnings: list[str] = field(default_factory=list)
    """What the files hold that is read but not honoured outside any changeset (validation reports them)."""

    def find(self, file_path: str, id: str, author: str) -> ChangeSet | None:
        """The changeset that a DATABASECHANGELOG row denotes (Liquibase ``isSameAs`` matching)."""
        key = _identity(file_path, id, author)
        for changeset in self.changesets:
            if _identity(changeset.file_path, changeset.id, changeset.author) == key:
                return changeset
        return None


def _identity(file_path: str, id: str, author: str) -> tuple[str, str, str]:
    from schemashift.changelog.paths import normalize_path

    return normalize_path(file_path).lower(), id.lower(), author.lower()


def _limit(text: str) -> str:
    return text[: DESCRIPTION_LIMIT - 3] + "..." if len(text) > DESCRIPTION_LIMIT else text
