"""``schemashift keys create``: issue an API key (printed once; only its hash is stored)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    keys = subparsers.add_parser("keys", help="manage API keys")
    sub = keys.add_subparsers(dest="keys_command", required=True)
    create = sub.add_parser("create", help="create an API key for an account and org/project scopes")
    create.add_argument("--account", required=True)
    create.add_argument("--scope", action="append", required=True,
                        help="ORG/PROJECT the key may use; '*' matches any (repeatable)")
    create.add_argument("--description", default="")
    create.add_argument("--local", action="store_true",
                        help="write to the running local stack (reads $SCHEMASHIFT_HOME/local.json)")
    create.set_defaults(func=run_create)


def use_local_stack() -> None:
    """Point this process at the running local stack (``$SCHEMASHIFT_HOME/local.json``)."""
    state = json.loads((Path(os.environ.get("SCHEMASHIFT_HOME", ".schemashift")) / "local.json").read_text())
    os.environ.update(state["environment"])
    os.environ.update({"AWS_ENDPOINT_URL": state["awsEndpoint"], "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing"})


def run_create(args: argparse.Namespace) -> int:
    if args.local:
        use_local_stack()
    from schemashift.auth.keys import create_api_key

    plaintext, record = create_api_key(args.account, args.scope, description=args.description)
    print(json.dumps({"apiKey": plaintext, "keyId": record.key_id, "account": record.account,
                      "scopes": list(record.scopes)}, indent=2))
    print("Store this key now: it is not shown again.")
    return 0
