"""Reconcile DynamoDB state with the instance's DATABASECHANGELOG, the source of truth.

Runs at the start of every deployment (so a crashed run's gap is repaired before anything else
happens) and on demand (``POST .../instance/{i}/sync``). Adopts changesets applied outside
schemashift (e.g. by Liquibase), marks as rolled back what disappeared from the table, and reports
drift: rows the changelog does not know and checksum mismatches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.dbschema.changelogs import identity, read_definitions
from schemashift.dbschema.services import Services
from schemashift.dbschema.state import ChangesetStatusUpdate, DefinitionIndex, record_changeset_status
from schemashift.dbschema.tenancy import Tenant, instance_index_pk
from schemashift.store.dynamo import query_all

if TYPE_CHECKING:
    from schemashift.changelog import DatabaseChangeLog


def reconcile(svc: Services, tenant: Tenant, schema: str, instance: str, target: Any,
              changelog: DatabaseChangeLog | None, known: DefinitionIndex | None = None) -> dict[str, Any]:
    """``known``: the schema's definitions index when the caller has just read it (a batch has)."""
    from schemashift.targets.history import ChangeLogHistory

    rows = ChangeLogHistory(target).ran_changesets()
    ran = {identity(r.filename, r.id, r.author): r for r in rows}
    if known is None:
        known = {identity(d["fileName"], d["changeSet"], d["author"]): d for d in read_definitions(svc, tenant, schema)}
    states = {i["csk"]: i for i in query_all(
        svc.state, IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": instance_index_pk(tenant, schema, instance)})}
    updates: list[ChangesetStatusUpdate] = []
    adopted: list[str] = []
    rolled_back: list[str] = []
    for ident, definition in known.items():
        state = states.get(definition["csk"], {})
        status = state.get("status")
        row = ran.get(ident)
        if row is not None and status != "Successfully_Deployed":
            adopted.append(definition["fqn"])
            updates.append(ChangesetStatusUpdate(definition["fqn"], "Successfully_Deployed",
                                                 pipeline=state.get("pipeline") or "sync", tag=row.tag,
                                                 deployedAt=int(row.date_executed.timestamp() * 1000)
                                                 if row.date_executed else None, log_run=False))
        elif row is not None and (row.tag or None) != (state.get("tag") or None):
            updates.append(ChangesetStatusUpdate(definition["fqn"], "Successfully_Deployed",
                                                 pipeline=state.get("pipeline") or "sync", tag=row.tag,
                                                 planExecutionId=state.get("planExecutionId") or "",
                                                 stageExecutionId=state.get("stageExecutionId") or "",
                                                 deployedAt=int(state["deployedAt"]) if state.get("deployedAt") else None,
                                                 log_run=False))
        elif row is None and status == "Successfully_Deployed":
            rolled_back.append(definition["fqn"])
            updates.append(ChangesetStatusUpdate(definition["fqn"], "Rolled_Back", pipeline="sync", log_run=False))
    record_changeset_status(svc, tenant, schema, instance, updates, known)
    unknown_rows = [r.fqn for ident, r in ran.items() if ident not in known and r.filename != "liquibase-internal"]
    mismatches: list[dict[str, str]] = []
    if changelog is not None:
        for cs in changelog.changesets:
            row = ran.get(identity(cs.file_path, cs.id, cs.author))
            if row is not None and row.md5sum and not cs.run_on_change and not cs.run_always \
                    and not cs.unsupported_changes() \
                    and not cs.is_checksum_valid(row.md5sum, target.dialect):
                mismatches.append({"changeSetFQN": cs.fqn, "stored": row.md5sum,
                                   "current": cs.checksum(target.dialect)})
    return {"instance": instance, "rows": len(rows), "adopted": adopted, "markedRolledBack": rolled_back,
            "unknownRows": unknown_rows, "checksumMismatches": mismatches,
            "inSync": not (unknown_rows or mismatches)}
