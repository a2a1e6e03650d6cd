"""XML, YAML and JSON changelogs: includes, FILENAME derivation, properties, rollbacks, filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemashift.changelog import BundleAccessor, ChangelogError, ChangeSet, FileSystemAccessor, parse_changelog
from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange
from schemashift.changelog.changes.tables import DropTableChange
from schemashift.changelog.preconditions import (
    ColumnExistsPrecondition,
    DbmsPrecondition,
    NotPrecondition,
    OrPrecondition,
    SqlCheckPrecondition,
    TableExistsPrecondition,
)

XML_HEAD = '<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
XML_TAIL = "</databaseChangeLog>\n"


def xml(body: str) -> str:
    return XML_HEAD + body + XML_TAIL


def yaml_changeset(id: str, table: str) -> str:
    return (
        f"  - changeSet:\n      id: {id}\n      author: y\n      changes:\n"
        f"        - createTable:\n            tableName: {table}\n            columns:\n"
        "              - column: {name: id, type: int}\n"
    )


def test_includes_give_liquibase_filenames_and_inherit_filters() -> None:
    files = {
        "db/main.xml": xml(
            '<include file="sub/a.yaml" relativeToChangelogFile="true" context="inc" labels="L1"/>\n'
            '<include file="db/sub/../other/b.json"/>\n'
            '<includeAll path="all" relativeToChangelogFile="true" labels="many"/>\n'
        ),
        "db/sub/a.yaml": "databaseChangeLog:\n" + yaml_changeset("a1", "a"),
        "db/other/b.json": json.dumps(
            {"databaseChangeLog": [{"changeSet": {"id": "b1", "author": "j", "context": "x, y", "changes": []}}]}
        ),
        "db/all/2.sql": "--liquibase formatted sql\n--changeset s:2\nselect 2;\n",
        "db/all/10.sql": "--liquibase formatted sql\n--changeset s:10\nselect 10;\n",
        "db/all/B/1.yaml": "databaseChangeLog:\n" + yaml_changeset("B1", "b"),
        "db/all/notes.txt": "ignored",
    }
    log = parse_changelog("db/main.xml", BundleAccessor(files))
    rows = [(c.id, c.file_path, c.full_contexts(), c.full_labels()) for c in log.changesets]
    assert rows == [
        ("a1", "db/sub/a.yaml", "inc", "l1"),
        ("b1", "db/other/b.json", "(x, y)", None),  # YAML/JSON normalize their own path
        ("10", "db/all/10.sql", None, "many"),  # sorted by full path, as Java compares strings
        ("2", "db/all/2.sql", None, "many"),
        ("B1", "db/all/B/1.yaml", None, "many"),
    ]
    assert log.changesets[0].matches(["inc"], None, "sqlite")
    assert not log.changesets[0].matches(["prod"], None, "sqlite")
    assert log.changesets[0].matches(None, "l1 and !l2", "sqlite")
    assert not log.changesets[0].matches(None, "l2", "sqlite")


def test_root_path_is_kept_as_passed_for_xml_and_normalized_for_yaml(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(xml('<changeSet id="1" author="a"/>'))
    (tmp_path / "a.yaml").write_text("databaseChangeLog:\n" + yaml_changeset("1", "t"))
    accessor = FileSystemAccessor([str(tmp_path)])
    assert parse_changelog("./a.xml", accessor).changesets[0].file_path == "./a.xml"
    assert parse_changelog("./a.yaml", accessor).changesets[0].file_path == "a.yaml"


def test_properties_first_definition_wins_and_scopes_apply() -> None:
    files = {
        "main.xml": xml(
            '<property name="t" value="first"/>\n<property name="t" value="second"/>\n'
            '<property name="ctx" value="dev_value" context="dev"/>\n<property name="ctx" value="default"/>\n'
            '<changeSet id="1" author="a"><createTable tableName="${t}_${ctx}">'
            '<column name="id" type="${idType}"/></createTable></changeSet>\n'
        )
    }
    log = parse_changelog("main.xml", BundleAccessor(files), parameters={"idType": "bigint"})
    change = log.changesets[0].changes[0]
    # With no runtime contexts every context-scoped property applies (Liquibase matches empty contexts).
    assert change.description() == "createTable tableName=first_dev_value"
    assert change.columns[0].type == "bigint"  # type: ignore[attr-defined]
    in_prod = parse_changelog("main.xml", BundleAccessor(files), contexts="prod")
    assert in_prod.changesets[0].changes[0].description() == "createTable tableName=first_default"


def test_rollback_forms_and_preconditions_in_xml() -> None:
    log = parse_changelog(
        "m.xml",
        BundleAccessor(
            {
                "m.xml": xml(
                    '<changeSet id="1" author="a">\n'
                    '  <preConditions onFail="MARK_RAN">\n'
                    '    <or><dbms type="postgresql"/><not><tableExists tableName="t"/></not></or>\n'
                    '    <sqlCheck expectedResult="0">select count(*) from t</sqlCheck>\n'
                    '    <columnExists tableName="t" columnName="c"/>\n'
                    "  </preConditions>\n"
                    '  <createTable tableName="t"><column name="id" type="int"/></createTable>\n'
                    "</changeSet>\n"
                    '<changeSet id="2" author="a"><sql>select 1</sql><rollback>delete from t; delete from u;</rollback>'
                    "</changeSet>\n"
                    '<changeSet id="3" author="a"><sql>select 1</sql><rollback/></changeSet>\n'
                    '<changeSet id="4" author="a"><sql>select 1</sql>'
                    '<rollback changeSetId="1" changeSetAuthor="a"/></changeSet>\n'
                    '<changeSet id="5" author="a"><sql>select 1</sql><modifySql><append value=" x"/></modifySql>'
                    "</changeSet>\n"
                )
            }
        ),
    )
    one, two, three, four, five = log.changesets
    assert isinstance(one.rollback_changes()[0], DropTableChange)
    assert one.preconditions is not None and one.preconditions.on_fail == "MARK_RAN"
    or_condition, sql_check, column = one.preconditions.nested
    assert isinstance(or_condition, OrPrecondition)
    assert isinstance(or_condition.nested[0], DbmsPrecondition)
    assert isinstance(or_condition.nested[1], NotPrecondition)
    assert isinstance(or_condition.nested[1].nested[0], TableExistsPrecondition)
    assert sql_check == SqlCheckPrecondition("0", "select count(*) from t")
    assert column == ColumnExistsPrecondition("t", "c")
    assert [c.sql for c in two.rollback_changes()] == ["delete from t", "delete from u"]  # type: ignore[attr-defined]
    assert isinstance(three.rollback_changes()[0], EmptyChange)
    assert four.rollback_changes() == one.changes
    assert five.modify_sql(["select 1"], "sqlite") == ["select 1 x"]
    assert five.checksum() != ChangeSet("5", "a", "m.xml", changes=five.changes).checksum()


def test_yaml_rollback_string_and_changelog_preconditions() -> None:
    text = (
        "databaseChangeLog:\n"
        "  - preConditions:\n      - onFail: HALT\n      - dbms:\n          type: sqlite\n"
        "  - changeSet:\n      id: 1\n      author: y\n      changes:\n        - sql: select 1\n"
        "      rollback: drop table x\n"
        "  - changeSet:\n      id: 2\n      author: y\n      changes:\n        - tagDatabase: {tag: v2}\n"
    )
    log = parse_changelog("c.yaml", BundleAccessor({"c.yaml": text}))
    assert log.preconditions is not None and isinstance(log.preconditions.nested[0], DbmsPrecondition)
    first, second = log.changesets
    assert isinstance(first.changes[0], RawSqlChange) and first.changes[0].sql == "select 1"
    assert [c.sql for c in first.rollback_changes()] == ["drop table x"]  # type: ignore[attr-defined]
    assert second.is_tag() == "v2" and second.rollback_changes() == []


@pytest.mark.parametrize(
    ("name", "text", "message", "line"),
    [
        (
            "bad.xml",
            xml('<changeSet id="1" author="a"><createTabel tableName="t"/></changeSet>'),
            "Unknown change type",
            3,
        ),
        ("bad.xml", xml('<changeSet id="1" author="a"/>\n<changeSet id="1" author="a"/>'), "is a duplicate", 4),
        ("bad.xml", xml('<changeSet id="1" author="a">'), "Error parsing bad.xml", 3),
        (
            "bad.yaml",
            "databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n        - nope: {}\n",
            "Unknown change type",
            6,
        ),
        ("bad.yaml", "databaseChangeLog:\n  - changeSet:\n      author: a\n", "changeset id is required", 2),
        ("bad.yaml", "databaseChangeLog: {a: 1}\n", "does not contain a list", None),
        ("bad.yaml", "databaseChangeLog:\n  - include: {file: missing.yaml}\n", "missing.yaml was not found", 2),
    ],
)
def test_errors_name_file_and_line(name: str, text: str, message: str, line: int | None) -> None:
    with pytest.raises(ChangelogError) as raised:
        parse_changelog(name, BundleAccessor({name: text}))
    assert message in raised.value.message
    assert raised.value.file == name
    assert raised.value.line == line


def test_one_identity_in_mutually_exclusive_contexts_is_not_a_duplicate(tmp_path: Path) -> None:
    """Liquibase 4.28 runs the changeset whose context matches (its ``validate``, which takes no
    contexts, does list them as duplicate identifiers); the same identity twice in one scope stays
    an error."""
    from schemashift import engine
    from schemashift.targets import open_target

    body = (
        '<changeSet id="1" author="a" context="dev"><createTable tableName="dev_only">'
        '<column name="id" type="int"/></createTable></changeSet>'
        '<changeSet id="1" author="a" context="prod"><createTable tableName="prod_only">'
        '<column name="id" type="int"/></createTable></changeSet>'
    )
    log = parse_changelog("main.xml", BundleAccessor({"main.xml": xml(body)}))
    with open_target(f"sqlite:///{tmp_path / 'db.sqlite'}") as target:
        engine.update(target, log, contexts="dev")
        assert target.table_exists("dev_only") and not target.table_exists("prod_only")
        assert any("Duplicate changeset: main.xml::1::a" in error for error in engine.validate(target, log).errors)
    same = '<changeSet id="1" author="a"><sql>select 1</sql></changeSet>'
    with pytest.raises(ChangelogError, match="is a duplicate changeset"):
        parse_changelog("main.xml", BundleAccessor({"main.xml": xml(same + same)}))


def test_a_child_changelog_precondition_keeps_its_own_on_fail(tmp_path: Path) -> None:
    """lbit's included.failingprecondition.changelog.xml: ``onFail="WARN"`` in an included file
    warns (Liquibase logs it and runs on) even when the root has preconditions of its own."""
    from schemashift import engine
    from schemashift.targets import open_target

    files = {
        "main.xml": xml('<preConditions><dbms type="sqlite"/></preConditions><include file="child.xml"/>'),
        "child.xml": xml('<preConditions onFail="WARN"><dbms type="expected-to-fail"/></preConditions>'
                         '<changeSet id="1" author="a"><createTable tableName="t"><column name="id" type="int"/>'
                         '</createTable></changeSet>'),
    }
    log = parse_changelog("main.xml", BundleAccessor(files))
    with open_target(f"sqlite:///{tmp_path / 'db.sqlite'}") as target:
        result = engine.validate(target, log)
        assert result.valid and any("expected-to-fail" in warning for warning in result.warnings)
        engine.update(target, log)
        assert target.table_exists("t")
    files["main.xml"] = xml('<preConditions><dbms type="postgresql"/></preConditions><include file="child.xml"/>')
    with open_target(f"sqlite:///{tmp_path / 'other.sqlite'}") as target:
        assert not engine.validate(target, parse_changelog("main.xml", BundleAccessor(files))).valid
