"""Runtime configuration, read once from the environment that template.yaml sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    region: str
    resources_table: str
    changeset_state_table: str
    executions_table: str
    locks_table: str
    api_keys_table: str
    idempotency_table: str
    bucket: str
    event_bus: str
    apply_state_machine_arn: str
    rollback_state_machine_arn: str
    fleet_apply_state_machine_arn: str
    table_migration_state_machine_arn: str
    home: str
    sqlite_root: str
    """Directory of service-managed SQLite instances (``<root>/<account>/...``); empty = SQLite refused."""
    loopback_targets: bool
    """Instances may reach loopback databases: the local stack's setting, never the deployed default."""
    service_endpoints: tuple[str, ...]
    """Endpoints of the service itself, never valid database targets."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Cached: Lambda environments do not change during a container's life."""
    return Settings(
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        resources_table=_env("RESOURCES_TABLE", "schemashift-resources"),
        changeset_state_table=_env("CHANGESET_STATE_TABLE", "schemashift-changeset-state"),
        executions_table=_env("EXECUTIONS_TABLE", "schemashift-executions"),
        locks_table=_env("LOCKS_TABLE", "schemashift-locks"),
        api_keys_table=_env("API_KEYS_TABLE", "schemashift-api-keys"),
        idempotency_table=_env("IDEMPOTENCY_TABLE", "schemashift-idempotency"),
        bucket=_env("DATA_BUCKET", "schemashift-data"),
        event_bus=_env("EVENT_BUS_NAME", "schemashift"),
        apply_state_machine_arn=_env("APPLY_STATE_MACHINE_ARN"),
        rollback_state_machine_arn=_env("ROLLBACK_STATE_MACHINE_ARN"),
        fleet_apply_state_machine_arn=_env("FLEET_APPLY_STATE_MACHINE_ARN"),
        table_migration_state_machine_arn=_env("TABLE_MIGRATION_STATE_MACHINE_ARN"),
        home=_env("SCHEMASHIFT_HOME", ".schemashift"),
        sqlite_root=_env("SQLITE_INSTANCES_ROOT"),
        loopback_targets=_env("SCHEMASHIFT_LOOPBACK_TARGETS").lower() in ("1", "true", "allow"),
        service_endpoints=tuple(filter(None, (
            _env("AWS_ENDPOINT_URL"), _env("AWS_LAMBDA_RUNTIME_API"),
            *_env("SCHEMASHIFT_SERVICE_ENDPOINTS").split(",")))),
    )
