"""Locks never outlive their runs: simultaneous starts get one 202 and 409s, a dead run's locks are taken
over at once, a stale foreign lock after its lease, and release-locks frees an instance by hand."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import datetime, timedelta

from schemashift.dbschema.services import services
from schemashift.targets import open_target
from schemashift.targets.lock import ChangeLogLock

from tests.support.deployments import new_base, wait_for
from tests.support.tenancy import sqlite_instance

PIPE = {"pipeline": "p", "planExecutionId": "e", "stageExecutionId": "s"}
CHANGELOG = "-- liquibase formatted sql\n\n" + "".join(
    f"-- changeset a:{i}\nCREATE TABLE t{i} (id INT);\n-- rollback DROP TABLE t{i};\n\n" for i in range(1, 7))


def _setup(api):
    base, _, _ = new_base()
    url, path = sqlite_instance()
    assert api.post(f"{base}/dbschema", {"identifier": "s", "name": "s"}).status == 201
    assert api.put(f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}}).status == 200
    assert api.post(f"{base}/dbschema/s/instance", {"identifier": "i", "name": "i", "url": url}).status == 201
    return base, path


def _hold_changelog_lock(path, locked_by_run: str | None = None, locked_by: str | None = None,
                         age: timedelta = timedelta(0)) -> None:
    """Leave DATABASECHANGELOGLOCK as a killed process leaves it: held, never released."""
    with open_target(f"sqlite:///{path}") as target:
        ChangeLogLock(target, run_id=locked_by_run or "x").acquire()
    con = sqlite3.connect(path)
    granted = (datetime.utcnow() - age).strftime("%Y-%m-%d %H:%M:%S")
    if locked_by:
        con.execute("UPDATE DATABASECHANGELOGLOCK SET LOCKEDBY = ? WHERE ID = 1", (locked_by,))
    con.execute("UPDATE DATABASECHANGELOGLOCK SET LOCKGRANTED = ? WHERE ID = 1", (granted,))
    con.commit()
    con.close()


def _lock_row(path):
    con = sqlite3.connect(path)
    row = con.execute("SELECT LOCKED, LOCKEDBY FROM DATABASECHANGELOGLOCK").fetchone()
    con.close()
    return row


def test_simultaneous_applies_get_one_202_and_409s(api) -> None:
    from schemashift.aws import client

    base, _ = _setup(api)
    answers: list = []
    barrier = threading.Barrier(5)
    losers_answered = threading.Semaphore(0)
    started: list[str] = []

    def hold_start(params, **_: object) -> None:  # type: ignore[no-untyped-def]
        # at the AWS edge: a winner's state machine starts only once the other four have answered, so
        # its run cannot end (and free the instance) before every start has been judged
        started.append(json.loads(params["body"])["name"])
        for _ in range(4):
            losers_answered.acquire(timeout=30)

    def start() -> None:
        barrier.wait()
        answer = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)
        answers.append(answer)
        if answer.status != 202:
            losers_answered.release()

    events = client("stepfunctions").meta.events
    events.register("before-call.sfn.StartExecution", hold_start, unique_id="hold-start")
    try:
        threads = [threading.Thread(target=start) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        events.unregister("before-call.sfn.StartExecution", unique_id="hold-start")
    statuses = sorted(a.status for a in answers)
    assert statuses == [202, 409, 409, 409, 409], [a.json() for a in answers]
    assert len(started) == 1, started  # one state machine run, not one per start
    winner = next(a for a in answers if a.status == 202).json()["executionId"]
    assert all(winner in a.json()["message"] for a in answers if a.status == 409)
    done = wait_for(api, base, winner)
    assert done["status"] == "SUCCESS" and done["progress"]["done"] == 6
    again = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)  # the lock went with the run
    assert again.status == 202 and wait_for(api, base, again.json()["executionId"])["status"] == "SUCCESS"


def test_a_dead_runs_changelog_lock_is_taken_over_at_once(api) -> None:
    base, path = _setup(api)
    first = api.post(f"{base}/dbschema/s/instance/i/apply", {**PIPE, "count": 1})
    ended = wait_for(api, base, first.json()["executionId"])
    assert ended["status"] == "SUCCESS"
    # the process running that execution was killed holding the target's lock (a restart mid-apply)
    _hold_changelog_lock(path, locked_by_run=ended["executionId"])
    started = time.monotonic()
    second = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)
    assert second.status == 202
    done = wait_for(api, base, second.json()["executionId"])
    assert done["status"] == "SUCCESS" and done["progress"]["done"] == 5, done["error"]
    assert time.monotonic() - started < 25  # no lock wait: the holder was provably dead
    assert _lock_row(path)[0] in (0, False)


def test_a_foreign_lock_waits_for_its_lease_or_release_locks(api) -> None:
    base, path = _setup(api)
    # Liquibase (or anything else) holding the lock: after the documented 15-minute lease it is stale
    _hold_changelog_lock(path, locked_by="ci-runner#Liquibase", age=timedelta(minutes=16))
    stale = api.post(f"{base}/dbschema/s/instance/i/apply", {**PIPE, "count": 1})
    assert wait_for(api, base, stale.json()["executionId"])["status"] == "SUCCESS"
    # a fresh foreign lock is respected; release-locks frees it by hand
    _hold_changelog_lock(path, locked_by="ci-runner#Liquibase")
    released = api.post(f"{base}/dbschema/s/instance/i/releaselocks")
    assert released.status == 200, released.json()
    body = released.json()
    assert body["changelogLock"]["released"] is True and body["changelogLock"]["lockedBy"] == "ci-runner#Liquibase"
    assert body["instanceLock"]["released"] is False
    assert _lock_row(path)[0] in (0, False)
    nothing = api.post(f"{base}/dbschema/s/instance/i/releaselocks").json()
    assert nothing["changelogLock"]["released"] is False


def test_release_locks_refuses_a_running_deployment_unless_forced(api, stack) -> None:
    from schemashift.dbschema.locks import acquire_lock
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.deployments.executions import create_execution, new_execution_id

    base, path = _setup(api)
    org, project = base.split("/")[3], base.split("/")[5]
    tenant = Tenant("local", org, project)
    # an execution whose worker vanished with the stack (its state machine run is gone)
    orphan = new_execution_id()
    create_execution(services(), tenant, "s", "i", "apply", PIPE, execution_id=orphan)
    assert acquire_lock(services(), tenant, "s", "i", owner=orphan) is not None
    _hold_changelog_lock(path, locked_by_run=orphan)
    busy = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)
    assert busy.status == 409 and orphan in busy.json()["message"]
    refused = api.post(f"{base}/dbschema/s/instance/i/releaselocks")
    assert refused.status == 409 and "force=true" in refused.json()["message"]
    forced = api.post(f"{base}/dbschema/s/instance/i/releaselocks", params={"force": "true"})
    assert forced.status == 200, forced.json()
    assert forced.json()["instanceLock"] == {"released": True, "executionId": orphan, "wasRunning": True}
    assert forced.json()["changelogLock"]["released"] is True
    abandoned = api.get(f"{base}/executions/{orphan}").json()
    assert abandoned["status"] == "FAILURE" and abandoned["error"]["code"] == "Abandoned"
    after = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)
    assert after.status == 202 and wait_for(api, base, after.json()["executionId"])["status"] == "SUCCESS"


def test_an_ended_runs_instance_lock_is_taken_over(api, stack) -> None:
    from schemashift.dbschema.locks import acquire_lock
    from schemashift.dbschema.tenancy import Tenant

    base, _ = _setup(api)
    org, project = base.split("/")[3], base.split("/")[5]
    done = wait_for(api, base, api.post(f"{base}/dbschema/s/instance/i/apply", {**PIPE, "count": 1}).json()["executionId"])
    # its finish died before deleting the lock item: the lock names an execution that has ended
    assert acquire_lock(services(), Tenant("local", org, project), "s", "i", owner=done["executionId"]) is not None
    next_run = api.post(f"{base}/dbschema/s/instance/i/apply", PIPE)
    assert next_run.status == 202, next_run.json()
    assert wait_for(api, base, next_run.json()["executionId"])["status"] == "SUCCESS"
