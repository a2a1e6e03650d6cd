"""Per-changeset, per-instance deployment state, and the migrationstate views over it.

Items are sparse: a changeset with no item on an instance is ``Not_Deployed``. Keys:
``pk = <schema>``, ``sk = <csk>#<instance>`` (csk = the changeset's stable key, assigned in
registration order), GSI ``gsi1`` = (``<schema>#I#<instance>``, csk) for one instance's view.
A page of migrationstate reads that page's definitions by order key and that page's state by csk
range: only the page's data, whatever the size of the schema.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemashift.clock import now_ms
from schemashift.dbschema.changelogs import identity, read_definitions, split_fqn
from schemashift.dbschema.instances import get_instance_item, list_instance_items
from schemashift.dbschema.responses import (
    ChangesetOnInstance,
    ChangesetState,
    DeployedChangeset,
    InstanceChangeset,
    InstanceMigrationState,
    InstanceRef,
    MigrationState,
    PipelineStep,
    PolicyWarnings,
)
from schemashift.dbschema.rules import STATUSES
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import (
    Tenant,
    csk_runs,
    definitions_pk,
    instance_index_pk,
    order_key,
    run_prefix,
)
from schemashift.errors import ValidationFailed
from schemashift.paging import PageRequest
from schemashift.store.dynamo import batch_get, batch_write, plain, query_all

if TYPE_CHECKING:  # request models are the handler's to import: a route that answers only never builds them
    from schemashift.dbschema.models import DeployedStateRequest, MigrationStateRequest

NOT_DEPLOYED = "Not_Deployed"
MARKER_SK = "STATEVER#"
"""``STATEVER#<instance>``: a fresh token after every write of the instance's state (the summary's
cached counts are valid while their token is the current one). Sorts after every ``C``/``RUN`` key."""
_HIGH = "~"  # sorts after every instance identifier character



@dataclass
class ChangesetStatusUpdate:
    """One changeset's outcome on one instance, as a deployment records it."""

    fqn: str
    status: str
    pipeline: str = ""
    planExecutionId: str = ""
    stageExecutionId: str = ""
    tag: str | None = None
    error: str | None = None
    executionId: str | None = None
    deployedAt: int | None = None
    log_run: bool = True
    """Also list it under the pipeline step (deployedState); off for bookkeeping-only updates."""


DefinitionIndex = dict[tuple[str, str, str], dict[str, Any]]


def definitions_index(svc: Services, tenant: Tenant, schema: str) -> DefinitionIndex:
    """Registered changesets by Liquibase identity; a deployment loads it once per batch."""
    return {identity(d["fileName"], d["changeSet"], d["author"]): d for d in read_definitions(svc, tenant, schema)}


def record_changeset_status(svc: Services, tenant: Tenant, schema: str, instance: str,
                            updates: list[ChangesetStatusUpdate],
                            index: DefinitionIndex | None = None) -> list[str]:
    """Write the outcome of changesets on an instance; returns FQNs unknown to the schema (drift)."""
    if not updates:
        return []
    for update in updates:
        if update.status not in STATUSES:
            raise ValidationFailed(f"unknown changeset status {update.status!r}")
    definitions = index if index is not None else definitions_index(svc, tenant, schema)
    now = now_ms()
    puts: list[dict[str, Any]] = []
    unknown: list[str] = []
    for update in updates:
        definition = definitions.get(identity(*split_fqn(update.fqn)))
        if definition is None:
            unknown.append(update.fqn)
            continue
        puts += state_items(tenant, schema, instance, definition, update, now)
    table = svc.state
    batch_write(table, puts=puts)
    for marker in state_markers(puts):  # after the state they vouch for, never in the same batch
        table.put_item(Item=marker)
    return unknown


