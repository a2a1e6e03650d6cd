"""``schemashift db lint | test-rollback | dry-run``: the safety gate on the command line.

    schemashift db lint --changelog-file changelog.yaml --search-path db --dialect postgresql
    schemashift db test-rollback --changelog-file changelog.yaml --url sqlite:///app.db
    schemashift db dry-run --changelog-file changelog.yaml --url jdbc:postgresql://db:5432/app --username app \\
        --password-env DB_PASSWORD

``lint`` needs no database (``--dialect``); given ``--url`` it lints only the changesets pending there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from schemashift.errors import SchemashiftError

COMMANDS = {
    "lint": "report risky changesets (destructive, incompatible, lock-heavy, data-dependent, incorrect)",
    "test-rollback": "update, roll back and update each pending changeset on a scratch copy, comparing schemas",
    "dry-run": "run the pending changesets in a PostgreSQL transaction that is always rolled back",
}


def register(commands: argparse._SubParsersAction) -> None:
    for name, help_text in COMMANDS.items():
        parser = commands.add_parser(name, help=help_text, description=help_text)
        _add_options(parser, name)
        parser.set_defaults(func=run)


def _add_options(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "lint":
        parser.add_argument("--dialect", choices=("postgresql", "mysql", "mariadb", "sqlite"),
                            help="lint for this database without connecting (or give --url)")
        parser.add_argument("--url", help="lint the changesets pending on this database instead")
        parser.add_argument("--config", metavar="FILE",
                            help="lint configuration (YAML/JSON: disabled, severity, ignore)")
        parser.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                            help="exit non-zero when a finding is at least this severe (default error)")
    else:
        parser.add_argument("--url", required=True, help="database URL (SQLAlchemy or JDBC form, no password)")
    parser.add_argument("--username", help="database user")
    parser.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    parser.add_argument("--changelog-file", required=True, help="root changelog, as recorded in FILENAME")
    parser.add_argument("--search-path", action="append", default=None,
                        help="directory to find changelog files in (repeatable or comma-separated; default: .)")
    parser.add_argument("--contexts", help="context expression")
    parser.add_argument("--labels", help="label expression")
    parser.add_argument("-D", dest="parameters", action="append", default=[], metavar="NAME=VALUE",
                        help="changelog parameter (repeatable)")
    if command == "dry-run":
        parser.add_argument("--lock-timeout", type=float, default=10.0, metavar="SECONDS",
                            help="give up on a lock held by someone else after SECONDS (default 10)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return {"lint": _lint, "test-rollback": _test_rollback, "dry-run": _dry_run}[args.db_command](args, out)
    except SchemashiftError as error:
        if args.json:
            print(json.dumps({"error": error.message, "code": error.code}), file=out)
        print(f"error: {error.message}", file=err)
        return 1


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    from schemashift.cli.db import _load_changelog, _password
    from schemashift.safety.lint import lint_changelog

    config = _config(args.config)
    if bool(args.dialect) == bool(args.url):
        raise SchemashiftError("give exactly one of --dialect and --url", code="USAGE")
    if args.url:
        from schemashift.engine import status
        from schemashift.targets import open_target

        with open_target(args.url, username=args.username, password=_password(args.password_env)) as target:
            changelog = _load_changelog(args, target)
            pending = {item.fqn for item in status(target, changelog, contexts=args.contexts,
                                                   labels=args.labels).pending}
            dialect = target.dialect
    else:
        dialect = args.dialect
        changelog = _load_changelog(args, dialect)
        pending = None
    report = lint_changelog(changelog, dialect, config, contexts=args.contexts, labels=args.labels, only=pending)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
    else:
        for finding in report.findings:
            where = f" (line {finding.line})" if finding.line else ""
            print(f"{finding.severity.upper():<7} {finding.rule}  {finding.changeSetFQN}{where}", file=out)
            print(f"        {finding.message}", file=out)
            if finding.statement:
                print(f"        statement: {_one_line(finding.statement)}", file=out)
            print(f"        fix: {finding.fix}", file=out)
        counts = report.counts()
        print(f"{report.changesets} changeset(s), {report.statements} statement(s) linted for {dialect}: "
              f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
              + (f", {report.suppressed} suppressed" if report.suppressed else ""), file=out)
    return 1 if args.fail_on != "never" and report.fails(args.fail_on) else 0


def _test_rollback(args: argparse.Namespace, out: TextIO) -> int:
    from schemashift.cli.db import _load_changelog, _password
    from schemashift.safety.rollback_proof import prove_rollbacks
    from schemashift.safety.scratch import scratch_target

    with scratch_target(args.url, username=args.username, password=_password(args.password_env)) as scratch:
        changelog = _load_changelog(args, scratch.target)
        report = prove_rollbacks(scratch.target, changelog, contexts=args.contexts, labels=args.labels,
                                 description=scratch.description)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
        return 0 if report.ok else 1
    print(f"Testing rollbacks on {report.target}", file=out)
    for step in report.steps:
        print(f"{step.status:<15} {step.changeSetFQN}  ({step.durationMs:.0f} ms)", file=out)
        for difference in step.differences:
            print(f"                  {difference}", file=out)
        if step.error:
            print(f"                  {step.error}", file=out)
    failure = report.first_failure
    if failure is None:
        print(f"All {len(report.steps)} pending changeset(s) checked: every rollback restores the schema"
              + (" (changesets without a rollback are listed as NO_ROLLBACK)" if any(
                  s.status == "NO_ROLLBACK" for s in report.steps) else ""), file=out)
        return 0
    if failure.status == "NOT_RESTORED":
        print(f"First changeset whose rollback does not restore the schema: {failure.changeSetFQN}", file=out)
    else:
        print(f"Stopped at {failure.changeSetFQN}: {failure.status.replace('_', ' ').lower()}", file=out)
    if report.unproven:
        print(f"Not checked after it: {len(report.unproven)} changeset(s)", file=out)
    return 1


def _dry_run(args: argparse.Namespace, out: TextIO) -> int:
    from schemashift.cli.db import _load_changelog, _password
    from schemashift.safety.dry_run import transactional_dry_run
    from schemashift.targets import open_target

    with open_target(args.url, username=args.username, password=_password(args.password_env)) as target:
        changelog = _load_changelog(args, target)
        report = transactional_dry_run(target, changelog, contexts=args.contexts, labels=args.labels,
                                       lock_timeout_ms=int(args.lock_timeout * 1000))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
        return 0 if report.ok else 1
    for item in report.changesets:
        print(f"{item.status:<9} {item.changeSetFQN}  ({item.durationMs:.1f} ms)"
              + (f"  error: {item.error}" if item.error else ""), file=out)
    if report.error:
        print(f"error in {report.error['changeSetFQN']}: {report.error['message']}", file=out)
        if report.error.get("statement"):
            print(f"  statement: {_one_line(report.error['statement'])}", file=out)
    if report.notRun:
        print(f"not run: {len(report.notRun)} changeset(s)", file=out)
    print(f"dry run: {len(report.changesets)} changeset(s) in {report.totalMs:.0f} ms, all rolled back", file=out)
    return 0 if report.ok else 1


def _config(path: str | None) -> Any:
    from pydantic import ValidationError

    from schemashift.safety.config import LintConfig

    if not path:
        return None
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise SchemashiftError(f"cannot read --config {path}: {error.strerror}", code="USAGE") from None
    import yaml

    try:
        return LintConfig.model_validate(yaml.safe_load(text) or {})
    except (ValidationError, yaml.YAMLError) as error:
        raise SchemashiftError(f"--config {path} is not a valid lint configuration: {error}", code="USAGE") from None


def _one_line(sql: str, limit: int = 160) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
