"""POST /dataset-tables/{tableId}/compact and .../restore {versionNumber}: 202 + operation."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.jobs.requests import CompactRequest, RestoreRequest
from schemashift.datasets.jobs.services import default_services
from schemashift.datasets.jobs.start import start_compact, start_restore

app = create_app()


@app.post("/dataset-tables/<tableId>/compact")
def compact(tableId: str):
    request = parse_body(app, CompactRequest, required=False)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(
        202, start_compact(default_services(), current_caller(app).account, tableId, request, key)
    )


@app.post("/dataset-tables/<tableId>/restore")
def restore(tableId: str):
    request = parse_body(app, RestoreRequest)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(
        202, start_restore(default_services(), current_caller(app).account, tableId, request, key)
    )


lambda_handler = entrypoint(app)
