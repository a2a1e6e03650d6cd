"""DATABASECHANGELOG and DATABASECHANGELOGLOCK on real databases."""

from __future__ import annotations

import pytest
from schemashift.targets import ChangeLogHistory, ChangeLogLock, LockNotAcquired, LockOptions, open_target
from schemashift.targets.history import EMPTY_CHECKSUM
from schemashift.targets.tracking_sql import CHANGELOG_COLUMNS

NO_WAIT = LockOptions(wait_timeout=0, poll_interval=0)


def test_dialect_and_default_schema_are_detected(db_url: str) -> None:
    with open_target(db_url) as target:
        expected = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mariadb"}[target.url.family]
        assert target.dialect == expected
        assert (target.default_schema is None) == (target.dialect == "sqlite")


def test_history_table_is_created_once_and_an_old_one_is_upgraded(db_url: str) -> None:
    with open_target(db_url) as target:
        history = ChangeLogHistory(target)
        table = history.sql.changelog_table
        # A table as Liquibase 1.x left it: no ORDEREXECUTED, EXECTYPE, CONTEXTS, LABELS, DEPLOYMENT_ID.
        target.execute(
            f"CREATE TABLE {table} (ID VARCHAR(63) NOT NULL, AUTHOR VARCHAR(63) NOT NULL, FILENAME VARCHAR(200) NOT NULL, "
            "DATEEXECUTED TIMESTAMP NOT NULL, MD5SUM VARCHAR(32), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), "
            "TAG VARCHAR(255), LIQUIBASE VARCHAR(10))"
        )
        target.execute(
            f"INSERT INTO {table} (ID, AUTHOR, FILENAME, DATEEXECUTED, MD5SUM) "
            "VALUES ('1', 'old', 'legacy.xml', '2010-01-01 00:00:00', '3:abc')"
        )
        history.ensure_table()
        columns = dict((name.upper(), type_) for name, type_ in target.columns(history.sql.changelog_name))
        assert set(columns) == set(CHANGELOG_COLUMNS)
        if target.dialect != "sqlite":
            assert columns["MD5SUM"].length == 35 and columns["LIQUIBASE"].length == 20
        [row] = ChangeLogHistory(target).ran_changesets()
        assert (row.order_executed, row.exec_type, row.md5sum) == (-1, "EXECUTED", "3:abc")
        assert not ChangeLogHistory(target).checksums_compatible()
        ChangeLogHistory(target).ensure_table()  # idempotent


def test_tag_on_an_empty_table_inserts_liquibases_placeholder_row(db_url: str) -> None:
    with open_target(db_url) as target:
        history = ChangeLogHistory(target, deployment_id="1234567890")
        history.ensure_table()
        history.tag("v1")
        [row] = ChangeLogHistory(target).ran_changesets()
        assert (row.author, row.filename, row.description, row.md5sum) == (
            "liquibase", "liquibase-internal", "empty", EMPTY_CHECKSUM
        )
        assert (row.tag, row.exec_type, row.order_executed, row.deployment_id) == ("v1", "EXECUTED", 1, "1234567890")
        assert row.id.isdigit() and len(row.id) == 13


def test_lock_excludes_a_second_run_until_released(db_url: str) -> None:
    with open_target(db_url) as first, open_target(db_url) as second:
        holder = ChangeLogLock(first, run_id="run-a", options=NO_WAIT)
        holder.acquire()
        state = holder.state()
        assert state.locked and "run run-a" in (state.locked_by or "") and state.granted is not None
        waiter = ChangeLogLock(second, run_id="run-b", options=NO_WAIT)
        with pytest.raises(LockNotAcquired, match=r"Currently locked by .*run run-a"):
            waiter.acquire()
        holder.release()
        waiter.acquire()
        assert "run run-b" in (waiter.state().locked_by or "")
        waiter.release()
        assert not waiter.state().locked


def test_a_stale_lock_is_broken_only_when_older_than_the_lease(db_url: str) -> None:
    with open_target(db_url) as first, open_target(db_url) as second:
        dead = ChangeLogLock(first, run_id="dead", options=NO_WAIT)
        dead.acquire()  # and never released, as if the process was killed
        lease = LockOptions(wait_timeout=0, poll_interval=0, break_stale_lock_after=3600)
        with pytest.raises(LockNotAcquired):
            ChangeLogLock(second, run_id="next", options=lease).acquire()
        first.execute(f"UPDATE {dead.sql.lock_table} SET LOCKGRANTED = '2001-01-01 00:00:00' WHERE ID = 1")
        taker = ChangeLogLock(second, run_id="next", options=lease)
        taker.acquire()
        assert taker.broke_stale_lock is not None and "run dead" in (taker.broke_stale_lock.locked_by or "")
        assert "run next" in (taker.state().locked_by or "")


def test_waiting_polls_until_the_holder_lets_go(db_url: str) -> None:
    with open_target(db_url) as first, open_target(db_url) as second:
        holder = ChangeLogLock(first, run_id="a", options=NO_WAIT)
        holder.acquire()
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            holder.release()

        waiter = ChangeLogLock(second, run_id="b", options=LockOptions(wait_timeout=30, poll_interval=5), sleep=sleep)
        waiter.acquire()
        assert sleeps == [5] and waiter.held


def test_force_release_reports_the_previous_holder(db_url: str) -> None:
    with open_target(db_url) as target:
        lock = ChangeLogLock(target, run_id="gone", options=NO_WAIT)
        assert not lock.force_release().locked  # no table yet: nothing to do
        lock.acquire()
        before = ChangeLogLock(target, run_id="admin").force_release()
        assert before.locked and "run gone" in (before.locked_by or "")
        assert not lock.state().locked
