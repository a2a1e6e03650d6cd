"""The published contract: one OpenAPI 3.1 document for every route, built from the template's
routes and the request/response models.

``CONTRACT`` says, for each (method, path) of template.yaml, which model a request body is, which
query parameters and headers count, and which model each status answers with. The document is
generated (``make openapi`` writes ``docs/openapi.json``); a test fails when the file is stale,
when a template route is missing from ``CONTRACT`` or when ``CONTRACT`` names a route the
template lacks. Only the generator and the tests import this module: handlers never pay for it.

    python -m schemashift.api.openapi [--check] [PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemashift import __version__
from schemashift.api import models as common
from schemashift.datasets import responses as ds
from schemashift.datasets.jobs.requests import CompactRequest, MigrationRequest, PlanRequest, RestoreRequest
from schemashift.datasets.requests import CreateDataset, CreateTable, CreateUpload, QueryRows, UpdateTable
from schemashift.dbschema import flyway_responses as flyway
from schemashift.dbschema import models as harness_in
from schemashift.dbschema import responses as harness
from schemashift.deployments import flyway_responses as flyway_commands
from schemashift.deployments.models import (
    ApplyRequest,
    FleetApplyRequest,
    FlywayBaselineRequest,
    FlywayRepairRequest,
    RollbackRequest,
)
from schemashift.deployments.responses import ChangesetMetadata, ReleaseLocksReport, SyncReport
from schemashift.jobs.views import Execution, ExecutionList, Operation, OperationList
from schemashift.safety import responses as safety
from schemashift.safety.policy_store import PolicyIn
from schemashift.safety.service import LintRequest

P = "/v1/orgs/{org}/projects/{project}"
DOCUMENT = Path("docs/openapi.json")
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # query | header
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class ListOf:
    """A response body that is a JSON array of ``model``."""

    model: type[BaseModel]


Body = type[BaseModel] | ListOf | None


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    responses: dict[int, Body]
    request: type[BaseModel] | None = None
    body_required: bool = True
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (400, 401, 403, 404, 409, 500)
    paged: bool = False  # Harness paging headers on the 200
    raw_body: bool = False  # rows: JSON, CSV, Parquet or Arrow IPC


def _int(minimum: int, maximum: int | None = None, default: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    if default is not None:
        schema["default"] = default
    return schema


PAGE = Param("page", "query", "Pagination page number (0-based)", _int(0, default=0))
LIMIT = Param("limit", "query", "Pagination: number of items to return", _int(1, 100, 10))
SEARCH = Param("search_term", "query", "Filter resources having attributes matching the search term")
HARNESS_PAGING = (PAGE, LIMIT, SEARCH)
CURSOR_LIMIT = Param("limit", "query", "Number of items to return", _int(1, 100, 50))
CURSOR = Param("cursor", "query", "The nextCursor of the previous page")
CURSOR_PAGING = (CURSOR_LIMIT, CURSOR)
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key", "header", "A retried request with the same key returns the first response (24 hours)"
)
HARNESS_ACCOUNT = Param(
    "Harness-Account", "header", "Identifier of the account the resource is scoped to; must be the API key's"
)
EXECUTION_STATUS = Param(
    "status", "query", "Only executions with this status",
    {"type": "string", "enum": ["IN_PROGRESS", "SUCCESS", "FAILURE", "CANCELLED"]},
)

CONTRACT: dict[tuple[str, str], RouteDoc] = {
    ("GET", "/health"): RouteDoc("Liveness probe (no API key)", {200: common.Health}, errors=(500,)),
    # ------------------------------------------------------------------ dbschema (Harness-style)
    ("GET", f"{P}/dbschema"): RouteDoc(
        "List database schemas", {200: ListOf(harness.Schema)}, paged=True,
        params=(*HARNESS_PAGING,
                Param("sort", "query", "Sort field", {"type": "string", "enum": ["name", "updated", "created",
                                                                                 "identifier"]}),
                Param("order", "query", "Sort order", {"type": "string", "enum": ["ASC", "DESC"]}),
                Param("migrationType", "query", "Only schemas of this migration type",
                      {"type": "string", "enum": ["Liquibase", "Flyway"]})),
    ),
    ("POST", f"{P}/dbschema"): RouteDoc("Create a database schema", {201: harness.Schema},
                                        request=harness_in.SchemaIn),
    ("GET", f"{P}/dbschema/{{dbschema}}"): RouteDoc("Get a database schema", {200: harness.Schema}),
    ("PUT", f"{P}/dbschema/{{dbschema}}"): RouteDoc("Update a database schema", {200: harness.Schema},
                                                    request=harness_in.SchemaUpdate),
    ("DELETE", f"{P}/dbschema/{{dbschema}}"): RouteDoc(
        "Delete a database schema with its instances, changelogs and state", {204: None}),
    ("PUT", f"{P}/dbschema/{{dbschema}}/changelog"): RouteDoc(
        "Upload a changelog bundle", {200: harness.ChangelogUpload}, request=harness_in.ChangelogBundle),
    ("POST", f"{P}/dbschema/{{dbschema}}/instance"): RouteDoc(
        "Register a database instance", {201: harness.Instance}, request=harness_in.InstanceIn),
    ("GET", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}"): RouteDoc(
        "Get a database instance", {200: harness.Instance}),
    ("PUT", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}"): RouteDoc(
        "Update a database instance", {200: harness.Instance}, request=harness_in.InstanceUpdate),
    ("DELETE", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}"): RouteDoc(
        "Delete a database instance and its changeset state", {204: None}),
    ("POST", f"{P}/dbschema/{{dbschema}}/instancelist"): RouteDoc(
        "List instances filtered by tags", {200: ListOf(harness.Instance)}, paged=True,
        request=harness_in.InstanceListRequest, body_required=False, params=HARNESS_PAGING),
    ("POST", f"{P}/dbschema/{{dbschema}}/migrationstate"): RouteDoc(
        "Migration state of a schema", {200: harness.MigrationState}, paged=True,
        request=harness_in.MigrationStateRequest, body_required=False, params=HARNESS_PAGING),
    ("GET", f"{P}/dbschema/{{dbschema}}/summary"): RouteDoc(
        "Pending / failed changeset counts per instance", {200: harness.SchemaSummary}, errors=(400, 401, 403, 404, 500)),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/migrationstate"): RouteDoc(
        "One instance's changesets", {200: harness.InstanceMigrationState}, paged=True, params=HARNESS_PAGING),
    ("POST", f"{P}/dbschema/{{dbschema}}/flyway/migrationstate"): RouteDoc(
        "Flyway migration state of a schema", {200: flyway.FlywayMigrationState}, paged=True,
        request=harness_in.MigrationStateRequest, body_required=False, params=HARNESS_PAGING),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/flyway/migrationstate"): RouteDoc(
        "One instance's Flyway migrations", {200: flyway.InstanceFlywayMigrationState}, paged=True,
        params=HARNESS_PAGING),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/flyway/info"): RouteDoc(
        "Flyway info: every migration of the bundle and the history table with Flyway's state",
        {200: flyway_commands.FlywayInfo}, errors=(400, 401, 403, 404, 500)),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/flyway/validate"): RouteDoc(
        "Flyway validate: checksum, missing, future and pending findings (a 200 either way)",
        {200: flyway_commands.FlywayValidation}, errors=(400, 401, 403, 404, 500),
        params=(Param("ignoreMigrationPatterns", "query", "overrides the bundle's, comma separated "
                      "<*|versioned|repeatable>:<*|missing|pending|ignored|future>; empty: ignore nothing"),)),
    ("POST", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/flyway/baseline"): RouteDoc(
        "Flyway baseline of an existing database (recorded as an execution; 409 when the history has migrations)",
        {200: flyway_commands.FlywayBaselineResult}, request=FlywayBaselineRequest, body_required=False,
        params=(IDEMPOTENCY_KEY,), errors=(400, 401, 403, 404, 409, 500)),
    ("POST", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/flyway/repair"): RouteDoc(
        "Flyway repair of the history table (recorded as an execution)",
        {200: flyway_commands.FlywayRepairResult}, request=FlywayRepairRequest, body_required=False,
        params=(IDEMPOTENCY_KEY,), errors=(400, 401, 403, 404, 409, 500)),
    ("GET", "/v1/step/flyway/migrationscripts"): RouteDoc(
        "The Flyway scripts a pipeline step ran on an instance", {200: flyway.FlywayMigrationScripts},
        params=(*(Param(name, "query", text, required=True) for name, text in (
            ("orgIdentifier", "Organization of the schema"), ("projectIdentifier", "Project of the schema"),
            ("dbSchema", "Identifier of the Flyway schema"), ("dbInstance", "Identifier of the instance"),
            ("pipelineExecutionId", "The pipeline run (planExecutionId of the deployments)"))),
            Param("stageExecutionId", "query", "Only the deployments of this stage"),
            Param("command", "query", "Migrate (the default) or Undo",
                  {"type": "string", "enum": ["Migrate", "Undo"], "default": "Migrate"}),
            Param("parent_id", "query", "Only the instance deployments of this fleet execution"))),
    ("POST", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/deployedState"): RouteDoc(
        "Changesets one pipeline step ran", {200: ListOf(harness.DeployedChangeset)},
        request=harness_in.DeployedStateRequest),
    ("POST", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/changeset/sql"): RouteDoc(
        "The SQL a changeset runs on an instance", {200: harness.ChangesetSql},
        request=harness_in.ChangesetSqlRequest),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/changeset/yaml"): RouteDoc(
        "A changeset of the current changelog as a YAML changelog", {200: harness.ChangesetYaml},
        params=(Param("changeSet", "query", "changeSetFQN: fileName::changesetId::author", required=True),)),
    ("POST", f"{P}/dbschema/{{dbschema}}/changesets/existence"): RouteDoc(
        "Whether changeset ids are already used in the schema", {200: harness.ChangesetExistence},
        request=harness_in.ChangesetExistenceRequest),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/snapshot-object-names"): RouteDoc(
        "Names of one object type in the instance's latest schema snapshot", {200: harness.SnapshotObjectNames},
        params=(Param("objectType", "query", "Table, Column, PrimaryKey, ForeignKey, UniqueConstraint, Index, View "
                      "or Sequence", {"type": "string", "enum": ["Table", "Column", "PrimaryKey", "ForeignKey",
                                                                 "UniqueConstraint", "Index", "View", "Sequence"]},
                      required=True),)),
    ("POST", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/snapshot-object-values"): RouteDoc(
        "The named objects of the instance's latest schema snapshot", {200: harness.SnapshotObjectValues},
        request=harness_in.SnapshotObjectValuesRequest),
    ("GET", f"{P}/dbschema/{{dbschema}}/dbinstance/{{dbinstance}}/changesetmetadata"): RouteDoc(
        "The SQL, YAML or snapshot one pipeline step's execution produced", {200: ChangesetMetadata},
        params=(Param("harnessCommand", "query", "which output", {"type": "string", "enum": [
                    "Update", "Rollback", "DBOPSUpdateSQL", "DBOPSRollbackSQL", "DBOPSRollbackCountSQL",
                    "DBOPSSnapshot"]}, required=True),
                Param("pipelineExecutionId", "query", "planExecutionId of the deployment", required=True),
                Param("stageExecutionId", "query", "stageExecutionId of the deployment", required=True),
                Param("contentType", "query", "Sql (default) or Yaml (Update, Rollback)",
                      {"type": "string", "enum": ["Sql", "Yaml"], "default": "Sql"}))),
    ("GET", f"{P}/dbschema/overview"): RouteDoc(
        "Schema and instance counts and the 5 latest deployed instances", {200: harness.Overview},
        errors=(400, 401, 403, 500)),
    # ------------------------------------------------------------------ deployments
    ("POST", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/apply"): RouteDoc(
        "Start an update of one instance", {202: Execution}, request=ApplyRequest, body_required=False,
        params=(IDEMPOTENCY_KEY,)),
    ("POST", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/rollback"): RouteDoc(
        "Start a rollback of one instance", {202: Execution}, request=RollbackRequest,
        params=(IDEMPOTENCY_KEY,)),
    ("POST", f"{P}/dbschema/{{dbschema}}/apply"): RouteDoc(
        "Start an update of many instances", {202: Execution}, request=FleetApplyRequest, body_required=False,
        params=(IDEMPOTENCY_KEY,)),
    ("POST", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/sync"): RouteDoc(
        "Reconcile with the instance's DATABASECHANGELOG and report drift", {200: SyncReport}),
    ("POST", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/releaselocks"): RouteDoc(
        "Release the instance lock and the target's DATABASECHANGELOGLOCK after a crash or restart",
        {200: ReleaseLocksReport}, body_required=False,
        params=(Param("force", "query", "Also end a deployment that still looks running (as failed, Abandoned)",
                      {"type": "boolean"}),)),
    ("GET", f"{P}/dbschema/{{dbschema}}/executions"): RouteDoc(
        "A schema's executions, newest first (a page may hold fewer than limit items)", {200: ExecutionList},
        params=(*CURSOR_PAGING, EXECUTION_STATUS)),
    ("GET", f"{P}/dbschema/{{dbschema}}/instance/{{dbinstance}}/executions"): RouteDoc(
        "One instance's executions, newest first", {200: ExecutionList}, params=(*CURSOR_PAGING, EXECUTION_STATUS)),
    ("GET", f"{P}/executions/{{executionId}}"): RouteDoc(
        "Status, progress and per-changeset results of an execution", {200: Execution}),
    # ------------------------------------------------------------------ safety gate (lint, policies)
    ("POST", f"{P}/dbschema/{{dbschema}}/lint"): RouteDoc(
        "Lint the schema's changelog for a dialect or an instance (optionally with the project's policies)",
        {200: safety.LintResult}, request=LintRequest),
    ("PUT", f"{P}/policies/{{policy}}"): RouteDoc(
        "Create or replace a Rego policy of the project", {200: safety.Policy, 201: safety.Policy}, request=PolicyIn),
    ("GET", f"{P}/policies/{{policy}}"): RouteDoc("Get a policy", {200: safety.Policy}),
    ("DELETE", f"{P}/policies/{{policy}}"): RouteDoc("Delete a policy", {204: None}),
    ("GET", f"{P}/policies"): RouteDoc("The project's policies", {200: safety.PolicyList}),
    # ------------------------------------------------------------------ datasets (Catalyzed-style)
    ("POST", "/datasets"): RouteDoc("Create a dataset", {201: ds.Dataset}, request=CreateDataset),
    ("GET", "/datasets"): RouteDoc("List datasets", {200: ds.DatasetList}, params=CURSOR_PAGING),
    ("GET", "/datasets/{datasetId}"): RouteDoc("Get a dataset", {200: ds.Dataset}),
    ("DELETE", "/datasets/{datasetId}"): RouteDoc(
        "Delete a dataset (with force=true, its tables too)", {204: None},
        params=(Param("force", "query", "Also delete its tables and their data", {"type": "boolean"}),)),
    ("POST", "/dataset-tables"): RouteDoc("Create a table", {201: ds.TableSummary}, request=CreateTable),
    ("GET", "/dataset-tables"): RouteDoc(
        "List a dataset's tables", {200: ds.TableList},
        params=(Param("datasetId", "query", "The dataset whose tables to list", required=True), *CURSOR_PAGING)),
    ("GET", "/dataset-tables/{tableId}"): RouteDoc("Get a table", {200: ds.Table}),
    ("PATCH", "/dataset-tables/{tableId}"): RouteDoc("Rename or re-describe a table", {200: ds.Table},
                                                     request=UpdateTable),
    ("DELETE", "/dataset-tables/{tableId}"): RouteDoc("Delete a table with all its data", {204: None}),
    ("GET", "/dataset-tables/{tableId}/schema"): RouteDoc("The table's current schema", {200: ds.SchemaVersion}),
    ("GET", "/dataset-tables/{tableId}/schema/versions"): RouteDoc(
        "The table's schema history, newest first", {200: ds.SchemaVersionList}, params=CURSOR_PAGING),
    ("POST", "/dataset-tables/{tableId}/uploads"): RouteDoc(
        "A presigned upload for a large row body", {201: ds.Upload}, request=CreateUpload),
    ("POST", "/dataset-tables/{tableId}/rows"): RouteDoc(
        "Append, upsert, overwrite or delete rows", {200: ds.WriteResult}, raw_body=True,
        errors=(400, 401, 403, 404, 409, 413, 415, 500),
        params=(Param("mode", "query", "Write mode", {"type": "string", "enum": ["append", "upsert", "overwrite",
                                                                                 "delete"]}, required=True),
                Param("upload_id", "query", "Write the body of this finished upload instead of an inline body"),
                Param("idempotency_key", "query", "At most one write per key and body (24 hours)"))),
    ("POST", "/dataset-tables/{tableId}/query"): RouteDoc(
        "Read rows", {200: ds.QueryResult}, request=QueryRows, body_required=False),
    ("POST", "/dataset-tables/{tableId}/migrations"): RouteDoc(
        "Execute schema migration", {202: Operation}, request=MigrationRequest, params=(IDEMPOTENCY_KEY,)),
    ("POST", "/dataset-tables/{tableId}/migrations/plan"): RouteDoc(
        "Validate a migration without running it", {200: ds.MigrationPlan}, request=PlanRequest),
    ("GET", "/dataset-tables/{tableId}/operations"): RouteDoc(
        "The table's operations, newest first", {200: OperationList},
        params=(*CURSOR_PAGING,
                Param("status", "query", "Only operations with this status",
                      {"type": "string", "enum": ["pending", "running", "completed", "failed", "cancelled"]}),
                Param("type", "query", "Only operations of this type",
                      {"type": "string", "enum": ["migration", "compact", "restore"]}))),
    ("GET", "/dataset-tables/{tableId}/operations/{operationId}"): RouteDoc("Get an operation", {200: Operation}),
    ("POST", "/dataset-tables/{tableId}/operations/{operationId}/cancel"): RouteDoc(
        "Cancel a pending or running operation", {202: Operation}),
    ("POST", "/dataset-tables/{tableId}/compact"): RouteDoc(
        "Compact the table's fragments", {202: Operation}, request=CompactRequest, body_required=False,
        params=(IDEMPOTENCY_KEY,)),
    ("POST", "/dataset-tables/{tableId}/restore"): RouteDoc(
        "Restore an earlier schema version with its data", {202: Operation}, request=RestoreRequest,
        params=(IDEMPOTENCY_KEY,)),
}

# OpenAPI links: what a created resource's answer gives the routes that take its id (clients and
# stateful fuzzing follow them). model -> (path parameter, JSON pointer into the answer).
PRODUCES: dict[type[BaseModel], tuple[str, str]] = {
    harness.Schema: ("dbschema", "/identifier"),
    harness.Instance: ("dbinstance", "/identifier"),
    Execution: ("executionId", "/executionId"),
    safety.Policy: ("policy", "/identifier"),
    ds.Dataset: ("datasetId", "/datasetId"),
    ds.TableSummary: ("tableId", "/tableId"),
    Operation: ("operationId", "/operationId"),
}
# Routes that take a produced id outside their path: (method, path) -> (id, "query" | "body").
CONSUMES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/dataset-tables"): ("datasetId", "query"),
    ("POST", "/dataset-tables"): ("datasetId", "body"),
}
LINK_SOURCES = (201, 202)


def _links(route: Any, status: int, body: Body, routes: list[Any]) -> dict[str, Any]:
    """Links from a creating answer to every route that takes the id it returns: the id comes from
    the answer's body, the route's other path parameters from this request's path."""
    if status not in LINK_SOURCES or body is None or isinstance(body, ListOf) or body not in PRODUCES:
        return {}
    produced, pointer = PRODUCES[body]
    have = set(_path_params(route.path))
    links: dict[str, Any] = {}
    for target in sorted(routes, key=lambda r: (r.path, r.method)):
        if (target.method, target.path) == (route.method, route.path):
            continue
        wanted = set(_path_params(target.path))
        elsewhere = CONSUMES.get((target.method, target.path))
        if produced in wanted and wanted - {produced} <= have:
            parameters = {name: (f"$response.body#{pointer}" if name == produced else f"$request.path.{name}")
                          for name in _path_params(target.path)}
            link: dict[str, Any] = {"operationId": _operation_id(target.method, target.path),
                                    "parameters": parameters}
        elif elsewhere is not None and elsewhere[0] == produced and wanted <= have:
            link = {"operationId": _operation_id(target.method, target.path)}
            if elsewhere[1] == "query":
                link["parameters"] = {f"query.{produced}": f"$response.body#{pointer}"}
            else:
                link["requestBody"] = {produced: f"$response.body#{pointer}"}
        else:
            continue
        links[link["operationId"]] = link
    return links


