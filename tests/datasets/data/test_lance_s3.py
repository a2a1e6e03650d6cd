"""The s3:// path: LanceTable against a moto S3 server through storage_options."""

import socket
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from schemashift.datasets.catalog.schema import build_schema
from schemashift.datasets.data.lance_table import LanceTable
from schemashift.datasets.data.rows import decode_rows
from schemashift.errors import Conflict, NotFound

SCHEMA = build_schema(
    [{"name": "id", "arrowType": "int64", "nullable": False}, {"name": "name", "arrowType": "string"}], ["id"]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def storage_options() -> Iterator[dict[str, str]]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials).create_bucket(
        Bucket="tables"
    )
    yield {"aws_endpoint": endpoint, "allow_http": "true", "aws_region": "us-east-1", **credentials}
    server.stop()


def test_s3_dataset_round_trip(storage_options: dict[str, str]) -> None:
    table = LanceTable("s3://tables/datasets/ds1/orders.lance", storage_options)
    assert table.create(SCHEMA) == 1
    with pytest.raises(Conflict):
        table.create(SCHEMA)
    body = b'[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]'
    first = table.write("append", decode_rows(body, "application/json", SCHEMA), idempotency_key="k")
    update = table.write("upsert", decode_rows(b'[{"id": 2, "name": "B"}]', "application/json", SCHEMA))
    retry = table.write("append", decode_rows(body, "application/json", SCHEMA), idempotency_key="k")
    assert (first.dataset_version, update.dataset_version, retry.dataset_version) == (2, 3, 2)
    rows = table.query(filters=[{"field": "name", "op": "neq", "value": "a"}]).rows
    assert rows == [{"id": 2, "name": "B"}]
    assert table.query(version=2, filters=[{"field": "id", "op": "eq", "value": 2}]).rows[0]["name"] == "b"
    assert [v.version for v in table.versions()] == [1, 2, 3]
    table.delete()
    objects = boto3.client(
        "s3", endpoint_url=storage_options["aws_endpoint"], region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).list_objects_v2(Bucket="tables", Prefix="datasets/ds1/")
    assert objects["KeyCount"] == 0
    with pytest.raises(NotFound):
        table.query()
