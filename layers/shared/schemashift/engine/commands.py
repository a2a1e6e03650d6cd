"""One function per command, Liquibase 4.28 semantics, typed results.

Every function takes an open ``Target`` (one connection per command run; the caller opens
and closes it) and, where a changelog is involved, the parsed ``DatabaseChangeLog``. The
commands that change the database hold DATABASECHANGELOGLOCK for the whole run and
validate the changelog against DATABASECHANGELOG before doing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Literal

from schemashift.changelog.model import DatabaseChangeLog, RollbackImpossible
from schemashift.engine import planning
from schemashift.engine.errors import ChangelogValidationFailed
from schemashift.engine.executor import mark_ran, run_backward, run_forward
from schemashift.engine.options import RunOptions
from schemashift.engine.planning import Contexts, Planned, RanEntry
from schemashift.engine.results import (
    ClearChecksumsResult,
    HistoryResult,
    PendingChangeSet,
    ReleaseLocksResult,
    RunResult,
    SqlPreview,
    StatusResult,
    TagResult,
    ValidationResult,
)
from schemashift.engine.session import Session, locked_session, read_only_session
from schemashift.engine.validation import validate_changelog
from schemashift.errors import ValidationFailed
from schemashift.targets.connection import Target

UpdateSelector = Callable[[list[Planned], Session, RunResult], list[Planned]]
RollbackSelector = Callable[[list[RanEntry], Session], list[RanEntry]]


# -- update family ----------------------------------------------------------------------------


def update(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Run every pending changeset (new, runAlways, runOnChange with a changed checksum)."""
    return _update(target, changelog, "update", _everything, contexts, labels, options)


