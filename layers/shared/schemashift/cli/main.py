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
    "schemashift.cli.changelog",
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
    except Exception as exc:
        message = aws_failure(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def aws_failure(exc: BaseException) -> str | None:
    """A clean sentence for AWS being unreachable or refusing, instead of a traceback."""
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is None:
        return None
    if isinstance(exc, botocore.EndpointConnectionError | botocore.ConnectTimeoutError):
        local = " (is the local stack running? start it with `make run`)" if "127.0.0.1" in str(exc) else ""
        return f"cannot reach AWS at {getattr(exc, 'kwargs', {}).get('endpoint_url', 'its endpoint')}{local}"
    if isinstance(exc, botocore.NoCredentialsError | botocore.PartialCredentialsError):
        return "no AWS credentials found (configure a profile, or use --local for the local stack)"
    if isinstance(exc, botocore.NoRegionError):
        return "no AWS region configured (set AWS_REGION)"
    if isinstance(exc, botocore.ClientError):
        error = exc.response.get("Error", {})
        return f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}"
    return None


if __name__ == "__main__":
    sys.exit(main())
