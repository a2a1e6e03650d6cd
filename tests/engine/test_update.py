"""update, update-count, update-to-tag, changelog-sync and update-sql on real databases."""

from __future__ import annotations

import time

import pytest
import sqlalchemy
from schemashift import engine
from schemashift.changelog.preconditions import Preconditions, TableExistsPrecondition
from schemashift.engine import ChangelogValidationFailed, MigrationFailed, RunOptions
from schemashift.targets import Target, open_target

from tests.engine.builders import changelog, people, sql, tag


def tables(target: Target) -> set[str]:
    return {name.lower() for name in sqlalchemy.inspect(target._connection).get_table_names()} - {
        "databasechangelog", "databasechangeloglock"
    }


def rows(target: Target) -> list[dict[str, object]]:
    return [dict(row.__dict__) for row in engine.history(target).rows]


def test_update_records_every_column_as_liquibase_does_and_is_then_a_no_op(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        result = engine.update(target, log)
        assert [item.status for item in result.changesets] == ["EXECUTED"] * 3
        assert tables(target) == {"person", "pet"}
        recorded = rows(target)
        assert [(row["id"], row["order_executed"], row["exec_type"]) for row in recorded] == [
            ("1", 1, "EXECUTED"), ("2", 2, "EXECUTED"), ("3", 3, "EXECUTED"),
        ]
        first, second = recorded[0], recorded[1]
        assert first["filename"] == "db/changelog.sql" and first["author"] == "dev"
        assert first["md5sum"] == log.changesets[0].checksum(target.dialect)
        assert (first["description"], first["comments"], first["liquibase"]) == ("sql", "people", "4.28.0")
        assert (second["contexts"], second["labels"], second["comments"]) == ("test", "seed", "")
        assert {row["deployment_id"] for row in recorded} == {result.deployment_id}
        assert len(result.deployment_id) == 10 and result.deployment_id.isdigit()

        again = engine.update(target, log)
        assert again.changesets == [] and engine.status(target, log).up_to_date


def test_update_count_then_update_continues_the_order(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        first = engine.update_count(target, log, 1)
        assert [item.id for item in first.changesets] == ["1"]
        assert [item.fqn for item in engine.status(target, log).pending] == [
            "db/changelog.sql::2::dev", "db/changelog.sql::3::dev",
        ]
        time.sleep(0.002)
        rest = engine.update(target, log)
        assert [item.id for item in rest.changesets] == ["2", "3"]
        assert [row["order_executed"] for row in rows(target)] == [1, 2, 3]
        assert rest.deployment_id != first.deployment_id


def test_contexts_and_labels_select_changesets(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        result = engine.update(target, log, contexts="prod")
        assert [item.id for item in result.changesets] == ["1", "3"]
        assert [item.id for item in engine.update(target, log, labels="!seed").changesets] == []
        assert [item.id for item in engine.update(target, log, contexts="test", labels="seed").changesets] == ["2"]


def test_run_always_and_run_on_change_rerun_as_an_update_of_their_row(db_url: str) -> None:
    base = [
        sql("1", "create table counter (n int)"),
        sql("2", "insert into counter values (1)", run_always=True),
        sql("3", "create view v_counter as select n from counter", run_on_change=True),
    ]
    with open_target(db_url) as target:
        engine.update(target, changelog(*base))
        changed = [*base[:2], sql("3", "create or replace view v_counter as select n + 0 as n from counter",
                                   run_on_change=True)]
        if target.dialect == "sqlite":
            changed[2] = sql("3", "drop view v_counter; create view v_counter as select n + 0 as n from counter",
                             run_on_change=True)
        second = engine.update(target, changelog(*changed))
        assert [(item.id, item.status) for item in second.changesets] == [("2", "RERAN"), ("3", "RERAN")]
        recorded = rows(target)
        assert [(row["id"], row["exec_type"], row["order_executed"]) for row in recorded] == [
            ("1", "EXECUTED", 1), ("2", "RERAN", 4), ("3", "RERAN", 5),
        ]
        assert recorded[2]["md5sum"] == changed[2].checksum(target.dialect)
        assert target.query_scalar("SELECT COUNT(*) FROM counter") == 2
        assert [item.id for item in engine.update(target, changelog(*changed)).changesets] == ["2"]


def test_a_changed_checksum_fails_validation_before_anything_runs(db_url: str) -> None:
    with open_target(db_url) as target:
        engine.update(target, changelog(*people()[:1]))
        edited = [sql("1", "create table person (id int primary key, name varchar(80))"), people()[2]]
        with pytest.raises(ChangelogValidationFailed, match=r"db/changelog.sql::1::dev was: 9:\w+ but is now: 9:\w+"):
            engine.update(target, changelog(*edited))
        assert tables(target) == {"person"}
        assert not engine.validate(target, changelog(*edited)).valid
        edited[0].valid_checksums = ["ANY"]
        assert engine.validate(target, changelog(*edited)).valid
        assert [item.id for item in engine.update(target, changelog(*edited)).changesets] == ["3"]


def test_duplicates_and_empty_ids_are_validation_errors(db_url: str) -> None:
    log = changelog(sql("1", "select 1"), sql("1", "select 2"), sql("", "select 3"))
    with open_target(db_url) as target:
        errors = engine.validate(target, log).errors
        assert errors[0].startswith("Duplicate changeset: db/changelog.sql::1::dev")
        assert errors[1].startswith("ChangeSet Id is empty")


def test_a_failing_changeset_stops_the_run_and_leaves_no_row(db_url: str) -> None:
    log = changelog(
        sql("1", "create table person (id int primary key)"),
        sql("2", "insert into person values (1); insert into person values (1)"),
        sql("3", "create table never (id int)"),
    )
    finished: list[str] = []
    options = RunOptions(on_changeset_finish=lambda item: finished.append(item.id))
    with open_target(db_url) as target:
        with pytest.raises(MigrationFailed) as caught:
            engine.update(target, log, options=options)
        error = caught.value
        assert error.changeset == "db/changelog.sql::2::dev"
        assert error.statement == "insert into person values (1)"
        assert error.db_error and "db/changelog.sql::2::dev" in error.message
        assert error.result is not None
        assert [(item.id, item.status) for item in error.result.changesets] == [("1", "EXECUTED"), ("2", "FAILED")]
        assert error.result.changesets[1].error == error.db_error and not error.retryable
        assert finished == ["1", "2"]
        assert [row["id"] for row in rows(target)] == ["1"]
        assert target.query_scalar("SELECT COUNT(*) FROM person") == 0  # the first insert was rolled back
        assert "never" not in tables(target)
        assert not engine.release_locks(target).was_locked  # the lock was released despite the failure


def test_fail_on_error_false_records_nothing_and_continues(db_url: str) -> None:
    log = changelog(sql("1", "insert into missing_table values (1)", fail_on_error=False),
                    sql("2", "create table after_failure (id int)"))
    with open_target(db_url) as target:
        result = engine.update(target, log)
        assert [(item.id, item.status) for item in result.changesets] == [("1", "FAILED"), ("2", "EXECUTED")]
        assert result.changesets[0].error
        assert [row["id"] for row in rows(target)] == ["2"]


@pytest.mark.parametrize(
    ("on_fail", "status", "recorded"),
    [("MARK_RAN", "MARK_RAN", True), ("CONTINUE", "SKIPPED", False), ("WARN", "EXECUTED", True)],
)
def test_precondition_actions(db_url: str, on_fail: str, status: str, recorded: bool) -> None:
    guard = Preconditions(nested=[TableExistsPrecondition(table_name="nope")], on_fail=on_fail)  # type: ignore[arg-type]
    log = changelog(sql("1", "create table guarded (id int)", preconditions=guard))
    with open_target(db_url) as target:
        result = engine.update(target, log)
        assert result.changesets[0].status == status
        assert result.changesets[0].warnings
        history = rows(target)
        assert [row["exec_type"] for row in history] == ([status] if recorded else [])
        assert ("guarded" in tables(target)) == (status == "EXECUTED")


def test_precondition_halt_stops_the_update(db_url: str) -> None:
    guard = Preconditions(nested=[TableExistsPrecondition(table_name="nope")])
    log = changelog(sql("1", "create table a (id int)"), sql("2", "create table b (id int)", preconditions=guard))
    with open_target(db_url) as target, pytest.raises(MigrationFailed, match="Precondition failed"):
        engine.update(target, log)


def test_budget_limits_a_batch_and_a_resumed_deployment_does_not_rerun_run_always(db_url: str) -> None:
    log = changelog(sql("1", "create table t (n int)"), sql("2", "insert into t values (2)", run_always=True),
                    sql("3", "insert into t values (3)"), sql("4", "insert into t values (4)"))
    started: list[str] = []
    with open_target(db_url) as target:
        batch = RunOptions(max_changesets=2, deployment_id="0000000042", on_changeset_start=lambda cs: started.append(cs.id))
        first = engine.update(target, log, options=batch)
        assert ([item.id for item in first.changesets], first.remaining, first.done) == (["1", "2"], 2, False)
        second = engine.update(target, log, options=batch)
        assert ([item.id for item in second.changesets], second.remaining) == (["3", "4"], 0)
        assert started == ["1", "2", "3", "4"]
        expired = engine.update(target, log, options=RunOptions(deadline=time.time() - 1))
        assert (expired.changesets, expired.remaining) == ([], 1)  # the runAlways changeset of a new deployment
        assert target.query_scalar("SELECT COUNT(*) FROM t") == 3


def test_update_to_tag_stops_at_the_tag_or_warns_and_deploys_all(db_url: str) -> None:
    log = changelog(*people()[:1], tag("t1", "v1"), *people()[2:])
    with open_target(db_url) as target:
        result = engine.update_to_tag(target, log, "v1")
        assert [item.id for item in result.changesets] == ["1", "t1"]
        assert [row["tag"] for row in rows(target)] == [None, "v1"]
        assert [item.id for item in engine.update_to_tag(target, log, "v1").changesets] == []
        rest = engine.update_to_tag(target, log, "v9")
        assert [item.id for item in rest.changesets] == ["3"] and "v9" in rest.warnings[0]


def test_changelog_sync_marks_without_running(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        result = engine.changelog_sync(target, log, contexts="prod")
        assert [item.id for item in result.changesets] == ["1", "3"]
        assert tables(target) == set()
        assert [(row["id"], row["exec_type"]) for row in rows(target)] == [("1", "EXECUTED"), ("3", "EXECUTED")]


def test_cleared_and_old_checksums_are_rewritten_after_validation(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        engine.update(target, log)
        assert engine.clear_checksums(target).rows == 3
        assert {row["md5sum"] for row in rows(target)} == {None}
        assert engine.update(target, log).checksums_upgraded == 3
        assert [row["md5sum"] for row in rows(target)] == [cs.checksum(target.dialect) for cs in log.changesets]


def test_update_sql_previews_exact_sql_and_changes_nothing(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        preview = engine.update_sql(target, log)
        assert engine.history(target).rows == [] and tables(target) == set()
        assert preview.statements[0].startswith("CREATE TABLE") and "DATABASECHANGELOGLOCK" in preview.statements[0].upper()
        assert any(statement.upper().startswith("CREATE TABLE") and "DATABASECHANGELOG (" in statement.upper()
                   for statement in preview.statements)
        assert "-- Changeset db/changelog.sql::2::dev" in preview.script
        inserts = [statement for statement in preview.statements if "INSERT INTO" in statement and "ORDEREXECUTED" in statement]
        result = engine.update(target, log, options=RunOptions(deployment_id=preview.run.deployment_id))
        assert inserts == [item.statements[-1] for item in result.changesets]
        again = engine.update_sql(target, log)
        assert [statement for statement in again.statements if "DATABASECHANGELOG " in statement] == []


def test_v8_checksums_validate_as_v8_and_are_upgraded_to_v9(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        engine.update(target, log)
        table = "databasechangelog" if target.dialect == "postgresql" else "DATABASECHANGELOG"
        v8 = log.changesets[0].checksum(target.dialect, 8)
        target.execute(f"UPDATE {table} SET MD5SUM = '{v8}' WHERE ID = '1'")
        assert engine.validate(target, log).valid
        assert engine.update(target, log).checksums_upgraded == 1
        assert rows(target)[0]["md5sum"] == log.changesets[0].checksum(target.dialect)
        target.execute(f"UPDATE {table} SET MD5SUM = '8:00000000000000000000000000000000' WHERE ID = '1'")
        assert engine.validate(target, log).errors == [
            f"db/changelog.sql::1::dev was: 8:00000000000000000000000000000000 but is now: {v8}"
        ]


def test_rows_match_changesets_by_normalized_path_case_insensitively(db_url: str) -> None:
    log = changelog(*people(), sql("4", "select 1", run_always=True, rollback="empty"))
    with open_target(db_url) as target:
        engine.update(target, log)
        table = "databasechangelog" if target.dialect == "postgresql" else "DATABASECHANGELOG"
        target.execute(f"UPDATE {table} SET FILENAME = 'classpath:/DB/Changelog.SQL', AUTHOR = 'DEV'")
        assert [item.id for item in engine.status(target, log).pending] == ["4"]
        rerun = engine.update(target, log)
        assert [(item.id, item.status) for item in rerun.changesets] == [("4", "RERAN")]
        assert {row["filename"] for row in rows(target)} == {"classpath:/DB/Changelog.SQL"}
        assert len(rows(target)) == 4
        engine.rollback_count(target, log, 2)
        assert [row["id"] for row in rows(target)] == ["1", "2"]
