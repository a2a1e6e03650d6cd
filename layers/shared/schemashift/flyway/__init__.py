"""Flyway schemas: Flyway's scripts, settings and ``flyway_schema_history``, byte for byte.

    from schemashift.flyway import Flyway, load_config
    from schemashift.targets import open_target

    with open_target("postgresql://db/app", username="app", password=secret) as target:
        report = Flyway(target, files, load_config(files)).migrate()
"""

from __future__ import annotations

from schemashift.flyway.checksums import flyway_checksum, replace_placeholders
from schemashift.flyway.commands import (
    Flyway,
    FlywayCommandFailed,
    FlywayMigrationFailed,
    FlywayTargetNotFound,
    FlywayValidationFailed,
    MigrationOutcome,
    migration_key,
)
from schemashift.flyway.config import FlywayConfig, load_config, parse_conf, parse_toml
from schemashift.flyway.versions import MigrationTarget, Version

__all__ = [
    "Flyway",
    "FlywayCommandFailed",
    "FlywayConfig",
    "FlywayMigrationFailed",
    "FlywayTargetNotFound",
    "FlywayValidationFailed",
    "MigrationOutcome",
    "MigrationTarget",
    "Version",
    "flyway_checksum",
    "load_config",
    "migration_key",
    "parse_conf",
    "parse_toml",
    "replace_placeholders",
]
