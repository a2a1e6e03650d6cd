"""POST /dataset-tables/{tableId}/migrations (202 + operation) and .../migrations/plan (runs nothing)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.jobs.migration_start import plan_response, start_migration
from schemashift.datasets.jobs.requests import MigrationRequest, PlanRequest
from schemashift.datasets.jobs.services import default_services

app = create_app()


@app.post("/dataset-tables/<tableId>/migrations/plan")
def plan(tableId: str):
    request = parse_body(app, PlanRequest)
    return json_response(
        200, plan_response(default_services(), current_caller(app).account, tableId, request)
    )


@app.post("/dataset-tables/<tableId>/migrations")
def start(tableId: str):
    request = parse_body(app, MigrationRequest)
    key = app.current_event.headers.get("Idempotency-Key")
    operation = start_migration(default_services(), current_caller(app).account, tableId, request, key)
    return json_response(202, operation)


lambda_handler = entrypoint(app)
