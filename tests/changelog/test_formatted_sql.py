"""Formatted SQL directives and errors, as Liquibase's parser treats them."""

from __future__ import annotations

import pytest
from schemashift.changelog import BundleAccessor, ChangelogError, RollbackImpossible, parse_changelog
from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange
from schemashift.changelog.checksums import sql_checksum
from schemashift.changelog.model import DatabaseChangeLog
from schemashift.changelog.preconditions import SqlCheckPrecondition, TableExistsPrecondition, ViewExistsPrecondition

HEADER = "--liquibase formatted sql\n"


def parse(body: str, path: str = "db/changelog.sql", **kwargs: object) -> DatabaseChangeLog:
    return parse_changelog(path, BundleAccessor({path: HEADER + body}), **kwargs)  # type: ignore[arg-type]


def test_changeset_attributes_comments_and_sql_body() -> None:
    log = parse(
        "--changeset alice:1 runOnChange:true runAlways:true runInTransaction:false failOnError:false "
        'context:"dev and !prod" labels:A,b dbms:postgresql,sqlite endDelimiter:GO splitStatements:false\n'
        "--comment: the reason\n"
        "create table t (id int);\n"
        "-- this comment is part of the SQL\n"
        "--rollback drop table t;\n"
    )
    (changeset,) = log.changesets
    assert (changeset.id, changeset.author, changeset.file_path) == ("1", "alice", "db/changelog.sql")
    assert changeset.run_on_change and changeset.run_always
    assert not changeset.run_in_transaction and not changeset.fail_on_error
    assert changeset.contexts == "dev and !prod" and changeset.full_contexts() == "(dev and !prod)"
    assert changeset.full_labels() == "a,b" and changeset.dbms == "postgresql,sqlite"
    assert changeset.comments() == "the reason"
    change = changeset.changes[0]
    assert isinstance(change, RawSqlChange)
    assert change.sql == "create table t (id int);\n-- this comment is part of the SQL"
    assert (change.end_delimiter, change.split_statements, change.strip_comments) == ("GO", False, True)
    assert changeset.checksum() == changeset.checksum(version=9)
    assert change.checksum(8) == sql_checksum(
        change.sql, 8, end_delimiter="GO", split_statements=False, strip_comments=True
    )


def test_rollback_forms() -> None:
    log = parse(
        "--changeset a:1\ncreate table t1 (id int);\n--rollback drop table t1;\n--rollback select 1;\n"
        "--changeset a:2\ncreate table t2 (id int);\n/* liquibase rollback\ndrop table\n t2;\n*/\n"
        "--changeset a:3\ncreate table t3 (id int);\n--rollback not required\n"
        "--changeset a:4\ncreate table t4 (id int);\n--rollback changesetId:1 changesetAuthor:a\n"
        "--changeset a:5\ncreate table t5 (id int);\n"
    )
    one, two, three, four, five = log.changesets
    assert [change.generate_statements("sqlite") for change in one.rollback_changes()] == [
        ["drop table t1", "select 1"]
    ]
    assert two.rollback_changes()[0].generate_statements("sqlite") == ["drop table t2"]  # lines joined, no newline
    assert isinstance(three.rollback_changes()[0], EmptyChange)
    assert four.rollback_changes() == one.changes
    with pytest.raises(RollbackImpossible, match="does not support automatic rollback generation for raw sql"):
        five.rollback_changes()


def test_preconditions_valid_checksums_and_logical_paths() -> None:
    body = (
        "--changeset a:1 logicalFilePath:/other/path.sql\n"
        "--preconditions onFail:MARK_RAN onError:WARN\n"
        "--precondition-sql-check expectedResult:'0 rows' select count(*) from t\n"
        "--precondition-table-exists table:t schema:public\n"
        "--precondition-view-exists view:v\n"
        "--validCheckSum: 9:abc\n"
        "--validCheckSum ANY\n"
        "select 1;\n"
    )
    (changeset,) = parse(body).changesets
    assert changeset.file_path == "other/path.sql"
    preconditions = changeset.preconditions
    assert preconditions is not None and (preconditions.on_fail, preconditions.on_error) == ("MARK_RAN", "WARN")
    assert preconditions.nested == [
        SqlCheckPrecondition("0 rows", "select count(*) from t"),
        TableExistsPrecondition("t", "public"),
        ViewExistsPrecondition("v", None),
    ]
    assert changeset.valid_checksums == ["9:abc", "ANY"]
    assert changeset.is_checksum_valid("9:00000000000000000000000000000000")
    header_path = parse_changelog(
        "x.sql",
        BundleAccessor({"x.sql": "--liquibase formatted sql logicalFilePath:\\a\\b.sql\n--changeset a:1\nselect 1\n"}),
    )
    assert header_path.changesets[0].file_path == "a/b.sql"


