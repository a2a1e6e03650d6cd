"""Deleting tables and datasets: metadata first, then the data.

The metadata transaction is what makes a table disappear for callers (404 from then on), so it
runs first; the S3 prefix delete that follows only reclaims space. If that second step is
interrupted, the leftover objects sit under a table id nothing refers to any more and can be
removed by deleting the prefix again.
"""

from __future__ import annotations

import contextlib

from schemashift.datasets.catalog.records import Table
from schemashift.datasets.catalog.store import Catalog
from schemashift.datasets.data.storage import UPLOADS_PREFIX, DataBucket
from schemashift.errors import NotFound
from schemashift.observability import logger


def delete_table(catalog: Catalog, bucket: DataBucket, account: str, table_id: str) -> Table:
    table = catalog.delete_table(account, table_id)
    objects = bucket.delete_table_data(account, table_id)
    objects += bucket.delete_prefix(f"{UPLOADS_PREFIX}/{account}/{table_id}")
    logger.info("table deleted", extra={"tableId": table_id, "objects": objects})
    return table


def delete_dataset(
    catalog: Catalog, bucket: DataBucket, account: str, dataset_id: str, *, force: bool
) -> None:
    """Without ``force`` a dataset that still has tables is a 409; with it, its tables go first."""
    catalog.get_dataset(account, dataset_id)
    if force:
        for table_id in catalog.table_ids(account, dataset_id):
            with contextlib.suppress(NotFound):  # a concurrent request deleted it: same outcome
                delete_table(catalog, bucket, account, table_id)
    catalog.delete_dataset(account, dataset_id)
