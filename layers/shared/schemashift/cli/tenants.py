"""``schemashift secrets create`` and ``schemashift accounts targets | event-senders``: what an operator
sets up per account.

Secrets are created under the account's prefix by the service's own naming rule
(``schemashift.credentials.secret_name``), so an instance of that account may use them and no other.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os

from schemashift.cli.keys import use_local_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    secrets = subparsers.add_parser("secrets", help="database credentials of an account (Secrets Manager)")
    sub = secrets.add_subparsers(dest="secrets_command", required=True)
    create = sub.add_parser("create", help="store a database username/password as schemashift/<account>/<name>")
    create.add_argument("--account", required=True)
    create.add_argument("--name", required=True, help="e.g. payments-prod (becomes schemashift/<account>/payments-prod)")
    create.add_argument("--username", required=True)
    create.add_argument("--password-env", default="SCHEMASHIFT_DB_PASSWORD",
                        help="environment variable holding the password (prompted for when unset)")
    create.add_argument("--local", action="store_true", help="write to the running local stack")
    create.set_defaults(func=run_secret_create)

    accounts = subparsers.add_parser("accounts", help="account-wide settings (operators)")
    sub = accounts.add_subparsers(dest="accounts_command", required=True)
    targets = sub.add_parser("targets", help="show or replace the hosts/CIDRs an account's instances may reach")
    targets.add_argument("--account", required=True)
    targets.add_argument("--allow", action="append", default=None,
                         help="CIDR, address, host or *.suffix (repeatable); replaces the list")
    targets.add_argument("--clear", action="store_true", help="remove the allowlist (any host not denied for all)")
    targets.add_argument("--local", action="store_true", help="the running local stack")
    targets.set_defaults(func=run_targets)
    senders = sub.add_parser("event-senders",
                             help="show or change the AWS accounts whose pipeline events may start work for an account")
    senders.add_argument("account", help="the schemashift account (tenant), e.g. acme")
    senders.add_argument("--add", action="append", default=[], metavar="ID",
                         help="a 12-digit AWS account id to trust (repeatable)")
    senders.add_argument("--remove", action="append", default=[], metavar="ID",
                         help="a 12-digit AWS account id to trust no more (repeatable)")
    senders.add_argument("--local", action="store_true", help="the running local stack")
    senders.set_defaults(func=run_event_senders)


def run_secret_create(args: argparse.Namespace) -> int:
    if args.local:
        use_local_stack()
    from schemashift.aws import client
    from schemashift.credentials import ACCOUNT_TAG, secret_name

    name = secret_name(args.account, args.name)
    password = os.environ.get(args.password_env) or getpass.getpass(f"password for {args.username}: ")
    created = client("secretsmanager").create_secret(
        Name=name, SecretString=json.dumps({"username": args.username, "password": password}),
        Tags=[{"Key": ACCOUNT_TAG, "Value": args.account}])
    print(json.dumps({"secretArn": created["ARN"], "name": name}, indent=2))
    return 0


def run_targets(args: argparse.Namespace) -> int:
    if args.local:
        use_local_stack()
    from schemashift.accounts import set_target_allowlist, target_allowlist

    if args.clear or args.allow is not None:
        entries = set_target_allowlist(args.account, [] if args.clear else args.allow)
    else:
        entries = list(target_allowlist(args.account))
    print(json.dumps({"account": args.account, "allowedTargets": entries}, indent=2))
    return 0


def run_event_senders(args: argparse.Namespace) -> int:
    if args.local:
        use_local_stack()
    from schemashift.accounts import change_event_senders, event_senders

    if args.add or args.remove:
        senders = change_event_senders(args.account, add=args.add, remove=args.remove)
    else:
        senders = event_senders(args.account)
    shown: dict[str, object] = {"account": args.account, "eventSenders": list(senders)}
    if not senders:
        shown["default"] = "only the service's own AWS account may send this account's pipeline requests"
    print(json.dumps(shown, indent=2))
    return 0
