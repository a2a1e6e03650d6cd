"""The SQL a changeset runs (or would run) on one instance's dialect."""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.changelogs import current_changelog, identity, split_fqn
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import NotFound


def changeset_sql(tenant: Tenant, schema: str, instance: str, fqn: str) -> dict[str, Any]:
    file_name, cs_id, author = split_fqn(fqn)
    instance_item = get_instance_item(tenant, schema, instance)
    changelog, _ = current_changelog(tenant, schema)
    wanted = identity(file_name, cs_id, author)
    changeset = next((cs for cs in changelog.changesets if identity(cs.file_path, cs.id, cs.author) == wanted), None)
    if changeset is None:
        raise NotFound(f"Changeset '{fqn}' is not in the current changelog of schema '{schema}'")
    dialect = instance_item["dialect"]
    statements: list[str] = []
    for change in changeset.changes:
        statements += changeset.statements_for(change, dialect)
    return {"sql": statements}
