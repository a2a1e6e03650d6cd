"""Runtime configuration, read once from the environment that template.yaml sets.

Checked at start: on Lambda every variable of the template's Globals must be set, and none may be
empty anywhere, so a deployment that lost one fails at once with ``ConfigurationError`` naming it,
not later as a request against a table called ``""``. Outside Lambda (tests, the local stack before
it names its resources) the defaults apply. Variables only some functions have (state machine ARNs)
are checked where they are used, by ``require``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    """The environment of one function, checked once (``get_settings``)."""

    region: str
    resources_table: str
    changeset_state_table: str
    executions_table: str
    locks_table: str
    api_keys_table: str
    idempotency_table: str
    bucket: str
    event_bus: str
    home: str
    sqlite_root: str
    """Directory of service-managed SQLite instances (``<root>/<account>/...``); empty = SQLite refused."""
    loopback_targets: bool
    """Instances may reach loopback databases: the local stack's setting, never the deployed default."""
    service_endpoints: tuple[str, ...]
    """Endpoints of the service itself, never valid database targets."""
    service_aws_account_id: str = ""
    """The AWS account the service runs in (the event functions have it): by default the only one whose
    pipeline events may start work (``schemashift.accounts.check_event_sender``)."""


class ConfigurationError(RuntimeError):
    """The function's environment lacks a variable it needs: a deployment mistake, not a caller's."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _named(name: str, default: str) -> str:
    """A resource name from the environment: set and non-empty on Lambda; the default elsewhere."""
    value = os.environ.get(name)
    if value is None:
        if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise ConfigurationError(f"environment variable {name} is not set (template.yaml's Globals set it "
                                     "for every function)")
        return default
    if not value.strip():
        raise ConfigurationError(f"environment variable {name} is empty; it must name a resource")
    return value


def require(name: str) -> str:
    """A variable only some functions have (a state machine ARN): its value, or a clear error."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set; template.yaml gives it to the "
                                 "functions that need it")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Cached: Lambda environments do not change during a container's life."""
    return Settings(
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        resources_table=_named("RESOURCES_TABLE", "schemashift-resources"),
        changeset_state_table=_named("CHANGESET_STATE_TABLE", "schemashift-changeset-state"),
        executions_table=_named("EXECUTIONS_TABLE", "schemashift-executions"),
        locks_table=_named("LOCKS_TABLE", "schemashift-locks"),
        api_keys_table=_named("API_KEYS_TABLE", "schemashift-api-keys"),
        idempotency_table=_named("IDEMPOTENCY_TABLE", "schemashift-idempotency"),
        bucket=_named("DATA_BUCKET", "schemashift-data"),
        event_bus=_named("EVENT_BUS_NAME", "schemashift"),
        home=_env("SCHEMASHIFT_HOME", ".schemashift"),
        sqlite_root=_env("SQLITE_INSTANCES_ROOT"),
        loopback_targets=_env("SCHEMASHIFT_LOOPBACK_TARGETS").lower() in ("1", "true", "allow"),
        service_endpoints=tuple(filter(None, (
            _env("AWS_ENDPOINT_URL"), _env("AWS_LAMBDA_RUNTIME_API"),
            *_env("SCHEMASHIFT_SERVICE_ENDPOINTS").split(",")))),
        service_aws_account_id=_env("SERVICE_AWS_ACCOUNT_ID").strip(),
    )
