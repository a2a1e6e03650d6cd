"""POST /dataset-tables: create a table (schema version 1 and its empty Lance dataset)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.aws import lance_storage_options
from schemashift.datasets.catalog import default_catalog
from schemashift.datasets.requests import CreateTable
from schemashift.datasets.storage import default_bucket
from schemashift.datasets.table_data import create_table

app = create_app()


@app.post("/dataset-tables")
def create():
    request = parse_body(app, CreateTable)
    table = create_table(
        default_catalog(), default_bucket(), lance_storage_options(), current_caller(app).account, request
    )
    return json_response(201, table.summary())


lambda_handler = entrypoint(app)
