"""Database instances: a schema applied to one database connection.

The connection URL never holds a password; credentials are a Secrets Manager ARN of the caller's
own account (``schemashift.credentials``) resolved only at deployment time, so reading an instance
never returns a secret. Where an instance may point is confined per account
(``schemashift.targets.confinement``): checked here at registration and again in
``connect_instance`` right before every connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from schemashift.clock import now_ms
from schemashift.dbschema.responses import Instance
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import INSTANCE_SK, SCHEMA_SK, Tenant
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.paging import PageRequest, page_of
from schemashift.redaction import holds_secret
from schemashift.store.dynamo import plain, query_all

if TYPE_CHECKING:  # request models are the handler's to import: a route that answers only never builds them
    from schemashift.dbschema.models import InstanceIn, InstanceListRequest, InstanceUpdate



def instance_dialect(url: str, account: str | None = None) -> str:
    """Validate the URL (SQLAlchemy or JDBC form, no password; for ``account``, a target it may reach)
    and name its dialect."""
    from schemashift.targets.urls import parse_target_url

    target = parse_target_url(url)
    if account is not None:
        from schemashift.accounts import target_policy
        from schemashift.targets.confinement import check_registration

        check_registration(url, account, target_policy(account))
    if target.has_password or holds_secret(url):
        raise ValidationFailed("url must not contain a password (in any spelling: user:password@, password=, "
                               "pwd=, pass=, ;password=); store credentials in Secrets Manager and pass its ARN "
                               "as secretArn")
    if target.family == "mysql":
        return "mariadb" if target.mariadb_requested else "mysql"
    return target.family


def instance_out(schema: str, item: dict[str, Any]) -> Instance:
    return Instance(
        identifier=item["identifier"], name=item["name"], url=item["url"], secretArn=item.get("secretArn"),
        context=item.get("context"), labels=item.get("labels"), tags=plain(item.get("tags")) or {},
        branch=item.get("branch"), substituteProperties=plain(item.get("substituteProperties")) or {},
        dialect=item.get("dialect"), created=plain(item.get("created")), updated=plain(item.get("updated")),
        lastAppliedTag=item.get("lastAppliedTag"), lastDeployedChangeSetTag=item.get("lastDeployedChangeSetTag"),
        schemaIdentifier=schema,
    )


def get_instance_item(svc: Services, tenant: Tenant, schema: str, identifier: str) -> dict[str, Any]:
    item = svc.resources.get_item(Key={"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + identifier}).get("Item")
    if not item:
        get_schema_item(svc, tenant, schema)  # a missing schema is reported as such
        raise NotFound(f"Database instance '{identifier}' not found in schema '{schema}'")
    return item


def _check_credentials(tenant: Tenant, dialect: str, secret_arn: str | None) -> None:
    if dialect == "sqlite" and secret_arn:
        raise ValidationFailed("SQLite instances take no credentials; remove secretArn")
    if secret_arn:
        from schemashift.credentials import require_owned_secret

        require_owned_secret(secret_arn, tenant.account)


@contextmanager
def connect_instance(tenant: Tenant, instance_item: dict[str, Any]) -> Iterator[Any]:
    """Open the instance's database for its account: ownership of the secret and the target's
    confinement are checked again right before connecting, whatever registration once decided."""
    from schemashift.accounts import target_policy
    from schemashift.credentials import fetch_credentials
    from schemashift.targets import open_target
    from schemashift.targets.confinement import confine

    target_url = confine(instance_item["url"], tenant.account, target_policy(tenant.account))
    credentials = fetch_credentials(instance_item.get("secretArn"), tenant.account)  # only for a target allowed
    with open_target(target_url.with_credentials(credentials.username, credentials.password)) as target:
        yield target


def create_instance(svc: Services, tenant: Tenant, schema: str, body: InstanceIn) -> Instance:
    dialect = instance_dialect(body.url, tenant.account)
    _check_credentials(tenant, dialect, body.secretArn)
    now = now_ms()
    item = {"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + body.identifier,
            **body.model_dump(), "dialect": dialect, "created": now, "updated": now}
    table = svc.resources
    try:
        table.meta.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": table.name, "Key": {"pk": tenant.pk, "sk": SCHEMA_SK + schema},
                        "UpdateExpression": "ADD instanceCount :one SET updated = :now",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":one": 1, ":now": now}}},
        ])
    except table.meta.client.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            raise NotFound(f"Database schema '{schema}' not found") from None
        raise Conflict(f"Database instance '{body.identifier}' already exists in schema '{schema}'") from None
    return instance_out(schema, item)


def get_instance(svc: Services, tenant: Tenant, schema: str, identifier: str) -> Instance:
    return instance_out(schema, get_instance_item(svc, tenant, schema, identifier))


def update_instance(svc: Services, tenant: Tenant, schema: str, identifier: str, body: InstanceUpdate
                    ) -> Instance:
    changes = body.model_dump(exclude_none=True)
    item = get_instance_item(svc, tenant, schema, identifier)
    if "url" in changes:
        changes["dialect"] = instance_dialect(changes["url"], tenant.account)
    item.update(changes)
    _check_credentials(tenant, item.get("dialect", ""), item.get("secretArn"))
    item["updated"] = now_ms()
    svc.resources.put_item(Item=item, ConditionExpression="attribute_exists(pk)")
    return instance_out(schema, item)


def delete_instance(svc: Services, tenant: Tenant, schema: str, identifier: str) -> None:
    from schemashift.dbschema.locks import running_deployments

    get_instance_item(svc, tenant, schema, identifier)
    if running_deployments(svc, tenant, schema, [identifier]):
        raise Conflict(f"Database instance '{identifier}' has a deployment running; wait for it to finish")
    table = svc.resources
    table.meta.client.transact_write_items(TransactItems=[
        {"Delete": {"TableName": table.name, "Key": {"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + identifier}}},
        {"Update": {"TableName": table.name, "Key": {"pk": tenant.pk, "sk": SCHEMA_SK + schema},
                    "UpdateExpression": "ADD instanceCount :minus SET updated = :now",
                    "ExpressionAttributeValues": {":minus": -1, ":now": now_ms()}}},
    ])
    from schemashift.dbschema.objects import delete_objects
    from schemashift.dbschema.state import delete_instance_state

    delete_instance_state(svc, tenant, schema, identifier)
    delete_objects(svc, tenant, schema, identifier)


def list_instance_items(svc: Services, tenant: Tenant, schema: str) -> list[dict[str, Any]]:
    """Every instance of a schema: one Query of the schema's partition."""
    return list(query_all(
        svc.resources,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":prefix": INSTANCE_SK},
    ))


