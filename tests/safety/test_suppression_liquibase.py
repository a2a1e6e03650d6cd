"""The suppression spellings are Liquibase-friendly: real Liquibase 4.28 updates with them, and the
lint honours them (XML schemashift:lintIgnore, YAML lintIgnore, a SQL comment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.safety.lint import lint_changelog

from tests.engine.liquibase_cli import run_liquibase

XML = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:schemashift="https://schemashift.dev/xml/ns/safety"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">
    <changeSet id="1" author="ann">
        <createTable tableName="account"><column name="id" type="int"/><column name="note" type="varchar(20)"/></createTable>
    </changeSet>
    <changeSet id="2" author="ann" schemashift:lintIgnore="drop-column, no-rollback">
        <dropColumn tableName="account" columnName="note"/>
    </changeSet>
    <changeSet id="3" author="ann">
        <sql>-- schemashift:lint-ignore delete-without-where -- emptied on purpose
DELETE FROM account</sql>
        <rollback/>
    </changeSet>
</databaseChangeLog>
"""
YAML = """databaseChangeLog:
  - changeSet:
      id: 1
      author: ann
      changes:
        - createTable:
            tableName: account
            columns:
              - column: {name: id, type: int}
              - column: {name: note, type: varchar(20)}
  - changeSet:
      id: 2
      author: ann
      lintIgnore: drop-column, no-rollback
      changes:
        - dropColumn: {tableName: account, columnName: note}
"""
SQL = """--liquibase formatted sql

--changeset ann:1
CREATE TABLE account (id INT, note VARCHAR(20));
--rollback DROP TABLE account;

--changeset ann:2
-- schemashift:lint-ignore drop-column, no-rollback
ALTER TABLE account DROP COLUMN note;
"""


@pytest.mark.liquibase
@pytest.mark.parametrize(("name", "text"), [("changelog.xml", XML), ("changelog.yaml", YAML), ("changelog.sql", SQL)])
def test_liquibase_accepts_the_suppressions_and_the_lint_honours_them(name: str, text: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(text)
    changelog = parse_changelog(name, FileSystemAccessor([str(tmp_path)]))
    report = lint_changelog(changelog, "sqlite")
    assert report.findings == [] and report.suppressed >= 2, [f.to_dict() for f in report.findings]
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    output = run_liquibase(["update"], url=url, changelog=name, search_path=tmp_path)
    assert "Liquibase command 'update' was executed successfully" in output, output
    status = run_liquibase(["status"], url=url, changelog=name, search_path=tmp_path)
    assert "is up to date" in status, status
