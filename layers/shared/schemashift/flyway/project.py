"""A Flyway schema's bundle as the service sees it: settings, scripts and the migrations it tracks.

The service tracks one unit per versioned (``V``), baseline (``B``) and repeatable (``R``) migration,
named ``<script>::<key>::flyway`` where the key is the version (``1.1``), ``B:<version>`` or
``R:<description>`` (``migration_key``); an ``U`` script is the undo of its version's unit. Units are
matched across uploads by key, as Flyway matches history rows, so moving a script to another folder
keeps its deployment state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from schemashift.errors import ValidationFailed
from schemashift.flyway.commands import migration_key
from schemashift.flyway.config import CONFIG_FILES, FlywayConfig, load_config
from schemashift.flyway.scripts import Script, resolve_scripts

AUTHOR = "flyway"


def unit_key(type_: str, version: Any, description: str) -> str:
    """The tracked name of a migration or history row: version, ``B:<version>`` or ``R:<description>``."""
    if type_ in ("SQL_BASELINE",) and version is not None:
        return f"B:{version}"
    return migration_key(str(version) if version is not None else None, description)


def unit_fqn(script: str, key: str) -> str:
    return f"{script}::{key}::{AUTHOR}"


@dataclass(frozen=True)
class FlywayUnit:
    key: str
    fqn: str
    version: str | None
    description: str
    type: str
    script: str
    path: str
    checksum: int
    has_undo: bool


@dataclass(frozen=True)
class FlywayProject:
    """A bundle's files and settings, with the instance's placeholders (``substituteProperties``)."""

    files: Mapping[str, str]
    config: FlywayConfig

    @cached_property
    def scripts(self) -> list[Script]:
        """The bundle's scripts by name (placeholder values are the run's business: an instance may
        supply them through substituteProperties, and the run reports a missing one)."""
        return resolve_scripts(self.files, replace(self.config, placeholder_replacement=False))

    @cached_property
    def units(self) -> list[FlywayUnit]:
        undone = {s.version for s in self.scripts if s.kind == "undo"}
        units = []
        for script in self.scripts:
            if script.kind == "undo":
                continue
            key = unit_key(script.type, script.version, script.description)
            units.append(FlywayUnit(key, unit_fqn(script.script, key),
                                    str(script.version) if script.version is not None else None,
                                    script.description, script.type, script.script, script.path, script.checksum,
                                    script.version in undone))
        return units

    @cached_property
    def by_key(self) -> dict[str, FlywayUnit]:
        return {unit.key: unit for unit in self.units}

    def fqn_of(self, type_: str, version: Any, description: str, script: str) -> str:
        """The unit a run's outcome or a history row belongs to (an undo belongs to its version)."""
        key = unit_key("SQL" if type_ == "UNDO_SQL" else type_, version, description)
        if type_ == "UNDO_SQL":
            key = str(version)
        unit = self.by_key.get(key)
        return unit.fqn if unit is not None else unit_fqn(script, key)


def load_project(files: Mapping[str, str], placeholders: Mapping[str, Any] | None = None) -> FlywayProject:
    """The project of a bundle; ``placeholders`` (an instance's substituteProperties) override the
    configuration's. Raises the documented 400 for a bad configuration, script name or placeholder."""
    config = load_config(dict(files))
    if placeholders:
        config = config.with_overrides(placeholders={**config.placeholders,
                                                     **{k: str(v) for k, v in placeholders.items()}})
    return FlywayProject(dict(files), config)


def check_bundle(files: Mapping[str, str]) -> FlywayProject:
    """Validate an uploaded bundle: settings parse, names are unique, every undo has its version."""
    project = load_project(files)
    if not project.units:
        locations = ", ".join(project.config.locations) or "the bundle root"
        raise ValidationFailed(f"the Flyway bundle has no migrations (V<version>__<description>.sql, "
                               f"R__<description>.sql or B<version>__...) under {locations}",
                               details={"files": sorted(files)[:50]})
    versions = {u.version for u in project.units if u.type == "SQL" and u.version is not None}
    orphans = sorted(str(s.version) for s in project.scripts if s.kind == "undo" and str(s.version) not in versions)
    if orphans:
        raise ValidationFailed(f"undo script(s) without a versioned migration: {', '.join(orphans)}")
    return project


def config_file(files: Mapping[str, str]) -> str | None:
    return next((name for name in CONFIG_FILES if name in files), None)
