"""``schemashift db <command>``: Liquibase-compatible commands against one database.

    schemashift db update --changelog-file changelog.yaml --search-path db \\
        --url jdbc:postgresql://localhost:5432/app --username app --password-env APP_DB_PASSWORD

``--changelog-file`` is recorded in DATABASECHANGELOG.FILENAME exactly as given (as Liquibase
does), so pass the same string Liquibase was given for this database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, TextIO

from schemashift.errors import SchemashiftError

_CHANGELOG_COMMANDS = {
    "update", "update-count", "update-to-tag", "rollback", "rollback-count", "rollback-to-date", "status",
    "validate", "changelog-sync", "update-sql", "rollback-sql",
}  # fmt: skip
_COMMANDS: dict[str, str] = {
    "update": "apply every pending changeset",
    "update-count": "apply the next --count pending changesets",
    "update-to-tag": "apply pending changesets up to the one tagging --tag",
    "rollback": "roll back everything applied after --tag",
    "rollback-count": "roll back the last --count changesets",
    "rollback-to-date": "roll back changesets applied after --date",
    "tag": "tag the current database state with --tag",
    "status": "list the changesets update would apply",
    "validate": "check the changelog against the database (checksums, duplicates, preconditions)",
    "history": "list DATABASECHANGELOG",
    "changelog-sync": "mark pending changesets as applied without running them",
    "update-sql": "print the SQL update would run (nothing is executed)",
    "rollback-sql": "print the SQL a rollback (--tag, --count or --date) would run",
    "clear-checksums": "set every stored checksum to NULL (recomputed on the next update)",
    "release-locks": "release DATABASECHANGELOGLOCK left behind by a dead run",
}
_REQUIRES = {
    "update-count": "count", "update-to-tag": "tag", "rollback": "tag", "rollback-count": "count",
    "rollback-to-date": "date", "tag": "tag",
}  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="Liquibase-compatible changelog commands against a database")
    commands = db.add_subparsers(dest="db_command", required=True, metavar="<command>")
    for name, help_text in _COMMANDS.items():
        parser = commands.add_parser(name, help=help_text, description=help_text)
        _add_options(parser, name)
        parser.set_defaults(func=run)
    from schemashift.cli import safety

    safety.register(commands)


def _add_options(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--url", required=True, help="database URL (SQLAlchemy or JDBC form, no password)")
    parser.add_argument("--username", help="database user")
    parser.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    if command in _CHANGELOG_COMMANDS:
        parser.add_argument("--changelog-file", required=True, help="root changelog, as recorded in FILENAME")
        parser.add_argument(
            "--search-path", action="append", default=None,
            help="directory to find changelog files in (repeatable or comma-separated; default: .)",
        )
        parser.add_argument("--contexts", help="context expression to run with")
        parser.add_argument("--labels", help="label expression to run with")
        parser.add_argument("-D", dest="parameters", action="append", default=[], metavar="NAME=VALUE",
                            help="changelog parameter (repeatable)")
    if command in ("update-to-tag", "rollback", "tag", "update-sql", "rollback-sql"):
        parser.add_argument("--tag", required=command in _REQUIRES and _REQUIRES[command] == "tag")
    if command in ("update-count", "rollback-count", "update-sql", "rollback-sql"):
        parser.add_argument("--count", type=int, required=command in ("update-count", "rollback-count"))
    if command in ("rollback-to-date", "rollback-sql"):
        parser.add_argument("--date", required=command == "rollback-to-date",
                            help="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, in the database's clock")
    if command not in ("status", "validate", "history", "update-sql", "rollback-sql", "release-locks"):
        parser.add_argument("--break-stale-lock-after", type=float, metavar="SECONDS",
                            help="take over a lock granted more than SECONDS ago (its holder is presumed dead)")
        parser.add_argument("--lock-wait-timeout", type=float, default=300.0, metavar="SECONDS",
                            help="how long to wait for the lock (default 300)")
        parser.add_argument("--lock-poll-interval", type=float, default=10.0, metavar="SECONDS",
                            help="how often to retry the lock (default 10)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one ``db`` command; returns the exit code. Expected failures print a message, not a traceback."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _dispatch(args, out)
    except SchemashiftError as error:
        result = getattr(error, "result", None)
        if result is not None and not args.json:
            _print_run(result, out)
        if args.json:
            print(json.dumps({"error": error.message, "code": error.code, "details": _jsonable(error.details)}), file=out)
        print(f"error: {error.message}", file=err)
        return 1


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    from schemashift import engine
    from schemashift.targets import LockOptions, open_target

    command: str = args.db_command
    password = _password(args.password_env)
    options = _run_options(args, engine, LockOptions)
    with open_target(args.url, username=args.username, password=password) as target:
        changelog = _load_changelog(args, target) if command in _CHANGELOG_COMMANDS else None
        scope = {"contexts": args.contexts, "labels": args.labels} if changelog is not None else {}
        actions: dict[str, Callable[[], Any]] = {
            "update": lambda: engine.update(target, changelog, **scope, options=options),
            "update-count": lambda: engine.update_count(target, changelog, args.count, **scope, options=options),
            "update-to-tag": lambda: engine.update_to_tag(target, changelog, args.tag, **scope, options=options),
            "rollback": lambda: engine.rollback(target, changelog, args.tag, **scope, options=options),
            "rollback-count": lambda: engine.rollback_count(target, changelog, args.count, **scope, options=options),
            "rollback-to-date": lambda: engine.rollback_to_date(target, changelog, args.date, **scope, options=options),
            "changelog-sync": lambda: engine.changelog_sync(target, changelog, **scope, options=options),
            "update-sql": lambda: engine.update_sql(target, changelog, count=args.count, to_tag=args.tag, **scope,
                                                    options=options),
            "rollback-sql": lambda: engine.rollback_sql(
                target, changelog, tag=args.tag, count=args.count, date=args.date, **scope
            ),
            "status": lambda: engine.status(target, changelog, **scope),
            "validate": lambda: engine.validate(target, changelog, **scope, options=options),
            "history": lambda: engine.history(target),
            "tag": lambda: engine.tag(target, args.tag, options=options),
            "clear-checksums": lambda: engine.clear_checksums(target, options=options),
            "release-locks": lambda: engine.release_locks(target),
        }
        result = actions[command]()
        if args.json:
            print(json.dumps(_jsonable(result), indent=2), file=out)
        else:
            _print_human(command, result, target.url.display, out)
        return 1 if command == "validate" and not result.valid else 0


def _password(variable: str | None) -> str | None:
    if not variable:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise SchemashiftError(f"The environment variable {variable} (from --password-env) is not set", code="USAGE")
    return value


def _run_options(args: argparse.Namespace, engine: Any, lock_options: Any) -> Any:
    """The run's options; executeCommand runs here, on the user's machine, as under Liquibase."""
    if not hasattr(args, "lock_wait_timeout"):
        return engine.RunOptions(run_commands=True)
    return engine.RunOptions(
        lock=lock_options(
            wait_timeout=args.lock_wait_timeout,
            poll_interval=args.lock_poll_interval,
            break_stale_lock_after=args.break_stale_lock_after,
        ),
        run_commands=True,
    )


def _load_changelog(args: argparse.Namespace, target: Any) -> Any:
    """The changelog read for the open ``target`` (its ``database.*`` properties are Liquibase's for
    it), or for a dialect name when no database is open (``lint --dialect``)."""
    from schemashift.changelog import FileSystemAccessor, parse_changelog

    search_paths = [path for value in (args.search_path or ["."]) for path in value.split(",") if path]
    parameters = {}
    for item in args.parameters:
        name, sep, value = item.partition("=")
        if not sep:
            raise SchemashiftError(f"-D expects NAME=VALUE, got '{item}'", code="USAGE")
        parameters[name] = value
    return parse_changelog(
        args.changelog_file, FileSystemAccessor(search_paths), parameters=parameters,
        contexts=args.contexts, labels=args.labels,
        **({"dialect": target} if isinstance(target, str) else {"database": target}),
    )


# -- output -----------------------------------------------------------------------------------


def _print_human(command: str, result: Any, where: str, out: TextIO) -> None:
    from schemashift.engine import (
        ClearChecksumsResult,
        HistoryResult,
        ReleaseLocksResult,
        RunResult,
        SqlPreview,
        StatusResult,
        TagResult,
        ValidationResult,
    )

    if isinstance(result, SqlPreview):
        out.write(result.script)
    elif isinstance(result, RunResult):
        _print_run(result, out)
    elif isinstance(result, StatusResult):
        if result.up_to_date:
            print(f"{where} is up to date", file=out)
        else:
            noun = "changeset has" if len(result.pending) == 1 else "changesets have"
            print(f"{len(result.pending)} {noun} not been applied to {where}", file=out)
            for item in result.pending:
                print(f"     {item.fqn}  ({item.reason})", file=out)
    elif isinstance(result, ValidationResult):
        for warning in result.warnings:
            print(f"warning: {warning}", file=out)
        if result.valid:
            print("No validation errors found.", file=out)
        else:
            print(f"Validation failed with {len(result.errors)} error(s):", file=out)
            for error in result.errors:
                print(f"  - {error}", file=out)
    elif isinstance(result, HistoryResult):
        _print_history(result, where, out)
    elif isinstance(result, TagResult):
        print(f"Successfully tagged '{result.tag}' on {result.tagged}", file=out)
    elif isinstance(result, ClearChecksumsResult):
        print(f"Cleared the checksums of {result.rows} row(s)", file=out)
    elif isinstance(result, ReleaseLocksResult):
        if result.was_locked:
            print(f"Released the lock held by {result.locked_by} since {result.lock_granted}", file=out)
        else:
            print("The database was not locked", file=out)


def _print_run(result: Any, out: TextIO) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=out)
    if result.stale_lock_broken:
        print(f"warning: took over a stale lock held by {result.stale_lock_broken}", file=out)
    for item in result.changesets:
        line = f"{item.status:<12} {item.fqn}  ({item.duration_ms:.0f} ms)"
        print(line + (f"  error: {item.error}" if item.error else ""), file=out)
        for warning in item.warnings:
            print(f"             warning: {warning}", file=out)
    summary = f"{result.command}: {len(result.changesets)} changeset(s) processed"
    if result.remaining:
        summary += f", {result.remaining} remaining"
    if result.checksums_upgraded:
        summary += f", {result.checksums_upgraded} checksum(s) upgraded"
    print(summary, file=out)


def _print_history(result: Any, where: str, out: TextIO) -> None:
    print(f"History of {where}: {len(result.rows)} row(s)", file=out)
    for row in result.rows:
        when = row.date_executed.isoformat(sep=" ") if row.date_executed else "?"
        tag = f"  tag={row.tag}" if row.tag else ""
        print(f"  {when}  {row.exec_type:<9} {row.fqn}{tag}", file=out)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        data = asdict(value)
        for name in ("done", "valid", "up_to_date"):
            if hasattr(value, name):
                data[name] = getattr(value, name)
        return _jsonable(data)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
