"""modifySql edits what runs (and what the checksum covers), forward and on rollback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.engine import update
from schemashift.targets import open_target

CHANGELOG = """
databaseChangeLog:
  - changeSet:
      id: 1
      author: alice
      changes:
        - createTable:
            tableName: person
            columns:
              - column: {name: id, type: int, constraints: {primaryKey: true, nullable: false}}
              - column: {name: name, type: varchar(50)}
      modifySql:
        - replace: {replace: "VARCHAR(50)", with: "VARCHAR(80)"}
"""


def test_modify_sql_changes_the_statements_that_run(tmp_path: Path) -> None:
    (tmp_path / "changelog.yaml").write_text(CHANGELOG)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with open_target(url) as target:
        changelog = parse_changelog("changelog.yaml", FileSystemAccessor([str(tmp_path)]), dialect=target.dialect)
        result = update(target, changelog)
    assert any("VARCHAR(80)" in s for s in result.changesets[0].statements)
    ddl = sqlite3.connect(tmp_path / "db.sqlite").execute(
        "SELECT sql FROM sqlite_master WHERE name = 'person'").fetchone()[0]
    assert "VARCHAR(80)" in ddl and "VARCHAR(50)" not in ddl