def test_properties_ignore_lines_and_parameter_precedence() -> None:
    body = (
        "--property name:table value:from_file\n"
        "--property name:scoped value:pg dbms:postgresql\n"
        "--property name:scoped value:other\n"
        "--changeset a:1\n"
        "create table ${table} (v varchar(9) default '${scoped}');\n"
        "--ignoreLines:start\nthis is not SQL\n--ignoreLines:end\n"
        "--ignoreLines:1\nnor this\n"
        "select '${unknown}';\n"
    )
    sql = parse(body).changesets[0].changes[0].sql  # type: ignore[attr-defined]
    assert sql == "create table from_file (v varchar(9) default 'other');\nselect '${unknown}';"
    overridden = parse(body, parameters={"table": "from_caller"}, dialect="postgresql")
    assert (
        overridden.changesets[0]
        .changes[0]
        .sql.startswith(  # type: ignore[attr-defined]
            "create table from_caller (v varchar(9) default 'pg')"
        )
    )


def test_dbms_filter_drops_changesets_when_the_database_is_known() -> None:
    body = "--changeset a:1 dbms:!sqlite\nselect 1;\n--changeset a:2 dbms:sqlite\nselect 2;\n"
    assert [c.id for c in parse(body).changesets] == ["1", "2"]
    assert [c.id for c in parse(body, dialect="sqlite").changesets] == ["2"]
    assert [c.id for c in parse(body, dialect="postgresql").changesets] == ["1"]


def test_final_changeset_with_slash_terminator_gets_slash_delimiter() -> None:
    log = parse("--changeset a:1\nbegin\n  null;\nend;\n/\n")
    change = log.changesets[0].changes[0]
    assert change.end_delimiter == "\n/$"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("--changeset a:1\n--changeset a:2\nselect 1;\n", "No SQL for changeset db/changelog.sql::1::a", 2),
        ("-changeset a:1\nselect 1;\n", "--changeset <authorname>:<changesetId>", 2),
        ("--changeset a\nselect 1;\n", "--changeset <authorname>:<changesetId>", 2),
        ("--comment: stray\n--changeset a:1\nselect 1;\n", "do not allow comment lines outside of changesets", 2),
        (
            "--changeset a:1\n--precondition-row-count x\nselect 1;\n",
            "'row-count' precondition type is not supported",
            3,
        ),
        ("--changeset a:1\n-rollback drop\nselect 1;\n", "--rollback <rollback SQL>", 3),
        ("--changeset a:1\nselect 1;\n/* liquibase rollback\ndrop table t;\n", "rollback comment is not closed", 2),
        ("--changeset a:1\nselect 1;\n--changeset a:1\nselect 2;\n", "db/changelog.sql::1::a is a duplicate", 4),
    ],
)
def test_errors_name_file_and_line(body: str, message: str, line: int) -> None:
    with pytest.raises(ChangelogError) as raised:
        parse(body)
    assert message in raised.value.message
    assert raised.value.file == "db/changelog.sql" and raised.value.line == line
    assert raised.value.message.startswith(f"db/changelog.sql:{line}: ")


def test_plain_sql_file_is_one_raw_changeset() -> None:
    log = parse_changelog("plain.sql", BundleAccessor({"plain.sql": "create table t (id int);\nselect 1;\n"}))
    (changeset,) = log.changesets
    assert (changeset.id, changeset.author, changeset.file_path) == ("raw", "includeAll", "plain.sql")
    assert changeset.changes[0].generate_statements("sqlite") == ["create table t (id int);\nselect 1;"]
