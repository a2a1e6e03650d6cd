"""POST /dataset-tables: create a table (schema version 1 and its empty Lance dataset)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.data.table_data import default_table_data
from schemashift.datasets.requests import CreateTable

app = create_app()


@app.post("/dataset-tables")
def create():
    request = parse_body(app, CreateTable)
    table = default_table_data().create_table(current_caller(app).account, request)
    return json_response(201, table.summary())


lambda_handler = entrypoint(app)
