"""A DynamoDB write transaction whose every condition carries the error to raise when it fails.

DynamoDB reports a cancelled transaction as a list of reasons in item order; pairing each item
with its domain error turns "condition 2 failed" into "a table with that name exists" without
a second read.
"""

from __future__ import annotations

from typing import Any

from schemashift.errors import SchemashiftError, TransientError


class Transaction:
    def __init__(self, table: Any) -> None:
        self.table = table
        self.items: list[dict[str, Any]] = []
        self.errors: list[SchemashiftError | None] = []

    def put(self, item: dict[str, Any], *, if_absent: SchemashiftError | None = None) -> Transaction:
        """Put ``item``; with ``if_absent`` the key must be new, else that error is raised."""
        action: dict[str, Any] = {"TableName": self.table.name, "Item": item}
        if if_absent is not None:
            action["ConditionExpression"] = "attribute_not_exists(pk)"
        return self._add({"Put": action}, if_absent)

    def delete(
        self,
        key: dict[str, str],
        *,
        condition: str,
        error: SchemashiftError,
        values: dict[str, Any] | None = None,
    ) -> Transaction:
        action = {"TableName": self.table.name, "Key": key, "ConditionExpression": condition}
        if values:
            action["ExpressionAttributeValues"] = values
        return self._add({"Delete": action}, error)

    def update(
        self,
        key: dict[str, str],
        expression: str,
        *,
        condition: str,
        error: SchemashiftError,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> Transaction:
        action = {
            "TableName": self.table.name,
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if names:
            action["ExpressionAttributeNames"] = names
        return self._add({"Update": action}, error)

    def commit(self) -> None:
        client = self.table.meta.client
        try:
            client.transact_write_items(TransactItems=self.items)
        except client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            for reason, error in zip(reasons, self.errors, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed" and error is not None:
                    raise error from None
            if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                raise TransientError("A concurrent request changed the same items; retry") from None
            raise

    def _add(self, action: dict[str, Any], error: SchemashiftError | None) -> Transaction:
        self.items.append(action)
        self.errors.append(error)
        return self
