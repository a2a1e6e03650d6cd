"""Tenant isolation by key: every item of a schema lives under its account/org/project prefix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class _Caller(Protocol):
    account: str


@dataclass(frozen=True)
class Tenant:
    """The account, org and project a request acts in; every key it reads or writes starts with them."""

    account: str
    org: str
    project: str

    @classmethod
    def of(cls, caller: _Caller, org: str, project: str) -> Tenant:
        """The caller's account scopes every key: another account's items are unreachable."""
        return cls(account=caller.account, org=org, project=project)

    @property
    def pk(self) -> str:
        return f"T#{self.account}#{self.org}#{self.project}"

    def schema_pk(self, schema: str) -> str:
        return f"{self.pk}#S#{schema}"


SCHEMA_SK = "SCHEMA#"
INSTANCE_SK = "INSTANCE#"
CHANGELOG_SK = "CHANGELOG#"


def definitions_pk(tenant: Tenant, schema: str) -> str:
    """Partition of a schema's registered changesets, sorted by changelog order."""
    return f"{tenant.schema_pk(schema)}#DEF"


def instance_index_pk(tenant: Tenant, schema: str, instance: str) -> str:
    """GSI partition of one instance's changeset state."""
    return f"{tenant.schema_pk(schema)}#I#{instance}"


def run_prefix(instance: str, pipeline: str, plan: str, stage: str) -> str:
    """Sort-key prefix (in the schema's state partition) of the changesets one pipeline step ran on
    one instance: deployedState is one Query. ``R`` sorts after the ``C`` state keys."""
    return f"RUN#{instance}#{pipeline}#{plan}#{stage}#"


def order_key(order: int) -> str:
    return f"{order:07d}"


def changeset_key(seq: int) -> str:
    """Stable per-changeset key, assigned once; state items sort by it."""
    return f"C{seq:07d}"


def changeset_seq(key: str) -> int:
    return int(key[1:])


def csk_runs(csks: list[str]) -> list[tuple[str, str]]:
    """Group stable keys into contiguous ranges: an append-only changelog is one range, so the state of
    many changesets is one Query per range instead of one per changeset."""
    runs: list[tuple[str, str]] = []
    for csk in sorted(csks):
        if runs and changeset_seq(csk) == changeset_seq(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], csk)
        else:
            runs.append((csk, csk))
    return runs
