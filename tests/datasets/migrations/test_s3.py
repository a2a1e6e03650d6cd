"""Migrations on an s3:// dataset (moto server): the storage_options path, including cleanup."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import lance
import pytest
from moto.server import ThreadedMotoServer
from schemashift.datasets.migrations import MigrationFailed, run_migration

from tests.datasets.migrations.conftest import ROWS_PER_FRAGMENT, op, orders_data, orders_schema

URI = "s3://tables/orders.lance"


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[dict[str, str], object]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket="tables")
    yield {"aws_endpoint": endpoint, "allow_http": "true", "aws_region": "us-east-1", **credentials}, client
    server.stop()


def data_keys(client: object) -> set[str]:
    listing = client.list_objects_v2(Bucket="tables", Prefix="orders.lance/data/")  # type: ignore[attr-defined]
    return {item["Key"] for item in listing.get("Contents", [])}


def test_migration_on_s3_is_all_or_nothing(s3: tuple[dict[str, str], object]) -> None:
    options, client = s3
    prices = [str(i) for i in range(1000)]
    prices[900] = "n/a"
    lance.write_dataset(
        orders_data(1000, price=prices), URI, max_rows_per_file=ROWS_PER_FRAGMENT, storage_options=options
    )
    schema, keys = orders_schema(), data_keys(client)
    failing = [
        op("add_column", name="status", dataType="string", nullable=False, defaultValue="new"),
        op("change_column_type", name="price", newType="int64"),
    ]
    with pytest.raises(MigrationFailed) as raised:
        run_migration(URI, options, schema, failing)
    assert raised.value.details["row"] == {"fragmentId": 1, "offset": 400}
    assert data_keys(client) == keys and lance.dataset(URI, storage_options=options).version == 1

    result = run_migration(URI, options, schema, [failing[0], op("rename_column", oldName="price", newName="cost")])
    dataset = lance.dataset(URI, storage_options=options)
    assert result.lance_version == dataset.version == 2
    assert dataset.to_table(columns=["status", "cost"]).slice(900, 1).to_pylist() == [{"status": "new", "cost": "n/a"}]
