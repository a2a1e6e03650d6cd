"""Policies stored per project: ``PUT/GET/DELETE P/policies/{id}``, ``GET P/policies``.

Items live in the resources table under the project's partition (``pk = T#acct#org#project``,
``sk = POLICY#<id>``): a project's policies are one Query, and another tenant's are unreachable.
A policy is compiled and evaluated once on a sample input when stored, so a broken one is a 400
now rather than a failed deployment later.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemashift.clock import now_ms
from schemashift.dbschema.rules import IDENTIFIER_PATTERN
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import NotFound, ValidationFailed
from schemashift.safety import responses
from schemashift.safety.policies import MAX_POLICY_BYTES, Policy, check_policy
from schemashift.store.dynamo import plain, query_all

POLICY_SK = "POLICY#"


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, defer_build=True)

    rego: str = Field(min_length=1, max_length=MAX_POLICY_BYTES, description="the Rego module")
    name: str | None = Field(default=None, max_length=256)
    description: str | None = Field(default=None, max_length=1024)
    enabled: bool = True
    schemas: list[str] | None = Field(default=None, max_length=500,
                                      description="dbschema identifiers it applies to; null = every schema")



def _check_identifier(identifier: str) -> None:
    import re

    if not re.match(IDENTIFIER_PATTERN, identifier):
        raise ValidationFailed(f"policy identifier {identifier!r} must match {IDENTIFIER_PATTERN}")


def policy_out(item: dict[str, Any]) -> responses.Policy:
    return responses.Policy(
        identifier=item["identifier"], name=item["name"], description=item.get("description"), rego=item["rego"],
        package=item["package"], enabled=item["enabled"], schemas=plain(item.get("schemas")),
        created=plain(item["created"]), updated=plain(item["updated"]))


def put_policy(svc: Services, tenant: Tenant, identifier: str, body: PolicyIn) -> tuple[responses.Policy, bool]:
    """Create or replace; returns the policy and whether it was created."""
    _check_identifier(identifier)
    package = check_policy(body.rego)
    now = now_ms()
    existing = svc.resources.get_item(Key={"pk": tenant.pk, "sk": POLICY_SK + identifier}).get("Item")
    item = {"pk": tenant.pk, "sk": POLICY_SK + identifier, "identifier": identifier, "name": body.name or identifier,
            "description": body.description, "rego": body.rego, "package": package, "enabled": body.enabled,
            "schemas": body.schemas, "created": existing["created"] if existing else now, "updated": now}
    svc.resources.put_item(Item=item)
    return policy_out(item), existing is None


def get_policy(svc: Services, tenant: Tenant, identifier: str) -> responses.Policy:
    item = svc.resources.get_item(Key={"pk": tenant.pk, "sk": POLICY_SK + identifier}).get("Item")
    if not item:
        raise NotFound(f"Policy '{identifier}' not found in org '{tenant.org}' project '{tenant.project}'")
    return policy_out(item)


def delete_policy(svc: Services, tenant: Tenant, identifier: str) -> None:
    table = svc.resources
    try:
        table.delete_item(Key={"pk": tenant.pk, "sk": POLICY_SK + identifier}, ConditionExpression="attribute_exists(pk)")
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        raise NotFound(f"Policy '{identifier}' not found in org '{tenant.org}' project '{tenant.project}'") from None


def list_policies(svc: Services, tenant: Tenant) -> list[responses.Policy]:
    items = query_all(svc.resources, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                      ExpressionAttributeValues={":pk": tenant.pk, ":p": POLICY_SK})
    return [policy_out(item) for item in items]


def policies_for(svc: Services, tenant: Tenant, schema: str) -> list[Policy]:
    """The enabled policies that apply to ``schema``, in identifier order."""
    return [Policy(p.identifier, p.rego, p.name or p.identifier) for p in list_policies(svc, tenant)
            if p.enabled and (not p.schemas or schema in p.schemas)]
