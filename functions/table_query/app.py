"""POST /dataset-tables/{tableId}/query: read rows with column selection, filters, paging, time travel."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.data.table_data import default_table_data
from schemashift.datasets.requests import QueryRows

app = create_app()


@app.post("/dataset-tables/<tableId>/query")
def query(tableId: str):
    request = parse_body(app, QueryRows, required=False)
    return json_response(200, default_table_data().query_rows(current_caller(app).account, tableId, request))


lambda_handler = entrypoint(app)
