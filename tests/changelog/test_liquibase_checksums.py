"""Differential test: real Liquibase 4.28 and our parser must write identical DATABASECHANGELOG rows.

Liquibase runs ``changelog-sync`` (which records every changeset without executing it) on:
- a fresh SQLite file for ``root.xml`` (XML, which includes YAML, JSON, formatted SQL and an
  includeAll directory) and for the formatted-SQL root ``./sql/formatted.sql``;
- an offline MariaDB target for ``alter.xml``, whose ALTER-style changes (not-null, defaults,
  keys, sequences) Liquibase refuses to validate on SQLite; offline mode writes its history
  to a CSV file with the same columns.
The three runs start together (each JVM takes a few seconds).
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.changelog.model import Dialect

from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

FIXTURES = Path(__file__).parent / "fixtures" / "liquibase"
COLUMNS = ("ID", "AUTHOR", "FILENAME", "MD5SUM", "DESCRIPTION", "COMMENTS", "CONTEXTS", "LABELS", "TAG")

Row = dict[str, str | None]


def _start(root: str, url: str, workdir: Path) -> subprocess.Popen[bytes]:
    command = [
        liquibase_binary(),
        "--show-banner=false",
        f"--search-path={FIXTURES}",
        f"--changelog-file={root}",
        f"--url={url}",
        "changelog-sync",
    ]
    # C1-only JIT and the serial GC roughly halve the JVM's start-up CPU for a short run.
    env = {**os.environ, "JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"}
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish(process: subprocess.Popen[bytes]) -> None:
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]


def _sqlite_rows(path: Path) -> list[Row]:
    with sqlite3.connect(path) as connection:
        cursor = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM DATABASECHANGELOG ORDER BY ORDEREXECUTED")
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor]


def _csv_rows(path: Path) -> list[Row]:
    with path.open(newline="") as handle:
        return [{column: row[column] for column in COLUMNS} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def liquibase(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    liquibase_binary()  # skips, or fails under SCHEMASHIFT_REQUIRE_LIQUIBASE=1, when it is absent
    workdir = tmp_path_factory.mktemp("liquibase")
    runs = {
        "root.xml": _start("root.xml", f"jdbc:sqlite:{workdir / 'root.sqlite'}", workdir),
        "alter.xml": _start("alter.xml", f"offline:mariadb?changeLogFile={workdir / 'alter.csv'}", workdir),
        "./sql/formatted.sql": _start("./sql/formatted.sql", f"jdbc:sqlite:{workdir / 'sql.sqlite'}", workdir),
    }
    for process in runs.values():
        _finish(process)
    return {
        "root.xml": _sqlite_rows(workdir / "root.sqlite"),
        "alter.xml": _csv_rows(workdir / "alter.csv"),
        "./sql/formatted.sql": _sqlite_rows(workdir / "sql.sqlite"),
    }


def _ours(root: str, dialect: Dialect) -> list[Row]:
    changelog = parse_changelog(root, FileSystemAccessor([str(FIXTURES)]), dialect=dialect)
    return [
        {
            "ID": changeset.id,
            "AUTHOR": changeset.author,
            "FILENAME": changeset.file_path,
            "MD5SUM": changeset.checksum(dialect),
            "DESCRIPTION": changeset.description(),
            "COMMENTS": changeset.comments(),
            "CONTEXTS": changeset.full_contexts(),
            "LABELS": changeset.full_labels(),
            "TAG": changeset.is_tag(),
        }
        for changeset in changelog.changesets
    ]


@pytest.mark.parametrize("root", ["root.xml", "./sql/formatted.sql"])
def test_rows_equal_liquibase_on_sqlite(liquibase: dict[str, list[Row]], root: str) -> None:
    expected = liquibase[root]
    assert len(expected) >= 4
    assert _ours(root, "sqlite") == expected


def test_alter_changes_equal_liquibase_offline_mariadb(liquibase: dict[str, list[Row]]) -> None:
    """Offline history omits CONTEXTS/LABELS detail and caps DESCRIPTION at 255, so compare the rest."""
    expected = liquibase["alter.xml"]
    ours = _ours("alter.xml", "mariadb")
    assert [row["ID"] for row in ours] == [row["ID"] for row in expected]
    for mine, theirs in zip(ours, expected, strict=True):
        for column in ("ID", "AUTHOR", "FILENAME", "MD5SUM", "COMMENTS"):
            assert mine[column] == theirs[column], (column, mine, theirs)
        description = theirs["DESCRIPTION"] or ""
        if len(description) > 250:
            assert (mine["DESCRIPTION"] or "")[:247] == description[:247]
        else:
            assert mine["DESCRIPTION"] == description
