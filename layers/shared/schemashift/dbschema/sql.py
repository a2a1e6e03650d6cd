"""The SQL a changeset runs (or would run) on one instance's dialect."""

from __future__ import annotations

from typing import Any

from schemashift.dbschema.changelogs import current_changelog, split_fqn
from schemashift.dbschema.changesets import find_changeset
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.responses import ChangesetSql
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import NotFound


def changeset_sql(svc: Services, tenant: Tenant, schema: str, instance: str, fqn: str) -> ChangesetSql:
    instance_item = get_instance_item(svc, tenant, schema, instance)
    changelog, info = current_changelog(svc, tenant, schema)
    if info["migrationType"] == "Flyway":
        return _flyway_sql(changelog, schema, fqn, split_fqn(fqn)[1], instance_item["dialect"])
    changeset = find_changeset(svc, tenant, schema, fqn)
    dialect = instance_item["dialect"]
    statements: list[str] = []
    for change in changeset.changes:
        statements += changeset.statements_for(change, dialect, contexts=instance_item.get("context"),
                                               labels=instance_item.get("labels"))
    return ChangesetSql(sql=statements)


def _flyway_sql(project: Any, schema: str, fqn: str, key: str, dialect: str) -> ChangesetSql:
    """A Flyway migration's statements as the engine splits its script (placeholders not replaced)."""
    from schemashift.flyway.statements import split_script

    unit = project.by_key.get(key)
    if unit is None:
        raise NotFound(f"Migration '{fqn}' is not in the current bundle of schema '{schema}'")
    return ChangesetSql(sql=[statement.sql for statement in split_script(project.files[unit.path], dialect)])
