"""Lazy rejection: a Liquibase element we cannot run only fails the changeset that would run it."""

from __future__ import annotations

import pytest
from schemashift import engine
from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog
from schemashift.engine import ChangelogValidationFailed, MigrationFailed
from schemashift.targets import open_target

HEAD = '<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
TAIL = "</databaseChangeLog>\n"

CHANGELOG = HEAD + """
<changeSet id="1" author="a"><createTable tableName="t"><column name="id" type="int"/></createTable></changeSet>
<changeSet id="2" author="a" context="legacy"><customChange class="com.example.Fix"/></changeSet>
<changeSet id="3" author="a" dbms="oracle">
  <preConditions><customPrecondition className="com.example.Check"/></preConditions>
  <sql>select 1 from dual</sql>
</changeSet>
""" + TAIL


def _parse(text: str, dialect: str = "sqlite"):
    return parse_changelog("db/changelog.xml", BundleAccessor({"db/changelog.xml": text}), dialect=dialect)


def test_unsupported_elements_in_changesets_that_do_not_run_are_harmless(db_url: str) -> None:
    with open_target(db_url) as target:
        result = engine.update(target, _parse(CHANGELOG, target.dialect), contexts="prod")
        assert [item.id for item in result.changesets] == ["1"]
        assert engine.status(target, _parse(CHANGELOG, target.dialect), contexts="prod").pending == []


def test_an_unsupported_element_that_would_run_fails_naming_element_changeset_and_file(db_url: str) -> None:
    with open_target(db_url) as target:
        with pytest.raises(ChangelogValidationFailed) as failure:
            engine.update(target, _parse(CHANGELOG, target.dialect), contexts="legacy")
        message = str(failure.value.message)
        assert "db/changelog.xml::2::a" in message and "customChange" in message and "db/changelog.xml:" in message
        assert engine.history(target).rows == []  # validation failed before anything ran


def test_a_name_liquibase_does_not_know_is_still_a_parse_error() -> None:
    with pytest.raises(ChangelogError, match="Unknown change type 'createTabel'"):
        _parse(HEAD + '<changeSet id="1" author="a"><createTabel tableName="t"/></changeSet>' + TAIL)
    with pytest.raises(ChangelogError, match="Unknown precondition 'tableExist'"):
        _parse(HEAD + '<changeSet id="1" author="a"><preConditions><tableExist tableName="t"/></preConditions>'
               "<sql>select 1</sql></changeSet>" + TAIL)


def test_the_checksum_of_an_unsupported_change_is_refused_not_invented() -> None:
    changeset = _parse(CHANGELOG).changesets[1]
    assert changeset.unsupported_changes()
    with pytest.raises(ChangelogError, match="customChange"):
        changeset.checksum("sqlite")


def test_a_custom_precondition_fails_its_on_fail_decides(db_url: str) -> None:
    """As in Liquibase without the class on its classpath: a failure (onFail), not an error (onError)."""
    text = HEAD + """
<changeSet id="1" author="a"><createTable tableName="t"><column name="id" type="int"/></createTable></changeSet>
<changeSet id="2" author="a">
  <preConditions onFail="MARK_RAN"><customPrecondition className="com.example.Check"/></preConditions>
  <sql>insert into t (id) values (2)</sql>
</changeSet>
<changeSet id="3" author="a">
  <preConditions onError="MARK_RAN"><customPrecondition className="com.example.Check"/></preConditions>
  <sql>insert into t (id) values (3)</sql>
</changeSet>
""" + TAIL
    with open_target(db_url) as target:
        with pytest.raises(MigrationFailed) as failure:
            engine.update(target, _parse(text, target.dialect))
        message = failure.value.message
        assert "db/changelog.xml::3::a" in message
        assert "Could not open custom precondition class com.example.Check" in message
        rows = {row.id: row.exec_type for row in engine.history(target).rows}
        assert rows == {"1": "EXECUTED", "2": "MARK_RAN"}
        assert target.query_rows("SELECT id FROM t") == []
