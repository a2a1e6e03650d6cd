"""changeset/yaml, changesets/existence and the project overview through the local stack."""

from __future__ import annotations

import pytest
import yaml
from schemashift.changelog import BundleAccessor, parse_changelog

from tests.support.deployments import new_base, wait_for
from tests.support.instances import instance_body

YAML_CHANGELOG = """databaseChangeLog:
- changeSet:
    id: create_person
    author: alice
    comment: people
    changes:
    - createTable:
        tableName: person
        columns:
        - column: {name: id, type: int, constraints: {primaryKey: true, nullable: false}}
        - column: {name: name, type: varchar(50)}
- include: {file: more.sql, relativeToChangelogFile: true}
"""
SQL_CHANGELOG = """-- liquibase formatted sql

-- changeset bob:add_email labels:v1
ALTER TABLE person ADD email VARCHAR(100);
-- rollback ALTER TABLE person DROP COLUMN email;
"""
FILES = {"db/changelog.yaml": YAML_CHANGELOG, "db/more.sql": SQL_CHANGELOG}
PIPE = {"pipeline": "deploy", "planExecutionId": "plan-1", "stageExecutionId": "stage-1"}


def _schema(api, base: str, schema: str = "app", instance: dict | None = None) -> None:
    assert api.post(f"{base}/dbschema", {"identifier": schema, "name": schema.title()}).status == 201
    put = api.put(f"{base}/dbschema/{schema}/changelog", {"rootFile": "db/changelog.yaml", "files": FILES})
    assert put.status == 200, put.json()
    if instance is not None:
        created = api.post(f"{base}/dbschema/{schema}/instance", instance)
        assert created.status == 201, created.json()


def _apply(api, base: str, schema: str, instance: str) -> None:
    started = api.post(f"{base}/dbschema/{schema}/instance/{instance}/apply", PIPE)
    assert started.status == 202, started.json()
    done = wait_for(api, base, started.json()["executionId"])
    assert done["status"] == "SUCCESS", done


def test_changeset_yaml_parses_back_to_the_same_checksum(api, tmp_path) -> None:
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, _):
        _schema(api, base, instance=instance)
    original = {cs.fqn: cs for cs in parse_changelog("db/changelog.yaml", BundleAccessor(FILES)).changesets}
    assert len(original) == 2
    for fqn, changeset in original.items():
        response = api.get(f"{base}/dbschema/app/dbinstance/main/changeset/yaml", params={"changeSet": fqn})
        assert response.status == 200, (fqn, response.json())
        text = response.json()["yaml"]
        entry = yaml.safe_load(text)["databaseChangeLog"][0]["changeSet"]
        assert (entry["id"], entry["author"]) == (changeset.id, changeset.author)
        again = parse_changelog("c.yaml", BundleAccessor({"c.yaml": text})).changesets
        assert [cs.checksum(None) for cs in again] == [changeset.checksum(None)], f"{fqn}: YAML is not the changeset"
        assert again[0].rollback is not None or changeset.rollback is None
    assert "labels: v1" in api.get(f"{base}/dbschema/app/dbinstance/main/changeset/yaml",
                                   params={"changeSet": "db/more.sql::ADD_EMAIL::BOB"}).json()["yaml"]


@pytest.mark.parametrize("params, status, words", [
    (None, 400, "changeSet"),
    ({"changeSet": "nofqn"}, 400, "fileName::changesetId::author"),
    ({"changeSet": "db/more.sql::nope::bob"}, 404, "nope"),
])
def test_changeset_yaml_bad_input(api, tmp_path, params, status, words) -> None:
    base, _, _ = new_base()
    with instance_body("sqlite", tmp_path) as (instance, _):
        _schema(api, base, instance=instance)
    response = api.get(f"{base}/dbschema/app/dbinstance/main/changeset/yaml", params=params)
    assert response.status == status and set(response.json()) == {"message"}, response.json()
    assert words in response.json()["message"]
    missing = api.get(f"{base}/dbschema/app/dbinstance/ghost/changeset/yaml",
                      params={"changeSet": "db/more.sql::add_email::bob"})
    assert missing.status == 404 and "ghost" in missing.json()["message"]


