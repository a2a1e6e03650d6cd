"""``schemashift local up``: the whole service on this machine, no Docker, no AWS account."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    local = subparsers.add_parser("local", help="run schemashift locally")
    sub = local.add_subparsers(dest="local_command", required=True)
    up = sub.add_parser("up", help="start the local stack and HTTP gateway (Ctrl-C stops it)")
    up.add_argument("--root", default=".", help="project root holding template.yaml")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=int(os.environ.get("SCHEMASHIFT_PORT", "3000")))
    up.add_argument("--aws-port", type=int, default=int(os.environ.get("SCHEMASHIFT_AWS_PORT", "4566")),
                    help="port of the in-process AWS emulator (moto)")
    up.set_defaults(func=run_up)


def run_up(args: argparse.Namespace) -> int:
    from schemashift.local.stack import LocalStack

    root = Path(args.root).resolve()
    os.environ.setdefault("SCHEMASHIFT_HOME", str(root / ".schemashift"))
    stack = LocalStack(root=root, aws_port=args.aws_port).start()
    gateway = stack.serve(host=args.host, port=args.port)
    key = os.environ.get("SCHEMASHIFT_DEV_API_KEY", "local-dev-key")
    state_file = Path(os.environ["SCHEMASHIFT_HOME"]) / "local.json"
    state_file.write_text(json.dumps({
        "apiUrl": gateway.url,
        "awsEndpoint": stack.emulator.endpoint if stack.emulator else None,
        "environment": {k: v for k, v in os.environ.items()
                        if k.endswith(("_TABLE", "_BUCKET", "_ARN")) or k in ("EVENT_BUS_NAME", "DATA_BUCKET")},
    }, indent=2))
    print(f"schemashift local stack is up\n"
          f"  API:          {gateway.url}\n"
          f"  AWS emulator: {stack.emulator.endpoint if stack.emulator else '-'} (in memory; stops with this process)\n"
          f"  files:        {os.environ['SCHEMASHIFT_HOME']}\n"
          f"  dev API key:  {key} (account 'local', every org/project)\n\n"
          f"  curl {gateway.url}/health\n"
          f"  curl -H 'x-api-key: {key}' {gateway.url}/v1/orgs/default/projects/default/dbschema\n\n"
          f"Ctrl-C stops it.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return 0
