"""``schemashift`` command line: local stack, API keys, and the database/table commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from schemashift.errors import SchemashiftError

# Subcommand modules; each exposes register(subparsers) and sets args.func(args) -> int.
_COMMANDS = (
    "schemashift.cli.local",
    "schemashift.cli.keys",
    "schemashift.cli.tenants",
    "schemashift.cli.db",
    "schemashift.cli.flyway",
    "schemashift.cli.deploy",
    "schemashift.cli.table",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schemashift", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SchemashiftError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