def list_instances(svc: Services, tenant: Tenant, schema: str, body: InstanceListRequest, page: PageRequest,
                   *, search_term: str | None = None) -> tuple[list[Instance], int]:
    get_schema_item(svc, tenant, schema)
    instances = [instance_out(schema, i) for i in list_instance_items(svc, tenant, schema)]
    wanted = {(t.key, t.value) for t in body.instanceTags}
    if wanted:
        def has_all(inst: Instance) -> bool:
            return wanted <= set(inst.tags.items())
        keep = has_all if body.filterType == "Equals" else (lambda inst: not has_all(inst))
        instances = [i for i in instances if keep(i)]
    if search_term:
        term = search_term.lower()
        instances = [i for i in instances if term in i.identifier.lower() or term in i.name.lower()]
    instances.sort(key=lambda i: i.identifier)
    return page_of(instances, page)


def note_deployment(svc: Services, tenant: Tenant, schema: str, identifier: str, tag: str | None) -> None:
    """After a successful apply: when it ended (the instance's and the schema's ``lastDeployed``, which
    the overview reads) and the tag now on the instance's newest DATABASECHANGELOG row."""
    now = now_ms()
    expression, values = "SET lastDeployed = :now", {":now": now}
    if tag:
        expression, values = expression + ", lastAppliedTag = :t, lastDeployedChangeSetTag = :t", {**values, ":t": tag}
    svc.resources.update_item(Key={"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + identifier},
                              UpdateExpression=expression, ConditionExpression="attribute_exists(pk)",
                              ExpressionAttributeValues=values)
    svc.resources.update_item(Key={"pk": tenant.pk, "sk": SCHEMA_SK + schema},
                              UpdateExpression="SET lastDeployed = :now", ConditionExpression="attribute_exists(pk)",
                              ExpressionAttributeValues={":now": now})


def note_policy_warnings(svc: Services, tenant: Tenant, schema: str, identifier: str, warnings: list[dict[str, str]],
                         execution_id: str) -> None:
    """The policy warnings of the instance's latest gated deployment (migrationstate shows them)."""
    key = {"pk": tenant.schema_pk(schema), "sk": INSTANCE_SK + identifier}
    if warnings:
        svc.resources.update_item(Key=key, UpdateExpression="SET policyWarnings = :w",
                                  ConditionExpression="attribute_exists(pk)",
                                  ExpressionAttributeValues={":w": {"executionId": execution_id, "messages": warnings,
                                                                    "evaluated": now_ms()}})
    else:
        svc.resources.update_item(Key=key, UpdateExpression="REMOVE policyWarnings",
                                  ConditionExpression="attribute_exists(pk)")
