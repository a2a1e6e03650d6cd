"""Changelog upload: parse, store, and register changesets in changelog order.

Registration keeps a stable key (``csk``) per changeset identity, so deployment state survives
reordering and edits. Changesets that disappear from a new changelog version stay listed (after
the current ones, ``inChangelog: false``) while they are deployed on some instance.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from schemashift.clock import now_ms
from schemashift.dbschema.bundles import (
    Bundle,
    bundle_from_files,
    bundle_from_zip,
    bundle_key,
    decode_zip_base64,
    load_bundle,
    store_bundle,
)
from schemashift.dbschema.responses import ChangelogUpload
from schemashift.dbschema.schemas import get_schema_item
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import (
    CHANGELOG_SK,
    SCHEMA_SK,
    Tenant,
    changeset_key,
    changeset_seq,
    csk_runs,
    definitions_pk,
    order_key,
)
from schemashift.errors import Conflict, NotFound, ValidationFailed
from schemashift.store.dynamo import batch_write, plain, query_all

if TYPE_CHECKING:  # the changelog package loads when a changelog is parsed; the request model is the handler's
    from schemashift.changelog import ChangeSet
    from schemashift.dbschema.models import ChangelogBundle


def identity(file_name: str, changeset_id: str, author: str) -> tuple[str, str, str]:
    """Liquibase matches rows to changesets case-insensitively on the normalised path."""
    from schemashift.changelog.paths import normalize_path

    return (normalize_path(file_name).lower(), changeset_id.lower(), author.lower())


def split_fqn(fqn: str) -> tuple[str, str, str]:
    """``fileName::changesetId::author`` (an id may itself contain ``::``)."""
    parts = fqn.split("::")
    if len(parts) < 3 or not parts[0] or not parts[-1]:
        raise ValidationFailed(f"changesetFQN {fqn!r} must look like fileName::changesetId::author")
    return parts[0], "::".join(parts[1:-1]), parts[-1]


FLYWAY = "Flyway"


def is_flyway(schema_item: dict[str, Any]) -> bool:
    return schema_item.get("migrationType") == FLYWAY


def parse_bundle(bundle: Bundle, migration_type: str = "Liquibase") -> Any:
    """A Liquibase bundle's DatabaseChangeLog, or a Flyway bundle's FlywayProject (checked)."""
    if migration_type == FLYWAY:
        from schemashift.flyway.project import check_bundle

        return check_bundle(bundle.files)
    from schemashift.changelog import BundleAccessor, parse_changelog

    return parse_changelog(bundle.root_file, BundleAccessor(bundle.files))


@lru_cache(maxsize=8)
def _parsed(svc: Services, key: str, migration_type: str) -> Any:
    return parse_bundle(load_bundle(svc, key), migration_type)


def current_changelog(svc: Services, tenant: Tenant, schema: str) -> tuple[Any, dict[str, Any]]:
    """The schema's current changelog (a DatabaseChangeLog, or a FlywayProject for Flyway schemas),
    parsed once per bundle in a warm container; the info carries ``migrationType``."""
    item = get_schema_item(svc, tenant, schema)
    changelog = item.get("changelog")
    if not changelog:
        raise NotFound(f"Database schema '{schema}' has no changelog yet; upload one with PUT .../changelog")
    migration_type = item.get("migrationType") or "Liquibase"
    return _parsed(svc, changelog["key"], migration_type), {**plain(changelog), "migrationType": migration_type}


def read_definitions(svc: Services, tenant: Tenant, schema: str, search_term: str | None = None
                     ) -> list[dict[str, Any]]:
    """Registered changesets in changelog order, optionally those whose id, author or file contain a term."""
    values: dict[str, Any] = {":pk": definitions_pk(tenant, schema)}
    extra: dict[str, Any] = {}
    if search_term:
        values[":t"] = search_term.lower()
        extra["FilterExpression"] = "contains(searchText, :t)"
    return list(query_all(svc.state,
                          KeyConditionExpression="pk = :pk", ExpressionAttributeValues=values, **extra))


def definition_identity(definition: dict[str, Any]) -> tuple[str, str, str]:
    """How registration matches a changeset across uploads: Liquibase's identity, or for a Flyway
    migration its key alone (Flyway matches history rows by version / description, not path)."""
    if definition.get("flyway"):
        return ("", str(definition["changeSet"]).lower(), "flyway")
    return identity(definition["fileName"], definition["changeSet"], definition["author"])


def _changeset_fields(cs: ChangeSet) -> dict[str, Any]:
    return {"changeSet": cs.id, "author": cs.author, "fileName": cs.file_path, "fqn": cs.fqn,
            "checksum": None if cs.unsupported_changes() else cs.checksum(None), "description": cs.description(),
            "comment": cs.comments() or None,
            "labels": cs.full_labels(), "contexts": cs.full_contexts(), "tag": cs.is_tag()}


def _flyway_fields(unit: Any) -> dict[str, Any]:
    return {"changeSet": unit.key, "author": "flyway", "fileName": unit.script, "fqn": unit.fqn,
            "checksum": str(unit.checksum), "description": unit.description, "comment": None, "labels": None,
            "contexts": None, "tag": None, "flyway": True, "version": unit.version, "type": unit.type,
            "hasUndo": unit.has_undo}


def bundle_units(parsed: Any, migration_type: str) -> list[dict[str, Any]]:
    """The definition fields of every changeset (or Flyway migration) of a parsed bundle, in order."""
    if migration_type == FLYWAY:
        return [_flyway_fields(unit) for unit in parsed.units]
    return [_changeset_fields(cs) for cs in parsed.changesets]


def _definition(tenant: Tenant, schema: str, order: int, csk: str, fields: dict[str, Any] | None,
                previous: dict[str, Any] | None, now: int) -> dict[str, Any]:
    if fields is None:  # kept because deployed somewhere, though gone from the changelog
        assert previous is not None
        return {**previous, "sk": order_key(order), "inChangelog": False}
    return {
        "pk": definitions_pk(tenant, schema),
        "sk": order_key(order),
        "csk": csk,
        **fields,
        "searchText": f"{fields['changeSet']}\n{fields['author']}\n{fields['fileName']}".lower(),
        "inChangelog": True,
        "registered": previous.get("registered", now) if previous else now,
    }


def _deployed_somewhere(svc: Services, tenant: Tenant, schema: str, csks: list[str]) -> set[str]:
    """Those of ``csks`` deployed (or failed) on some instance: one Query per contiguous key range, not
    one per changeset (a replaced 1,000-changeset changelog is one range)."""
    deployed: set[str] = set()
    table = svc.state
    for first, last in csk_runs(csks):
        for item in query_all(table, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                              ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":a": f"{first}#",
                                                         ":b": f"{last}#~"},
                              ProjectionExpression="csk, #s", ExpressionAttributeNames={"#s": "status"}):
            if item.get("status") in ("Successfully_Deployed", "Deployment_Failed"):
                deployed.add(item["csk"])
    return deployed


def upload_changelog(svc: Services, tenant: Tenant, schema: str, body: ChangelogBundle) -> ChangelogUpload:
    if body.files is None and body.zipBase64 is None:
        raise ValidationFailed("send either files ({path: text}) or zipBase64")
    flyway = is_flyway(get_schema_item(svc, tenant, schema))
    bundle = (bundle_from_files(body.rootFile, body.files, flyway=flyway) if body.files is not None
              else bundle_from_zip(decode_zip_base64(body.zipBase64 or ""), body.rootFile, flyway=flyway))
    return register_bundle(svc, tenant, schema, bundle)


def register_bundle(svc: Services, tenant: Tenant, schema: str, bundle: Bundle) -> ChangelogUpload:
    """Parse first (a bad changelog changes nothing), then store and register."""
    schema_item = get_schema_item(svc, tenant, schema)
    migration_type = schema_item.get("migrationType") or "Liquibase"
    units = bundle_units(parse_bundle(bundle, migration_type), migration_type)
    now = now_ms()
    key = bundle_key(tenant.account, tenant.org, tenant.project, schema, bundle.sha256)
    current = schema_item.get("changelog") or {}
    if current.get("sha256") == bundle.sha256:
        return _summary(schema, current, len(units), changed=False)

    previous_defs = read_definitions(svc, tenant, schema)
    by_identity = {definition_identity(d): d for d in previous_defs}
    next_seq = int(schema_item.get("nextChangesetSeq", 0))
    new_defs: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for fields in units:
        ident = definition_identity(fields)
        seen.add(ident)
        previous = by_identity.get(ident)
        if previous:
            csk = previous["csk"]
        else:
            csk = changeset_key(next_seq)
            next_seq += 1
        new_defs.append(_definition(tenant, schema, len(new_defs), csk, fields, previous, now))
    removed_kept = 0
    removed = sorted((d for ident, d in by_identity.items() if ident not in seen), key=lambda d: d["sk"])
    kept = _deployed_somewhere(svc, tenant, schema, [d["csk"] for d in removed])
    for previous in removed:
        if previous["csk"] in kept:
            new_defs.append(_definition(tenant, schema, len(new_defs), previous["csk"], None, previous, now))
            removed_kept += 1

    version = int(schema_item.get("changelogVersion", 0)) + 1
    changelog_info = {"version": version, "sha256": bundle.sha256, "key": key, "rootFile": bundle.root_file,
                      "uploaded": now, "changesetCount": len(units)}
    store_bundle(svc, key, bundle)
    resources = svc.resources
    try:  # claim the version first: concurrent uploads of one schema are refused, not interleaved
        resources.update_item(
            Key={"pk": tenant.pk, "sk": SCHEMA_SK + schema},
            UpdateExpression="SET changelog = :c, changelogVersion = :v, changesetCount = :n, "
                             "nextChangesetSeq = :seq, updated = :now",
            ConditionExpression="attribute_exists(pk) AND changelogVersion = :prev",
            ExpressionAttributeValues={":c": changelog_info, ":v": version, ":n": len(new_defs),
                                       ":seq": max(next_seq, 0), ":now": now,
                                       ":prev": int(schema_item.get("changelogVersion", 0))},
        )
    except resources.meta.client.exceptions.ConditionalCheckFailedException:
        raise Conflict(f"Another changelog upload for schema '{schema}' happened at the same time; retry") from None
    state = svc.state
    stale = [{"pk": d["pk"], "sk": d["sk"]} for d in previous_defs if int(d["sk"]) >= len(new_defs)]
    batch_write(state, puts=new_defs, deletes=stale)
    resources.put_item(Item={"pk": tenant.schema_pk(schema), "sk": CHANGELOG_SK + f"{version:06d}",
                             **changelog_info})
    added = sum(1 for d in new_defs if d["inChangelog"] and changeset_seq(d["csk"]) >= int(
        schema_item.get("nextChangesetSeq", 0)))
    return _summary(schema, changelog_info, len(units), changed=True, added=added, removedButDeployed=removed_kept)


def _summary(schema: str, info: dict[str, Any], count: int, **outcome: Any) -> ChangelogUpload:
    return ChangelogUpload(schema=schema, version=int(info["version"]), sha256=info["sha256"],
                           rootFile=info["rootFile"], uploaded=int(info["uploaded"]), changesetCount=count, **outcome)