def state_markers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One fresh marker per (schema partition, instance) among these state items."""
    seen = {(i["pk"], i["instance"]) for i in items if "gsi1pk" in i}
    return [{"pk": pk, "sk": MARKER_SK + instance, "token": uuid.uuid4().hex} for pk, instance in sorted(seen)]


def state_items(tenant: Tenant, schema: str, instance: str, definition: dict[str, Any],
                update: ChangesetStatusUpdate, now: int) -> list[dict[str, Any]]:
    """The state item (and the pipeline-step log item) one status update writes."""
    csk = definition["csk"]
    deployed_at = update.deployedAt or (now if update.status == "Successfully_Deployed" else None)
    items = [{
        "pk": tenant.schema_pk(schema), "sk": f"{csk}#{instance}",
        "gsi1pk": instance_index_pk(tenant, schema, instance), "gsi1sk": csk,
        "csk": csk, "instance": instance, "status": update.status,
        "pipeline": update.pipeline, "planExecutionId": update.planExecutionId,
        "stageExecutionId": update.stageExecutionId, "tag": update.tag, "updated": now,
        "error": update.error, "deployedAt": deployed_at, "executionId": update.executionId,
    }]
    if update.log_run and update.planExecutionId and update.stageExecutionId:
        items.append({
            "pk": tenant.schema_pk(schema),
            "sk": run_prefix(instance, update.pipeline, update.planExecutionId, update.stageExecutionId)
            + f"{now:015d}#{csk}",
            "csk": csk, "fqn": definition["fqn"], "changeSet": definition["changeSet"],
            "author": definition["author"], "fileName": definition["fileName"], "status": update.status,
            "tag": update.tag, "updated": now, "error": update.error,
        })
    return items


def instance_states(svc: Services, tenant: Tenant, schema: str, instance: str) -> dict[str, dict[str, Any]]:
    """One instance's state items by changeset key (one Query on the instance index)."""
    return {i["csk"]: i for i in query_all(
        svc.state, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": instance_index_pk(tenant, schema, instance)})}


def delete_instance_state(svc: Services, tenant: Tenant, schema: str, instance: str) -> None:
    table = svc.state
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in query_all(
        table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": instance_index_pk(tenant, schema, instance)},
        ProjectionExpression="pk, sk")]
    batch_write(table, deletes=keys)
    table.put_item(Item={"pk": tenant.schema_pk(schema), "sk": MARKER_SK + instance, "token": uuid.uuid4().hex})


# ---------------------------------------------------------------------------- reads
def _definitions_page(svc: Services, tenant: Tenant, schema: str, page: PageRequest, search_term: str | None,
                      total_registered: int) -> tuple[list[dict[str, Any]], int]:
    if not search_term:
        if page.offset >= total_registered:
            return [], total_registered
        last = min(page.offset + page.limit, total_registered) - 1
        items = list(query_all(svc.state, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                               ExpressionAttributeValues={":pk": definitions_pk(tenant, schema),
                                                          ":a": order_key(page.offset), ":b": order_key(last)}))
        return items, total_registered
    matches = read_definitions(svc, tenant, schema, search_term)
    return matches[page.offset : page.offset + page.limit], len(matches)


def _state_for(svc: Services, tenant: Tenant, schema: str, csks: list[str], instances: list[str] | None
               ) -> dict[tuple[str, str], dict[str, Any]]:
    """State items of these changesets (optionally only these instances), keyed by (csk, instance)."""
    table = svc.state
    schema_pk = tenant.schema_pk(schema)
    found: list[dict[str, Any]] = []
    if instances is not None and len(instances) * len(csks) <= 400:
        keys = [{"pk": schema_pk, "sk": f"{csk}#{inst}"} for csk in csks for inst in instances]
        found = batch_get(table, keys)
    else:
        wanted = set(instances) if instances is not None else None
        for first, last in csk_runs(csks):
            for item in query_all(table, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                                  ExpressionAttributeValues={":pk": schema_pk, ":a": f"{first}#",
                                                             ":b": f"{last}#{_HIGH}"}):
                if wanted is None or item["instance"] in wanted:
                    found.append(item)
    return {(i["csk"], i["instance"]): i for i in found}


def _sort_instances(instances: list[dict[str, Any]], sort: str, order: str) -> list[dict[str, Any]]:
    def key(inst: dict[str, Any]) -> tuple[Any, str]:
        value = inst.get(sort)
        if sort == "name":
            value = (value or "").lower()
        return (value if value is not None else 0, inst["identifier"])

    return sorted(instances, key=key, reverse=order == "DESC")


def _instance_entry(identifier: str, state: dict[str, Any] | None) -> ChangesetOnInstance:
    if state is None:
        return ChangesetOnInstance(instance=identifier, status=NOT_DEPLOYED, pipeline="", planExecutionId="",
                                   stageExecutionId="", tag=None, updated=None, error=None)
    return ChangesetOnInstance(
        instance=identifier, status=state["status"], pipeline=state.get("pipeline") or "",
        planExecutionId=state.get("planExecutionId") or "", stageExecutionId=state.get("stageExecutionId") or "",
        tag=state.get("tag"), updated=plain(state.get("updated")), error=state.get("error"))


def instance_summary(item: dict[str, Any]) -> InstanceRef:
    """``{identifier, name}`` (the seed contract), plus ``policyWarnings`` when the latest gated
    deployment of the instance had any (absent, not null, otherwise)."""
    summary = InstanceRef(identifier=item["identifier"], name=item["name"])
    if item.get("policyWarnings"):
        summary.policyWarnings = PolicyWarnings.model_validate(plain(item["policyWarnings"]))
    return summary


def state_page(svc: Services, tenant: Tenant, schema: str, schema_item: dict[str, Any],
               request: MigrationStateRequest, page: PageRequest, search_term: str | None
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]], int]:
    """The instances in scope (filtered, sorted), the page's definitions, their state items by
    (csk, instance), and the total: what both migrationstate views (Liquibase, Flyway) show."""
    filters = request.instanceFilter
    all_instances = list_instance_items(svc, tenant, schema)
    selected = all_instances
    wanted: list[str] | None = None
    if filters and filters.instances is not None:
        known = {i["identifier"] for i in all_instances}
        missing = [i for i in filters.instances if i not in known]
        if missing:
            raise ValidationFailed(f"instanceFilter.instances names unknown instance(s): {', '.join(missing)}")
        wanted = list(dict.fromkeys(filters.instances))
        selected = [i for i in all_instances if i["identifier"] in set(wanted)]
    selected = _sort_instances(selected, filters.sort if filters else "identifier",
                               filters.order if filters else "ASC")
    definitions, total = _definitions_page(svc, tenant, schema, page, search_term,
                                           int(schema_item.get("changesetCount", 0)))
    states = (_state_for(svc, tenant, schema, [d["csk"] for d in definitions], wanted)
              if definitions and selected else {})
    return selected, definitions, states, total


