"""Questions about single changesets of a schema: its YAML, and whether changeset ids are taken."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemashift.dbschema.changelogs import current_changelog, identity, read_definitions, split_fqn
from schemashift.dbschema.instances import get_instance_item
from schemashift.dbschema.responses import ChangesetExistence, ChangesetYaml
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import NotFound, ValidationFailed

if TYPE_CHECKING:  # loaded when a changelog is parsed, not with the route
    from schemashift.changelog import ChangeSet


def find_changeset(svc: Services, tenant: Tenant, schema: str, fqn: str) -> ChangeSet:
    """The changeset ``fqn`` (``file::id::author``, matched as Liquibase does) of the current changelog."""
    wanted = identity(*split_fqn(fqn))
    changelog, info = current_changelog(svc, tenant, schema)
    if info["migrationType"] == "Flyway":
        raise ValidationFailed(f"Database schema '{schema}' is a Flyway schema: its migrations are scripts, not "
                               "changesets (see .../changeset/sql and /v1/step/flyway/migrationscripts)")
    changeset = next((cs for cs in changelog.changesets if identity(cs.file_path, cs.id, cs.author) == wanted), None)
    if changeset is None:
        raise NotFound(f"Changeset '{fqn}' is not in the current changelog of schema '{schema}'")
    return changeset


def changeset_yaml(svc: Services, tenant: Tenant, schema: str, instance: str, fqn: str | None) -> ChangesetYaml:
    """The changeset as a one-changeset YAML changelog (any source format)."""
    from schemashift.changelog.serialize import changesets_yaml

    if not fqn:
        raise ValidationFailed("query parameter changeSet (fileName::changesetId::author) is required")
    get_instance_item(svc, tenant, schema, instance)
    return ChangesetYaml(yaml=changesets_yaml([find_changeset(svc, tenant, schema, fqn)]))


def changeset_existence(svc: Services, tenant: Tenant, schema: str, ids: list[str]) -> ChangesetExistence:
    """Per id: is a changeset with this id (any file, any author, Liquibase's
    case-insensitive match) registered for the schema, in the current changelog or still deployed."""
    get_schema_item(svc, tenant, schema)
    taken = {d["changeSet"].lower() for d in read_definitions(svc, tenant, schema)}
    return ChangesetExistence(existence={changeset_id: changeset_id.lower() in taken for changeset_id in ids})
