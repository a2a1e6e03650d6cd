"""``schemashift table migrate | plan | operation``: dataset-table migrations from a terminal or CI.

    schemashift table migrate --api URL --key K --table T --ops ops.json --wait

``ops.json`` holds the ``POST .../migrations`` body (``{"operations": [...], "description": ...}``)
or just the list of operations. ``--wait`` follows the operation with a progress bar and exits
non-zero unless it completes, so a pipeline step can simply run the command.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from schemashift.cli.http import Api, add_api_arguments, progress_bar
from schemashift.errors import ValidationFailed

TERMINAL = ("completed", "failed", "cancelled")


def register(subparsers: argparse._SubParsersAction) -> None:
    table = subparsers.add_parser("table", help="dataset-table migrations and operations")
    commands = table.add_subparsers(dest="table_command", required=True, metavar="<command>")
    for name, help_text in (
        ("migrate", "start a migration (add/drop/rename/cast columns, keys, indexes)"),
        ("plan", "validate a migration without running it"),
        ("operation", "show one operation of a table"),
    ):
        parser = commands.add_parser(name, help=help_text, description=help_text)
        add_api_arguments(parser)
        parser.add_argument("--table", required=True, help="table id")
        if name == "operation":
            parser.add_argument("--operation", required=True, help="operation id")
        else:
            parser.add_argument("--ops", required=True, type=Path, help="JSON file with the operations")
        if name == "migrate":
            parser.add_argument("--description")
            parser.add_argument(
                "--idempotency-key", help="a retried command with the same key starts nothing new"
            )
            parser.add_argument(
                "--wait", action="store_true", help="follow until done; non-zero exit on failure"
            )
            parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most")
        parser.set_defaults(func={"migrate": run_migrate, "plan": run_plan, "operation": run_operation}[name])


def read_ops(path: Path) -> dict[str, Any]:
    """The request body from ``--ops``: a body object, or a bare list of operations."""
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read operations from {path}: {exc}") from None
    if isinstance(document, list):
        return {"operations": document}
    if isinstance(document, dict) and isinstance(document.get("operations"), list):
        return document
    raise ValidationFailed(f"{path} must hold a list of operations or an object with 'operations'")


def run_migrate(args: argparse.Namespace) -> int:
    api = _api(args)
    body = read_ops(args.ops)
    if args.description:
        body["description"] = args.description
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else None
    operation = api.call("POST", f"{_table_path(args)}/migrations", body, headers)
    print(f"operation {operation['operationId']} started", file=sys.stderr)
    if args.wait:
        operation = follow(api, _table_path(args), operation["operationId"], args.timeout)
    print(json.dumps(operation, indent=2))
    return 0 if not args.wait or operation["status"] == "completed" else 1


def run_plan(args: argparse.Namespace) -> int:
    plan = _api(args).call("POST", f"{_table_path(args)}/migrations/plan", read_ops(args.ops))
    print(json.dumps(plan, indent=2))
    for problem in plan["validationErrors"]:
        print(f"invalid: {problem}", file=sys.stderr)
    return 0 if plan["isValid"] else 1


def run_operation(args: argparse.Namespace) -> int:
    operation = _api(args).call("GET", f"{_table_path(args)}/operations/{quote(args.operation, safe='')}")
    print(json.dumps(operation, indent=2))
    return 0


def follow(api: Api, table_path: str, operation_id: str, timeout: float, poll: float = 0.5) -> dict[str, Any]:
    """Poll until the operation ends, redrawing ``[####....] 42/100 rewriting column amount: 12/40 fragments``."""
    deadline = time.monotonic() + timeout
    while True:
        operation = api.call("GET", f"{table_path}/operations/{quote(operation_id, safe='')}")
        label = operation.get("progressMessage") or operation["status"]
        progress_bar(int(operation["progressPercent"]), 100, label)
        if operation["status"] in TERMINAL:
            sys.stderr.write("\n")
            if operation.get("error"):
                print(
                    f"error: {operation['error']['code']}: {operation['error']['message']}", file=sys.stderr
                )
            return operation
        if time.monotonic() > deadline:
            sys.stderr.write("\n")
            raise ValidationFailed(
                f"operation {operation_id} still {operation['status']} after {timeout:.0f}s"
            )
        time.sleep(poll)


def _api(args: argparse.Namespace) -> Api:
    if not args.key:
        raise ValidationFailed("an API key is required: --key or SCHEMASHIFT_API_KEY")
    return Api(args.api, args.key)


def _table_path(args: argparse.Namespace) -> str:
    return f"/dataset-tables/{quote(args.table, safe='')}"
