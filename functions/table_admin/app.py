"""Changing dataset tables: rename or re-describe (PATCH), delete with all data (DELETE)."""

from schemashift.api.app import Response, create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.catalog.store import default_catalog
from schemashift.datasets.data.lifecycle import delete_table
from schemashift.datasets.data.storage import default_bucket
from schemashift.datasets.requests import UpdateTable

app = create_app()


@app.patch("/dataset-tables/<tableId>")
def update(tableId: str):
    changes = parse_body(app, UpdateTable).changes()
    table = default_catalog().update_table(current_caller(app).account, tableId, changes)
    return json_response(200, table.to_api())


@app.delete("/dataset-tables/<tableId>")
def delete(tableId: str):
    delete_table(default_catalog(), default_bucket(), current_caller(app).account, tableId)
    return Response(status_code=204)


lambda_handler = entrypoint(app)
