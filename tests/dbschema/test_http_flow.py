"""The main dbschema flow over real HTTP on the local stack's gateway."""

from __future__ import annotations

import uuid

import requests

from tests.dbschema.test_dbschema_api import SQL_CHANGELOG


def test_schema_changelog_instances_and_migration_state_over_http(http_url: str, tmp_path) -> None:
    session = requests.Session()
    session.headers["x-api-key"] = "local-dev-key"
    base = f"{http_url}/v1/orgs/o{uuid.uuid4().hex[:6]}/projects/p1"
    assert session.post(f"{base}/dbschema", json={"identifier": "crm", "name": "CRM"}, timeout=30).status_code == 201
    upload = session.put(f"{base}/dbschema/crm/changelog", json={"rootFile": "db/changelog.sql",
                                                                  "files": {"db/changelog.sql": SQL_CHANGELOG}}, timeout=30)
    assert upload.status_code == 200 and upload.json()["changesetCount"] == 3
    for name in ("qa", "prod"):
        created = session.post(f"{base}/dbschema/crm/instance", timeout=30,
                               json={"identifier": name, "name": name, "url": f"sqlite:///{uuid.uuid4().hex[:8]}/{name}.db"})
        assert created.status_code == 201
    state = session.post(f"{base}/dbschema/crm/migrationstate", json={}, params={"limit": 2}, timeout=30)
    assert state.status_code == 200
    assert state.headers["X-Total-Elements"] == "3" and state.headers["X-Page-Size"] == "2"
    body = state.json()
    assert [i["identifier"] for i in body["instances"]] == ["prod", "qa"]
    assert [c["changeSetFQN"] for c in body["changeSets"]] == ["db/changelog.sql::1::alice", "db/changelog.sql::2::bob"]
    assert all(i["status"] == "Not_Deployed" for c in body["changeSets"] for i in c["instances"])
    refused = requests.post(f"{base}/dbschema/crm/migrationstate", json={}, timeout=30)
    assert refused.status_code == 401 and "message" in refused.json()
