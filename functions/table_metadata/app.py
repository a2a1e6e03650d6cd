"""Reading dataset tables: list by dataset, one table, its current schema and schema history."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.datasets.catalog.store import default_catalog
from schemashift.datasets.responses import SchemaVersionList, TableList
from schemashift.errors import ValidationFailed
from schemashift.paging import cursor_page

app = create_app()


@app.get("/dataset-tables")
def list_tables():
    dataset_id = query_param(app, "datasetId")
    if not dataset_id:
        raise ValidationFailed("query parameter 'datasetId' is required", details={"field": "datasetId"})
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    found = default_catalog().list_tables(current_caller(app).account, dataset_id, page)
    return json_response(200, TableList(tables=found.items, nextCursor=found.next_cursor))


@app.get("/dataset-tables/<tableId>")
def get(tableId: str):
    return json_response(200, default_catalog().get_table(current_caller(app).account, tableId).to_api())


@app.get("/dataset-tables/<tableId>/schema")
def current_schema(tableId: str):
    return json_response(200, default_catalog().current_schema(current_caller(app).account, tableId).to_api())


@app.get("/dataset-tables/<tableId>/schema/versions")
def schema_versions(tableId: str):
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    found = default_catalog().schema_versions(current_caller(app).account, tableId, page)
    return json_response(200, SchemaVersionList(versions=found.items, nextCursor=found.next_cursor))


lambda_handler = entrypoint(app)
