"""SQLite DDL as Liquibase 4.28 writes it, against real Liquibase on two fresh SQLite files.

SQLite keeps a column's declared type as written, so every difference in Liquibase's type mapping
shows: each type name of ``liquibase.datatype.core`` (aliases, parameters, text after them, unknown
names upper-cased) is created by both tools and the declared types compared one by one, and the
primary keys, which Liquibase names ``PK_<TABLE>`` when the changelog does not (also when a
rebuild such as addAutoIncrement adds the key). The CREATE TABLE statements SQLite stores are
compared word for word; rows (checksums), schema and Liquibase ``validate`` as in the corpora.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.engine.corpora import Case, crossover_clean, differences, run_case
from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "sqlite"
CREATED_BY_CREATE_TABLE = ("typed", "plain", "Named", "composite", "auto", "auto_named")


def _declared(path: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """Per table its columns' declared types, and its CREATE TABLE as SQLite stores it."""
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        types = {table: [(row[1], row[2]) for row in connection.execute(f'PRAGMA table_info("{table}")')]
                 for table in tables}
        sql = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    return types, {name: " ".join(text.split()) for name, text in sql.items()}


def test_sqlite_types_and_primary_keys_are_liquibase_s(tmp_path: Path) -> None:
    case = Case("sqlite", "sqlite", "root.xml", "sqlite")
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE, rollback=False)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.lb_stop is None and outcome.ss_stop is None, (outcome.lb_stop, outcome.ss_stop)
    found = differences(outcome.lb, outcome.ss)
    assert not any(found.values()), "\n".join(f"{key}: {item}" for key, items in found.items() for item in items)
    assert crossover_clean(outcome), outcome.crossover
    lb_types, lb_sql = _declared(tmp_path / "lb" / "target.db")
    ss_types, ss_sql = _declared(tmp_path / "ss" / "target.db")
    mismatched = [(lb, ss) for lb, ss in zip(lb_types["typed"], ss_types["typed"], strict=True) if lb != ss]
    assert not mismatched, mismatched
    assert len(ss_types["typed"]) > 140
    for table in CREATED_BY_CREATE_TABLE:
        assert ss_sql[table] == lb_sql[table], table
    assert "id INTEGER CONSTRAINT PK_NO_KEY PRIMARY KEY AUTOINCREMENT NOT NULL" in ss_sql["no_key"]
    assert outcome.ss.schema["table plain"]["primary key"] == ("PK_PLAIN", ("id",))
