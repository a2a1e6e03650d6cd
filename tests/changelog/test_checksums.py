"""Checksums against the values Liquibase 4.28's own tests expect."""

from __future__ import annotations

from schemashift.changelog.changes.sql import RawSqlChange, SqlFileChange
from schemashift.changelog.changes.tables import CreateTableChange
from schemashift.changelog.checksums import compute, serialize, sql_checksum
from schemashift.changelog.model import ChangeSet
from schemashift.changelog.node import Node


def _person_table() -> CreateTableChange:
    node = Node(
        "createTable",
        {"tableName": "person"},
        [
            Node("column", {"name": "id", "type": "int", "autoIncrement": "true"},
                 [Node("constraints", {"primaryKey": "true", "nullable": "false"})]),
            Node("column", {"name": "firstname", "type": "varchar(50)"}),
            Node("column", {"name": "lastname", "type": "varchar(50)"}, [Node("constraints", {"nullable": "false"})]),
        ],
    )  # fmt: skip
    change = CreateTableChange.load(node)
    assert isinstance(change, CreateTableChange)
    return change


def test_empty_changeset_is_md5_of_nothing() -> None:
    assert ChangeSet("1", "a", "f.sql").checksum() == "9:d41d8cd98f00b204e9800998ecf8427e"


def test_dbms_targeted_sql_counts_unless_the_database_is_excluded() -> None:
    changeset = ChangeSet("1", "a", "f.xml", changes=[RawSqlChange(sql="select 1", dbms="h2")])
    assert changeset.checksum(None) == "9:3b78b9910981c62ca27148640fad7bc2"
    assert changeset.checksum("postgresql") == "9:d41d8cd98f00b204e9800998ecf8427e"
    assert changeset.checksum("postgresql", version=8) != "8:d41d8cd98f00b204e9800998ecf8427e"


def test_sql_file_checksum_ignores_whitespace() -> None:
    change = SqlFileChange(path="x.sql", file_text="create table thisShouldRun(id int)\n")
    assert ChangeSet("1", "a", "f.xml", changes=[change]).checksum() == "9:62336a615e62e89c9d86128d1ca60ecf"
    assert sql_checksum("create table\tthisShouldRun (id int)") == sql_checksum("createtablethisShouldRun(idint)")


def test_create_table_serializes_like_liquibase() -> None:
    change = _person_table()
    text = serialize(change)
    assert text.startswith('createTable:[\n    columns=[\n        [\n            [\n                nullable="false"')
    assert text.endswith('    tableName="person"\n]')
    assert ChangeSet("1", "a", "f.xml", changes=[change]).checksum() == "9:10de8cd690aed1d88d837cbe555d1684"
    assert change.description() == "createTable tableName=person"


def test_v8_checksums_include_dbms_filtered_changes() -> None:
    """The rows of Liquibase's UpgradeChecksumVersionIntegrationTest (dbms-filter-changelog.xml)."""
    text = (
        "I can write anything here as this content will only be used\n"
        "                  to generate checksum on versions before 9"
    )
    sql = ChangeSet("1", "fl", "f.xml", changes=[RawSqlChange(sql=text, dbms="thisDbWillNeverExist")])
    assert sql.checksum("sqlite", version=8) == "8:0a36c7b201a287dd3348e8dd19e44be7"
    assert sql.checksum("sqlite") == "9:d41d8cd98f00b204e9800998ecf8427e"
    file_text = "create table thisShouldRun(id int)\n"
    files = ChangeSet(
        "2",
        "fl",
        "f.xml",
        changes=[SqlFileChange(path="c.sql", file_text=file_text, dbms=dbms) for dbms in ("nowhere", "h2")],
    )
    assert files.checksum("sqlite", version=8) == "8:a6a54dbc65048ebf1388da78c31ef1a9"
    assert files.is_checksum_valid("8:a6a54dbc65048ebf1388da78c31ef1a9", "sqlite")
    assert not files.is_checksum_valid("9:a6a54dbc65048ebf1388da78c31ef1a9", "sqlite")


def test_compute_normalises_line_endings_and_nfc() -> None:
    assert compute("a\r\nb") == compute("a\nb") == compute("a\rb")
    assert compute("e\u0301") == compute("\u00e9")
