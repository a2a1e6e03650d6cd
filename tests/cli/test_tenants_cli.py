"""`schemashift secrets create` names secrets by the account rule; `schemashift accounts targets`
confines where an account's instances may point."""

from __future__ import annotations

import json
import uuid

from schemashift.auth.keys import create_api_key
from schemashift.cli.main import main


def test_secret_and_allowlist_commands(stack, api, capsys, monkeypatch) -> None:
    account = "cli-" + uuid.uuid4().hex[:6]
    monkeypatch.setenv("SCHEMASHIFT_DB_PASSWORD", "s3cret")
    assert main(["secrets", "create", "--account", account, "--name", "orders-prod", "--username", "app"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["name"] == f"schemashift/{account}/orders-prod"
    assert main(["secrets", "create", "--account", "bad/account", "--name", "x", "--username", "u"]) == 1
    assert "account" in capsys.readouterr().err

    assert main(["accounts", "targets", "--account", account, "--allow", "10.0.0.0/8",
                 "--allow", "*.db.internal"]) == 0
    assert json.loads(capsys.readouterr().out)["allowedTargets"] == ["10.0.0.0/8", "*.db.internal"]
    key, _ = create_api_key(account, ["*/*"])
    client = api.with_key(key)
    base = "/v1/orgs/o/projects/p"
    assert client.post(f"{base}/dbschema", {"identifier": "s", "name": "s"}).status == 201
    body = {"identifier": "a", "name": "a", "url": "postgresql://10.1.2.3/app", "secretArn": created["secretArn"]}
    assert client.post(f"{base}/dbschema/s/instance", body).status == 201
    outside = client.post(f"{base}/dbschema/s/instance", {**body, "identifier": "b", "url": "postgresql://192.168.0.9/x"})
    assert outside.status == 403 and "allowlist" in outside.json()["message"]
    assert main(["accounts", "targets", "--account", account, "--clear"]) == 0
    capsys.readouterr()
    assert client.post(f"{base}/dbschema/s/instance", {**body, "identifier": "b", "url": "postgresql://192.168.0.9/x"}
                       ).status == 201


def test_event_senders_are_added_removed_and_listed(stack, capsys) -> None:
    account = "cli-" + uuid.uuid4().hex[:6]

    def senders(*args: str) -> dict:
        assert main(["accounts", "event-senders", account, *args]) == 0, capsys.readouterr().err
        return json.loads(capsys.readouterr().out)

    shown = senders()
    assert shown["eventSenders"] == [] and "only the service's own AWS account" in shown["default"]
    assert senders("--add", "210987654321", "--add", " 111122223333")["eventSenders"] == ["111122223333",
                                                                                         "210987654321"]
    assert senders("--add", "210987654321")["eventSenders"] == ["111122223333", "210987654321"]  # once only
    shown = senders("--remove", "111122223333")
    assert shown == {"account": account, "eventSenders": ["210987654321"]}
    assert senders() == shown
    assert senders("--remove", "210987654321")["eventSenders"] == []

    for args, message in ((["--add", "12345"], "'12345' is not an AWS account id (12 digits"),
                          (["--add", "21098765432a"], "is not an AWS account id"),
                          (["--add", "210987654321", "--remove", "210987654321"], "cannot both add and remove")):
        assert main(["accounts", "event-senders", account, *args]) == 1
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and message in captured.err and not captured.out
    assert main(["accounts", "event-senders", "bad/account"]) == 1
    assert "account 'bad/account' must match" in capsys.readouterr().err
