"""POST /dataset-tables/{tableId}/query: read rows with column selection, filters, paging, time travel."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.aws import lance_storage_options
from schemashift.datasets.catalog import default_catalog
from schemashift.datasets.requests import QueryRows
from schemashift.datasets.table_data import query_rows

app = create_app()


@app.post("/dataset-tables/<tableId>/query")
def query(tableId: str):
    request = parse_body(app, QueryRows, required=False)
    account = current_caller(app).account
    return json_response(
        200, query_rows(default_catalog(), lance_storage_options(), account, tableId, request)
    )


lambda_handler = entrypoint(app)
