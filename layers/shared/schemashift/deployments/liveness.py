"""A dead deployment never blocks an instance: its locks are taken over or released.

Two locks guard an instance: the DynamoDB instance lock (lease, one deployment per instance) and the
target's DATABASECHANGELOGLOCK (Liquibase's, which names its holder's run). A holder is *dead* when
its execution, in the caller's own scope, has ended; its locks are then taken over at once instead
of after the lease. A worker retried by the state machine takes over its own execution's lock. A
lock named by anything else (Liquibase, another tenant's run on a shared database) is left to its
lease, or to ``release-locks``.
"""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.instances import connect_instance, get_instance_item
from schemashift.dbschema.locks import current_lock, lock_holder, release_lock
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.executions import FAILURE, finish_execution, jobs, scope_of
from schemashift.deployments.responses import ReleaseLocksReport
from schemashift.errors import Conflict
from schemashift.jobs.store import TERMINAL
from schemashift.observability import logger


def execution_ended(svc: Services, tenant: Tenant, execution_id: str) -> bool:
    """The execution exists in ``tenant``'s scope and has a terminal status (an unknown holder is not
    judged dead: its lease decides)."""
    item = jobs(svc).find(scope_of(tenant), execution_id)
    return item is not None and item["status"] in TERMINAL


def reclaim_changelog_lock(svc: Services, target: Any, tenant: Tenant, execution_id: str) -> str | None:
    """Release the target's DATABASECHANGELOGLOCK when it is held by this execution's dead worker or
    by an ended execution of this tenant; returns the run whose lock was released."""
    from schemashift.targets.lock import ChangeLogLock, run_id_of

    lock = ChangeLogLock(target, run_id=execution_id)
    state = lock.state()
    holder = run_id_of(state.locked_by) if state.locked else None
    if holder is None:
        return None
    if holder != execution_id:
        item = jobs(svc).find(scope_of(tenant), holder)
        if item is None or item["status"] not in TERMINAL:
            return None  # alive, or not ours to judge: the lease decides
    lock.force_release()
    logger.warning("released a dead run's DATABASECHANGELOGLOCK", extra={"lockedBy": state.locked_by})
    return holder


def release_locks(svc: Services, tenant: Tenant, schema: str, instance: str, *,
                  force: bool = False) -> ReleaseLocksReport:
    """``POST .../instance/{i}/releaselocks``: free the instance after a crash or restart.

    A deployment still running holds its locks (409) unless ``force``; forcing ends that execution as
    failed (``Abandoned``). The target's DATABASECHANGELOGLOCK is released whoever holds it, as
    Liquibase's ``release-locks`` does."""
    get_instance_item(svc, tenant, schema, instance)
    holder = lock_holder(svc, tenant, schema, instance)
    running = holder is not None and current_lock(svc, tenant, schema, instance) is not None \
        and not execution_ended(svc, tenant, holder)
    if running and not force:
        raise Conflict(f"A deployment ({holder}) is running on instance '{instance}'; wait for it, or pass "
                       "force=true if it is known to be dead", details={"executionId": holder})
    if holder is not None:
        release_lock(svc, tenant, schema, instance, holder)
        if running:
            finish_execution(svc, scope_of(tenant), holder, FAILURE,
                             {"code": "Abandoned", "message": "its locks were released by release-locks"})
    from schemashift.targets.lock import ChangeLogLock

    with connect_instance(tenant, get_instance_item(svc, tenant, schema, instance)) as target:
        before = ChangeLogLock(target, run_id="release-locks").force_release()
    return ReleaseLocksReport.model_validate({
        "instance": instance,
        "instanceLock": {"released": holder is not None, "executionId": holder, "wasRunning": running},
        "changelogLock": {"released": before.locked, "lockedBy": before.locked_by,
                          "lockGranted": before.granted.isoformat() if before.granted else None},
    })