def migration_state(svc: Services, tenant: Tenant, schema: str, request: MigrationStateRequest, page: PageRequest,
                    search_term: str | None) -> tuple[MigrationState, int]:
    """The seed contract: every changeset of the page with its status on every instance in scope."""
    schema_item = get_schema_item(svc, tenant, schema)
    selected, definitions, states, total = state_page(svc, tenant, schema, schema_item, request, page, search_term)
    change_sets = []
    for definition in definitions:
        entries = [_instance_entry(inst["identifier"], states.get((definition["csk"], inst["identifier"])))
                   for inst in selected]
        updated = max((e.updated for e in entries if e.updated), default=plain(definition.get("registered")))
        change_sets.append(ChangesetState(
            author=definition["author"], changeSet=definition["changeSet"], changeSetFQN=definition["fqn"],
            fileName=definition["fileName"],
            synced=bool(entries) and all(e.status == "Successfully_Deployed" for e in entries),
            updated=updated, instances=entries))
    body = MigrationState(schema=schema, instances=[instance_summary(i) for i in selected], changeSets=change_sets)
    return body, total


def instance_migration_state(svc: Services, tenant: Tenant, schema: str, instance: str, page: PageRequest,
                             search_term: str | None) -> tuple[InstanceMigrationState, int]:
    """One instance's view: every registered changeset with its status there."""
    schema_item = get_schema_item(svc, tenant, schema)
    instance_item = get_instance_item(svc, tenant, schema, instance)
    definitions = read_definitions(svc, tenant, schema, search_term)
    states = instance_states(svc, tenant, schema, instance)
    rows = []
    for definition in definitions[page.offset : page.offset + page.limit]:
        state = states.get(definition["csk"])
        entry = _instance_entry(instance, state)
        rows.append(InstanceChangeset(
            changeSet=definition["changeSet"], changeSetFQN=definition["fqn"], author=definition["author"],
            fileName=definition["fileName"], status=entry.status,
            deployedAt=plain(state.get("deployedAt")) if state else None, comment=definition.get("comment"),
            label=definition.get("labels"), tag=entry.tag, pipeline=entry.pipeline,
            planExecutionId=entry.planExecutionId, stageExecutionId=entry.stageExecutionId, updated=entry.updated,
            error=entry.error))
    body = InstanceMigrationState(schemaName=schema_item["name"], instanceName=instance_item["name"], changeSets=rows)
    return body, len(definitions)


def deployed_state(svc: Services, tenant: Tenant, schema: str, instance: str, request: DeployedStateRequest
                   ) -> list[DeployedChangeset]:
    """Changesets one pipeline step ran on an instance, in the order it ran them."""
    get_instance_item(svc, tenant, schema, instance)
    prefix = run_prefix(instance, request.pipeline, request.planExecutionId, request.stageExecutionId)
    items = query_all(svc.state, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                      ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":p": prefix})
    wanted_status = {"DBSchemaApply": {"Successfully_Deployed", "Deployment_Failed"},
                     "DBSchemaRollback": {"Rolled_Back"}}.get(request.stepType or "")
    step = PipelineStep(pipeline=request.pipeline, planExecutionId=request.planExecutionId,
                        stageExecutionId=request.stageExecutionId)
    return [DeployedChangeset(
        changeSet=i["changeSet"], changeSetFQN=i["fqn"], author=i["author"], fileName=i["fileName"],
        status=i["status"], tag=i.get("tag"), updated=plain(i["updated"]), error=i.get("error"),
        deployedInCurrentExecution=True, metadata=step,
    ) for i in items if wanted_status is None or i["status"] in wanted_status]
