"""``schemashift flyway <command>``: Flyway's commands against one database, no JVM needed.

    schemashift flyway migrate --project db --url jdbc:postgresql://localhost:5432/app \\
        --username app --password-env APP_DB_PASSWORD

``--project`` is the folder holding ``flyway.toml`` / ``flyway.conf`` and the migration folders
its ``locations`` name (default: every ``.sql`` file under the folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from schemashift.cli.db import _password
from schemashift.errors import SchemashiftError

_COMMANDS = {
    "migrate": "apply pending migrations (up to --target)",
    "info": "list every migration with its state",
    "validate": "check applied migrations against the scripts (checksums, missing, pending, future)",
    "undo": "undo the latest versioned migration, or every one down to --target",
    "baseline": "start the history of an existing database at --baseline-version",
    "repair": "remove failed rows, mark missing migrations deleted, realign checksums",
}
_MAX_FILES = 5000


def register(subparsers: argparse._SubParsersAction) -> None:
    flyway = subparsers.add_parser("flyway", help="Flyway-compatible commands against a database")
    commands = flyway.add_subparsers(dest="flyway_command", required=True, metavar="<command>")
    for name, help_text in _COMMANDS.items():
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--url", required=True, help="database URL (SQLAlchemy or JDBC form, no password)")
        parser.add_argument("--username", help="database user")
        parser.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
        parser.add_argument("--project", default=".", help="folder with flyway.toml/flyway.conf and the scripts")
        parser.add_argument("--locations", help="comma-separated folders under --project (overrides the config)")
        parser.add_argument("--target", help="version, latest, current, next, or <version>? (migrate, undo)")
        parser.add_argument("--out-of-order", action="store_true", default=None, help="apply missed versions")
        parser.add_argument("--table", help="history table (default flyway_schema_history)")
        parser.add_argument("--baseline-version", help="version baseline records (default 1)")
        parser.add_argument("--baseline-on-migrate", action="store_true", default=None)
        parser.add_argument("--placeholder", action="append", default=[], metavar="NAME=VALUE",
                            help="placeholder value (repeatable)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.set_defaults(func=run)


def load_project(folder: str) -> dict[str, str]:
    """Every text file a Flyway project uses (.sql, .conf, .toml), keyed by path relative to ``folder``."""
    root = Path(folder)
    if not root.is_dir():
        raise SchemashiftError(f"--project {folder} is not a folder", code="USAGE")
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".sql", ".conf", ".toml"):
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8", errors="replace")
            if len(files) > _MAX_FILES:
                raise SchemashiftError(f"--project {folder} holds more than {_MAX_FILES} files", code="USAGE")
    return files


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _dispatch(args, out)
    except SchemashiftError as error:
        if args.json:
            print(json.dumps({"error": error.message, "code": error.code}), file=out)
        print(f"ERROR: {error.message}", file=err)
        return 1


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    from schemashift.flyway import Flyway, load_config
    from schemashift.targets import open_target

    files = load_project(args.project)
    placeholders = {}
    for item in args.placeholder:
        name, sep, value = item.partition("=")
        if not sep:
            raise SchemashiftError(f"--placeholder expects NAME=VALUE, got '{item}'", code="USAGE")
        placeholders[name] = value
    overrides: dict[str, Any] = {"locations": args.locations, "outOfOrder": args.out_of_order, "table": args.table,
                                 "baselineVersion": args.baseline_version,
                                 "baselineOnMigrate": args.baseline_on_migrate}
    if placeholders:
        overrides["placeholders"] = placeholders
    config = load_config(files).with_overrides(**overrides)
    command: str = args.flyway_command
    with open_target(args.url, username=args.username, password=_password(args.password_env)) as target:
        flyway = Flyway(target, files, config)
        if command == "migrate":
            result: Any = flyway.migrate(args.target)
        elif command == "undo":
            result = flyway.undo(args.target)
        else:
            result = {"info": flyway.info, "validate": flyway.validate, "baseline": flyway.baseline,
                      "repair": flyway.repair}[command]()
        if args.json:
            print(json.dumps(result.as_dict(), indent=2, default=str), file=out)
        else:
            _print_human(command, result, target.url.display, out)
    return 1 if command == "validate" and not result.valid else 0


def _print_human(command: str, result: Any, where: str, out: TextIO) -> None:
    data = result.as_dict()
    if command == "info":
        print(f"Schema version: {data['schemaVersion'] or '<< Empty Schema >>'}", file=out)
        _table([("Category", "category"), ("Version", "version"), ("Description", "description"), ("Type", "type"),
                ("Installed On", "installedOn"), ("State", "state")], data["migrations"], out)
    elif command in ("migrate", "undo"):
        for warning in data["warnings"]:
            print(f"WARNING: {warning}", file=out)
        verb = "Migrating" if command == "migrate" else "Undoing migration of"
        for item in data["migrations"]:
            name = f"to version \"{item['version']} - {item['description']}\"" if item["version"] else \
                f"with repeatable migration \"{item['description']}\""
            print(f"{verb} schema {data['schemaName']} {name} ({item['executionTime']} ms)", file=out)
        count = data["migrationsExecuted"]
        if count == 0:
            print(f"Schema {data['schemaName']} is up to date. No migration necessary.", file=out)
        else:
            done = "applied" if command == "migrate" else "undid"
            print(f"Successfully {done} {count} migration(s) to schema {data['schemaName']}, now at version "
                  f"v{data['targetSchemaVersion']}", file=out)
    elif command == "validate":
        if data["validationSuccessful"]:
            print(f"Successfully validated {data['validateCount']} migrations", file=out)
        else:
            print("Validate failed: Migrations have failed validation", file=out)
            for item in data["invalidMigrations"]:
                print(item["errorDetails"]["errorMessage"], file=out)
    elif command == "baseline":
        print(f"Successfully baselined schema with version: {data['baselineVersion']}", file=out)
    else:
        print(f"Successfully repaired schema history table on {where}: {', '.join(data['repairActions']) or 'nothing to do'}",
              file=out)


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]], out: TextIO) -> None:
    cells = [[str(row.get(key) if row.get(key) is not None else "") for _, key in columns] for row in rows]
    widths = [max([len(title)] + [len(cell[i]) for cell in cells]) for i, (title, _) in enumerate(columns)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(rule, file=out)
    print("| " + " | ".join(title.ljust(w) for (title, _), w in zip(columns, widths, strict=True)) + " |", file=out)
    print(rule, file=out)
    for cell in cells:
        print("| " + " | ".join(value.ljust(w) for value, w in zip(cell, widths, strict=True)) + " |", file=out)
    print(rule, file=out)
