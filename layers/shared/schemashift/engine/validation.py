"""Validation before anything runs (Liquibase's ValidatingVisitor).

Checked for every changeset in scope: id and author present, the changes valid for the
dialect (only for changesets that will run; an executeCommand that would run is refused unless the
caller allows commands), the stored checksum still valid (unless
runOnChange/runAlways, honouring validCheckSum), no duplicate ``file::id::author``; plus the
changelog-level preconditions.
"""

from __future__ import annotations

from schemashift.changelog.model import Change, ChangeSet, DatabaseChangeLog, HostCommand
from schemashift.engine.planning import Contexts, in_scope
from schemashift.engine.results import ValidationResult
from schemashift.engine.session import Session


def validate_changelog(
    session: Session,
    changelog: DatabaseChangeLog,
    contexts: Contexts,
    labels: str | None,
    *,
    sql_output: bool = False,
) -> ValidationResult:
    """Errors and warnings; ``sql_output`` (update-sql) evaluates changelog preconditions per ``onSqlOutput``."""
    errors: list[str] = []
    warnings: list[str] = []
    dialect = session.target.dialect
    seen: set[str] = set()
    warnings.extend(changelog.warnings)
    for changeset in in_scope(session, changelog, contexts, labels):
        warnings.extend(f"{changeset.fqn}: {warning}" for warning in changeset.warnings)
        if not _identity_ok(changeset, errors):
            continue
        if changeset.run_with is not None and changeset.run_with.lower() != "jdbc":
            errors.append(f"Unable to locate Executor '{changeset.run_with}' for changeset '{changeset.fqn}' "
                          "(changesets run with Liquibase's default executor, jdbc, only)")
        ran = session.history.find(changeset)
        will_run = ran is None or changeset.run_on_change or changeset.run_always
        if will_run:
            problems = changeset.validation_problems(dialect)
            if changeset.marked_ran_on_validation_failure(dialect):
                warnings.extend(f"{changeset.fqn}: marked ran (onValidationFail MARK_RAN): {problem}"
                                for problem in problems)
            else:
                errors.extend(f"{changeset.fqn}: {problem}" for problem in problems)
            for change in changeset.changes:  # never marked ran: the command would silently not run
                if change.applies_to(dialect):
                    errors.extend(f"{changeset.fqn}: {problem}" for problem in _command_refusal(session, change))
        if ran is not None and not will_run and changeset.unsupported_changes():
            warnings.append(f"{changeset.fqn}: checksum not verified: {'; '.join(changeset.unsupported_changes())}")
        elif ran is not None and not will_run:
            stored = ran.md5sum
            if stored and stored != session.checksum(changeset) and not changeset.is_checksum_valid(
                    stored, dialect, contexts=contexts, labels=labels):
                errors.append(f"{changeset.fqn} was: {stored} but is now: {_current(session, changeset, stored)}")
        exact = f"{changeset.file_path}::{changeset.id}::{changeset.author}"
        if exact in seen:
            errors.append(f"Duplicate changeset: {exact}")
        seen.add(exact)
    if changelog.preconditions is not None:
        outcome = changelog.preconditions.evaluate(session.probe(), sql_output=sql_output)
        if outcome.status != "passed":
            message = f"Changelog precondition {outcome.status}: {outcome.message}"
            (warnings if outcome.action == "WARN" else errors).append(message)
    return ValidationResult(errors, warnings)


def command_refused(command: HostCommand) -> str:
    """Why a caller that does not allow commands (the service) refuses a changeset running ``command``."""
    return (f"executeCommand ({command.argv[0]}) is refused: the service does not run operating-system commands; "
            "run it outside the service (`schemashift db update` on your machine runs it, as Liquibase does), "
            "or run the command yourself and mark the changeset ran (changelog-sync), or remove it")


def _command_refusal(session: Session, change: Change) -> list[str]:
    command = change.host_command()
    if command is None or not command.runs_here or session.options.run_commands:
        return []
    return [command_refused(command)]


def _identity_ok(changeset: ChangeSet, errors: list[str]) -> bool:
    where = f"{changeset.file_path}" + (f":{changeset.line}" if changeset.line else "")
    if not changeset.id and not changeset.author:
        errors.append(f"ChangeSet Id and Author are empty ({where})")
    elif not changeset.id:
        errors.append(f"ChangeSet Id is empty ({where})")
    else:
        return True
    return False


def _current(session: Session, changeset: ChangeSet, stored: str) -> str:
    """The current checksum in the stored row's algorithm version (what Liquibase reports)."""
    version = stored.partition(":")[0]
    if version.isdigit() and version != "9":
        return session.checksum(changeset, int(version))
    return session.checksum(changeset)
