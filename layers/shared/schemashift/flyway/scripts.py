"""Find the migrations in a bundle of files, as Flyway's SQL and baseline migration resolvers do.

Names are ``<prefix><version><separator><description><suffix>``: ``V1_1__Add_x.sql`` is version
``1.1``, description ``Add x``; ``R__views.sql`` is repeatable; ``U1_1__...`` undoes ``1.1``;
``B5__...`` is a baseline migration (applied instead of everything up to 5 on an empty database).
The ``script`` recorded in the history is the path relative to the location it was found in.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from schemashift.errors import ValidationFailed
from schemashift.flyway.checksums import flyway_checksum, replace_placeholders
from schemashift.flyway.config import FlywayConfig
from schemashift.flyway.versions import Version

Kind = Literal["versioned", "undo", "repeatable", "baseline"]
TYPE_OF_KIND: dict[str, str] = {"versioned": "SQL", "undo": "UNDO_SQL", "repeatable": "SQL", "baseline": "SQL_BASELINE"}
_CALLBACK_EVENTS = {
    "beforemigrate", "beforeeachmigrate", "beforeeachmigratestatement", "aftereachmigratestatement",
    "aftereachmigratestatementerror", "aftereachmigrate", "aftereachmigrateerror", "aftermigrate",
    "aftermigrateapplied", "afterversioned", "aftermigrateerror", "beforeundo", "beforeeachundo",
    "aftereachundo", "aftereachundoerror", "afterundo", "afterundoerror", "beforeclean", "afterclean",
    "aftercleanerror", "beforeinfo", "afterinfo", "afterinfoerror", "beforevalidate", "aftervalidate",
    "aftervalidateerror", "beforebaseline", "afterbaseline", "afterbaselineerror", "beforerepair",
    "afterrepair", "afterrepairerror", "createschema", "beforeconnect", "afterconnect", "beforerepeatables",
}  # fmt: skip


class DuplicateMigration(ValidationFailed):
    code = "FLYWAY_DUPLICATE_MIGRATION"


@dataclass(frozen=True)
class Script:
    """One resolved migration script."""

    kind: Kind
    version: Version | None
    description: str
    script: str
    """Path relative to its location: the ``script`` column."""
    path: str
    """Path in the bundle."""
    raw: str = field(repr=False)
    checksum: int
    equivalent_checksum: int | None = None
    """For repeatables: the checksum before placeholder replacement (also accepted, as Flyway does)."""
    execute_in_transaction: bool | None = None
    """From the script's ``.sql.conf`` file, when it sets one."""
    placeholder_replacement: bool = True

    @property
    def type(self) -> str:
        return TYPE_OF_KIND[self.kind]

    @property
    def versioned(self) -> bool:
        return self.version is not None

    @property
    def filename(self) -> str:
        return posixpath.basename(self.path)

    def checksum_matches(self, checksum: int | None) -> bool:
        return checksum == self.checksum or (self.equivalent_checksum is not None and checksum == self.equivalent_checksum)

    def sql(self, config: FlywayConfig, placeholders: Mapping[str, str]) -> str:
        """The script text as it runs: placeholders replaced (unless turned off)."""
        if not (config.placeholder_replacement and self.placeholder_replacement):
            return self.raw
        return replace_placeholders(
            self.raw, {**placeholders, f"flyway{config.placeholder_separator}filename": self.filename},
            prefix=config.placeholder_prefix, suffix=config.placeholder_suffix,
            separator=config.placeholder_separator,
        )


@dataclass(frozen=True)
class ParsedName:
    kind: Kind
    version: Version | None
    description: str


