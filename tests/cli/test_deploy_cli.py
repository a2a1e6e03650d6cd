"""`schemashift apply/rollback/status --wait` over HTTP against the local stack."""

from __future__ import annotations

import json

from schemashift.cli.main import main

from tests.deployments.test_deployments import CHANGELOG
from tests.support.deployments import new_base
from tests.support.tenancy import sqlite_instance


def test_apply_wait_and_rollback_over_http(http_url, api, tmp_path, capsys) -> None:
    base, org, project = new_base()
    api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"})
    broken = CHANGELOG.replace("CREATE TABLE audit", "CREATE TABLE person")
    api.put(f"{base}/dbschema/app/changelog", {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}})
    api.post(f"{base}/dbschema/app/instance", {"identifier": "dev", "name": "dev", "url": sqlite_instance("d")[0]})
    common = ["--api", http_url, "--key", "local-dev-key", "--org", org, "--project", project, "--schema", "app",
              "--instance", "dev"]
    assert main(["apply", *common, "--tag", "r1", "--wait"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["status"] == "SUCCESS"
    assert "4/4" in out.err  # the progress bar reached the end
    assert main(["rollback", *common, "--count", "1", "--wait"]) == 0
    capsys.readouterr()
    assert main(["status", *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("Rolled_Back") and lines[0].startswith("Successfully_Deployed")

    api.put(f"{base}/dbschema/app/changelog", {"rootFile": "c.sql", "files": {"c.sql": broken}})
    api.post(f"{base}/dbschema/app/instance", {"identifier": "qa", "name": "qa", "url": sqlite_instance("q")[0]})
    failing = [*common[:-1], "qa"]
    assert main(["apply", *failing, "--wait"]) == 1
    assert "error:" in capsys.readouterr().err
    assert main(["apply", *common[:4], "--org", org, "--project", project, "--schema", "nope",
                 "--instance", "x"]) == 1