def test_changesets_existence_matches_on_id_only(api) -> None:
    base, _, _ = new_base()
    _schema(api, base)
    response = api.post(f"{base}/dbschema/app/changesets/existence",
                        {"changeSets": [{"id": "create_person"}, {"id": "ADD_EMAIL"}, {"id": "new_one"}]})
    assert response.status == 200, response.json()
    assert response.json() == {"existence": {"create_person": True, "ADD_EMAIL": True, "new_one": False}}


@pytest.mark.parametrize("body, words", [
    ({}, "changeSets"),
    ({"changeSets": []}, "changeSets"),
    ({"changeSets": [{"id": str(i)} for i in range(101)]}, "changeSets"),
    ({"changeSets": [{"nope": 1}]}, "id"),
    ("not json", "JSON"),
])
def test_changesets_existence_bad_input(api, body, words) -> None:
    base, _, _ = new_base()
    _schema(api, base)
    if isinstance(body, str):
        response = api.request("POST", f"{base}/dbschema/app/changesets/existence", body=body,
                               headers={"Content-Type": "application/json"})
    else:
        response = api.post(f"{base}/dbschema/app/changesets/existence", body)
    assert response.status == 400 and set(response.json()) == {"message"}, response.json()
    assert words.lower() in response.json()["message"].lower()
    unknown = api.post(f"{base}/dbschema/nope/changesets/existence", {"changeSets": [{"id": "1"}]})
    assert unknown.status == 404 and "nope" in unknown.json()["message"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_overview_counts_and_latest_deployments(api, tmp_path, kind) -> None:
    base, _, _ = new_base()
    empty = api.get(f"{base}/dbschema/overview")
    assert empty.status == 200 and empty.json() == {"dbSchemaCount": 0, "dbInstanceCount": 0, "recentDeployments": []}
    for number in range(3):
        schema = f"s{number}"
        with instance_body(kind, tmp_path / schema, identifier="main") as (main, _), \
                instance_body("sqlite", tmp_path, identifier="idle") as (idle, _):
            _schema(api, base, schema, main)
            assert api.post(f"{base}/dbschema/{schema}/instance", idle).status == 201
            _apply(api, base, schema, "main")
        overview = api.get(f"{base}/dbschema/overview").json()
        assert overview["dbSchemaCount"] == number + 1 and overview["dbInstanceCount"] == 2 * (number + 1)
    recent = overview["recentDeployments"]
    assert [(r["dbSchemaIdentifier"], r["dbInstanceIdentifier"]) for r in recent] == [
        ("s2", "main"), ("s1", "main"), ("s0", "main")], "newest first, never-deployed instances left out"
    assert recent[0]["dbSchemaName"] == "S2" and recent[0]["lastDeployed"] >= recent[1]["lastDeployed"]
    assert api.post(f"{base}/dbschema", {"identifier": "overview", "name": "x"}).status == 400


def test_overview_keeps_the_five_newest(api, tmp_path) -> None:
    base, _, _ = new_base()
    assert api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"}).status == 201
    assert api.put(f"{base}/dbschema/app/changelog", {"rootFile": "db/changelog.yaml", "files": FILES}).status == 200
    names = [f"i{n}" for n in range(7)]
    for name in names:
        with instance_body("sqlite", tmp_path, identifier=name) as (instance, _):
            assert api.post(f"{base}/dbschema/app/instance", instance).status == 201
        _apply(api, base, "app", name)
    recent = api.get(f"{base}/dbschema/overview").json()["recentDeployments"]
    assert [r["dbInstanceIdentifier"] for r in recent] == names[::-1][:5]