def parse_name(filename: str, config: FlywayConfig) -> ParsedName | None:
    """The kind, version and description a file name declares; None when it is no migration."""
    suffix = next((s for s in config.sql_migration_suffixes if filename.upper().endswith(s.upper())), None)
    if suffix is None:
        return None
    stem = filename[: len(filename) - len(suffix)]
    prefixes: list[tuple[str, Kind]] = sorted(
        [(config.sql_migration_prefix, "versioned"), (config.undo_sql_migration_prefix, "undo"),
         (config.repeatable_sql_migration_prefix, "repeatable"), (config.baseline_migration_prefix, "baseline")],
        key=lambda pair: -len(pair[0]),
    )
    for prefix, kind in prefixes:
        if not stem.startswith(prefix):
            continue
        rest = stem[len(prefix):]
        version_text, sep, description = rest.partition(config.sql_migration_separator)
        if not sep:
            version_text, description = rest, ""
        if kind == "repeatable":
            if version_text:
                return None
            return ParsedName(kind, None, description.replace("_", " "))
        if not version_text:
            return None
        try:
            version = Version.parse(version_text)
        except ValidationFailed:
            return None
        return ParsedName(kind, version, description.replace("_", " "))
    return None


def resolve_scripts(
    files: Mapping[str, str], config: FlywayConfig, placeholders: Mapping[str, str] | None = None
) -> list[Script]:
    """Every migration in ``files`` under the configured locations, in Flyway's resolved order.

    ``placeholders`` (built-ins included) make repeatable checksums as Flyway computes them:
    after replacement, so a changed placeholder value re-runs a repeatable migration.
    """
    values = dict(placeholders or {})
    locations = config.locations or ("",)
    scripts: list[Script] = []
    seen: set[str] = set()
    for location in locations:
        base = location.strip("/")
        for path in sorted(files):
            if path in seen or not _under(path, base):
                continue
            filename = posixpath.basename(path)
            if filename.lower().endswith(".conf") or filename.split(".")[0].lower() in _CALLBACK_EVENTS:
                continue
            parsed = parse_name(filename, config)
            if parsed is None:
                continue
            seen.add(path)
            raw = files[path]
            settings = _script_settings(files.get(path + ".conf"))
            relative = path[len(base) + 1:] if base else path
            script = Script(
                kind=parsed.kind, version=parsed.version, description=parsed.description, script=relative,
                path=path, raw=raw, checksum=flyway_checksum(raw),
                execute_in_transaction=settings.get("executeInTransaction"),
                placeholder_replacement=settings.get("placeholderReplacement", True),
            )
            if script.kind == "repeatable" and config.placeholder_replacement and script.placeholder_replacement:
                replaced = script.sql(config, values)
                script = _with_checksums(script, flyway_checksum(replaced), script.checksum)
            scripts.append(script)
    _check_duplicates(scripts)
    return sorted(scripts, key=_order)


def _with_checksums(script: Script, checksum: int, equivalent: int) -> Script:
    from dataclasses import replace

    return replace(script, checksum=checksum, equivalent_checksum=equivalent)


def _under(path: str, base: str) -> bool:
    return not base or path.startswith(base + "/")


def _script_settings(text: str | None) -> dict[str, bool]:
    """A ``<script>.conf`` file: ``executeInTransaction`` and ``placeholderReplacement``."""
    settings: dict[str, bool] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("executeInTransaction", "placeholderReplacement"):
            settings[key.strip()] = value.strip().lower() == "true"
    return settings


def _order(script: Script) -> tuple[int, tuple[int, ...], int, str]:
    if script.version is not None:
        return (0, script.version.parts, {"undo": 2, "baseline": 1}.get(script.kind, 0), "")
    return (1, (), 0, script.description)


def _check_duplicates(scripts: list[Script]) -> None:
    by_key: dict[tuple[str, object], list[Script]] = {}
    for script in scripts:
        key = (script.type, script.version if script.version is not None else script.description)
        by_key.setdefault(key, []).append(script)
    for (_type, ident), group in by_key.items():
        if len(group) > 1:
            offenders = "\n".join(f"-> {s.path} ({s.type})" for s in group)
            what = f"version {ident}" if isinstance(ident, Version) else f"description {ident}"
            noun = "repeatable migration" if not isinstance(ident, Version) else "migration"
            raise DuplicateMigration(f"Found more than one {noun} with {what}\nOffenders:\n{offenders}")

