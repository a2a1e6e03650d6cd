"""``GET .../dbinstance/{i}/changesetmetadata``: what one pipeline step's execution produced, by
Harness command: the SQL (or YAML) of the changesets an update or rollback ran, the SQL a dry run
previewed, or the schema snapshot the deployment left.

The execution is found among the instance's newest ``SEARCHED`` executions of the command's kind
(the pipeline and stage execution ids are not keys): a step older than that answers 404.

``Update`` / ``Rollback`` SQL is what the execution sent, as it recorded it (``execution_sql``);
executions recorded before that existed have it regenerated from the changelog version they ran.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.execution_sql import RECORDED
from schemashift.deployments.executions import instance_target, jobs, scope_of, tenant_of
from schemashift.deployments.responses import ChangesetMetadata
from schemashift.errors import NotFound, ValidationFailed
from schemashift.paging import PageRequest

COMMANDS = ("Update", "Rollback", "DBOPSUpdateSQL", "DBOPSRollbackSQL", "DBOPSRollbackCountSQL", "DBOPSSnapshot")
CONTENT_TYPES = ("Sql", "Yaml")
SEARCHED = 500
_KIND = {"Update": "apply", "DBOPSUpdateSQL": "apply", "Rollback": "rollback", "DBOPSRollbackSQL": "rollback",
         "DBOPSRollbackCountSQL": "rollback"}
_RAN = {"apply": ("EXECUTED", "RERAN"), "rollback": ("ROLLED_BACK",)}


def _wanted(command: str, execution: dict[str, Any], plan: str, stage: str) -> bool:
    request = execution.get("request") or {}
    if (request.get("planExecutionId"), request.get("stageExecutionId")) != (plan, stage):
        return False
    dry = bool(request.get("dryRun")) and request.get("dryRun") != "transactional"
    if command in ("Update", "Rollback", "DBOPSSnapshot"):
        return not request.get("dryRun")
    if command == "DBOPSRollbackCountSQL":
        return dry and bool(request.get("count"))
    if command == "DBOPSRollbackSQL":
        return dry and not request.get("count")
    return dry


def _execution(svc: Services, tenant: Tenant, schema: str, instance: str, command: str, plan: str,
               stage: str) -> dict[str, Any]:
    scope, cursor, seen = scope_of(tenant), None, 0
    while seen < SEARCHED:
        page = jobs(svc).list_by_target(scope, instance_target(schema, instance), PageRequest(limit=100, cursor=cursor),
                                        kind=_KIND.get(command))
        for item in page.items:
            if _wanted(command, item, plan, stage):
                return item
        seen += 100
        cursor = page.next_cursor
        if not cursor:
            break
    raise NotFound(f"No {command} execution of pipelineExecutionId '{plan}' stageExecutionId '{stage}' on instance "
                   f"'{instance}' (among its {SEARCHED} newest executions)")


def changeset_metadata(svc: Services, tenant: Tenant, schema: str, instance: str, command: str | None, plan: str | None,
                       stage: str | None, content_type: str | None) -> ChangesetMetadata:
    """Statements (``Sql``), one YAML changelog (``Yaml``) or one snapshot JSON."""
    if command not in COMMANDS:
        raise ValidationFailed(f"harnessCommand must be one of {', '.join(COMMANDS)}; got {command!r}")
    if not plan or not stage:
        raise ValidationFailed("query parameters pipelineExecutionId and stageExecutionId are required")
    content_type = content_type or "Sql"
    if content_type not in CONTENT_TYPES:
        raise ValidationFailed(f"contentType must be Sql or Yaml; got {content_type!r}")
    instance_item = get_instance_item(svc, tenant, schema, instance)
    execution = _execution(svc, tenant, schema, instance, command, plan, stage)
    if command == "DBOPSSnapshot":
        from schemashift.dbschema.snapshots import load_snapshot

        if not execution.get("snapshot"):
            why = (execution.get("snapshotError") or {}).get("message")
            raise NotFound(f"Execution '{execution['jobId']}' left no snapshot" + (f": {why}" if why else ""))
        return ChangesetMetadata(data=[json.dumps(load_snapshot(svc, execution["snapshot"]), sort_keys=True)])
    if command.startswith("DBOPS"):
        if content_type == "Yaml":
            raise ValidationFailed(f"{command} produces SQL only; use contentType=Sql")
        return ChangesetMetadata(data=list(execution.get("sql") or []))
    return ChangesetMetadata(data=_ran(svc, execution, instance_item, content_type))


def _ran(svc: Services, execution: dict[str, Any], instance_item: dict[str, Any], content_type: str) -> list[str]:
    """The SQL (or YAML) of the changesets the execution ran: the SQL it recorded, else (an execution
    from before SQL was recorded) regenerated from the changelog version it ran."""
    flyway = execution.get("migrationType") == "Flyway"
    if flyway and content_type == "Yaml":
        raise ValidationFailed("Flyway executions produce SQL only; use contentType=Sql")
    if execution.get(RECORDED) and content_type == "Sql":
        from schemashift.deployments.execution_sql import recorded_units

        units = recorded_units(svc, tenant_of(execution), execution["schema"], execution["instance"],
                               execution["jobId"])
        return [sql for unit in units if unit["status"] in _RAN[execution["kind"]] for sql in unit["statements"]]
    scope = execution["pk"].split("JOB#")[0]
    ran = [e["changeSetFQN"] for e in jobs(svc).entries(scope, execution["jobId"])
           if e.get("changeSetFQN") and e.get("status") in _RAN[execution["kind"]]]
    if not ran or not execution.get("changelogKey"):
        return []
    dialect = instance_item["dialect"]
    if flyway:
        return _flyway_scripts(svc, execution, ran, dialect)
    from schemashift.changelog.serialize import changesets_yaml
    from schemashift.dbschema.changelogs import identity, split_fqn
    from schemashift.deployments.engines.liquibase import contexts_labels
    from schemashift.deployments.runner import changelog_for

    changelog = changelog_for(svc, execution["changelogKey"], execution.get("substituteProperties") or {}, dialect)
    by_identity = {identity(cs.file_path, cs.id, cs.author): cs for cs in changelog.changesets}
    changesets = [by_identity[key] for key in (identity(*split_fqn(fqn)) for fqn in ran) if key in by_identity]
    if content_type == "Yaml":
        return [changesets_yaml(changesets)] if changesets else []
    rollback = execution["kind"] == "rollback"
    contexts, labels = contexts_labels(execution.get("request") or {}, instance_item)
    statements: list[str] = []
    for changeset in changesets:
        for change in changeset.rollback_changes() if rollback else changeset.changes:
            statements += changeset.statements_for(change, dialect, rollback=rollback, contexts=contexts, labels=labels)
    return statements


def _flyway_scripts(svc: Services, execution: dict[str, Any], ran: list[str], dialect: str) -> list[str]:
    """Regenerated: the statements of the scripts the execution ran (an undo's ``U`` script), split as
    the engine splits them, placeholders not replaced."""
    from schemashift.dbschema.bundles import load_bundle
    from schemashift.dbschema.changelogs import split_fqn
    from schemashift.flyway.project import load_project
    from schemashift.flyway.statements import split_script

    project = load_project(load_bundle(svc, execution["changelogKey"]).files)
    undo = {str(s.version): s.path for s in project.scripts if s.kind == "undo"}
    statements: list[str] = []
    for fqn in ran:
        unit = project.by_key.get(split_fqn(fqn)[1])
        if unit is None:
            continue
        path = undo.get(unit.version or "") if execution["kind"] == "rollback" else unit.path
        if path:
            statements += [statement.sql for statement in split_script(project.files[path], dialect)]
    return statements
