"""The Flyway views of deployment state (Harness's ``.../flyway/migrationstate`` routes) and the
scripts a pipeline step ran (``/v1/step/flyway/migrationscripts``).

They read the same items as the Liquibase views (one definition per migration, sparse per-instance
state); only the shape differs: migrations by ``version`` / ``type`` / ``description``, pipeline ids
named ``pipelineIdentifier`` / ``pipelineExecutionId`` as in Harness's Flyway records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.dbschema.changelogs import is_flyway, read_definitions
from schemashift.dbschema.flyway_responses import (
    FlywayMigration,
    FlywayMigrationOnInstance,
    FlywayMigrationScripts,
    FlywayMigrationState,
    InstanceFlywayMigration,
    InstanceFlywayMigrationState,
    ScriptRun,
)
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.state import NOT_DEPLOYED, instance_states, instance_summary, state_page
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import ValidationFailed
from schemashift.paging import PageRequest
from schemashift.store.dynamo import plain

if TYPE_CHECKING:  # request models are the handler's to import: a route that answers only never builds them
    from schemashift.dbschema.models import MigrationStateRequest


def flyway_schema_item(svc: Services, tenant: Tenant, schema: str) -> dict[str, Any]:
    """The schema (404 when unknown), refused with a 400 unless it is a Flyway schema."""
    item = get_schema_item(svc, tenant, schema)
    if not is_flyway(item):
        raise ValidationFailed(f"Database schema '{schema}' is a {item.get('migrationType') or 'Liquibase'} schema; "
                               "the flyway routes answer for migrationType Flyway (use .../migrationstate)")
    return item


def _migration(definition: dict[str, Any]) -> dict[str, Any]:
    """What both migration models say of the migration itself (their ``_Migration`` fields)."""
    return dict(version=definition.get("version"), type=definition.get("type") or "SQL",
                description=definition.get("description") or "", script=definition["fileName"],
                checksum=int(definition["checksum"]) if definition.get("checksum") else None,
                inBundle=bool(definition.get("inChangelog", True)))


def _deployment(state: dict[str, Any] | None) -> dict[str, Any]:
    """What both say of its deployment on one instance (their ``_Deployment`` fields)."""
    state = state or {}
    return dict(status=state.get("status") or NOT_DEPLOYED, deployedAt=plain(state.get("deployedAt")),
                pipelineIdentifier=state.get("pipeline") or "", pipelineExecutionId=state.get("planExecutionId") or "",
                stageExecutionId=state.get("stageExecutionId") or "", updated=plain(state.get("updated")),
                error=state.get("error"))


def flyway_migration_state(svc: Services, tenant: Tenant, schema: str, request: MigrationStateRequest,
                           page: PageRequest, search_term: str | None) -> tuple[FlywayMigrationState, int]:
    """Every migration of the page with its status on every instance in scope."""
    schema_item = flyway_schema_item(svc, tenant, schema)
    selected, definitions, states, total = state_page(svc, tenant, schema, schema_item, request, page, search_term)
    migrations = []
    for definition in definitions:
        entries = [FlywayMigrationOnInstance(
            instance=inst["identifier"], **_deployment(states.get((definition["csk"], inst["identifier"]))))
            for inst in selected]
        deployed = [e.deployedAt for e in entries if e.deployedAt and e.status == "Successfully_Deployed"]
        migrations.append(FlywayMigration(
            **_migration(definition), deployedAt=max(deployed, default=None),
            synced=bool(entries) and all(e.status == "Successfully_Deployed" for e in entries), instances=entries))
    body = FlywayMigrationState(schema=schema, instances=[instance_summary(i) for i in selected],
                                migrations=migrations)
    return body, total


def instance_flyway_migration_state(svc: Services, tenant: Tenant, schema: str, instance: str,
                                    page: PageRequest, search_term: str | None
                                    ) -> tuple[InstanceFlywayMigrationState, int]:
    """One instance's migrations with their status there."""
    schema_item = flyway_schema_item(svc, tenant, schema)
    instance_item = get_instance_item(svc, tenant, schema, instance)
    definitions = read_definitions(svc, tenant, schema, search_term)
    states = instance_states(svc, tenant, schema, instance)
    migrations = [InstanceFlywayMigration(**_migration(definition), **_deployment(states.get(definition["csk"])))
                  for definition in definitions[page.offset : page.offset + page.limit]]
    body = InstanceFlywayMigrationState(schemaName=schema_item["name"], instanceName=instance_item["name"],
                                        migrations=migrations)
    return body, len(definitions)


SCANNED_EXECUTIONS = 500
"""How far back (newest first) migrationscripts looks among an instance's executions."""
_KIND_OF_COMMAND = {"Migrate": "apply", "Undo": "rollback"}


def migration_scripts(svc: Services, tenant: Tenant, schema: str, instance: str, plan_execution_id: str,
                      stage_execution_id: str | None, command: str, parent_id: str | None) -> FlywayMigrationScripts:
    """The scripts a pipeline step's executions ran on an instance, in the order they ran: ``data`` holds
    each script's text (the ``U`` script for an undo), ``scripts`` its name and outcome."""
    from schemashift.dbschema.bundles import load_bundle
    from schemashift.deployments.executions import instance_target, jobs, scope_of
    from schemashift.flyway.project import load_project

    if command not in _KIND_OF_COMMAND:
        raise ValidationFailed(f"query parameter 'command' must be Migrate or Undo; got {command!r}",
                               details={"field": "command"})
    flyway_schema_item(svc, tenant, schema)
    get_instance_item(svc, tenant, schema, instance)
    scope, kind = scope_of(tenant), _KIND_OF_COMMAND[command]
    matching: list[dict[str, Any]] = []
    page, seen = PageRequest(limit=100), 0
    while seen < SCANNED_EXECUTIONS:
        found = jobs(svc).list_by_target(scope, instance_target(schema, instance), page, kind=kind)
        seen += page.limit
        for item in found.items:
            request = item.get("request") or {}
            if request.get("planExecutionId") == plan_execution_id and (
                    not stage_execution_id or request.get("stageExecutionId") == stage_execution_id) and (
                    not parent_id or item.get("parentId") == parent_id):
                matching.append(item)
        if not found.next_cursor:
            break
        page = PageRequest(limit=100, cursor=found.next_cursor)
    data: list[str] = []
    scripts: list[ScriptRun] = []
    for item in reversed(matching):  # oldest first
        if not item.get("changelogKey"):
            continue
        project = load_project(load_bundle(svc, item["changelogKey"]).files)
        undo = {str(s.version): s for s in project.scripts if s.kind == "undo"}
        by_fqn = {unit.fqn: unit for unit in project.units}
        for entry in jobs(svc).entries(scope, item["jobId"]):
            unit = by_fqn.get(entry.get("changeSetFQN") or "")
            if unit is None or entry.get("status") not in ("EXECUTED", "ROLLED_BACK", "FAILED"):
                continue
            script = undo.get(str(unit.key)) if kind == "rollback" else None
            path, name = (script.path, script.script) if script is not None else (unit.path, unit.script)
            data.append(project.files[path])
            scripts.append(ScriptRun(script=name, version=unit.version, description=unit.description,
                                     status=entry["status"], executionId=item["jobId"]))
    return FlywayMigrationScripts(data=data, scripts=scripts)
