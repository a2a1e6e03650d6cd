"""``schemashift local up | start-api | invoke | events``: the service on this machine, no Docker.

``up`` (alias ``start-api``, as in ``sam local start-api``) runs the local stack until Ctrl-C or
SIGTERM, keeping its state under ``$SCHEMASHIFT_HOME`` (``--fresh`` starts empty). ``invoke`` runs
one function of template.yaml with an event file (``sam local invoke``). ``events`` follows what is
put on the local EventBridge; ``put-events`` puts some there, ``--from-account`` as another AWS
account would (to try who may start work for which account).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from schemashift.errors import SchemashiftError


def _home() -> Path:
    return Path(os.environ.get("SCHEMASHIFT_HOME", ".schemashift")).resolve()


def register(subparsers: argparse._SubParsersAction) -> None:
    local = subparsers.add_parser("local", help="run schemashift locally (no Docker, no AWS account)")
    sub = local.add_subparsers(dest="local_command", required=True)
    for name in ("up", "start-api"):
        up = sub.add_parser(name, help="start the local stack and HTTP gateway (Ctrl-C stops it)"
                            + (" (alias of up)" if name == "start-api" else ""))
        up.add_argument("--root", default=".", help="project root holding template.yaml")
        up.add_argument("--host", default="127.0.0.1")
        up.add_argument("--port", type=int, default=int(os.environ.get("SCHEMASHIFT_PORT", "3000")))
        up.add_argument("--aws-port", type=int, default=int(os.environ.get("SCHEMASHIFT_AWS_PORT", "4566")),
                        help="port of the in-process AWS emulator (moto)")
        up.add_argument("--fresh", action="store_true", help="forget the stored state and start empty")
        up.set_defaults(func=run_up)
    invoke = sub.add_parser("invoke", help="run one function of template.yaml with an event (as sam local invoke)")
    invoke.add_argument("function", help="the function's logical id in template.yaml, e.g. HealthFunction")
    invoke.add_argument("-e", "--event", help="event file (JSON); '-' reads stdin; default {}")
    invoke.add_argument("--root", default=".", help="project root holding template.yaml")
    invoke.set_defaults(func=run_invoke)
    events = sub.add_parser("events", help="show what is put on the local EventBridge, and follow it")
    events.add_argument("-n", "--last", type=int, default=20, help="how many past events to show first")
    events.add_argument("--no-follow", action="store_true", help="print and exit instead of following")
    events.add_argument("--detail-type", help="only events of this detail-type (substring match)")
    events.add_argument("--json", action="store_true", help="one JSON object per line")
    events.set_defaults(func=run_events)
    put = sub.add_parser("put-events", help="put events on the local EventBridge (as aws events put-events)")
    put.add_argument("--entries", required=True, type=Path,
                     help="JSON file: a list of {Source, DetailType, Detail, EventBusName?} (or one entry)")
    put.add_argument("--from-account", metavar="ID",
                     help="put them as this 12-digit AWS account would, on the stack's bus by ARN (cross-account)")
    put.set_defaults(func=run_put_events)


def run_up(args: argparse.Namespace) -> int:
    from schemashift.local.stack import LocalStack
    from schemashift.local.state_store import StateLocked

    root = Path(args.root).resolve()
    if not (root / "template.yaml").exists():
        raise SchemashiftError(f"no template.yaml in {root}; run from the project root or pass --root")
    os.environ.setdefault("SCHEMASHIFT_HOME", str(root / ".schemashift"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack = LocalStack(root=root, aws_port=args.aws_port, fresh=args.fresh).start()
    except StateLocked as exc:
        raise SchemashiftError(str(exc)) from None
    except OSError as exc:
        raise SchemashiftError(f"cannot start the local stack: {exc.strerror or exc}") from None
    try:
        gateway = stack.serve(host=args.host, port=args.port)
    except OSError as exc:
        stack.stop()
        raise SchemashiftError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; "
                               "set SCHEMASHIFT_PORT or --port") from None
    home = Path(os.environ["SCHEMASHIFT_HOME"])
    state_file = home / "local.json"
    state_file.write_text(json.dumps(stack.describe(), indent=2))
    key = os.environ.get("SCHEMASHIFT_DEV_API_KEY", "local-dev-key")
    restored = stack.restored
    kept = (f"{restored.get('items', 0)} items, {restored.get('objects', 0)} objects, "
            f"{restored.get('secrets', 0)} secrets restored" if restored else "started empty")
    ended = f"\n  ended:        {len(stack.ended_jobs)} job(s) left running by the last stop" if stack.ended_jobs else ""
    print(f"schemashift local stack is up\n"
          f"  API:          {gateway.url}\n"
          f"  AWS emulator: {stack.emulator.endpoint if stack.emulator else '-'}\n"
          f"  state:        {home / 'state'} ({kept}){ended}\n"
          f"  dev API key:  {key} (account 'local', every org/project)\n\n"
          f"  curl {gateway.url}/health\n"
          f"  curl -H 'x-api-key: {key}' {gateway.url}/v1/orgs/default/projects/default/dbschema\n\n"
          f"Ctrl-C stops it; the state is kept (schemashift local up --fresh starts empty).", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        stack.stop()
        state_file.unlink(missing_ok=True)
    return 0


def run_invoke(args: argparse.Namespace) -> int:
    from schemashift.local.invoke import invoke, read_event

    root = Path(args.root).resolve()
    os.environ.setdefault("SCHEMASHIFT_HOME", str(root / ".schemashift"))
    event = read_event(args.event)
    result = invoke(root, _home(), args.function, event)
    sys.stderr.write(f"{args.function} on the {result.stack} local stack\n")
    if result.logs.strip():
        sys.stderr.write("---- logs ----\n" + result.logs.rstrip() + "\n---- response ----\n")
    print(json.dumps(result.response, indent=2, default=str))
    if result.function_error:
        sys.stderr.write(f"error: the function failed ({result.function_error}): "
                         f"{(result.response or {}).get('errorMessage')}\n")
        return 1
    return 0


def run_events(args: argparse.Namespace) -> int:
    from schemashift.local.bus_log import describe, read

    home = _home()
    if not (home / "events.jsonl").exists() and args.no_follow:
        print(f"no events yet ({home / 'events.jsonl'})", file=sys.stderr)
        return 0
    if not args.no_follow:
        print(f"following {home / 'events.jsonl'} (Ctrl-C stops)", file=sys.stderr, flush=True)
    for event in read(home, args.last, follow=not args.no_follow):
        if args.detail_type and args.detail_type not in str(event.get("detail-type")):
            continue
        print(json.dumps(event, default=str) if args.json else describe(event), flush=True)
    return 0


def run_put_events(args: argparse.Namespace) -> int:
    """The PutEvents entries of a file, on the running local stack's bus (default bus: schemashift)."""
    from schemashift.accounts import validate_aws_account_id
    from schemashift.local.invoke import running_stack

    sender = validate_aws_account_id(args.from_account) if args.from_account else None
    state = running_stack(_home())
    if state is None:
        raise SchemashiftError(f"no local stack is running for {_home()}; start it with `make run`")
    try:
        entries = json.loads(args.entries.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemashiftError(f"cannot read events from {args.entries}: {exc}") from None
    entries = [entries] if isinstance(entries, dict) else entries
    bus = state["environment"].get("EVENT_BUS_NAME", "schemashift")
    import boto3

    events = boto3.client("events", endpoint_url=state["awsEndpoint"], region_name=state["region"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    if sender:
        # Another account names the bus by its ARN, as on AWS; the emulator takes the caller's account
        # from this header, and stamps it on the event's envelope.
        owner = state.get("awsAccountId") or state["functionArnPrefix"].split(":")[4]
        entries = [{**entry, "EventBusName": _bus_arn(entry.get("EventBusName") or bus, state["region"], owner)}
                   for entry in entries]
        events.meta.events.register("before-sign.events.PutEvents",
                                    lambda request, **_: request.headers.__setitem__("x-moto-account-id", sender))
    entries = [{**entry, "EventBusName": entry.get("EventBusName", bus),
                "Detail": entry["Detail"] if isinstance(entry.get("Detail"), str) else json.dumps(entry.get("Detail", {}))}
               for entry in entries]
    result = events.put_events(Entries=entries)
    print(json.dumps({"FailedEntryCount": result["FailedEntryCount"], "Entries": result["Entries"]}, indent=2))
    return 1 if result["FailedEntryCount"] else 0


def _bus_arn(name: str, region: str, owner: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:events:{region}:{owner}:event-bus/{name}"
