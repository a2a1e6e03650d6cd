"""Parsing the elements added for Liquibase coverage: removeChangeSetProperty, database.* properties,
loadData's checksum input and CSV reading, executeCommand's os filter."""

from __future__ import annotations

import gzip

import pytest
from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog
from schemashift.changelog.changes.loaddata import LoadDataChange, checksum_bytes

HEAD = '<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
TAIL = "</databaseChangeLog>\n"


def _parse(body: str, dialect: str | None = "postgresql", files: dict[str, str] | None = None):
    bundle = {"c.xml": HEAD + body + TAIL, **(files or {})}
    return parse_changelog("c.xml", BundleAccessor(bundle), dialect=dialect)  # type: ignore[arg-type]


ADD = '<changeSet id="{id}" author="a"><addColumn tableName="t"><column name="c" type="int" afterColumn="b"/></addColumn></changeSet>'


@pytest.mark.parametrize(("dialect", "removed"), [("postgresql", True), ("mariadb", False), (None, False)])
def test_remove_change_set_property_drops_after_column_for_the_listed_databases(dialect: str | None, removed: bool) -> None:
    log = _parse(ADD.format(id="1") + '<removeChangeSetProperty dbms="mysql, postgresql" change="addColumn" '
                 'remove="afterColumn"/>' + ADD.format(id="2"), dialect)
    before, after = (cs.changes[0].columns[0].after_column for cs in log.changesets)  # type: ignore[attr-defined]
    assert before == "b"
    assert after == (None if removed else "b")


def test_database_properties_are_defined_and_win_over_changelog_properties() -> None:
    log = _parse('<property name="database.typeName" value="oracle"/>'
                 '<changeSet id="1" author="a"><sql>select \'${database.typeName} ${database.databaseProductName} '
                 '${database.currentDateTimeFunction} ${database.defaultSchemaName}\'</sql></changeSet>', "mariadb")
    assert log.changesets[0].changes[0].sql == "select 'mariadb MariaDB NOW() ${database.defaultSchemaName}'"  # type: ignore[attr-defined]


def test_load_data_checksum_input_skips_blank_and_comment_lines_and_crs() -> None:
    assert checksum_bytes(b"\n\na;b\r\n#x\r\n\r\n1;2\n", "#") == b"a;b\n1;2"
    assert checksum_bytes(b"a\n-- c\n1\n", "--") == b"a\n1"
    assert checksum_bytes(b"a\n#c\rX\n1", "#") == b"a\nX\n1"  # Liquibase's stream ends a comment at a CR


def test_load_data_reads_gzip_and_a_missing_file_only_fails_when_needed() -> None:
    data = gzip.compress(b"id;name\n1;x\n")
    change = LoadDataChange(table_name="t", file="d.csv.gz", separator=";", file_bytes=data)
    assert change.generate_statements("postgresql") == ["INSERT INTO t (id, name) VALUES ('1', 'x')"]
    log = _parse('<changeSet id="1" author="a" context="never"><loadData file="missing.csv" tableName="t"/></changeSet>')
    with pytest.raises(ChangelogError, match=r"missing\.csv"):
        log.changesets[0].checksum("postgresql")


def test_execute_command_for_another_os_is_a_no_op_and_otherwise_a_host_command() -> None:
    log = _parse('<changeSet id="1" author="a"><executeCommand executable="ping.exe" os="Windows 10"/>'
                 '<executeCommand executable="/bin/ls" os="Linux, Mac OS X" timeout="2m"><arg value="-l"/>'
                 '</executeCommand><executeCommand executable="x" timeout="soon"/></changeSet>')
    windows, here, bad = log.changesets[0].changes
    assert windows.host_command().runs_here is False and windows.generate_statements("postgresql") == []
    command = here.host_command()
    assert (command.argv, command.timeout_seconds, command.runs_here) == (("/bin/ls", "-l"), 120.0, True)
    assert command.display == "/bin/ls -l"
    assert here.validate("postgresql") == []
    assert bad.validate("postgresql") == ["Invalid value specified for timeout: soon"]
