"""GET /v1/step/flyway/migrationscripts: the Flyway scripts a pipeline step ran on an instance.

The path names no tenant: ``orgIdentifier`` and ``projectIdentifier`` come as query parameters and
are checked against the key's scopes like any path's org/project."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.flyway_state import migration_scripts
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import ValidationFailed
from schemashift.limits import MAX_PATH_PARAMETER

app = create_app()
REQUIRED = ("orgIdentifier", "projectIdentifier", "dbSchema", "dbInstance", "pipelineExecutionId")


@app.get("/v1/step/flyway/migrationscripts")
def handle():
    values = {name: query_param(app, name) for name in REQUIRED}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValidationFailed(f"query parameter(s) required: {', '.join(missing)}", details={"fields": missing})
    too_long = [name for name, value in values.items() if len(value or "") > MAX_PATH_PARAMETER]
    if too_long:
        raise ValidationFailed(f"query parameter(s) {', '.join(too_long)} longer than {MAX_PATH_PARAMETER} characters",
                               details={"fields": too_long})
    caller = current_caller(app)
    caller.require_project(values["orgIdentifier"], values["projectIdentifier"])  # as a path's org/project is
    tenant = Tenant.of(caller, values["orgIdentifier"], values["projectIdentifier"])
    body = migration_scripts(services(), tenant, values["dbSchema"], values["dbInstance"],
                             values["pipelineExecutionId"], query_param(app, "stageExecutionId"),
                             query_param(app, "command") or "Migrate", query_param(app, "parent_id"))
    return json_response(200, body)


lambda_handler = entrypoint(app)
