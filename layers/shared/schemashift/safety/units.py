"""The lint's input: changesets with the SQL they send on one dialect, plus their metadata.

A ``LintUnit`` is deliberately format-neutral: a Liquibase changeset becomes one through
``units_from_changelog`` (statements from the engine's own generation, ``ChangeSet.statements_for``),
and a Flyway script can become one by splitting its SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from schemashift.changelog.model import ChangeSet, DatabaseChangeLog, Dialect, RollbackImpossible, dbms_matches
from schemashift.errors import SchemashiftError

RollbackKind = Literal["explicit", "automatic", "none"]

IGNORE_COMMENT = re.compile(r"--\s*schemashift:lint-ignore\s+([a-z0-9][a-z0-9 ,-]*?)\s*(?:--.*)?$", re.I | re.M)
"""``-- schemashift:lint-ignore rule-a, rule-b -- why``: a plain SQL comment, which Liquibase keeps
as part of the SQL (so, unlike ``lintIgnore`` in XML/YAML, it counts in the checksum)."""


@dataclass(frozen=True)
class Rebuild:
    """A SQLite table rebuild: its statements need the live table, so offline the lint knows only
    that, and where, one happens."""

    position: int
    """Index of the statement the rebuild comes before."""
    table: str
    change: str
    column: str | None = None
    backfilled: bool = False
    """The change fills NULLs first (addNotNullConstraint's defaultNullValue)."""


@dataclass
class LintUnit:
    """One changeset (or migration script) as the lint sees it."""

    fqn: str
    dialect: Dialect
    statements: list[str]
    run_in_transaction: bool = True
    run_on_change: bool = False
    run_always: bool = False
    rollback: RollbackKind = "automatic"
    rollback_problem: str | None = None
    change_types: list[str] = field(default_factory=list)
    ignore: set[str] = field(default_factory=set)
    rebuilds: list[Rebuild] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Statements that could not be generated, with the reason."""
    line: int | None = None
    author: str = ""
    id: str = ""
    file_path: str = ""


def units_from_changelog(
    changelog: DatabaseChangeLog,
    dialect: Dialect,
    *,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    only: set[str] | None = None,
) -> list[LintUnit]:
    """Every changeset that would run on ``dialect`` (dbms filter; contexts/labels when given).

    ``only`` restricts to those FQNs (e.g. the pending changesets of an instance).
    """
    scoped = contexts is not None or labels is not None
    units = []
    for changeset in changelog.changesets:
        if only is not None and changeset.fqn not in only:
            continue
        if scoped and not changeset.matches(contexts, labels, dialect):
            continue
        if not scoped and (changeset.ignore or not dbms_matches(changeset.dbms, dialect)):
            continue
        units.append(unit_from_changeset(changeset, dialect, contexts, labels))
    return units


def unit_from_changeset(changeset: ChangeSet, dialect: Dialect, contexts: Sequence[str] | str | None = None,
                        labels: str | None = None) -> LintUnit:
    unit = LintUnit(
        fqn=changeset.fqn, dialect=dialect, statements=[], run_in_transaction=changeset.run_in_transaction,
        run_on_change=changeset.run_on_change, run_always=changeset.run_always,
        change_types=[change.name for change in changeset.changes], ignore=set(changeset.lint_ignore),
        line=changeset.line, author=changeset.author, id=changeset.id, file_path=changeset.file_path,
    )
    from schemashift.changelog.changes.sqlite_rebuild import RebuildNeedsDatabase

    for change in changeset.changes:
        if hasattr(change, "sql_text") and change.applies_to(dialect):
            unit.ignore |= ignored_in_sql(change.sql_text())  # type: ignore[attr-defined]
        try:
            unit.statements += changeset.statements_for(change, dialect, contexts=contexts, labels=labels)
        except RebuildNeedsDatabase as rebuild:
            unit.rebuilds.append(Rebuild(len(unit.statements), rebuild.table, rebuild.change_name,
                                         getattr(change, "column_name", None),
                                         getattr(change, "default_null_value", None) is not None))
        except SchemashiftError as error:
            unit.problems.append(f"{change.name}: {error.message}")
    unit.rollback, unit.rollback_problem = _rollback_kind(changeset)
    return unit


def unit_from_sql(name: str, sql: str, dialect: Dialect, *, run_in_transaction: bool = True,
                  has_undo: bool = False) -> LintUnit:
    """A migration script (a Flyway ``V2__drop_legacy.sql``, say) as a lint unit: its SQL split as
    the engine splits it; ``has_undo`` when an undo script exists for it."""
    from schemashift.changelog.splitting import split_statements

    return LintUnit(fqn=name, dialect=dialect, statements=split_statements(sql, dialect=dialect),
                    run_in_transaction=run_in_transaction, rollback="explicit" if has_undo else "none",
                    rollback_problem=None if has_undo else "no undo script", change_types=["sql"],
                    ignore=ignored_in_sql(sql), file_path=name)


def ignored_in_sql(text: str) -> set[str]:
    """Rule ids named by ``-- schemashift:lint-ignore`` comments in a SQL text."""
    ids: set[str] = set()
    for match in IGNORE_COMMENT.finditer(text):
        ids |= {part for part in re.split(r"[\s,]+", match.group(1).lower()) if part}
    return ids


def _rollback_kind(changeset: ChangeSet) -> tuple[RollbackKind, str | None]:
    if changeset.rollback is not None:
        return "explicit", None
    try:
        changeset.rollback_changes()
    except RollbackImpossible as error:
        return "none", error.message.removeprefix(f"{changeset.fqn}: ")
    return "automatic", None
