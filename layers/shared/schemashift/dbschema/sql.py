"""The SQL a changeset runs (or would run) on one instance's dialect."""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.changesets import find_changeset
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.tenancy import Tenant


def changeset_sql(tenant: Tenant, schema: str, instance: str, fqn: str) -> dict[str, Any]:
    instance_item = get_instance_item(tenant, schema, instance)
    changeset = find_changeset(tenant, schema, fqn)
    dialect = instance_item["dialect"]
    statements: list[str] = []
    for change in changeset.changes:
        statements += changeset.statements_for(change, dialect)
    return {"sql": statements}
