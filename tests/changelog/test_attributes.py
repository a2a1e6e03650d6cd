"""Changeset, include and includeAll attributes read as Liquibase 4.28 reads them, and the ones
schemashift cannot honour refused or warned about (never silently dropped). The differential
cases against real Liquibase are in ``tests/engine/test_liquibase_attributes.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from schemashift import engine
from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog
from schemashift.engine import ChangelogValidationFailed
from schemashift.targets import open_target

HEAD = '<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
TAIL = "</databaseChangeLog>\n"


def _table(name: str) -> str:
    return f'<createTable tableName="{name}"><column name="id" type="int"/></createTable>'


def _parse(files: dict[str, str], root: str = "root.xml", dialect: str = "sqlite"):
    return parse_changelog(root, BundleAccessor(files), dialect=dialect)


def test_run_order_first_and_last_place_changesets_as_liquibase() -> None:
    child = HEAD + f'<changeSet id="c-last" author="a" runOrder="last">{_table("c1")}</changeSet>' + \
        f'<changeSet id="c-first" author="a" runOrder="first">{_table("c2")}</changeSet>' + \
        f'<changeSet id="c" author="a">{_table("c3")}</changeSet>' + TAIL
    root = HEAD + f'<changeSet id="1" author="a">{_table("t1")}</changeSet>' + \
        f'<changeSet id="last" author="a" runOrder="last">{_table("t2")}</changeSet>' + \
        '<include file="child.xml"/>' + \
        f'<changeSet id="first" author="a" runOrder="first">{_table("t3")}</changeSet>' + \
        f'<changeSet id="2" author="a">{_table("t4")}</changeSet>' + TAIL
    changelog = _parse({"root.xml": root, "child.xml": child})
    assert [cs.id for cs in changelog.changesets] == ["c-first", "first", "1", "c", "2", "last", "c-last"]


def test_an_unknown_run_order_is_refused_as_liquibase_does() -> None:
    root = HEAD + f'<changeSet id="1" author="a" runOrder="middle">{_table("t")}</changeSet>' + TAIL
    with pytest.raises(ChangelogError, match="Unknown runOrder: middle"):
        _parse({"root.xml": root})


def test_booleans_are_read_with_boolean_value_of_and_warned_about() -> None:
    text = """databaseChangeLog:
  - changeSet:
      id: 1
      author: a
      runOnChange: "TRUE"
      runInTransaction: "no"
      changes:
        - insert:
            tableName: t
            columns:
              - column: {name: flag, valueBoolean: "falsee"}
              - column: {name: other, valueBoolean: 1}
