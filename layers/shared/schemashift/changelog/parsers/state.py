"""Shared parsing state: the flattened changeset list, properties, includes and duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from schemashift.changelog.model import ChangelogError, ChangeSet, Dialect, ResourceAccessor, dbms_matches
from schemashift.changelog.paths import normalize_path
from schemashift.changelog.preconditions import ChangelogPreconditions, Precondition, Preconditions
from schemashift.changelog.properties import ChangeLogParameters


@dataclass(frozen=True)
class Inclusion:
    """How one changelog file was reached: its path and what its includes pass down."""

    path: str
    """Physical path: how the file is read and, without a logicalFilePath, its FILENAME."""
    contexts: tuple[str, ...] = ()
    """Inherited context filters, innermost first (Liquibase ``getInheritableContextFilter`` order)."""
    labels: tuple[str, ...] = ()
    ignore: bool = False

    def with_changelog_context(self, context: str | None) -> Inclusion:
        """This file's own changelog-level contextFilter comes before everything it inherited."""
        return replace(self, contexts=(context, *self.contexts)) if context and context.strip() else self

    def child(self, path: str, contexts: str | None, labels: str | None, ignore: bool) -> Inclusion:
        return replace(
            self,
            path=path,
            contexts=(contexts, *self.contexts) if contexts and contexts.strip() else self.contexts,
            labels=(labels, *self.labels) if labels and labels.strip() else self.labels,
            ignore=self.ignore or ignore,
        )


@dataclass
class ParseState:
    accessor: ResourceAccessor
    parameters: ChangeLogParameters
    dialect: Dialect | None
    changesets: list[ChangeSet] = field(default_factory=list)
    preconditions: list[Precondition] = field(default_factory=list)
    including: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    root_quoting_strategy: str = "LEGACY"
    """The root changelog's ``objectQuotingStrategy`` (what ``expectedQuotingStrategy`` compares with)."""
    """What was read but is not honoured, outside any changeset (a validation warning of every run)."""
    _seen: dict[tuple[str, str, str], ChangeSet] = field(default_factory=dict)

    def add(self, changeset: ChangeSet, inclusion: Inclusion, source: str) -> None:
        """Append a parsed changeset unless its dbms excludes the target database."""
        if self.dialect is not None and not dbms_matches(changeset.dbms, self.dialect):
            return
        if not changeset.id or not changeset.author:
            missing = "id" if not changeset.id else "author"
            raise ChangelogError(f"changeset {missing} is required", file=source, line=changeset.line)
        changeset.inherited_contexts = list(inclusion.contexts)
        changeset.inherited_labels = list(inclusion.labels)
        changeset.ignore = changeset.ignore or inclusion.ignore
        key = (normalize_path(changeset.file_path).lower(), changeset.id.lower(), changeset.author.lower())
        earlier = self._seen.get(key)
        if earlier is not None and _same_scope(earlier, changeset):
            message = f"{changeset.fqn} is a duplicate changeset"
            raise ChangelogError(message, file=source, line=changeset.line)
        # In different contexts/labels they may exclude each other: as in Liquibase, only two of
        # them in the scope of one run are a duplicate (validation checks that).
        self._seen[key] = changeset
        self._place(changeset, source)

    def _place(self, changeset: ChangeSet, source: str) -> None:
        """Liquibase ``DatabaseChangeLog.addChangeSet``: ``runOrder="first"`` after the other firsts,
        ``"last"`` at the end, anything else before the lasts."""
        order = changeset.run_order
        if order not in (None, "first", "last"):
            raise ChangelogError(f"Unknown runOrder: {order}", file=source, line=changeset.line)
        at = len(self.changesets)
        if order == "first":
            at = next((index for index, other in enumerate(self.changesets) if other.run_order != "first"), at)
        elif order is None:
            while at > 0 and self.changesets[at - 1].run_order == "last":
                at -= 1
        self.changesets.insert(at, changeset)

    def find(self, file_path: str, id: str, author: str | None) -> list[ChangeSet]:
        """Changesets already parsed with this identity (for ``--rollback changesetId:...``), compared
        ignoring case as Liquibase's ``getChangeSet`` does."""
        wanted = normalize_path(file_path).lower()
        return [
            changeset
            for changeset in self.changesets
            if changeset.id.lower() == id.lower()
            and (author is None or changeset.author.lower() == author.lower())
            and normalize_path(changeset.file_path).lower() == wanted
        ]

    def changelog_preconditions(self) -> Preconditions | None:
        if not self.preconditions:
            return None
        first = self.preconditions[0]
        if len(self.preconditions) == 1 and isinstance(first, Preconditions):
            return first
        return ChangelogPreconditions(nested=list(self.preconditions))


def _same_scope(first: ChangeSet, second: ChangeSet) -> bool:
    """Whether two changesets run under exactly the same contexts, labels and dbms."""
    def scope(changeset: ChangeSet) -> tuple[object, ...]:
        return (changeset.contexts, changeset.labels, changeset.dbms, tuple(changeset.inherited_contexts),
                tuple(changeset.inherited_labels))

    return scope(first) == scope(second)