def _is_catalyzed(path: str) -> bool:
    return path.startswith(("/datasets", "/dataset-tables"))


def build_document(routes: list[Any], contract: dict[tuple[str, str], RouteDoc] = CONTRACT) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (the template's); every route must have an entry in ``contract``."""
    missing = sorted(f"{r.method} {r.path}" for r in routes if (r.method, r.path) not in contract)
    if missing:
        raise KeyError(f"template routes without a contract entry: {', '.join(missing)}")
    models: list[tuple[type[BaseModel], str]] = [(common.HarnessError, "serialization"),
                                                 (common.CatalyzedError, "serialization")]
    for route in routes:
        doc = contract[(route.method, route.path)]
        if doc.request is not None:
            models.append((doc.request, "validation"))
        for body in doc.responses.values():
            if body is not None:
                models.append((body.model if isinstance(body, ListOf) else body, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, definitions = models_json_schema(unique, ref_template=REF)
    components = definitions.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        doc = contract[(route.method, route.path)]
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, doc, ref, routes)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "schemashift",
            "version": __version__,
            "description": (
                "Serverless schema migrations: Liquibase-compatible database changesets (Harness DB DevOps "
                "style, under /v1) and online schema evolution of Lance dataset tables (Catalyzed style, "
                "under /datasets and /dataset-tables). Errors are {\"message\"} under /v1 and "
                "{\"error\",\"code\",\"details\",\"retryable\"} elsewhere."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "the local stack (make run)"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
    }


def _operation(route: Any, doc: RouteDoc, ref: Any, routes: list[Any]) -> dict[str, Any]:
    catalyzed = _is_catalyzed(route.path)
    error_model = common.CatalyzedError if catalyzed else common.HarnessError
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_params(route.path)
    ]
    params = doc.params if catalyzed or not route.path.startswith("/v1/") else (*doc.params, HARNESS_ACCOUNT)
    for param in params:
        entry: dict[str, Any] = {"name": param.name, "in": param.where, "description": param.description,
                                 "schema": param.schema}
        if param.required:
            entry["required"] = True
        parameters.append(entry)
    operation: dict[str, Any] = {
        "operationId": _operation_id(route.method, route.path),
        "summary": doc.summary,
        "tags": ["datasets" if catalyzed else ("health" if route.path == "/health" else "dbschema")],
    }
    if parameters:
        operation["parameters"] = parameters
    if doc.request is not None:
        operation["requestBody"] = {"required": doc.body_required,
                                    "content": {"application/json": {"schema": ref(doc.request, "validation")}}}
    elif doc.raw_body:
        binary = {"schema": {"type": "string", "format": "binary"}}
        operation["requestBody"] = {"required": False, "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "application/parquet": binary,
            "application/vnd.apache.arrow.stream": binary,
        }}
    responses: dict[str, Any] = {}
    for status, body in doc.responses.items():
        response: dict[str, Any] = {"description": _describe(status)}
        if body is not None:
            schema = ({"type": "array", "items": ref(body.model, "serialization")} if isinstance(body, ListOf)
                      else ref(body, "serialization"))
            response["content"] = {"application/json": {"schema": schema}}
        if doc.paged and status == 200:
            response["headers"] = {name: {"schema": {"type": "integer"}, "description": text} for name, text in (
                ("X-Total-Elements", "items in all pages"), ("X-Page-Number", "this page (0-based)"),
                ("X-Page-Size", "items per page"))}
        links = _links(route, status, body, routes)
        if links:
            response["links"] = links
        responses[str(status)] = response
    # Any authenticated route may meet a transient failure (storage, a concurrent catalog change, an
    # unreachable target): 503, retryable.
    transient = (503,) if route.authenticated else ()
    for status in (*doc.errors, *transient):
        if status == 401 and not route.authenticated:
            continue
        responses[str(status)] = {"description": _describe(status),
                                  "content": {"application/json": {"schema": ref(error_model, "serialization")}}}
    operation["responses"] = responses
    operation["security"] = [{"ApiKey": []}] if route.authenticated else []
    return operation


