"""Every change type's SQL runs on real databases, and the automatic or explicit rollbacks undo it.

SQLite always; PostgreSQL and MariaDB when their test URLs are set. Each change's statements
are generated right before they run (SQLite rebuilds read the live table), as the executor does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy
from schemashift.changelog import BundleAccessor, parse_changelog
from schemashift.changelog.model import ChangeSet
from schemashift.targets.connection import Target, open_target

from tests.targets.databases import DB_PARAMS, fresh_database

CHANGELOG = """
databaseChangeLog:
  - changeSet:
      id: person
      author: t
      changes:
        - createTable:
            tableName: person
            remarks: people
            columns:
              - column: {name: id, type: int, autoIncrement: true, constraints: {primaryKey: true, nullable: false}}
              - column: {name: first_name, type: varchar(50), constraints: {nullable: false}}
              - column: {name: last_name, type: varchar(50)}
              - column: {name: active, type: boolean, defaultValueBoolean: true}
              - column: {name: created, type: datetime, defaultValueComputed: CURRENT_TIMESTAMP}
  - changeSet:
      id: orders
      author: t
      changes:
        - createTable:
            tableName: orders
            columns:
              - column: {name: id, type: bigint, constraints: {primaryKey: true, primaryKeyName: pk_orders}}
              - column: {name: person_id, type: int}
              - column: {name: total, type: "decimal(10,2)", defaultValueNumeric: 0}
              - column: {name: note, type: varchar(100)}
  - changeSet:
      id: columns
      author: t
      changes:
        - addColumn:
            tableName: person
            columns:
              - column: {name: email, type: varchar(255)}
              - column: {name: age, type: int, defaultValueNumeric: 18}
        - renameColumn: {tableName: person, oldColumnName: last_name, newColumnName: surname, columnDataType: varchar(50)}
  - changeSet:
      id: retype
      author: t
      changes:
        - modifyDataType: {tableName: person, columnName: email, newDataType: varchar(300)}
      rollback:
        - modifyDataType: {tableName: person, columnName: email, newDataType: varchar(255)}
  - changeSet:
      id: nullability
      author: t
      changes:
        - addNotNullConstraint: {tableName: orders, columnName: note, columnDataType: varchar(100), defaultNullValue: n/a}
        - addDefaultValue: {tableName: person, columnName: email, columnDataType: varchar(300), defaultValue: nobody@example.com}
  - changeSet:
      id: keys
      author: t
      changes:
        - addForeignKeyConstraint:
            baseTableName: orders
            baseColumnNames: person_id
            constraintName: fk_orders_person
            referencedTableName: person
            referencedColumnNames: id
            onDelete: CASCADE
        - addUniqueConstraint: {tableName: person, columnNames: email, constraintName: uq_person_email}
        - createIndex:
            tableName: orders
            indexName: idx_orders_total
            columns:
              - column: {name: total}
  - changeSet:
      id: data
      author: t
      changes:
        - insert:
            tableName: person
            columns:
              - column: {name: id, valueNumeric: 1}
              - column: {name: first_name, value: Ada}
              - column: {name: surname, value: "Love'lace"}
              - column: {name: email, value: ada@example.com}
        - insert:
            tableName: orders
            columns:
              - column: {name: id, valueNumeric: 10}
              - column: {name: person_id, valueNumeric: 1}
              - column: {name: total, valueNumeric: 12.50}
              - column: {name: note, value: first}
        - update:
            tableName: person
            columns:
              - column: {name: age, valueNumeric: 37}
            where: "surname = 'Love''lace'"
        - delete: {tableName: orders, where: total < 0}
      rollback:
        - delete: {tableName: orders}
        - delete: {tableName: person}
  - changeSet:
      id: view
      author: t
      changes:
        - createView: {viewName: person_names, selectQuery: "select id, first_name from person"}
  - changeSet:
      id: scratch
      author: t
      changes:
        - createTable:
            tableName: scratch
            columns:
              - column: {name: id, type: int, constraints: {nullable: false}}
              - column: {name: label, type: varchar(20), constraints: {nullable: false}}
        - addPrimaryKey: {tableName: scratch, columnNames: id, constraintName: pk_scratch}
        - dropNotNullConstraint: {tableName: scratch, columnName: label, columnDataType: varchar(20)}
  - changeSet:
      id: unnamed-key
      author: t
      changes:
        - createTable:
            tableName: keyed
            columns:
              - column: {name: id, type: int, constraints: {primaryKey: true, primaryKeyName: custom_keyed_pk}}
        - dropPrimaryKey: {tableName: keyed}
        - dropTable: {tableName: keyed}
      rollback: empty
  - changeSet:
      id: rename
      author: t
      changes:
        - renameTable: {oldTableName: orders, newTableName: purchases}
        - tagDatabase: {tag: v1}
