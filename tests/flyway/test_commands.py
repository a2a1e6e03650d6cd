"""Flyway commands on real SQLite, PostgreSQL and MariaDB: the history table Flyway writes, migrate,
undo, repeatables, out-of-order, baseline, validate and repair."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from schemashift.flyway import (
    Flyway,
    FlywayCommandFailed,
    FlywayConfig,
    FlywayMigrationFailed,
    FlywayValidationFailed,
    flyway_checksum,
    load_config,
)
from schemashift.targets import Target, open_target

from tests.flyway.test_scripts_and_config import COUPLE_CHECKSUM, COUPLE_SQL

BASE = {
    "flyway.toml": '[flyway]\nlocations = ["filesystem:sql"]\n[flyway.placeholders]\nperson = "person"\n',
    "sql/V1__Create_person_table.sql": "create table ${person} (id int not null primary key, name varchar(100) not null);\n",
    "sql/V2__Add_people.sql": "insert into person (id, name) values (1, 'Axel');\ninsert into person (id, name) "
                              "values (2, 'Mr. Foo');\n",
    "sql/U2__Add_people.sql": "delete from person;\n",
    "sql/V3__Couple.sql": COUPLE_SQL.replace("PERSON(ID)", "person(id)").replace("COUPLE", "couple"),
    "sql/U3__Couple.sql": "drop table couple;\n",
}


@contextmanager
def flyway(url: str, files: dict[str, str], **settings: object) -> Iterator[Flyway]:
    with open_target(url) as target:
        yield Flyway(target, files, load_config(files).with_overrides(**settings))


def rows(target: Target, table: str = "flyway_schema_history") -> list[tuple[object, ...]]:
    history = Flyway(target, {}).history
    quoted = f"{history.quote(history.schema)}.{history.quote(table)}"
    return [tuple(r) for r in target.query_rows(
        f"SELECT installed_rank, version, description, type, script, checksum, success FROM {quoted} "
        "ORDER BY installed_rank")]


FLYWAY_COLUMNS = {
    "postgresql": {"installed_rank": "integer", "version": "character varying(50)",
                   "description": "character varying(200)", "type": "character varying(20)",
                   "script": "character varying(1000)", "checksum": "integer",
                   "installed_by": "character varying(100)", "installed_on": "timestamp without time zone",
                   "execution_time": "integer", "success": "boolean"},
    "mariadb": {"installed_rank": "int(11)", "version": "varchar(50)", "description": "varchar(200)",
                "type": "varchar(20)", "script": "varchar(1000)", "checksum": "int(11)",
                "installed_by": "varchar(100)", "installed_on": "timestamp", "execution_time": "int(11)",
                "success": "tinyint(1)"},
    "sqlite": {"installed_rank": "INT", "version": "VARCHAR(50)", "description": "VARCHAR(200)",
               "type": "VARCHAR(20)", "script": "VARCHAR(1000)", "checksum": "INT",
               "installed_by": "VARCHAR(100)", "installed_on": "TEXT", "execution_time": "INT",
               "success": "BOOLEAN"},
}
"""The column types Flyway's create script gives ``flyway_schema_history``, per dialect."""


