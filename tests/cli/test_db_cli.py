"""``schemashift db ...`` end to end on SQLite (and PostgreSQL/MariaDB for update + status)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from schemashift.cli.main import main

from tests.targets.databases import DB_PARAMS, fresh_database

CHANGELOG = """--liquibase formatted sql

--changeset ana:1
create table account (id int primary key, email varchar(200));
--rollback drop table account;

--changeset ana:2 context:seed
insert into account values (1, 'a@example.com');
--rollback delete from account;
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "changelog.sql").write_text(CHANGELOG)
    return tmp_path


def db(command: str, url: str, project: Path, *extra: str) -> list[str]:
    return ["db", command, "--url", url, "--changelog-file", "db/changelog.sql", "--search-path", str(project),
            *extra]


@pytest.fixture(params=DB_PARAMS)
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def test_update_then_status_on_every_database(any_url: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(db("update", any_url, project)) == 0
    out = capsys.readouterr().out
    assert "EXECUTED     db/changelog.sql::1::ana" in out and "update: 2 changeset(s) processed" in out
    assert main(db("status", any_url, project)) == 0
    assert "is up to date" in capsys.readouterr().out


def test_update_defines_the_live_database_properties(any_url: str, tmp_path: Path) -> None:
    """The CLI reads the changelog for the open database: the connection-dependent ``database.*``
    properties are defined as in Liquibase (the same the service's deployments get)."""
    (tmp_path / "props.sql").write_text(
        "--liquibase formatted sql\n--changeset ana:1\ncreate table props (name varchar(20), val varchar(200));\n"
        "insert into props values ('version', '${database.databaseProductVersion}');\n"
        "insert into props values ('prefix', '${database.defaultSchemaNamePrefix}');\n")
    assert main(["db", "update", "--url", any_url, "--changelog-file", "props.sql", "--search-path", str(tmp_path)]) == 0
    from schemashift.targets import open_target

    with open_target(any_url) as target:
        found = dict(target.query_rows("SELECT name, val FROM props"))
        if target.dialect == "postgresql":
            version, schema = target.query_scalar("SHOW server_version"), target.query_scalar("SELECT current_schema()")
        elif target.dialect == "sqlite":
            version, schema = target.query_scalar("SELECT sqlite_version()"), None
        else:
            version, schema = target.query_scalar("SELECT VERSION()"), target.query_scalar("SELECT DATABASE()")
    assert found == {"version": version, "prefix": f".{schema}" if schema else ""}


def test_the_whole_command_set_on_sqlite(tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"jdbc:sqlite:{tmp_path / 'app.db'}"
    assert main(db("update-sql", url, project)) == 0
    script = capsys.readouterr().out
    assert "create table account" in script and "INSERT INTO DATABASECHANGELOG" in script
    assert main(db("status", url, project)) == 0
    assert "2 changesets have not been applied" in capsys.readouterr().out

    assert main(db("update-count", url, project, "--count", "1")) == 0
    assert main(["db", "tag", "--url", url, "--tag", "v1"]) == 0
    assert "Successfully tagged 'v1' on db/changelog.sql::1::ana" in capsys.readouterr().out
    assert main(db("update", url, project, "--contexts", "seed")) == 0
    assert main(db("rollback-sql", url, project, "--tag", "v1")) == 0
    assert "delete from account" in capsys.readouterr().out
    assert main(db("rollback", url, project, "--tag", "v1")) == 0
    assert "ROLLED_BACK  db/changelog.sql::2::ana" in capsys.readouterr().out

    assert main(["db", "history", "--url", url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(row["filename"], row["id"], row["tag"]) for row in rows] == [("db/changelog.sql", "1", "v1")]

    assert main(["db", "clear-checksums", "--url", url]) == 0
    assert main(db("validate", url, project)) == 0
    assert "No validation errors found." in capsys.readouterr().out
    assert main(db("changelog-sync", url, project, "--json")) == 0
    synced = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in synced["changesets"]] == ["2"] and synced["done"] is True
    assert main(db("rollback-count", url, project, "--count", "1")) == 0
    assert main(db("rollback-to-date", url, project, "--date", "2000-01-01")) == 0
    assert main(["db", "release-locks", "--url", url]) == 0
    assert "not locked" in capsys.readouterr().out


def test_expected_failures_exit_non_zero_with_a_message_and_no_traceback(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert main(db("update", url, project)) == 0
    (project / "db" / "changelog.sql").write_text(CHANGELOG.replace("email varchar(200)", "email text"))
    capsys.readouterr()
    assert main(db("update", url, project)) == 1
    err = capsys.readouterr().err
    assert "error: Validation failed with 1 error" in err and "db/changelog.sql::1::ana was: 9:" in err
    assert "Traceback" not in err

    assert main(db("validate", url, project)) == 1
    assert main(db("update", url, project, "--password-env", "SCHEMASHIFT_NO_SUCH_VAR")) == 1
    assert "SCHEMASHIFT_NO_SUCH_VAR" in capsys.readouterr().err
    assert main(db("update", "oracle://h/x", project)) == 1
    assert "Unsupported database URL scheme 'oracle'" in capsys.readouterr().err
    assert main(db("status", "postgresql://nobody:secret-pw@127.0.0.1:1/x", project)) == 1
    err = capsys.readouterr().err
    assert "Cannot connect to postgresql://127.0.0.1:1/x" in err and "secret-pw" not in err
    (project / "db" / "changelog.sql").write_text(CHANGELOG)
    assert main(db("rollback", url, project, "--tag", "missing")) == 1
    assert "Could not find tag 'missing' in the database" in capsys.readouterr().err


def test_a_failing_changeset_reports_what_ran_and_what_failed(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "db" / "changelog.sql").write_text(CHANGELOG + "\n--changeset ana:3\ninsert into nowhere values (1);\n")
    assert main(db("update", f"sqlite:///{tmp_path / 'app.db'}", project)) == 1
    captured = capsys.readouterr()
    assert "EXECUTED     db/changelog.sql::2::ana" in captured.out
    assert "error: Changeset db/changelog.sql::3::ana failed: no such table: nowhere" in captured.err
    assert "statement: insert into nowhere values (1)" in captured.err
