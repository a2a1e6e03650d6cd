"""What the /v1 half (dbschema and deployments) talks to, gathered once and passed as an argument.

Handlers read ``fn(services(), caller, request)``, as the datasets half does with its own root
(``datasets.jobs.services``); tests build ``Services(resources=..., s3=...)`` with their own tables
and clients. Every AWS handle is made on first use (through ``schemashift.aws``' shared, cached
clients), so a handler that only reads a schema never imports boto3 for a client it does not need
(cold start), and the local stack's ``reset_clients`` reaches every root.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from schemashift.settings import Settings, get_settings


class Services:
    """Tables, clients and names of the /v1 half. Pass any of them to override the default."""

    def __init__(self, settings: Settings | None = None, **given: Any) -> None:
        unknown = set(given) - _HANDLES
        if unknown:
            raise TypeError(f"unknown service handle(s): {', '.join(sorted(unknown))}")
        self.settings = settings or get_settings()
        self._given = given

    def _handle(self, name: str, make: Any) -> Any:
        given = self._given.get(name)
        return given if given is not None else make()

    # DynamoDB tables (boto3 Table resources: Python <-> DynamoDB types converted for us).
    @property
    def resources(self) -> Any:
        """Schemas, instances, changelog versions, policies, account settings."""
        return self._handle("resources", lambda: _table(self.settings.resources_table))

    @property
    def state(self) -> Any:
        """Changeset definitions and per-instance changeset state."""
        return self._handle("state", lambda: _table(self.settings.changeset_state_table))

    @property
    def executions(self) -> Any:
        """The one job store's table (deployments, fleet deployments, table operations)."""
        return self._handle("executions", lambda: _table(self.settings.executions_table))

    @property
    def locks(self) -> Any:
        return self._handle("locks", lambda: _table(self.settings.locks_table))

    # Low-level clients.
    @property
    def dynamodb(self) -> Any:
        """The low-level client, for wire-form batch writes on the deployment hot path."""
        return self._handle("dynamodb", lambda: _client("dynamodb"))

    @property
    def s3(self) -> Any:
        return self._handle("s3", lambda: _client("s3"))

    @property
    def stepfunctions(self) -> Any:
        return self._handle("stepfunctions", lambda: _client("stepfunctions"))

    @property
    def events(self) -> Any:
        """EventBridge client of the schemashift bus (``event_bus``)."""
        return self._handle("events", lambda: _client("events"))

    # Names.
    @property
    def bucket(self) -> str:
        return str(self._given.get("bucket") or self.settings.bucket)

    @property
    def event_bus(self) -> str:
        return str(self._given.get("event_bus") or self.settings.event_bus)

    @property
    def idempotency_table(self) -> str:
        return str(self._given.get("idempotency_table") or self.settings.idempotency_table)


_HANDLES = frozenset({"resources", "state", "executions", "locks", "dynamodb", "s3", "stepfunctions", "events",
                      "bucket", "event_bus", "idempotency_table"})


def _table(name: str) -> Any:
    from schemashift.aws import dynamodb_table

    return dynamodb_table(name)


def _client(service: str) -> Any:
    from schemashift.aws import client

    return client(service)


def services() -> Services:
    """The container's root, from its environment (checked once: ``get_settings``)."""
    return _root(get_settings())


@cache
def _root(settings: Settings) -> Services:
    return Services(settings)
