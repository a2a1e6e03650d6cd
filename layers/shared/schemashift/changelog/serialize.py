"""A parsed changeset written back as a Liquibase YAML changelog (what ``changeset/yaml`` answers).

Changes are written from their Liquibase bean properties (the same ones the checksum reads), so the
YAML parses back into the same changes whatever format the changeset was written in.
"""

from __future__ import annotations

from typing import Any

from schemashift.changelog.model import ChangeSet

_COLUMN_CONFIGS = {"ColumnConfig", "AddColumnConfig", "LoadDataColumnConfig"}
_FLAGS = (("runAlways", "run_always", False), ("runOnChange", "run_on_change", False),
          ("runInTransaction", "run_in_transaction", True), ("failOnError", "fail_on_error", True))


def _plain(value: Any) -> Any:
    if hasattr(value, "checksum_fields"):
        fields = {k: _plain(v) for k, v in value.checksum_fields().items() if v is not None}
        return {"column": fields} if type(value).__name__ in _COLUMN_CONFIGS else fields
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _change(change: Any) -> dict[str, Any]:
    return {change.name: _plain(change)}


def changeset_document(changeset: ChangeSet) -> dict[str, Any]:
    """``{"changeSet": {...}}`` as a YAML changelog holds it."""
    body: dict[str, Any] = {"id": changeset.id, "author": changeset.author}
    for key, attribute in (("comment", "comment"), ("contextFilter", "contexts"), ("labels", "labels"),
                           ("dbms", "dbms")):
        if getattr(changeset, attribute):
            body[key] = getattr(changeset, attribute)
    for key, attribute, default in _FLAGS:
        if getattr(changeset, attribute) != default:
            body[key] = getattr(changeset, attribute)
    if changeset.valid_checksums:
        body["validCheckSum"] = list(changeset.valid_checksums)
    body["changes"] = [_change(change) for change in changeset.changes]
    if changeset.rollback is not None:
        body["rollback"] = [_change(change) for change in changeset.rollback]
    return {"changeSet": body}


def changesets_yaml(changesets: list[ChangeSet]) -> str:
    """A YAML changelog holding ``changesets`` in order."""
    import yaml

    document = {"databaseChangeLog": [changeset_document(cs) for cs in changesets]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
