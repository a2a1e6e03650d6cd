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