"""
    changeset = _parse({"root.yaml": text}, "root.yaml").changesets[0]
    assert changeset.run_on_change is True and changeset.run_in_transaction is False
    columns = changeset.changes[0].columns
    assert [column.value_boolean for column in columns] == [False, False]
    assert [warning.split(": ", 1)[1] for warning in changeset.warnings] == [
        "'valueBoolean' is 'falsee', read as false (as Liquibase reads it)",
        "'valueBoolean' is '1', read as false (as Liquibase reads it)"]


def test_include_all_depth_bounds_are_checked_as_liquibase_does() -> None:
    files = {"root.xml": HEAD + '<includeAll path="db" minDepth="3" maxDepth="2"/>' + TAIL,
             "db/a.xml": HEAD + f'<changeSet id="1" author="a">{_table("t")}</changeSet>' + TAIL}
    with pytest.raises(ChangelogError, match="maxDepth argument must be greater than minDepth"):
        _parse(files)
    files["root.xml"] = HEAD + '<includeAll path="db" maxDepth="0"/>' + TAIL
    with pytest.raises(ChangelogError, match="no changelogs matched"):
        _parse(files)
    files["root.xml"] = HEAD + '<includeAll path="db" maxDepth="0" errorIfMissingOrEmpty="false"/>' + TAIL
    assert _parse(files).changesets == []


def test_include_all_resource_filter_is_refused_and_comparator_warned() -> None:
    files = {"root.xml": HEAD + '<includeAll path="db" filter="com.example.Only"/>' + TAIL,
             "db/a.xml": HEAD + f'<changeSet id="1" author="a">{_table("t")}</changeSet>' + TAIL}
    with pytest.raises(ChangelogError, match="names a Java class"):
        _parse(files)
    files["root.xml"] = HEAD + '<includeAll path="db" resourceComparator="com.example.Order"/>' + TAIL
    changelog = _parse(files)
    assert [cs.id for cs in changelog.changesets] == ["1"]
    assert any("resourceComparator 'com.example.Order'" in warning for warning in changelog.warnings)


def test_unknown_on_sql_output_and_on_validation_fail_are_refused() -> None:
    bad_output = HEAD + '<changeSet id="1" author="a"><preConditions onSqlOutput="MAYBE"><dbms type="sqlite"/>' \
        f'</preConditions>{_table("t")}</changeSet>' + TAIL
    with pytest.raises(ChangelogError, match="Unknown onSqlOutput attribute value 'MAYBE'"):
        _parse({"root.xml": bad_output})
    bad_fail = HEAD + f'<changeSet id="1" author="a" onValidationFail="mark_ran">{_table("t")}</changeSet>' + TAIL
    with pytest.raises(ChangelogError, match="onValidationFail is HALT or MARK_RAN"):
        _parse({"root.xml": bad_fail})


def test_an_unknown_modify_sql_child_is_warned_about() -> None:
    root = HEAD + f'<changeSet id="1" author="a">{_table("t")}<modifySql><rewrite value="x"/></modifySql>' \
        '</changeSet>' + TAIL
    changeset = _parse({"root.xml": root}).changesets[0]
    assert changeset.sql_visitors == [] and "'rewrite' inside modifySql" in changeset.warnings[0]


def test_run_with_another_executor_is_refused_only_when_its_changeset_is_in_scope(tmp_path: Path) -> None:
    root = HEAD + f'<changeSet id="1" author="a">{_table("t1")}</changeSet>' + \
        f'<changeSet id="2" author="a" runWith="psql" context="native">{_table("t2")}</changeSet>' + TAIL
    with open_target(f"sqlite:///{tmp_path / 'db.sqlite'}") as target:
        result = engine.update(target, _parse({"root.xml": root}), contexts="prod")
        assert [item.id for item in result.changesets] == ["1"]
        with pytest.raises(ChangelogValidationFailed, match=re.escape(
                "Unable to locate Executor 'psql' for changeset 'root.xml::2::a'")):
            engine.update(target, _parse({"root.xml": root}), contexts="native")


def test_on_validation_fail_mark_ran_records_the_changeset_without_running_it(tmp_path: Path) -> None:
    root = HEAD + '<changeSet id="1" author="a" onValidationFail="MARK_RAN"><dropTable/></changeSet>' + \
        '<changeSet id="2" author="a"><dropTable/></changeSet>' + TAIL
    with open_target(f"sqlite:///{tmp_path / 'db.sqlite'}") as target:
        with pytest.raises(ChangelogValidationFailed, match=re.escape("root.xml::2::a")):
            engine.update(target, _parse({"root.xml": root}))
        only_first = HEAD + '<changeSet id="1" author="a" onValidationFail="MARK_RAN"><dropTable/></changeSet>' + TAIL
        result = engine.update(target, _parse({"root.xml": only_first}))
    assert [(item.id, item.status) for item in result.changesets] == [("1", "MARK_RAN")]
    assert any("marked ran (onValidationFail MARK_RAN)" in warning for warning in result.warnings)


def test_attributes_liquibase_does_not_read_are_warned_about() -> None:
    root = HEAD + '<include file="child.xml" logicalFilePath="moved.xml"/>' + \
        f'<changeSet id="1" author="a" runEvery="day">{_table("t")}</changeSet>' + TAIL
    changelog = _parse({"root.xml": root, "child.xml": HEAD + TAIL})
    assert changelog.warnings == ["root.xml:3: 'logicalFilePath' is not a Liquibase 4.28 include attribute and is "
                                  "ignored"]
    assert changelog.changesets[0].warnings == [
        "root.xml:3: 'runEvery' is not a Liquibase 4.28 changeSet attribute and is ignored"]


def test_rollback_references_match_ignoring_case_as_liquibase() -> None:
    root = HEAD + f'<changeSet id="Create" author="Alice">{_table("t")}</changeSet>' + \
        '<changeSet id="2" author="a"><sql>select 1</sql>' \
        '<rollback changeSetId="create" changeSetAuthor="alice"/></changeSet>' + TAIL
    changeset = _parse({"root.xml": root}).changesets[1]
    assert [change.name for change in changeset.rollback_changes()] == ["createTable"]
