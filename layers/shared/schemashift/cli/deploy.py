"""Pipeline commands: ``schemashift apply | rollback | status`` against the schemashift API.

``--wait`` follows the execution with a progress bar and exits non-zero unless it succeeds, so a CI
step can simply run ``schemashift apply ... --wait``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from urllib.parse import quote, urlencode

from schemashift.cli.http import Api, add_api_arguments, progress_bar
from schemashift.errors import ValidationFailed

TERMINAL = ("SUCCESS", "FAILURE", "CANCELLED")


def register(subparsers: argparse._SubParsersAction) -> None:
    for name, helptext in (("apply", "apply pending changesets to an instance (or a fleet)"),
                           ("rollback", "roll back an instance to a tag or by count"),
                           ("status", "show an execution, or an instance's changeset states")):
        parser = subparsers.add_parser(name, help=helptext)
        add_api_arguments(parser)
        parser.add_argument("--org", required=True)
        parser.add_argument("--project", required=True)
        parser.add_argument("--schema", required=name != "status")
        parser.add_argument("--instance", help="instance identifier (apply without it = fleet apply)")
        if name == "status":
            parser.add_argument("--execution", help="execution id to show")
        else:
            parser.add_argument("--pipeline", default="cli")
            parser.add_argument("--plan-execution-id", default="")
            parser.add_argument("--stage-execution-id", default="")
            parser.add_argument("--tag", help="apply: post-deploy tag; rollback: roll back to this tag")
            parser.add_argument("--count", type=int)
            parser.add_argument("--target-version", help="Flyway schemas: apply up to / undo down to this version")
            parser.add_argument("--dry-run", action="store_true")
            parser.add_argument("--idempotency-key")
            parser.add_argument("--wait", action="store_true", help="follow until done; non-zero exit on failure")
            parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most")
        if name == "apply":
            parser.add_argument("--to-tag")
            parser.add_argument("--contexts")
            parser.add_argument("--labels")
            parser.add_argument("--tags", action="append", default=[], help="fleet filter KEY=VALUE (repeatable)")
            parser.add_argument("--max-concurrency", type=int, default=5)
            parser.add_argument("--max-failures", type=int, default=0)
        parser.set_defaults(func={"apply": run_apply, "rollback": run_rollback, "status": run_status}[name])
    executions = subparsers.add_parser("executions", help="deployments of a schema")
    sub = executions.add_subparsers(dest="executions_command", required=True)
    listing = sub.add_parser("list", help="a schema's (or one instance's) executions, newest first")
    add_api_arguments(listing)
    listing.add_argument("--org", default="default")
    listing.add_argument("--project", required=True)
    listing.add_argument("--schema", required=True)
    listing.add_argument("--instance", help="only this instance's executions")
    listing.add_argument("--status", help="only executions in this status (e.g. IN_PROGRESS, FAILURE)")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true", help="print the API's answer as JSON")
    listing.set_defaults(func=run_list)


def _api(args: argparse.Namespace) -> Api:
    if not args.key:
        raise ValidationFailed("an API key is required: --key or SCHEMASHIFT_API_KEY")
    return Api(args.api, args.key)


def _prefix(args: argparse.Namespace) -> str:
    return f"/v1/orgs/{args.org}/projects/{args.project}"


def _pipeline(args: argparse.Namespace) -> dict[str, Any]:
    return {"pipeline": args.pipeline, "planExecutionId": args.plan_execution_id,
            "stageExecutionId": args.stage_execution_id, "dryRun": args.dry_run}


def run_apply(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {**_pipeline(args), "tag": args.tag, "toTag": args.to_tag, "count": args.count,
                            "contexts": args.contexts, "labels": args.labels, "targetVersion": args.target_version}
    if args.instance:
        path = f"{_prefix(args)}/dbschema/{args.schema}/instance/{args.instance}/apply"
    else:
        path = f"{_prefix(args)}/dbschema/{args.schema}/apply"
        tags = dict(t.split("=", 1) for t in args.tags)
        body.update(tags=tags or None, maxConcurrency=args.max_concurrency, maxFailures=args.max_failures)
    return _start(args, path, body)


def run_rollback(args: argparse.Namespace) -> int:
    if not args.instance:
        raise ValidationFailed("rollback needs --instance")
    body = {**_pipeline(args), "tag": args.tag, "count": args.count, "targetVersion": args.target_version}
    return _start(args, f"{_prefix(args)}/dbschema/{args.schema}/instance/{args.instance}/rollback", body)


def _start(args: argparse.Namespace, path: str, body: dict[str, Any]) -> int:
    api = _api(args)
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else None
    execution = api.call("POST", path, {k: v for k, v in body.items() if v is not None}, headers)
    print(f"execution {execution['executionId']} started", file=sys.stderr)
    if not args.wait:
        print(json.dumps(execution, indent=2))
        return 0
    final = follow(api, _prefix(args), execution["executionId"], args.timeout)
    print(json.dumps(final, indent=2))
    return 0 if final["status"] == "SUCCESS" else 1


def follow(api: Api, prefix: str, execution_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        execution = api.call("GET", f"{prefix}/executions/{execution_id}")
        progress = execution.get("progress") or {}
        results = execution.get("results") or []
        label = f"{execution['status']} {results[-1]['changeSetFQN']}" if results else execution["status"]
        progress_bar(int(progress.get("done", 0)), int(progress.get("total", 0)), label)
        if execution["status"] in TERMINAL:
            sys.stderr.write("\n")
            if execution.get("error"):
                print(f"error: {execution['error'].get('message')}", file=sys.stderr)
            return execution
        if time.monotonic() > deadline:
            sys.stderr.write("\n")
            raise ValidationFailed(f"execution {execution_id} still running after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 1.5, 5.0)


def run_list(args: argparse.Namespace) -> int:
    schema = f"{_prefix(args)}/dbschema/{quote(args.schema, safe='')}"
    path = f"{schema}/instance/{quote(args.instance, safe='')}/executions" if args.instance else f"{schema}/executions"
    query = urlencode({k: v for k, v in (("limit", args.limit), ("status", args.status)) if v is not None})
    page = _api(args).call("GET", f"{path}?{query}")
    if args.json:
        print(json.dumps(page, indent=2))
        return 0
    rows = next((page[k] for k in ("executions", "items", "content") if isinstance(page, dict) and k in page),
                page if isinstance(page, list) else [])
    print(f"{'executionId':<26} {'kind':<9} {'status':<12} {'instance':<16} {'progress':>9}  created")
    for row in rows:
        progress = row.get("progress") or {}
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(row.get("created", 0)) / 1000))
        print(f"{row['executionId']:<26} {row.get('kind', ''):<9} {row.get('status', ''):<12} "
              f"{row.get('instance') or '-':<16} {progress.get('done', 0):>4}/{progress.get('total', 0):<4}  {created}")
    if not rows:
        print("(no executions)")
    return 0


def run_status(args: argparse.Namespace) -> int:
    api = _api(args)
    if args.execution:
        print(json.dumps(api.call("GET", f"{_prefix(args)}/executions/{args.execution}"), indent=2))
        return 0
    if not (args.schema and args.instance):
        raise ValidationFailed("status needs --execution, or --schema and --instance")
    state = api.call("GET", f"{_prefix(args)}/dbschema/{args.schema}/dbinstance/{args.instance}/migrationstate?limit=100")
    for changeset in state["changeSets"]:
        print(f"{changeset['status']:<22} {changeset['changeSetFQN']}")
    return 0
