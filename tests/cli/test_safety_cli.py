"""``schemashift db lint | test-rollback | dry-run`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemashift.cli.main import main

from tests.targets.databases import fresh_database

CHANGELOG = """--liquibase formatted sql

--changeset ana:1
CREATE TABLE account (id INT PRIMARY KEY, email VARCHAR(200));
--rollback DROP TABLE account;

--changeset ana:2
ALTER TABLE account ADD note VARCHAR(20);
--rollback SELECT 1;

--changeset ana:3
DROP TABLE account;
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "changelog.sql").write_text(CHANGELOG)
    return tmp_path


def _args(command: str, project: Path, *extra: str) -> list[str]:
    return ["db", command, "--changelog-file", "db/changelog.sql", "--search-path", str(project), *extra]


def test_lint_offline_prints_findings_and_fails_on_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args("lint", project, "--dialect", "postgresql")) == 1
    out = capsys.readouterr().out
    assert "ERROR   drop-table  db/changelog.sql::3::ana" in out
    assert "statement: DROP TABLE account" in out and "fix: " in out
    assert "3 changeset(s), 3 statement(s) linted for postgresql: 1 error(s), 1 warning(s), 0 info" in out
    assert main(_args("lint", project, "--dialect", "postgresql", "--fail-on", "never")) == 0
    capsys.readouterr()
    assert main(_args("lint", project, "--dialect", "sqlite", "--json")) == 1
    body = json.loads(capsys.readouterr().out)
    assert {f["rule"] for f in body["findings"]} == {"drop-table", "no-rollback"}


def test_lint_config_overrides_and_disables(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = project / "lint.yaml"
    config.write_text("severity: {drop-table: warning}\ndisabled: [no-rollback]\n")
    assert main(_args("lint", project, "--dialect", "mysql", "--config", str(config), "--json")) == 0
    body = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["severity"]) for f in body["findings"]] == [("drop-table", "warning")]
    config.write_text("disabled: [no-such-rule]\n")
    assert main(_args("lint", project, "--dialect", "mysql", "--config", str(config))) == 1
    assert "unknown lint rule(s): no-such-rule" in capsys.readouterr().err


def test_lint_of_a_database_lints_only_its_pending_changesets(project: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert main(["db", "update-count", "--count", "1", "--url", url, "--changelog-file", "db/changelog.sql",
                 "--search-path", str(project)]) == 0
    capsys.readouterr()
    assert main(_args("lint", project, "--url", url, "--json")) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["changesets"] == 2 and body["dialect"] == "sqlite"


def test_test_rollback_names_the_changeset_that_leaves_a_column(project: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert main(_args("test-rollback", project, "--url", url)) == 1
    out = capsys.readouterr().out
    assert "NOT_RESTORED    db/changelog.sql::2::ana" in out
    assert "column account.note is left behind" in out
    assert "First changeset whose rollback does not restore the schema: db/changelog.sql::2::ana" in out
    assert not (tmp_path / "app.db").exists() or (tmp_path / "app.db").stat().st_size == 0


@pytest.mark.postgres
def test_dry_run_reports_timings_and_leaves_nothing(project: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        assert main(_args("dry-run", project, "--url", url, "--json")) == 0
        body = json.loads(capsys.readouterr().out)
        assert [c["status"] for c in body["changesets"]] == ["EXECUTED"] * 3 and body["rolledBack"]
        assert main(["db", "status", "--url", url, "--changelog-file", "db/changelog.sql", "--search-path",
                     str(project)]) == 0
        assert "3 changesets have not been applied" in capsys.readouterr().out