def _operation_id(method: str, path: str) -> str:
    """``post_dataset_tables_tableId_migrations``: unique per route, stable across regenerations."""
    words = [segment.strip("{}").replace("-", "_") for segment in path.removeprefix(P).split("/") if segment]
    return "_".join([method.lower(), *words])


def _path_params(path: str) -> list[str]:
    return [segment[1:-1] for segment in path.split("/") if segment.startswith("{") and segment.endswith("}")]


_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted: the job started", 204: "No Content",
                400: "Bad Request: validation error or invalid input", 401: "Unauthorized: no valid x-api-key",
                403: "Forbidden: the key may not reach this org/project or account", 404: "Not Found",
                409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type",
                500: "Internal Server Error",
                503: "Service Unavailable: a transient failure (retryable); retry with backoff"}


def _describe(status: int) -> str:
    return _STATUS_TEXT.get(status, str(status))


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def template_document(root: Path) -> dict[str, Any]:
    from schemashift.local.template import Template

    return build_document(Template.load(root / "template.yaml").routes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) docs/openapi.json")
    parser.add_argument("path", nargs="?", default=str(DOCUMENT))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not current")
    args = parser.parse_args(argv)
    text = render(template_document(Path.cwd()))
    target = Path(args.path)
    if args.check:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
