"""tag, status, history, validate, release-locks, and the lock around changing commands."""

from __future__ import annotations

import pytest
from schemashift import engine
from schemashift.engine import RunOptions
from schemashift.targets import ChangeLogLock, LockNotAcquired, LockOptions, open_target

from tests.engine.builders import changelog, people, sql
from tests.engine.test_update import rows


def test_status_and_history_read_without_creating_anything(db_url: str) -> None:
    log = changelog(*people(), sql("4", "select 1", run_always=True))
    with open_target(db_url) as target:
        status = engine.status(target, log)
        assert (len(status.pending), status.ran) == (4, 0)
        assert engine.history(target).rows == []
        assert not target.table_exists("DATABASECHANGELOG") and not target.table_exists("DATABASECHANGELOGLOCK")
        engine.update(target, log)
        status = engine.status(target, log)
        assert [(item.id, item.reason) for item in status.pending] == [("4", "run always")]
        assert status.ran == 4
        assert [row.fqn for row in engine.history(target).rows][-1] == "db/changelog.sql::4::dev"


def test_tag_marks_the_latest_row(db_url: str) -> None:
    with open_target(db_url) as target:
        engine.update(target, changelog(*people()))
        result = engine.tag(target, "v2.0")
        assert result.tagged == "db/changelog.sql::3::dev"
        tags = [row["tag"] for row in rows(target)]
        if target.dialect == "sqlite":
            # Liquibase's generic tag UPDATE marks every row sharing the newest DATEEXECUTED (whole seconds).
            assert tags[-1] == "v2.0"
        else:
            assert tags == [None, None, "v2.0"]


def test_a_held_lock_blocks_changing_commands_until_released(db_url: str) -> None:
    log = changelog(*people())
    quick = RunOptions(lock=LockOptions(wait_timeout=0, poll_interval=0))
    with open_target(db_url) as other, open_target(db_url) as target:
        ChangeLogLock(other, run_id="crashed").acquire()
        for command in (lambda: engine.update(target, log, options=quick),
                        lambda: engine.rollback_count(target, log, 1, options=quick),
                        lambda: engine.tag(target, "x", options=quick),
                        lambda: engine.clear_checksums(target, options=quick)):
            with pytest.raises(LockNotAcquired, match="run crashed"):
                command()
        assert engine.status(target, log).pending  # reading needs no lock
        released = engine.release_locks(target)
        assert released.was_locked and "run crashed" in (released.locked_by or "")
        assert len(engine.update(target, log, options=quick).changesets) == 3


def test_an_update_takes_over_a_stale_lock_and_says_so(db_url: str) -> None:
    with open_target(db_url) as other, open_target(db_url) as target:
        lock = ChangeLogLock(other, run_id="dead")
        lock.acquire()
        other.execute(f"UPDATE {lock.sql.lock_table} SET LOCKGRANTED = '2000-01-01 00:00:00'")
        options = RunOptions(lock=LockOptions(wait_timeout=0, poll_interval=0, break_stale_lock_after=600))
        result = engine.update(target, changelog(*people()), options=options)
        assert result.stale_lock_broken is not None and "run dead" in result.stale_lock_broken
        assert not ChangeLogLock(target, run_id="x").state().locked
