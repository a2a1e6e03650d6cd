"""Which changesets a command touches, in which order: Liquibase's changeset filters.

update:        context, label, dbms and ignore filters; a changeset runs when it has no row,
               is runAlways, or is runOnChange with a changed checksum (ShouldRunChangeSetFilter).
update-count:  the first N changesets that would run (CountChangeSetFilter after ShouldRun).
update-to-tag: changesets up to and including the one tagging T (UpToTagChangeSetFilter).
rollback:      ran changesets in reverse execution order, then AfterTag / Count / ExecutedAfter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from schemashift.changelog.model import ChangeSet, DatabaseChangeLog
from schemashift.engine.errors import TagNotFound
from schemashift.engine.session import Session
from schemashift.targets.history import RanChangeSet, RowKey, changeset_key

RunStatus = Literal["NOT_RAN", "ALREADY_RAN", "RUN_AGAIN"]
Contexts = Sequence[str] | str | None


@dataclass(frozen=True)
class Planned:
    changeset: ChangeSet
    ran: RanChangeSet | None
    status: RunStatus


def in_scope(session: Session, changelog: DatabaseChangeLog, contexts: Contexts, labels: str | None) -> list[ChangeSet]:
    """Changesets that pass the context, label, dbms and ignore filters, in changelog order."""
    dialect = session.target.dialect
    return [changeset for changeset in changelog.changesets if changeset.matches(contexts, labels, dialect)]


def plan(session: Session, changesets: list[ChangeSet]) -> list[Planned]:
    """Each changeset with its row (if any) and its run status."""
    planned = []
    for changeset in changesets:
        ran = session.history.find(changeset)
        planned.append(Planned(changeset, ran, run_status(session, changeset, ran)))
    return planned


def run_status(session: Session, changeset: ChangeSet, ran: RanChangeSet | None) -> RunStatus:
    if ran is None:
        return "NOT_RAN"
    if changeset.run_always:
        # A batch of a deployment already under way must not re-run what an earlier batch ran.
        resumed = session.options.deployment_id is not None
        if resumed and ran.deployment_id == session.history.deployment_id:
            return "ALREADY_RAN"
        return "RUN_AGAIN"
    if changeset.run_on_change and ran.md5sum is not None and checksum_changed(session, changeset, ran.md5sum):
        return "RUN_AGAIN"
    return "ALREADY_RAN"


def checksum_changed(session: Session, changeset: ChangeSet, stored: str) -> bool:
    """Compare with the stored row's checksum version, as Liquibase does (v8 rows against v8)."""
    version = stored.partition(":")[0]
    if version == "9":
        return session.checksum(changeset) != stored
    if version.isdigit():
        return session.checksum(changeset, int(version)) != stored
    return False


def pending(planned: list[Planned]) -> list[Planned]:
    return [item for item in planned if item.status != "ALREADY_RAN"]


def first_pending(planned: list[Planned], count: int) -> list[Planned]:
    """update-count: the first ``count`` changesets that would run."""
    if count < 0:
        raise ValueError("count must not be negative")
    return pending(planned)[:count]


def up_to_tag(planned: list[Planned], tag: str, rows: list[RanChangeSet]) -> tuple[list[Planned], bool]:
    """update-to-tag: changesets up to the one that tags ``tag`` (or the ran row already tagged).

    Returns the visited changesets and whether the tag was found; when it is not, Liquibase
    warns and deploys everything.
    """
    tagged_row = next((row.key for row in rows if row.tag is not None and row.tag.lower() == tag.lower()), None)
    visited: list[Planned] = []
    for item in planned:
        visited.append(item)
        if changeset_key(item.changeset) == tagged_row or tag in _tags_of(item.changeset):
            return visited, True
    return visited, False


def _tags_of(changeset: ChangeSet) -> list[str]:
    return [str(getattr(change, "tag", "")) for change in changeset.changes if change.name == "tagDatabase"]


# -- rollback ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RanEntry:
    changeset: ChangeSet
    ran: RanChangeSet


def ran_newest_first(
    session: Session, changelog: DatabaseChangeLog, contexts: Contexts, labels: str | None
) -> list[RanEntry]:
    """Ran changesets that are in the changelog and in scope, newest execution first.

    Rows the changelog no longer contains are not rolled back (and keep their row), as in
    Liquibase; ``orphans`` lists them for the caller's warning.
    """
    by_key: dict[RowKey, list[ChangeSet]] = {}
    for changeset in in_scope(session, changelog, contexts, labels):
        by_key.setdefault(changeset_key(changeset), []).append(changeset)
    entries: list[RanEntry] = []
    seen: set[int] = set()
    for row in reversed(session.history.ran_changesets()):
        for changeset in by_key.get(row.key, []):
            if id(changeset) not in seen:
                seen.add(id(changeset))
                entries.append(RanEntry(changeset, row))
    return entries


def orphans(session: Session, changelog: DatabaseChangeLog) -> list[RanChangeSet]:
    known = {changeset_key(changeset) for changeset in changelog.changesets}
    return [row for row in session.history.ran_changesets() if row.key not in known]


def rows_after_tag(rows: list[RanChangeSet], tag: str) -> set[RowKey]:
    """AfterTagChangeSetFilter, OLDEST mode: everything after the oldest row tagged ``tag``.

    Later rows carrying the same tag are included, and a tagDatabase changeset that carries
    the tag is rolled back too.
    """
    wanted = tag.lower()
    after: set[RowKey] = set()
    seen_tag = False
    for row in rows:
        carries = row.tag is not None and row.tag.lower() == wanted
        if seen_tag:
            after.add(row.key)
        if carries:
            seen_tag = True
            if row.is_tag_changeset:
                after.add(row.key)
    if not seen_tag:
        raise TagNotFound(f"Could not find tag '{tag}' in the database")
    return after


def select_after_tag(entries: list[RanEntry], rows: list[RanChangeSet], tag: str) -> list[RanEntry]:
    after = rows_after_tag(rows, tag)
    return [entry for entry in entries if entry.ran.key in after]


def select_newest(entries: list[RanEntry], count: int) -> list[RanEntry]:
    if count < 0:
        raise ValueError("count must not be negative")
    return entries[:count]


def select_after_date(entries: list[RanEntry], date: datetime) -> list[RanEntry]:
    """ExecutedAfterChangeSetFilter: rows whose DATEEXECUTED is later than ``date`` (database clock)."""
    return [entry for entry in entries if entry.ran.date_executed is not None and entry.ran.date_executed > date]
