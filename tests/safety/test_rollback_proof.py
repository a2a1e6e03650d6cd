"""test-rollback finds the changeset whose rollback leaves a column behind; the transactional dry run
really runs the changesets on PostgreSQL and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from schemashift.changelog import BundleAccessor, parse_changelog
from schemashift.safety.dry_run import transactional_dry_run
from schemashift.safety.rollback_proof import prove_rollbacks
from schemashift.safety.scratch import scratch_target
from schemashift.targets import open_target
from schemashift.targets.snapshot import schema_snapshot

from tests.targets.databases import DB_PARAMS, fresh_database

CHANGELOG = """--liquibase formatted sql

--changeset ann:1
CREATE TABLE account (id INT PRIMARY KEY, name VARCHAR(50))
--rollback DROP TABLE account

--changeset ann:2
ALTER TABLE account ADD note VARCHAR(20)
--rollback SELECT 1

--changeset ann:3
CREATE INDEX ix_account_name ON account (name)
--rollback DROP INDEX ix_account_name{on_table}

--changeset ann:4
CREATE TABLE audit (id INT)
"""


def _changelog(dialect: str, text: str = CHANGELOG):
    on_table = " ON account" if dialect in ("mysql", "mariadb") else ""
    return parse_changelog("changelog.sql", BundleAccessor({"changelog.sql": text.format(on_table=on_table)}),
                           dialect=dialect)


@pytest.mark.parametrize("kind", DB_PARAMS)
def test_finds_the_rollback_that_leaves_a_column_behind(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url, open_target(url) as source:
        dialect = source.dialect
        before = schema_snapshot(source)
        with scratch_target(url) as scratch:
            report = prove_rollbacks(scratch.target, _changelog(dialect), description=scratch.description)
        assert schema_snapshot(source) == before, "the database itself is untouched"
    statuses = [(step.changeSetFQN, step.status) for step in report.steps]
    assert statuses == [("changelog.sql::1::ann", "RESTORED"), ("changelog.sql::2::ann", "NOT_RESTORED")]
    failure = report.first_failure
    assert failure is not None and failure.changeSetFQN == "changelog.sql::2::ann"
    assert [d.lower() for d in failure.differences] == ["column account.note is left behind"]
    # re-applying then fails on the leftover column, so the proof stops there
    assert failure.stopped and "note" in (failure.error or "").lower()
    assert report.unproven == ["changelog.sql::3::ann", "changelog.sql::4::ann"]
    body = report.to_dict()
    assert body["ok"] is False and body["firstFailure"]["changeSetFQN"] == "changelog.sql::2::ann"
    assert body["counts"] == {"RESTORED": 1, "NOT_RESTORED": 1}


@pytest.mark.parametrize("kind", DB_PARAMS)
def test_good_rollbacks_are_proven_and_missing_ones_reported(kind: str, tmp_path: Path) -> None:
    text = CHANGELOG.replace("--rollback SELECT 1", "--rollback ALTER TABLE account DROP COLUMN note")
    with fresh_database(kind, tmp_path) as url, open_target(url) as source, scratch_target(url) as scratch:
        report = prove_rollbacks(scratch.target, _changelog(source.dialect, text))
    assert [step.status for step in report.steps] == ["RESTORED", "RESTORED", "RESTORED", "NO_ROLLBACK"]
    assert report.ok and report.first_failure is None and report.unproven == []


def test_sqlite_scratch_is_a_copy_that_starts_from_the_current_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with open_target(url) as target:
        from schemashift.engine import update_count

        update_count(target, _changelog("sqlite"), 1)
    with scratch_target(url) as scratch:
        assert scratch.starts_empty is False and "a copy of" in scratch.description
        report = prove_rollbacks(scratch.target, _changelog("sqlite"))
    assert [step.changeSetFQN for step in report.steps] == ["changelog.sql::2::ann"]  # NOT_RESTORED stops it
    with open_target(url) as target:
        assert target.table_exists("account") and not target.column_exists("account", "note")


def test_a_failing_rollback_stops_the_proof(tmp_path: Path) -> None:
    text = CHANGELOG.replace("--rollback SELECT 1", "--rollback ALTER TABLE missing DROP COLUMN note")
    with scratch_target(f"sqlite:///{tmp_path / 'empty.db'}") as scratch:
        report = prove_rollbacks(scratch.target, _changelog("sqlite", text))
    assert [step.status for step in report.steps] == ["RESTORED", "ROLLBACK_FAILED"]
    assert "missing" in (report.steps[1].error or "")


DRY_RUN = """--liquibase formatted sql

--changeset ann:1
CREATE TABLE account (id INT PRIMARY KEY, name VARCHAR(50))

--changeset ann:2
INSERT INTO account (id, name) VALUES (1, 'a'), (2, 'b')

--changeset ann:3
ALTER TABLE account ADD CONSTRAINT uq_name UNIQUE (name)
"""


@pytest.mark.postgres
def test_transactional_dry_run_runs_everything_and_keeps_nothing(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url, open_target(url) as target:
        report = transactional_dry_run(target, _changelog("postgresql", DRY_RUN))
        assert report.ok and report.rolledBack and report.error is None
        assert [(c.changeSetFQN, c.status) for c in report.changesets] == [
            (f"changelog.sql::{i}::ann", "EXECUTED") for i in (1, 2, 3)]
        assert all(c.durationMs > 0 for c in report.changesets) and report.totalMs > 0
        assert not target.table_exists("account") and not target.table_exists("databasechangelog")
        failing = DRY_RUN + "\n--changeset ann:4\nINSERT INTO account (id, name) VALUES (3, 'a')\n" \
                            "\n--changeset ann:5\nCREATE TABLE later (id INT)\n"
        report = transactional_dry_run(target, _changelog("postgresql", failing))
        assert not report.ok and report.error is not None
        assert report.error["changeSetFQN"] == "changelog.sql::4::ann"
        assert "uq_name" in report.error["message"] and "INSERT INTO account" in (report.error["statement"] or "")
        assert [c.status for c in report.changesets] == ["EXECUTED", "EXECUTED", "EXECUTED", "FAILED"]
        assert report.notRun == ["changelog.sql::5::ann"]
        assert not target.table_exists("account") and not target.table_exists("databasechangeloglock")
        # the target is usable afterwards: a real update works
        from schemashift.engine import update

        assert len(update(target, _changelog("postgresql", DRY_RUN)).changesets) == 3


@pytest.mark.postgres
def test_dry_run_stops_at_a_non_transactional_changeset(tmp_path: Path) -> None:
    text = DRY_RUN + "\n--changeset ann:4 runInTransaction:false\nCREATE INDEX CONCURRENTLY ix_n ON account (name)\n"
    with fresh_database("postgresql", tmp_path) as url, open_target(url) as target:
        report = transactional_dry_run(target, _changelog("postgresql", text))
    assert not report.ok and report.error is not None and report.error["changeSetFQN"] == "changelog.sql::4::ann"
    assert "runInTransaction" in report.error["message"]
    assert [c.status for c in report.changesets] == ["EXECUTED"] * 3 and report.notRun == ["changelog.sql::4::ann"]


def test_dry_run_refuses_other_databases(tmp_path: Path) -> None:
    from schemashift.errors import ValidationFailed

    with open_target(f"sqlite:///{tmp_path / 'x.db'}") as target, pytest.raises(ValidationFailed):
        transactional_dry_run(target, _changelog("sqlite", DRY_RUN))
