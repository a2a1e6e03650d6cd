"""Replacing a big changelog is bulk work: removed changesets are checked for deployments with one
Query per contiguous key range (not one per changeset), and definitions are written and deleted in
batches; changesets deployed somewhere stay listed after the current ones."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from schemashift.aws import _dynamodb_resource
from schemashift.dbschema.bundles import bundle_from_files
from schemashift.dbschema.changelogs import read_definitions, register_bundle
from schemashift.dbschema.models import SchemaIn
from schemashift.dbschema.schemas import create_schema
from schemashift.dbschema.services import services
from schemashift.dbschema.state import ChangesetStatusUpdate, record_changeset_status
from schemashift.dbschema.tenancy import Tenant

COUNT = 400


def _changelog(prefix: str, count: int) -> dict[str, str]:
    lines = ["-- liquibase formatted sql", ""]
    for i in range(count):
        lines += [f"-- changeset {prefix}:{i}", f"CREATE TABLE {prefix}_{i} (id INT);", ""]
    return {"c.sql": "\n".join(lines)}


@contextmanager
def _dynamodb_calls() -> Iterator[Counter[str]]:
    """Every DynamoDB request the shared client sends, by operation (a botocore hook at the AWS edge)."""
    calls: Counter[str] = Counter()
    events = _dynamodb_resource().meta.client.meta.events

    def count(model, **_: object) -> None:  # type: ignore[no-untyped-def]
        calls[model.name] += 1

    events.register("before-call.dynamodb", count, unique_id="count-calls")
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", unique_id="count-calls")


def test_replacing_a_big_changelog_is_bulk_and_keeps_deployed_changesets(stack) -> None:
    tenant = Tenant("local", "o", "replace" + uuid.uuid4().hex[:6])
    create_schema(services(), tenant, SchemaIn(identifier="s", name="s"))
    register_bundle(services(), tenant, "s", bundle_from_files("c.sql", _changelog("old", COUNT)))
    deployed = [f"c.sql::{i}::old" for i in (3, 4, 200, COUNT - 1)]
    unknown = record_changeset_status(services(), tenant, "s", "i1", [
        ChangesetStatusUpdate(fqn=fqn, status="Successfully_Deployed") for fqn in deployed])
    assert unknown == []
    with _dynamodb_calls() as calls:
        summary = register_bundle(services(), tenant, "s", bundle_from_files("c.sql", _changelog("new", COUNT)))
    assert summary.added == COUNT and summary.removedButDeployed == len(deployed)
    # before: one Query per removed changeset (COUNT of them); now one per contiguous range of keys
    assert calls["Query"] <= 4, calls
    assert calls["BatchWriteItem"] <= 2 * (COUNT + len(deployed)) // 25 + 2, calls
    assert sum(calls.values()) < 60, calls
    definitions = read_definitions(services(), tenant, "s")
    current = [d for d in definitions if d["inChangelog"]]
    kept = [d for d in definitions if not d["inChangelog"]]
    assert [d["changeSet"] for d in current] == [str(i) for i in range(COUNT)]
    assert {d["author"] for d in current} == {"new"}
    assert sorted(d["fqn"] for d in kept) == sorted(deployed)
    assert len(definitions) == COUNT + len(deployed)  # nothing stale left behind
