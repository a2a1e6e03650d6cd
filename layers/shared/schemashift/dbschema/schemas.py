"""Schemas: create, read, list, update, delete (with everything that belongs to them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.clock import now_ms
from schemashift.dbschema.responses import ChangelogInfo, Schema
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import CHANGELOG_SK, INSTANCE_SK, SCHEMA_SK, Tenant, definitions_pk
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.paging import PageRequest, page_of
from schemashift.safety.config import LintConfig
from schemashift.store.dynamo import batch_write, condition_failed, plain, query_all, update_item

if TYPE_CHECKING:  # request models are the handler's to import: a route that answers only never builds them
    from schemashift.dbschema.models import SchemaIn, SchemaUpdate



def schema_out(item: dict[str, Any]) -> Schema:
    changelog = item.get("changelog")
    return Schema(
        identifier=item["identifier"], name=item["name"], tags=plain(item.get("tags")) or {},
        migrationType=item.get("migrationType") or "Liquibase", description=item.get("description"),
        created=plain(item["created"]), updated=plain(item["updated"]),
        instanceCount=int(item.get("instanceCount") or 0),
        changelog=ChangelogInfo.model_validate(plain(changelog)) if changelog else None,
        changesetCount=int(item.get("changesetCount", 0)),
        lint=LintConfig.from_stored(plain(item["lint"])) if item.get("lint") else None,
    )


def get_schema_item(svc: Services, tenant: Tenant, identifier: str) -> dict[str, Any]:
    item = svc.resources.get_item(Key={"pk": tenant.pk, "sk": SCHEMA_SK + identifier}).get("Item")
    if not item:
        raise NotFound(f"Database schema '{identifier}' not found in org '{tenant.org}' project '{tenant.project}'")
    return item


RESERVED_IDENTIFIERS = frozenset({"overview"})
"""``GET P/dbschema/overview`` is a route, so no schema may be called that (as in Harness)."""


def create_schema(svc: Services, tenant: Tenant, body: SchemaIn) -> Schema:
    if body.identifier.lower() in RESERVED_IDENTIFIERS:
        raise ValidationFailed(f"identifier '{body.identifier}' is reserved (GET .../dbschema/{body.identifier} "
                               "is the project overview); choose another")
    now = now_ms()
    item = {
        "pk": tenant.pk,
        "sk": SCHEMA_SK + body.identifier,
        "identifier": body.identifier,
        "name": body.name,
        "tags": body.tags,
        "migrationType": body.migrationType,
        "description": body.description,
        "lint": body.lint.model_dump() if body.lint else None,
        "created": now,
        "updated": now,
        "instanceCount": 0,
        "changesetCount": 0,
        "nextChangesetSeq": 0,
        "changelogVersion": 0,
    }
    try:
        svc.resources.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except svc.resources.meta.client.exceptions.ConditionalCheckFailedException:
        raise Conflict(f"Database schema '{body.identifier}' already exists") from None
    return schema_out(item)


def get_schema(svc: Services, tenant: Tenant, identifier: str) -> Schema:
    return schema_out(get_schema_item(svc, tenant, identifier))


def list_schema_items(svc: Services, tenant: Tenant) -> list[dict[str, Any]]:
    """One Query of the project's partition; a project holds tens to hundreds of schemas."""
    return list(query_all(
        svc.resources,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": tenant.pk, ":prefix": SCHEMA_SK},
    ))


def list_schemas(
    svc: Services, tenant: Tenant, page: PageRequest, *, search_term: str | None, sort: str, order: str,
    migration_type: str | None = None,
) -> tuple[list[Schema], int]:
    if migration_type is not None and migration_type not in ("Liquibase", "Flyway"):
        raise ValidationFailed("migrationType must be Liquibase or Flyway", details={"field": "migrationType"})
    schemas = [schema_out(i) for i in list_schema_items(svc, tenant)]
    if migration_type:
        schemas = [s for s in schemas if s.migrationType == migration_type]
    if search_term:
        term = search_term.lower()
        schemas = [s for s in schemas if term in s.identifier.lower() or term in s.name.lower()]
    if sort not in ("name", "updated", "created", "identifier"):
        raise ValidationFailed("sort must be one of name, updated, created, identifier")
    if order not in ("ASC", "DESC"):
        raise ValidationFailed("order must be ASC or DESC")
    schemas.sort(key=lambda s: (getattr(s, sort) if sort != "name" else s.name.lower(), s.identifier),
                 reverse=order == "DESC")
    return page_of(schemas, page)


def update_schema(svc: Services, tenant: Tenant, identifier: str, body: SchemaUpdate) -> Schema:
    changes = body.model_dump(exclude_none=True)
    changes.pop("migrationType", None)  # fixed at creation, as in Harness
    table = svc.resources
    try:
        result = update_item(table, {"pk": tenant.pk, "sk": SCHEMA_SK + identifier},
                             {**changes, "updated": now_ms()}, condition="attribute_exists(pk)")
    except condition_failed(table):
        raise NotFound(f"Database schema '{identifier}' not found") from None
    return schema_out(result)


def delete_schema(svc: Services, tenant: Tenant, identifier: str) -> None:
    """Deletes the schema with its instances, changelog history, changeset state and the instances'
    snapshots and execution SQL in S3.

    Refused (409) while a deployment holds the lock of any of its instances."""
    from schemashift.dbschema.locks import running_deployments

    get_schema_item(svc, tenant, identifier)
    schema_pk = tenant.schema_pk(identifier)
    children = list(
        query_all(svc.resources, KeyConditionExpression="pk = :pk",
                  ExpressionAttributeValues={":pk": schema_pk}, ProjectionExpression="pk, sk")
    )
    instances = [c["sk"][len(INSTANCE_SK):] for c in children if c["sk"].startswith(INSTANCE_SK)]
    busy = running_deployments(svc, tenant, identifier, instances)
    if busy:
        raise Conflict(f"Database schema '{identifier}' has a deployment running on instance(s) "
                       f"{', '.join(sorted(busy))}; wait for it to finish or cancel it first")
    state = svc.state
    for pk in (schema_pk, definitions_pk(tenant, identifier)):
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in query_all(
            state, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk},
            ProjectionExpression="pk, sk")]
        batch_write(state, deletes=keys)
    batch_write(svc.resources, deletes=[{"pk": c["pk"], "sk": c["sk"]} for c in children
                                        if c["sk"].startswith((INSTANCE_SK, CHANGELOG_SK))])
    svc.resources.delete_item(Key={"pk": tenant.pk, "sk": SCHEMA_SK + identifier})
    from schemashift.dbschema.objects import delete_objects

    delete_objects(svc, tenant, identifier)