"""

TABLES = {"person", "purchases", "scratch"}


def _apply(target: Target, changesets: list[ChangeSet]) -> None:
    for changeset in changesets:
        for change in changeset.changes:
            assert change.validate(target.dialect) == [], change
            for statement in change.generate_statements(target.dialect, target):
                target.execute(statement)


def _roll_back(target: Target, changesets: list[ChangeSet]) -> None:
    for changeset in reversed(changesets):
        for change in changeset.rollback_changes():
            for statement in change.generate_statements(target.dialect, target):
                target.execute(statement)


def _inspect(url: str) -> sqlalchemy.Inspector:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    return sqlalchemy.inspect(engine)


@pytest.mark.parametrize("kind", DB_PARAMS)
def test_changes_apply_and_roll_back(kind: str, tmp_path: Path) -> None:
    changelog = parse_changelog("db.yaml", BundleAccessor({"db.yaml": CHANGELOG}))
    with fresh_database(kind, tmp_path, whole_database=True) as url, open_target(url) as target:
        _apply(target, changelog.changesets)

        inspector = _inspect(url)
        assert set(inspector.get_table_names()) >= TABLES
        assert "person_names" in inspector.get_view_names()
        person = {column["name"]: column for column in inspector.get_columns("person")}
        assert {"id", "first_name", "surname", "email", "age", "active", "created"} <= set(person)
        assert not person["first_name"]["nullable"]
        assert "nobody@example.com" in str(person["email"]["default"])
        purchases = {column["name"]: column for column in inspector.get_columns("purchases")}
        assert not purchases["note"]["nullable"]
        foreign_keys = inspector.get_foreign_keys("purchases")
        assert [(fk["referred_table"], fk["constrained_columns"]) for fk in foreign_keys] == [("person", ["person_id"])]
        assert inspector.get_pk_constraint("scratch")["constrained_columns"] == ["id"]
        scratch = {column["name"]: column for column in inspector.get_columns("scratch")}
        assert scratch["label"]["nullable"]
        assert "idx_orders_total" in {index["name"] for index in inspector.get_indexes("purchases")}
        assert target.query_rows("SELECT first_name, surname, age FROM person") == [("Ada", "Love'lace", 37)]
        assert target.query_scalar("SELECT note FROM purchases WHERE id = 10") == "first"

        _roll_back(target, changelog.changesets)
        inspector = _inspect(url)
        assert not TABLES & set(inspector.get_table_names())
        assert "orders" not in inspector.get_table_names()
        assert "person_names" not in inspector.get_view_names()


@pytest.mark.parametrize("kind", DB_PARAMS)
def test_formatted_sql_function_body_survives_splitting(kind: str, tmp_path: Path) -> None:
    """A PostgreSQL dollar-quoted body is one statement; elsewhere BEGIN/END bodies stay whole."""
    body = {
        "postgresql": (
            "create function add_one(x int) returns int as $body$\nbegin\n  if x > 0 then\n    return x + 1;\n"
            "  end if;\n  return 1;\nend;\n$body$ language plpgsql;\nselect add_one(41);"
        ),
        "mysql": "create table t (id int);\ncreate trigger trg before insert on t for each row\nbegin\n  set new.id = new.id + 1;\nend;",
        "sqlite": (
            "create table t (id int);\ncreate trigger trg after insert on t\nbegin\n  update t set id = id + 1 "
            "where rowid = new.rowid;\nend;"
        ),
    }[kind]
    text = f"--liquibase formatted sql\n--changeset t:1\n{body}\n"
    changelog = parse_changelog("f.sql", BundleAccessor({"f.sql": text}))
    with fresh_database(kind, tmp_path, whole_database=True) as url, open_target(url) as target:
        statements = changelog.changesets[0].changes[0].generate_statements(target.dialect, target)
        assert len(statements) == 2
        for statement in statements:
            target.execute(statement)
