"""The metadata store of datasets, tables and schema versions (DynamoDB resources table).

Invariants are kept by conditional writes, never by read-then-write: table names are unique per
dataset (a name-claim item written with ``attribute_not_exists``), a dataset with tables cannot be
deleted (its ``tableCount`` moves in the same transaction as the table), and schema versions are
numbered without gaps (a new version is written only if the table is still at the previous one).
Every read is a GetItem or a Query on the caller's own keys; there is no Scan.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from schemashift.clock import now_iso
from schemashift.datasets.catalog.records import (
    DATASET_SK,
    DEFAULT_SCOPE,
    NAME_CLAIM_PREFIX,
    SCHEMA_PREFIX,
    TABLE_SK,
    Dataset,
    SchemaVersion,
    Table,
    account_prefix,
    dataset_pk,
    datasets_gsi_pk,
    name_claim_sk,
    schema_sk,
    table_pk,
    tables_gsi_pk,
)
from schemashift.datasets.catalog.transaction import Transaction
from schemashift.datasets.errors import ConcurrentModification
from schemashift.errors import Conflict, NotFound
from schemashift.ids import new_id
from schemashift.paging import Page, PageRequest
from schemashift.store.dynamo import batch_write, query_all, query_page


def dataset_not_found(dataset_id: str) -> NotFound:
    return NotFound(f"Dataset {dataset_id!r} not found", details={"datasetId": dataset_id})


def table_not_found(table_id: str) -> NotFound:
    return NotFound(f"Dataset table {table_id!r} not found", details={"tableId": table_id})


def name_taken(dataset_id: str, table_name: str) -> Conflict:
    return Conflict(
        f"A table named {table_name!r} already exists in dataset {dataset_id!r}",
        details={"datasetId": dataset_id, "tableName": table_name},
        code="TABLE_NAME_TAKEN",
    )


_Record = type[Dataset] | type[Table] | type[SchemaVersion]


@dataclass(frozen=True)
class NewSchema:
    """What a schema version holds, before the catalog numbers and stamps it."""

    fields: list[dict[str, Any]]
    primaryKeyColumns: list[str]
    arrowSchema: str
    lanceVersion: int
    description: str | None = None
    operationId: str | None = None


class Catalog:
    """Datasets, tables and schema versions of all accounts; every method is scoped to one account."""

    def __init__(self, table: Any, clock: Callable[[], str] = now_iso) -> None:
        self.table = table
        self.clock = clock

    # ------------------------------------------------------------------ datasets
    def create_dataset(self, account: str, name: str, description: str | None = None, *,
                       org: str = DEFAULT_SCOPE, project: str = DEFAULT_SCOPE) -> Dataset:
        now = self.clock()
        dataset = Dataset(account, new_id(), name, description, now, now, org=org, project=project)
        self.table.put_item(Item=dataset.to_item(), ConditionExpression="attribute_not_exists(pk)")
        return dataset

    def get_dataset(self, account: str, dataset_id: str) -> Dataset:
        return Dataset.from_item(self._get_item(_dataset_key(account, dataset_id), dataset_not_found(dataset_id)))

    def list_datasets(self, account: str, page: PageRequest, visible: Callable[[str, str], bool] | None = None
                      ) -> Page:
        """Oldest first (by ``createdAt``); with ``visible``, only datasets whose org/project it allows
        (a page may then hold fewer than ``limit`` items; ``nextCursor`` still says whether more follow)."""
        found = self._gsi1_page(account, datasets_gsi_pk(account), page, Dataset)
        if visible is None:
            return found
        items = [d for d in found.items if visible(d.org, d.project)]
        return Page(items, found.next_cursor)

    def owner(self, account: str, *, table_id: str | None = None, dataset_id: str | None = None
              ) -> tuple[str, str] | None:
        """The org/project a table or dataset belongs to (one small GetItem); None when it does not exist."""
        key = _table_key(account, table_id) if table_id is not None else _dataset_key(account, str(dataset_id))
        item = self.table.get_item(Key=key, ConsistentRead=True, ProjectionExpression="#o, #p, pk",
                                   ExpressionAttributeNames={"#o": "org", "#p": "project"}).get("Item")
        if item is None:
            return None
        return item.get("org") or DEFAULT_SCOPE, item.get("project") or DEFAULT_SCOPE

    def delete_dataset(self, account: str, dataset_id: str) -> None:
        """Only an empty dataset can go; ``tableCount`` is checked in the same write."""
        client = self.table.meta.client
        try:
            self.table.delete_item(
                Key=_dataset_key(account, dataset_id),
                ConditionExpression="attribute_exists(pk) AND tableCount = :zero",
                ExpressionAttributeValues={":zero": 0},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as exc:
            old = exc.response.get("Item")
            if not old:
                raise dataset_not_found(dataset_id) from None
            raise Conflict(
                f"Dataset {dataset_id!r} still has tables; delete them first or pass force=true",
                details={"datasetId": dataset_id, "tableCount": int(old.get("tableCount", {}).get("N", 0))},
                code="DATASET_NOT_EMPTY",
            ) from None

    def table_ids(self, account: str, dataset_id: str) -> list[str]:
        """Every table of a dataset, read from the (strongly consistent) name claims."""
        items = query_all(
            self.table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": dataset_pk(account, dataset_id), ":s": NAME_CLAIM_PREFIX},
            ConsistentRead=True,
        )
        return [item["tableId"] for item in items]

    # ------------------------------------------------------------------ tables
    def create_table(
        self,
        account: str,
        table_id: str,
        dataset_id: str,
        table_name: str,
        description: str | None,
        location: str,
        schema: NewSchema,
        *,
        org: str = DEFAULT_SCOPE,
        project: str = DEFAULT_SCOPE,
    ) -> Table:
        """Register a table with its schema version 1 in one transaction.

        404 when the dataset is gone, 409 when the name is taken in it."""
        now = self.clock()
        version = _version(1, schema, now)
        table = Table(
            account,
            table_id,
            dataset_id,
            table_name,
            description,
            now,
            now,
            location,
            version.fields,
            version.primaryKeyColumns,
            version.schemaVersionId,
            1,
            org=org,
            project=project,
        )
        (
            Transaction(self.table)
            .update(
                _dataset_key(account, dataset_id),
                "ADD tableCount :one",
                condition="attribute_exists(pk)",
                values={":one": 1},
                error=dataset_not_found(dataset_id),
            )
            .put(
                _claim(account, dataset_id, table_name, table_id),
                if_absent=name_taken(dataset_id, table_name),
            )
            .put(table.to_item(), if_absent=Conflict(f"Table id {table_id!r} is already in use"))
            .put(version.to_item(account, table_id))
            .commit()
        )
        return table

    def get_table(self, account: str, table_id: str) -> Table:
        return Table.from_item(self._get_item(_table_key(account, table_id), table_not_found(table_id)))

    def list_tables(self, account: str, dataset_id: str, page: PageRequest) -> Page:
        """A dataset's tables ordered by name; 404 when the dataset does not exist."""
        self.get_dataset(account, dataset_id)
        return self._gsi1_page(account, tables_gsi_pk(account, dataset_id), page, Table)

    def set_fence(self, account: str, table_id: str, until_ms: int | None) -> None:
        """Raise the table's write fence until ``until_ms`` (epoch ms), or lower it (None).

        A table deleted meanwhile is left alone: the write never creates a stub record."""
        key = _table_key(account, table_id)
        update: dict[str, Any] = (
            {"UpdateExpression": "REMOVE fenceUntil"}
            if until_ms is None
            else {"UpdateExpression": "SET fenceUntil = :u", "ExpressionAttributeValues": {":u": until_ms}}
        )
        with contextlib.suppress(self.table.meta.client.exceptions.ConditionalCheckFailedException):
            self.table.update_item(Key=key, ConditionExpression="attribute_exists(pk)", **update)

    def update_table(self, account: str, table_id: str, changes: dict[str, Any]) -> Table:
        """Apply ``tableName`` and/or ``description`` (None clears it). A rename moves the name claim
        in the same transaction, so two tables of a dataset never share a name."""
        current = self.get_table(account, table_id)
        updated = replace(
            current,
            tableName=changes.get("tableName") or current.tableName,
            description=changes.get("description", current.description),
            updatedAt=self.clock(),
        )
        changed_underneath = ConcurrentModification(f"Table {table_id!r} changed concurrently; retry")
        transaction = Transaction(self.table).update(
            _table_key(account, table_id),
            "SET tableName = :n, gsi1sk = :n, description = :d, updatedAt = :u",
            condition="attribute_exists(pk) AND tableName = :old",
            values={
                ":n": updated.tableName,
                ":d": updated.description,
                ":u": updated.updatedAt,
                ":old": current.tableName,
            },
            error=changed_underneath,
        )
        if updated.tableName != current.tableName:
            old_claim = {"pk": dataset_pk(account, current.datasetId), "sk": name_claim_sk(current.tableName)}
            transaction.delete(
                old_claim, condition="tableId = :t", values={":t": table_id}, error=changed_underneath
            )
            transaction.put(
                _claim(account, current.datasetId, updated.tableName, table_id),
                if_absent=name_taken(current.datasetId, updated.tableName),
            )
        transaction.commit()
        return updated

    def delete_table(self, account: str, table_id: str) -> Table:
        """Remove the table, its name claim and its schema history; returns what was deleted."""
        table = self.get_table(account, table_id)
        changed_underneath = ConcurrentModification(f"Table {table_id!r} changed concurrently; retry")
        claim = {"pk": dataset_pk(account, table.datasetId), "sk": name_claim_sk(table.tableName)}
        (
            Transaction(self.table)
            .delete(
                _table_key(account, table_id),
                condition="attribute_exists(pk)",
                error=table_not_found(table_id),
            )
            .delete(claim, condition="tableId = :t", values={":t": table_id}, error=changed_underneath)
            .update(
                _dataset_key(account, table.datasetId),
                "ADD tableCount :minus",
                condition="attribute_exists(pk)",
                values={":minus": -1},
                error=changed_underneath,
            )
            .commit()
        )
        versions = query_all(
            self.table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": table_pk(account, table_id), ":s": SCHEMA_PREFIX},
            ProjectionExpression="pk, sk",
        )
        batch_write(self.table, deletes=[{"pk": v["pk"], "sk": v["sk"]} for v in versions])
        return table

    # ------------------------------------------------------------------ schema versions
    def current_schema(self, account: str, table_id: str) -> SchemaVersion:
        table = self.get_table(account, table_id)
        key = {"pk": table_pk(account, table_id), "sk": schema_sk(table.versionNumber)}
        return SchemaVersion.from_item(self._get_item(key, table_not_found(table_id)))

    def schema_versions(self, account: str, table_id: str, page: PageRequest) -> Page:
        """Newest first."""
        self.get_table(account, table_id)
        pk = table_pk(account, table_id)
        return self._page(
            account,
            page,
            {"pk": pk},
            SchemaVersion,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": pk, ":s": SCHEMA_PREFIX},
            ScanIndexForward=False,
            ConsistentRead=True,
        )

    def add_schema_version(
        self, account: str, table_id: str, expected_version: int, schema: NewSchema
    ) -> SchemaVersion:
        """Record version ``expected_version + 1`` and make it current.

        409 (retryable) when another change got there first: optimistic concurrency on the number."""
        version = _version(expected_version + 1, schema, self.clock())
        stale = ConcurrentModification(
            f"Table {table_id!r} is no longer at schema version {expected_version}",
            details={"tableId": table_id, "expectedVersion": expected_version},
        )
        (
            Transaction(self.table)
            .update(
                _table_key(account, table_id),
                "SET versionNumber = :n, schemaVersionId = :id, #f = :f, primaryKeyColumns = :k, "
                "updatedAt = :u",
                condition="attribute_exists(pk) AND versionNumber = :prev",
                names={"#f": "fields"},
                values={
                    ":n": version.versionNumber,
                    ":id": version.schemaVersionId,
                    ":f": version.fields,
                    ":k": version.primaryKeyColumns,
                    ":u": version.appliedAt,
                    ":prev": expected_version,
                },
                error=stale,
            )
            .put(version.to_item(account, table_id), if_absent=stale)
            .commit()
        )
        return version

    # ------------------------------------------------------------------ reads
    def _get_item(self, key: dict[str, str], missing: NotFound) -> dict[str, Any]:
        """The item at ``key`` (strongly consistent); ``missing`` is raised when there is none."""
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item is None:
            raise missing
        return item

    def _gsi1_page(self, account: str, gsi_pk: str, page: PageRequest, record: _Record) -> Page:
        """One page of the items sharing the ``gsi1pk`` ``gsi_pk``, in ``gsi1sk`` order."""
        return self._page(
            account,
            page,
            {"gsi1pk": gsi_pk},
            record,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": gsi_pk},
        )

    def _page(
        self, account: str, page: PageRequest, pinned: dict[str, str], record: _Record, **query: Any
    ) -> Page:
        """One page of a query, its items as ``record.from_item(item).to_api()``; the cursor must match ``pinned``."""
        keys = ("pk", "sk", "gsi1pk", "gsi1sk") if "IndexName" in query else ("pk", "sk")
        found = query_page(
            self.table, page, key_names=keys, pinned=pinned, key_prefix=account_prefix(account), **query
        )
        return Page([record.from_item(item).to_api() for item in found.items], found.next_cursor)


def _dataset_key(account: str, dataset_id: str) -> dict[str, str]:
    return {"pk": dataset_pk(account, dataset_id), "sk": DATASET_SK}


def _table_key(account: str, table_id: str) -> dict[str, str]:
    return {"pk": table_pk(account, table_id), "sk": TABLE_SK}


def _claim(account: str, dataset_id: str, table_name: str, table_id: str) -> dict[str, Any]:
    return {
        "pk": dataset_pk(account, dataset_id),
        "sk": name_claim_sk(table_name),
        "entity": "table-name",
        "tableId": table_id,
    }


def _version(number: int, schema: NewSchema, now: str) -> SchemaVersion:
    return SchemaVersion(
        schemaVersionId=new_id("sch_"),
        versionNumber=number,
        arrowSchema=schema.arrowSchema,
        fields=schema.fields,
        primaryKeyColumns=schema.primaryKeyColumns,
        appliedAt=now,
        lanceVersion=schema.lanceVersion,
        description=schema.description,
        operationId=schema.operationId,
    )


def default_catalog() -> Catalog:
    from schemashift.aws import dynamodb_table
    from schemashift.settings import get_settings

    return Catalog(dynamodb_table(get_settings().resources_table))
