"""The seam between the deployment state machines and the migration tools.

``runner`` owns everything a deployment does whatever the tool (the instance lock, the execution
record, per-changeset checkpoints, failure recording, events); an engine owns what differs: how a
bundle is read, what is pending, how a batch applies or rolls back, and how the target's own history
table (DATABASECHANGELOG, flyway_schema_history) is reconciled with the recorded state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from schemashift.errors import ValidationFailed

if TYPE_CHECKING:
    from schemashift.dbschema.services import Services


@dataclass
class BatchResult:
    """What one batch did: units still to do, units it applied, the last unit it touched."""

    remaining: int
    applied: int
    last_fqn: str | None = None


@dataclass
class UnitResult:
    """One changeset's (or migration's) outcome as checkpoints record it."""

    fqn: str
    status: str
    """EXECUTED | RERAN | MARK_RAN | ROLLED_BACK | FAILED | SKIPPED ..."""
    duration_ms: float
    error: str | None = None
    statements: list[str] = field(default_factory=list)
    """The SQL the unit sent, in order, without its tracking-table write (changesetmetadata)."""


class Engine(Protocol):
    """Made for one services root (``engine_for(svc, ...)``): its stores are the root's."""

    migration_type: str

    def check_request(self, kind: str, request: dict[str, Any]) -> None:
        """Refuse (400) a request the tool cannot honour, before anything starts."""

    def load(self, key: str, properties: dict[str, Any], dialect: str, database: Any = None) -> Any:
        """The stored bundle ``key`` read for ``dialect`` with the instance's properties (and, given
        the open ``database``, whatever the tool reads from it, e.g. Liquibase's ``database.*``)."""

    def reclaim(self, target: Any, tenant: Any, execution_id: str) -> None:
        """Free the tool's own lock on the target when a dead run of ours left it."""

    def reconcile(self, tenant: Any, schema: str, instance: str, target: Any, project: Any,
                  known: dict[Any, dict[str, Any]] | None = None) -> dict[str, Any]:
        """Align the recorded state with the target's history table; report drift. ``known``: the
        schema's definitions index when the caller has just read it (a batch has)."""

    def pending(self, target: Any, project: Any, request: dict[str, Any], instance_item: dict[str, Any]) -> list[str]:
        """The units an apply with ``request`` would run, in order (reads only)."""

    def lint_units(self, project: Any, dialect: str, pending: list[str]) -> list[Any]:
        """The pending units as lint units for the policy gate."""

    def prepare(self, scope: str, execution_id: str, execution: dict[str, Any], target: Any, project: Any,
                instance_item: dict[str, Any], fields: dict[str, Any]) -> None:
        """Size the work (``progressTotal``/``remaining``), tag the pre-start state, run dry runs."""

    def run(self, target: Any, project: Any, execution: dict[str, Any], instance_item: dict[str, Any],
            deadline: float, checkpoint: Any) -> BatchResult:
        """Apply or roll back until done or ``deadline``; ``checkpoint(UnitResult)`` after each unit.
        A failed unit raises ``MigrationFailed`` whose ``changeset`` is the unit's FQN."""


def engine_named(svc: Services, migration_type: str | None) -> Engine:
    if migration_type == "Flyway":
        from schemashift.deployments.engines.flyway import FlywayEngine

        return FlywayEngine(svc)
    from schemashift.deployments.engines.liquibase import LiquibaseEngine

    return LiquibaseEngine(svc)


def engine_for(svc: Services, item: dict[str, Any]) -> Engine:
    """The engine of an execution (or changelog info) by its ``migrationType``."""
    return engine_named(svc, item.get("migrationType"))


def refuse(field: str, migration_type: str, hint: str = "") -> ValidationFailed:
    return ValidationFailed(f"{field} is not supported for {migration_type} schemas{hint}")