def test_migrate_writes_flyways_history_table(db_url: str) -> None:
    with flyway(db_url, BASE) as fw:
        report = fw.migrate()
        assert [m.version for m in report.migrations] == ["1", "2", "3"]
        target = fw.target
        history = fw.history
        assert [(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows(target)] == [
            (1, "1", "Create person table", "SQL", "V1__Create_person_table.sql",
             flyway_checksum(BASE["sql/V1__Create_person_table.sql"]), True),
            (2, "2", "Add people", "SQL", "V2__Add_people.sql", flyway_checksum(BASE["sql/V2__Add_people.sql"]), True),
            (3, "3", "Couple", "SQL", "V3__Couple.sql", flyway_checksum(BASE["sql/V3__Couple.sql"]), True),
        ]
        # The column types Flyway's create script gives, per dialect.
        columns = _column_types(target, history.schema)
        expected = FLYWAY_COLUMNS[target.dialect if target.dialect != "mysql" else "mariadb"]
        assert columns == expected
        assert fw.history.rows()[0].installed_by == {"postgresql": "postgres", "mariadb": "root", "mysql": "root",
                                                      "sqlite": ""}[target.dialect]
        states = [(i.type, i.state) for i in fw.info().migrations]
        assert states == [("SQL", "Success")] * 3  # undo scripts are not rows of their own (Flyway: "Undoable")


def _column_types(target: Target, schema: str) -> dict[str, str]:
    if target.dialect == "sqlite":
        return {r[1]: r[2] for r in target.query_rows('PRAGMA table_info("flyway_schema_history")')}
    if target.dialect == "postgresql":
        return {r[0]: r[1] for r in target.query_rows(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON "
            f"c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' AND "
            "c.relname = 'flyway_schema_history' AND a.attnum > 0 AND NOT a.attisdropped")}
    return {r[0]: r[1] for r in target.query_rows(
        f"SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = '{schema}' "
        "AND table_name = 'flyway_schema_history'")}


def test_real_flyway_checksum_is_what_we_store(db_url: str) -> None:
    files = {"V1__person.sql": "create table PERSON (ID int not null primary key);",
             "V3__Couple.sql": COUPLE_SQL}
    with flyway(db_url, files) as fw:
        fw.migrate()
        assert rows(fw.target)[-1][5] == COUPLE_CHECKSUM


def test_version_order_target_and_next(db_url: str) -> None:
    files = {f"V1_{n}__step_{n}.sql": f"create table t{n} (id int);" for n in (1, 2, 9, 10, 11)}
    with flyway(db_url, files) as fw:
        assert [m.version for m in fw.migrate(target="1.9").migrations] == ["1.1", "1.2", "1.9"]
        assert [m.version for m in fw.migrate(target="next").migrations] == ["1.10"]
        assert [i.state for i in fw.info().migrations][-1] == "Pending"
        assert [m.version for m in fw.migrate().migrations] == ["1.11"]


def test_undo_one_and_to_a_target(db_url: str) -> None:
    with flyway(db_url, BASE) as fw:
        fw.migrate()
        undone = fw.undo()
        assert [(m.version, m.type) for m in undone.migrations] == [("3", "UNDO_SQL")]
        assert not fw.target.table_exists("couple")
        assert rows(fw.target)[-1][1:5] == ("3", "Couple", "UNDO_SQL", "U3__Couple.sql")
        states = {(str(i.version), i.type, i.state) for i in fw.info().migrations}
        assert {("3", "SQL", "Undone"), ("3", "UNDO_SQL", "Success"), ("3", "SQL", "Pending")} <= states
        fw.migrate()  # re-applies 3 after its undo, as Flyway does
        assert fw.target.table_exists("couple")
        report = fw.undo(target="2")  # undo down to and including 2 (Flyway's undo target)
        assert [m.version for m in report.migrations] == ["3", "2"]
        assert fw.target.query_scalar("SELECT COUNT(*) FROM person") == 0
        assert report.target_version == "1"
        with pytest.raises(FlywayCommandFailed, match="no corresponding undo migration"):
            fw.undo()  # V1 has no U1


def test_repeatable_reruns_when_it_changes(db_url: str) -> None:
    files = {"V1__t.sql": "create table t (id int);",
             "R__v.sql": "create view v as select id from t;"}
    with flyway(db_url, files) as fw:
        assert [m.description for m in fw.migrate().migrations] == ["t", "v"]
        assert fw.migrate().migrations == []  # unchanged: not run again
    changed = {**files, "R__v.sql": "drop view v;\ncreate view v as select id, id + 1 as next_id from t;"}
    with flyway(db_url, changed) as fw:
        assert [i.state for i in fw.info().migrations] == ["Success", "Outdated", "Pending"]
        assert [m.description for m in fw.migrate().migrations] == ["v"]
        assert fw.target.query_rows("select next_id from v") == []
        assert [i.state for i in fw.info().migrations] == ["Success", "Superseded", "Success"]
        assert [r[1] for r in rows(fw.target)] == ["1", None, None]


def test_out_of_order(db_url: str) -> None:
    first = {"V1__a.sql": "create table a (id int);", "V3__c.sql": "create table c (id int);"}
    late = {**first, "V2__b.sql": "create table b (id int);"}
    with flyway(db_url, first) as fw:
        fw.migrate()
    with flyway(db_url, late) as fw:
        assert [i.state for i in fw.info().migrations][-1] == "Ignored"
        with pytest.raises(FlywayValidationFailed, match="Detected resolved migration not applied to database: 2"):
            fw.migrate()
    with flyway(db_url, late, outOfOrder=True) as fw:
        report = fw.migrate()
        assert [(m.version, m.out_of_order) for m in report.migrations] == [("2", True)]
        assert [i.state for i in fw.info().migrations] == ["Success", "Success", "Out of Order"]


def test_baseline_an_existing_database(db_url: str) -> None:
    files = {"V1__orders.sql": "create table orders (id int);",
             "V2__customers.sql": "create table customers (id int);"}
    with open_target(db_url) as target:
        target.execute("create table orders (id int)")  # made before Flyway, by hand
    with flyway(db_url, files) as fw:
        with pytest.raises(FlywayCommandFailed, match="but no schema history table"):
            fw.migrate()
        assert fw.baseline().as_dict() == {"successfullyBaselined": True, "baselineVersion": "1"}
        assert rows(fw.target)[0][:6] == (1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", None)
        assert [m.version for m in fw.migrate().migrations] == ["2"]
        assert [(str(i.version), i.state) for i in fw.info().migrations] == [
            ("1", "Ignored (Baseline)"), ("1", "Baseline"), ("2", "Success")]
        with pytest.raises(FlywayCommandFailed, match="already been baselined"):
            Flyway(fw.target, files, FlywayConfig().with_overrides(baselineVersion="7")).baseline()


def test_baseline_on_migrate_with_a_version(db_url: str) -> None:
    files = {"V1__old.sql": "create table old (id int);", "V5__new.sql": "create table new_t (id int);"}
    with open_target(db_url) as target:
        target.execute("create table old (id int)")
    with flyway(db_url, files, baselineOnMigrate=True, baselineVersion="1") as fw:
        assert [m.version for m in fw.migrate().migrations] == ["5"]


def test_validate_reports_a_changed_script_and_repair_realigns_it(db_url: str) -> None:
    with flyway(db_url, BASE) as fw:
        fw.migrate()
    edited = {**BASE, "sql/V2__Add_people.sql": BASE["sql/V2__Add_people.sql"] + "-- reviewed\n"}
    with flyway(db_url, edited) as fw:
        report = fw.validate()
        assert not report.valid
        message = report.errors[0]["errorDetails"]["errorMessage"]
        assert message.startswith("Migration checksum mismatch for migration version 2\n-> Applied to database : "
                                  f"{flyway_checksum(BASE['sql/V2__Add_people.sql'])}")
        with pytest.raises(FlywayValidationFailed, match="checksum mismatch"):
            fw.migrate()
        repaired = fw.repair()
        assert repaired.actions == ["ALIGNED APPLIED MIGRATION CHECKSUMS"]
        assert fw.validate().valid
        assert rows(fw.target)[1][5] == flyway_checksum(edited["sql/V2__Add_people.sql"])


def test_repair_marks_missing_migrations_deleted(db_url: str) -> None:
    with flyway(db_url, BASE) as fw:
        fw.migrate()
    without_two = {k: v for k, v in BASE.items() if "V2__" not in k}
    with flyway(db_url, without_two) as fw:
        assert "Detected applied migration not resolved locally: 2" in fw.validate().errors[0]["errorDetails"][
            "errorMessage"]
        assert [d["version"] for d in fw.repair().deleted] == ["2"]
        assert rows(fw.target)[-1][1:4] == ("2", "Add people", "DELETE")
        assert fw.validate().valid


def test_failed_migration_then_repair(db_url: str) -> None:
    files = {"V1__t.sql": "create table t (id int);",
             "V2__bad.sql": "create table t2 (id int);\ninsert into no_such_table values (1);\n"}
    with flyway(db_url, files) as fw:
        with pytest.raises(FlywayMigrationFailed) as failure:
            fw.migrate()
        assert failure.value.changeset == "2" and "no_such_table" in (failure.value.statement or "")
        history = rows(fw.target)
        if fw.target.dialect in ("mysql", "mariadb"):
            # DDL commits implicitly: Flyway records the failure and leaves t2 behind.
            assert history[-1][1] == "2" and not history[-1][6]
            with pytest.raises(FlywayValidationFailed, match="Detected failed migration to version 2"):
                fw.migrate()
            assert fw.repair().removed[0]["version"] == "2"
            fw.target.execute("drop table t2")
        else:
            assert [r[1] for r in history] == ["1"]  # rolled back, nothing recorded
            assert not fw.target.table_exists("t2")
    fixed = {**files, "V2__bad.sql": "create table t2 (id int);\n"}
    with flyway(db_url, fixed) as fw:
        assert [m.version for m in fw.migrate().migrations] == ["2"]


def test_custom_table_and_placeholder_syntax(db_url: str) -> None:
    files = {"flyway.conf": "flyway.table=deploy_history\nflyway.placeholderPrefix=#[\nflyway.placeholderSuffix=]\n"
                            "flyway.placeholders.col=amount\n",
             "V1__t.sql": "create table t (#[col] int, made_by varchar(100) default '#[flyway:table]');"}
    with flyway(db_url, files) as fw:
        fw.migrate()
        assert fw.target.column_exists("t", "amount")
        assert rows(fw.target, "deploy_history")[0][1] == "1"
        assert not fw.target.table_exists("flyway_schema_history")


@pytest.mark.postgres
def test_postgres_non_transactional_statements_run_outside_a_transaction(tmp_path: object) -> None:
    from tests.targets.databases import fresh_database

    files = {"V1__t.sql": "create table t (id int);",
             "V2__index.sql": "CREATE INDEX CONCURRENTLY t_id ON t (id);",
             "V3__mixed.sql": "create table u (id int);\nCREATE INDEX CONCURRENTLY u_id ON u (id);"}
    with fresh_database("postgresql", tmp_path) as url:  # type: ignore[arg-type]
        with flyway(url, {k: v for k, v in files.items() if "V3" not in k}) as fw:
            report = fw.migrate()
            assert [(m.version, m.transactional) for m in report.migrations] == [("1", True), ("2", False)]
        with flyway(url, files) as fw, pytest.raises(FlywayCommandFailed, match="Detected both transactional"):
            fw.migrate()
        with flyway(url, files, mixed=True) as fw:
            assert [(m.version, m.transactional) for m in fw.migrate().migrations] == [("3", False)]
            assert fw.target.query_scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'u_id'") == 1


def test_baseline_migration_replaces_earlier_versions_on_an_empty_database(db_url: str) -> None:
    files = {"V1__a.sql": "create table a (id int);", "V2__b.sql": "create table b (id int);",
             "B2__ab.sql": "create table a (id int);\ncreate table b (id int);", "V3__c.sql": "create table c (id int);"}
    with flyway(db_url, files) as fw:
        report = fw.migrate()
        assert [(m.version, m.type) for m in report.migrations] == [("2", "SQL_BASELINE"), ("3", "SQL")]
        assert [(str(i.version), i.type, i.state) for i in fw.info().migrations] == [
            ("1", "SQL", "Below Baseline"), ("2", "SQL", "Ignored (Baseline)"), ("2", "SQL_BASELINE", "Baseline"),
            ("3", "SQL", "Success")]
        assert fw.validate().valid