def update_count(
    target: Target,
    changelog: DatabaseChangeLog,
    count: int,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Run the first ``count`` pending changesets."""
    return _update(target, changelog, "update-count", _first(count), contexts, labels, options)


def update_to_tag(
    target: Target,
    changelog: DatabaseChangeLog,
    tag: str,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Run pending changesets up to and including the one tagging ``tag`` (all, with a warning, if none does)."""
    return _update(target, changelog, "update-to-tag", _up_to(tag), contexts, labels, options)


def update_sql(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    count: int | None = None,
    to_tag: str | None = None,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> SqlPreview:
    """The SQL ``update`` (or update-count / update-to-tag) would send, tracking tables included.

    Nothing is executed and no row changes; DATABASECHANGELOG is only read. As in Liquibase,
    changeset preconditions are not evaluated unless their onSqlOutput is TEST, and an
    executeCommand shows as a comment (refused unless ``options.run_commands``).
    """
    if count is not None and to_tag is not None:
        raise ValidationFailed("Give at most one of count and to_tag")
    selector: UpdateSelector = _everything if count is None and to_tag is None else (
        _first(count) if count is not None else _up_to(str(to_tag))
    )
    with target.recording() as recording:
        run = _update(target, changelog, "update-sql", selector, contexts, labels, options, preview=True)
    return SqlPreview(run, recording.statements, recording.script())


def changelog_sync(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Mark every changeset that has no row as EXECUTED, running nothing."""
    with _locked_run(target, changelog, "changelog-sync", contexts, labels, options) as (session, result):
        planned = planning.plan(session, planning.in_scope(session, changelog, contexts, labels))
        mark_ran(session, [item.changeset for item in planned if item.ran is None], result)
        return result


def _update(
    target: Target,
    changelog: DatabaseChangeLog,
    command: str,
    select: UpdateSelector,
    contexts: Contexts,
    labels: str | None,
    options: RunOptions | None,
    *,
    preview: bool = False,
) -> RunResult:
    with _locked_run(target, changelog, command, contexts, labels, options, preview=preview) as (session, result):
        planned = planning.plan(session, planning.in_scope(session, changelog, contexts, labels))
        visited = select(planned, session, result)
        result.checksums_upgraded = _upgrade_checksums(session, visited)
        run_forward(session, planning.pending(visited), result, preview=preview)
        return result


def _everything(planned: list[Planned], session: Session, result: RunResult) -> list[Planned]:
    return planned


def _first(count: int) -> UpdateSelector:
    def select(planned: list[Planned], session: Session, result: RunResult) -> list[Planned]:
        return planning.first_pending(planned, count)

    return select


def _up_to(tag: str) -> UpdateSelector:
    def select(planned: list[Planned], session: Session, result: RunResult) -> list[Planned]:
        visited, found = planning.up_to_tag(planned, tag, session.history.ran_changesets())
        if not found:
            result.warnings.append(
                f"The tag {tag} was not found in the changelog or the database; all pending changesets will be deployed"
            )
        return visited

    return select


def _upgrade_checksums(session: Session, visited: list[Planned]) -> int:
    """Rewrite NULL (after clear-checksums) and pre-v9 MD5SUMs of ran changesets, in one transaction."""
    stale = [
        item for item in visited
        if item.status == "ALREADY_RAN" and item.ran is not None
        and (item.ran.md5sum is None or not item.ran.md5sum.startswith("9:"))
        and not item.changeset.unsupported_changes()  # its checksum cannot be computed; the row is left as it is
    ]
    if not stale:
        return 0
    with session.target.transaction():
        for item in stale:
            assert item.ran is not None
            session.history.upgrade_checksum(item.ran, session.checksum(item.changeset))
    return len(stale)


# -- rollback family --------------------------------------------------------------------------


def rollback(
    target: Target,
    changelog: DatabaseChangeLog,
    tag: str,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Roll back everything run after the oldest row tagged ``tag`` (Liquibase's OLDEST mode)."""
    return _rollback(target, changelog, "rollback", _after_tag(tag), contexts, labels, options)


def rollback_count(
    target: Target,
    changelog: DatabaseChangeLog,
    count: int,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Roll back the ``count`` most recently run changesets."""
    return _rollback(target, changelog, "rollback-count", _newest(count), contexts, labels, options)


def rollback_to_date(
    target: Target,
    changelog: DatabaseChangeLog,
    date: datetime | str,
    *,
    contexts: Contexts = None,
    labels: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Roll back changesets whose DATEEXECUTED is after ``date`` (read in the database's clock)."""
    return _rollback(target, changelog, "rollback-to-date", _after_date(parse_date(date)), contexts, labels, options)


def rollback_sql(
    target: Target,
    changelog: DatabaseChangeLog,
    *,
    tag: str | None = None,
    count: int | None = None,
    date: datetime | str | None = None,
    contexts: Contexts = None,
    labels: str | None = None,
) -> SqlPreview:
    """The SQL a rollback (to ``tag``, by ``count`` or to ``date``: give exactly one) would send."""
    if sum(value is not None for value in (tag, count, date)) != 1:
        raise ValidationFailed("Give exactly one of tag, count and date")
    if tag is not None:
        selector = _after_tag(tag)
    elif count is not None:
        selector = _newest(count)
    else:
        assert date is not None
        selector = _after_date(parse_date(date))
    with target.recording() as recording:
        run = _rollback(target, changelog, "rollback-sql", selector, contexts, labels, None)
    return SqlPreview(run, recording.statements, recording.script())


def _rollback(
    target: Target,
    changelog: DatabaseChangeLog,
    command: str,
    select: RollbackSelector,
    contexts: Contexts,
    labels: str | None,
    options: RunOptions | None,
) -> RunResult:
    preview = target.is_recording
    with _locked_run(target, changelog, command, contexts, labels, options, preview=preview) as (session, result):
        chosen = select(planning.ran_newest_first(session, changelog, contexts, labels), session)
        _check_rollbackable(chosen)
        result.warnings.extend(
            f"{row.fqn} is in DATABASECHANGELOG but not in the changelog; it is not rolled back"
            for row in planning.orphans(session, changelog)
        )
        run_backward(session, chosen, result)
        return result


def _after_tag(tag: str) -> RollbackSelector:
    return lambda entries, session: planning.select_after_tag(entries, session.history.ran_changesets(), tag)


def _newest(count: int) -> RollbackSelector:
    return lambda entries, session: planning.select_newest(entries, count)


def _after_date(date: datetime) -> RollbackSelector:
    return lambda entries, session: planning.select_after_date(entries, date)


def _check_rollbackable(entries: list[RanEntry]) -> None:
    """Fail before touching anything when some chosen changeset cannot be rolled back."""
    problems = []
    for entry in entries:
        try:
            entry.changeset.rollback_changes()
        except RollbackImpossible as error:
            problems.append(error.message if entry.changeset.fqn in error.message else f"{entry.changeset.fqn}: {error.message}")
    if problems:
        raise RollbackImpossible("; ".join(problems), details={"changesets": problems})


def parse_date(value: datetime | str) -> datetime:
    """``2024-05-01``, ``2024-05-01T10:00:00`` or ``2024-05-01 10:00:00``, as a naive database-clock time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        raise ValidationFailed(f"Cannot read date '{value}'; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS") from None


# -- the rest ---------------------------------------------------------------------------------


def tag(target: Target, tag: str, *, options: RunOptions | None = None) -> TagResult:
    """Tag the most recent DATABASECHANGELOG row (inserting a placeholder row on an empty table)."""
    with locked_session(target, options or RunOptions()) as session:
        session.history.tag(tag)
        latest = session.history.ran_changesets()[-1]
        return TagResult(tag=tag, tagged=latest.fqn)


def status(
    target: Target, changelog: DatabaseChangeLog, *, contexts: Contexts = None, labels: str | None = None
) -> StatusResult:
    """The changesets ``update`` would run; reads only (creates no tracking table, takes no lock)."""
    session = read_only_session(target, contexts=contexts, labels=labels)
    planned = planning.plan(session, planning.in_scope(session, changelog, contexts, labels))
    pending = [
        PendingChangeSet(
            item.changeset.fqn, item.changeset.id, item.changeset.author, item.changeset.file_path, _reason(item)
        )
        for item in planning.pending(planned)
    ]
    return StatusResult(pending=pending, ran=sum(1 for item in planned if item.ran is not None))


def _reason(item: Planned) -> Literal["not ran", "run always", "checksum changed"]:
    if item.status == "NOT_RAN":
        return "not ran"
    return "run always" if item.changeset.run_always else "checksum changed"


def validate(
    target: Target, changelog: DatabaseChangeLog, *, contexts: Contexts = None, labels: str | None = None,
    options: RunOptions | None = None,
) -> ValidationResult:
    """Validate the changelog against DATABASECHANGELOG without changing anything (``options.run_commands``:
    whether an executeCommand that would run is acceptable)."""
    return validate_changelog(read_only_session(target, options, contexts=contexts, labels=labels), changelog,
                              contexts, labels)


def history(target: Target) -> HistoryResult:
    """DATABASECHANGELOG rows in execution order (empty when the table does not exist)."""
    return HistoryResult(rows=read_only_session(target).history.ran_changesets())


def clear_checksums(target: Target, *, options: RunOptions | None = None) -> ClearChecksumsResult:
    """Set every MD5SUM to NULL; the next update recomputes them."""
    with locked_session(target, options or RunOptions()) as session:
        return ClearChecksumsResult(rows=session.history.clear_checksums())


def release_locks(target: Target) -> ReleaseLocksResult:
    """Clear DATABASECHANGELOGLOCK whoever holds it (for a run that died holding it)."""
    before = read_only_session(target).lock.force_release()
    return ReleaseLocksResult(was_locked=before.locked, locked_by=before.locked_by, lock_granted=before.granted)


# -- shared -----------------------------------------------------------------------------------


@contextmanager
def _locked_run(target: Target, changelog: DatabaseChangeLog, command: str, contexts: Contexts, labels: str | None,
                options: RunOptions | None, *, preview: bool = False) -> Iterator[tuple[Session, RunResult]]:
    """The frame of a changing command: hold the lock, validate the changelog, start the result."""
    with locked_session(target, options or RunOptions(), contexts, labels) as session:
        validation = _validate_or_raise(session, changelog, contexts, labels, preview=preview)
        yield session, _new_result(session, command, validation)


def _validate_or_raise(
    session: Session, changelog: DatabaseChangeLog, contexts: Contexts, labels: str | None, *, preview: bool = False
) -> ValidationResult:
    outcome = validate_changelog(session, changelog, contexts, labels, sql_output=preview)
    if not outcome.valid:
        raise ChangelogValidationFailed(outcome.errors, outcome.warnings)
    return outcome


def _new_result(session: Session, command: str, validation: ValidationResult) -> RunResult:
    result = RunResult(command=command, deployment_id=session.history.deployment_id, warnings=list(validation.warnings))
    if session.lock.broke_stale_lock is not None:
        result.stale_lock_broken = session.lock.broke_stale_lock.locked_by or "UNKNOWN"
    return result
