"""GET /dataset-tables/{tableId}/operations[/{operationId}] and POST .../operations/{operationId}/cancel."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.datasets.jobs.control import cancel_operation, get_operation, list_operations
from schemashift.datasets.jobs.services import default_services
from schemashift.paging import cursor_page

app = create_app()


@app.get("/dataset-tables/<tableId>/operations")
def list_all(tableId: str):
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    body = list_operations(
        default_services(),
        current_caller(app).account,
        tableId,
        page,
        status=query_param(app, "status"),
        operation_type=query_param(app, "type"),
    )
    return json_response(200, body)


@app.get("/dataset-tables/<tableId>/operations/<operationId>")
def get(tableId: str, operationId: str):
    return json_response(
        200, get_operation(default_services(), current_caller(app).account, tableId, operationId)
    )


@app.post("/dataset-tables/<tableId>/operations/<operationId>/cancel")
def cancel(tableId: str, operationId: str):
    body = cancel_operation(default_services(), current_caller(app).account, tableId, operationId)
    return json_response(202, body)


lambda_handler = entrypoint(app)
