"""The metadata records of datasets, tables and schema versions, and their DynamoDB keys.

Every key starts with ``ACCT#{account}#``: a caller can only ever name items of its own account,
so tenant isolation holds by construction rather than by filtering. Layout in the resources table:

================================  ==========================  =====================================
pk                                sk                          what
================================  ==========================  =====================================
``ACCT#a#DS#{datasetId}``         ``DATASET``                 dataset (gsi1: account's datasets)
``ACCT#a#DS#{datasetId}``         ``TABLENAME#{tableName}``   name claim: unique names per dataset
``ACCT#a#TBL#{tableId}``          ``TABLE``                   table (gsi1: dataset's tables by name)
``ACCT#a#TBL#{tableId}``          ``SCHEMA#{versionNumber}``  one schema version (zero-padded)
================================  ==========================  =====================================

This module never imports pyarrow: metadata-only Lambdas load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemashift.datasets import responses
from schemashift.store.dynamo import plain

DEFAULT_SCOPE = "default"
"""The org and project of datasets created without naming them (and of datasets from before scopes)."""
DATASET_SK = "DATASET"
TABLE_SK = "TABLE"
NAME_CLAIM_PREFIX = "TABLENAME#"
SCHEMA_PREFIX = "SCHEMA#"


def account_prefix(account: str) -> str:
    return f"ACCT#{account}#"


def dataset_pk(account: str, dataset_id: str) -> str:
    return f"{account_prefix(account)}DS#{dataset_id}"


def datasets_gsi_pk(account: str) -> str:
    return f"{account_prefix(account)}DATASETS"


def table_pk(account: str, table_id: str) -> str:
    return f"{account_prefix(account)}TBL#{table_id}"


def tables_gsi_pk(account: str, dataset_id: str) -> str:
    return f"{dataset_pk(account, dataset_id)}#TABLES"


def name_claim_sk(table_name: str) -> str:
    return f"{NAME_CLAIM_PREFIX}{table_name}"


def schema_sk(version_number: int) -> str:
    return f"{SCHEMA_PREFIX}{version_number:010d}"


@dataclass(frozen=True)
class Dataset:
    """A catalog item: a dataset of one account (and org/project)."""

    account: str
    datasetId: str
    name: str
    description: str | None
    createdAt: str
    updatedAt: str
    tableCount: int = 0
    org: str = DEFAULT_SCOPE
    project: str = DEFAULT_SCOPE

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Dataset:
        return cls(
            account=item["account"],
            datasetId=item["datasetId"],
            name=item["name"],
            description=item.get("description"),
            createdAt=item["createdAt"],
            updatedAt=item["updatedAt"],
            tableCount=int(item.get("tableCount", 0)),
            org=item.get("org") or DEFAULT_SCOPE,
            project=item.get("project") or DEFAULT_SCOPE,
        )

    def to_item(self) -> dict[str, Any]:
        return {
            "pk": dataset_pk(self.account, self.datasetId),
            "sk": DATASET_SK,
            "gsi1pk": datasets_gsi_pk(self.account),
            "gsi1sk": f"{self.createdAt}#{self.datasetId}",
            "entity": "dataset",
            **self.to_api().to_json(),
            "account": self.account,
        }

    def to_api(self) -> responses.Dataset:
        return responses.Dataset(
            datasetId=self.datasetId,
            org=self.org,
            project=self.project,
            name=self.name,
            description=self.description,
            createdAt=self.createdAt,
            updatedAt=self.updatedAt,
            tableCount=self.tableCount,
        )


@dataclass(frozen=True)
class SchemaVersion:
    """One immutable version of a table's schema; ``lanceVersion`` is the data version it took effect at."""

    schemaVersionId: str
    versionNumber: int
    arrowSchema: str
    fields: list[dict[str, Any]]
    primaryKeyColumns: list[str]
    appliedAt: str
    lanceVersion: int
    description: str | None = None
    operationId: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SchemaVersion:
        return cls(
            schemaVersionId=item["schemaVersionId"],
            versionNumber=int(item["versionNumber"]),
            arrowSchema=item["arrowSchema"],
            fields=plain(item["fields"]),
            primaryKeyColumns=list(item.get("primaryKeyColumns") or []),
            appliedAt=item["appliedAt"],
            lanceVersion=int(item["lanceVersion"]),
            description=item.get("description"),
            operationId=item.get("operationId"),
        )

    def to_item(self, account: str, table_id: str) -> dict[str, Any]:
        return {
            "pk": table_pk(account, table_id),
            "sk": schema_sk(self.versionNumber),
            "entity": "schema-version",
            **self.to_api().to_json(),
        }

    def to_api(self) -> responses.SchemaVersion:
        return responses.SchemaVersion(
            schemaVersionId=self.schemaVersionId,
            versionNumber=self.versionNumber,
            arrowSchema=self.arrowSchema,
            fields=self.fields,
            primaryKeyColumns=self.primaryKeyColumns,
            appliedAt=self.appliedAt,
            lanceVersion=self.lanceVersion,
            description=self.description,
            operationId=self.operationId,
        )


@dataclass(frozen=True)
class Table:
    """A table with its current schema copied in, so one GetItem answers ``GET /dataset-tables/{id}``."""

    account: str
    tableId: str
    datasetId: str
    tableName: str
    description: str | None
    createdAt: str
    updatedAt: str
    location: str
    fields: list[dict[str, Any]]
    primaryKeyColumns: list[str]
    schemaVersionId: str
    versionNumber: int
    org: str = DEFAULT_SCOPE
    """Copied from the table's dataset (immutable), so a scope check is one GetItem."""
    project: str = DEFAULT_SCOPE
    fenceUntil: int | None = None
    """While a migration's commit holds row writes back: until when (epoch ms; ``catalog.fence``)."""

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Table:
        return cls(
            account=item["account"],
            tableId=item["tableId"],
            datasetId=item["datasetId"],
            tableName=item["tableName"],
            description=item.get("description"),
            createdAt=item["createdAt"],
            updatedAt=item["updatedAt"],
            location=item["location"],
            fields=plain(item["fields"]),
            primaryKeyColumns=list(item.get("primaryKeyColumns") or []),
            schemaVersionId=item["schemaVersionId"],
            versionNumber=int(item["versionNumber"]),
            org=item.get("org") or DEFAULT_SCOPE,
            project=item.get("project") or DEFAULT_SCOPE,
            fenceUntil=int(item["fenceUntil"]) if "fenceUntil" in item else None,
        )

    def to_item(self) -> dict[str, Any]:
        return {
            "pk": table_pk(self.account, self.tableId),
            "org": self.org,
            "project": self.project,
            "sk": TABLE_SK,
            "gsi1pk": tables_gsi_pk(self.account, self.datasetId),
            "gsi1sk": self.tableName,
            "entity": "table",
            "account": self.account,
            "location": self.location,
            **({} if self.fenceUntil is None else {"fenceUntil": self.fenceUntil}),
            **self.to_api().to_json(),
        }

    def summary(self) -> responses.TableSummary:
        """What ``POST /dataset-tables`` answers with."""
        return responses.TableSummary(**self._summary_fields())

    def to_api(self) -> responses.Table:
        return responses.Table(
            **self._summary_fields(),
            fields=self.fields,
            primaryKeyColumns=self.primaryKeyColumns,
            schemaVersionId=self.schemaVersionId,
            versionNumber=self.versionNumber,
        )

    def _summary_fields(self) -> dict[str, Any]:
        return {"tableId": self.tableId, "datasetId": self.datasetId, "tableName": self.tableName,
                "description": self.description, "createdAt": self.createdAt, "updatedAt": self.updatedAt}
