"""The Flyway settings that matter to a run, read from ``flyway.toml`` or ``flyway.conf``.

``flyway.toml`` (Flyway 10+) keeps settings under ``[flyway]`` and per environment under
``[environments.<name>.flyway]`` (the environment named by ``flyway.environment``, default
``default``, overrides the top level). ``flyway.conf`` is a Java properties file of
``flyway.<setting>=value`` lines. Connection settings (url, user, password) are ignored: a
schemashift instance says where the database is and Secrets Manager holds the password.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any

from schemashift.errors import ValidationFailed
from schemashift.flyway.versions import MigrationTarget, Version

CONFIG_FILES = ("flyway.toml", "flyway.conf")


class InvalidFlywayConfig(ValidationFailed):
    code = "FLYWAY_INVALID_CONFIG"


@dataclass(frozen=True)
class ValidatePattern:
    """One ``ignoreMigrationPatterns`` entry, ``<type>:<state>`` (``*:future``, ``versioned:missing``)."""

    migration_type: str
    state: str

    @classmethod
    def parse(cls, text: str) -> ValidatePattern:
        kind, sep, state = text.strip().partition(":")
        kind, state = kind.strip().lower(), state.strip().lower()
        if not sep or kind not in ("*", "repeatable", "versioned") or state not in (
            "*", "missing", "pending", "ignored", "future"
        ):
            raise InvalidFlywayConfig(
                f"Invalid ignoreMigrationPatterns entry '{text}': expected <*|repeatable|versioned>:"
                "<*|missing|pending|ignored|future>"
            )
        return cls(kind, state)

    def matches(self, versioned: bool, state: str) -> bool:
        """``state`` is the Flyway state's pattern name (missing, pending, ignored, future)."""
        kind_ok = self.migration_type == "*" or (self.migration_type == "versioned") == versioned
        return kind_ok and self.state in ("*", state)


@dataclass(frozen=True)
class FlywayConfig:
    locations: tuple[str, ...] = ()
    """Folders inside the bundle (``filesystem:``/``classpath:`` prefixes dropped); empty = the whole bundle."""
    table: str = "flyway_schema_history"
    default_schema: str | None = None
    schemas: tuple[str, ...] = ()
    placeholders: dict[str, str] = field(default_factory=dict)
    placeholder_prefix: str = "${"
    placeholder_suffix: str = "}"
    placeholder_separator: str = ":"
    placeholder_replacement: bool = True
    out_of_order: bool = False
    target: MigrationTarget = field(default_factory=MigrationTarget)
    baseline_version: Version = field(default_factory=lambda: Version.parse("1"))
    baseline_description: str = "<< Flyway Baseline >>"
    baseline_on_migrate: bool = False
    validate_on_migrate: bool = True
    mixed: bool = False
    group: bool = False
    execute_in_transaction: bool = True
    installed_by: str | None = None
    ignore_migration_patterns: tuple[ValidatePattern, ...] = (ValidatePattern("*", "future"),)
    sql_migration_prefix: str = "V"
    undo_sql_migration_prefix: str = "U"
    repeatable_sql_migration_prefix: str = "R"
    baseline_migration_prefix: str = "B"
    sql_migration_separator: str = "__"
    sql_migration_suffixes: tuple[str, ...] = (".sql",)
    environment: str = "default"

    def with_overrides(self, **settings: Any) -> FlywayConfig:
        """The same configuration with Flyway-named settings (``outOfOrder``, ``target``...) applied."""
        return _apply(self, {key: value for key, value in settings.items() if value is not None})


# Flyway setting name -> (our field, converter)
def _text(value: Any) -> str:
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InvalidFlywayConfig(f"Expected true or false, got '{value}'")


def _list(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _location(value: Any) -> tuple[str, ...]:
    out = []
    for item in _list(value):
        scheme, sep, path = item.partition(":")
        if sep and scheme.lower() in ("filesystem", "classpath"):
            item = path
        elif sep and len(scheme) > 1:
            raise InvalidFlywayConfig(f"Unsupported location '{item}': use filesystem: or classpath: paths in the bundle")
        out.append(item.strip("/").removeprefix("./"))
    return tuple(out)


_SETTINGS: dict[str, tuple[str, Any]] = {
    "locations": ("locations", _location),
    "table": ("table", _text),
    "defaultSchema": ("default_schema", _text),
    "schemas": ("schemas", _list),
    "placeholderPrefix": ("placeholder_prefix", _text),
    "placeholderSuffix": ("placeholder_suffix", _text),
    "placeholderSeparator": ("placeholder_separator", _text),
    "placeholderReplacement": ("placeholder_replacement", _bool),
    "outOfOrder": ("out_of_order", _bool),
    "target": ("target", lambda value: MigrationTarget.parse(str(value))),
    "baselineVersion": ("baseline_version", lambda value: Version.parse(str(value))),
    "baselineDescription": ("baseline_description", _text),
    "baselineOnMigrate": ("baseline_on_migrate", _bool),
    "validateOnMigrate": ("validate_on_migrate", _bool),
    "mixed": ("mixed", _bool),
    "group": ("group", _bool),
    "executeInTransaction": ("execute_in_transaction", _bool),
    "installedBy": ("installed_by", _text),
    "ignoreMigrationPatterns": ("ignore_migration_patterns",
                                lambda value: tuple(ValidatePattern.parse(item) for item in _list(value))),
    "sqlMigrationPrefix": ("sql_migration_prefix", _text),
    "undoSqlMigrationPrefix": ("undo_sql_migration_prefix", _text),
    "repeatableSqlMigrationPrefix": ("repeatable_sql_migration_prefix", _text),
    "baselineMigrationPrefix": ("baseline_migration_prefix", _text),
    "sqlMigrationSeparator": ("sql_migration_separator", _text),
    "sqlMigrationSuffixes": ("sql_migration_suffixes", _list),
    "environment": ("environment", _text),
}
_IGNORED = {"url", "user", "password", "driver", "connectRetries", "connectRetriesInterval", "initSql",
            "jdbcProperties", "cleanDisabled", "licenseKey", "encoding", "detectEncoding", "outputType",
            "validateMigrationNaming", "createSchemas", "failOnMissingLocations", "reportEnabled", "jarDirs",
            "callbacks", "skipDefaultCallbacks", "connectTimeout", "lockRetryCount", "tablespace"}
_BY_LOWER = {name.lower(): name for name in _SETTINGS}


def _apply(config: FlywayConfig, settings: dict[str, Any]) -> FlywayConfig:
    changes: dict[str, Any] = {}
    placeholders = dict(config.placeholders)
    for raw_name, value in settings.items():
        name = _BY_LOWER.get(raw_name.lower(), raw_name)
        if name == "placeholders":
            if not isinstance(value, dict):
                raise InvalidFlywayConfig("flyway.placeholders must be a table of name = value")
            placeholders.update({str(key): str(item) for key, item in value.items()})
            continue
        if name not in _SETTINGS:
            continue  # connection settings and settings that do not change a run
        attribute, convert = _SETTINGS[name]
        try:
            changes[attribute] = convert(value)
        except InvalidFlywayConfig as error:
            raise InvalidFlywayConfig(f"flyway.{name}: {error.message}") from None
    return replace(config, placeholders=placeholders, **changes)


def load_config(files: dict[str, str], *, root: str = "") -> FlywayConfig:
    """The configuration in a bundle's ``flyway.toml`` or ``flyway.conf`` (defaults when neither exists)."""
    prefix = f"{root.strip('/')}/" if root.strip("/") else ""
    for name in CONFIG_FILES:
        text = files.get(prefix + name)
        if text is None:
            continue
        return parse_toml(text) if name.endswith(".toml") else parse_conf(text)
    return FlywayConfig()


def parse_toml(text: str) -> FlywayConfig:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidFlywayConfig(f"flyway.toml is not valid TOML: {error}") from None
    flyway = dict(document.get("flyway") or {})
    environment = str(flyway.get("environment") or "default")
    scoped = ((document.get("environments") or {}).get(environment) or {}).get("flyway") or {}
    settings = {**flyway, **scoped}
    placeholders = {**(flyway.get("placeholders") or {}), **(scoped.get("placeholders") or {})}
    settings["placeholders"] = placeholders
    return _apply(FlywayConfig(), settings)


_CONF_LINE = re.compile(r"^\s*([^=:\s]+)\s*[=:]\s*(.*)$")


def parse_conf(text: str) -> FlywayConfig:
    """A Java properties file: ``#``/``!`` comments, ``key=value`` or ``key: value``, ``\\`` continuations."""
    settings: dict[str, Any] = {}
    placeholders: dict[str, str] = {}
    for line in _logical_lines(text):
        match = _CONF_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1), _unescape(match.group(2).strip())
        if not key.startswith("flyway."):
            continue
        name = key[len("flyway."):]
        if name.startswith("placeholders."):
            placeholders[name[len("placeholders."):]] = value
        else:
            settings[name] = value
    settings["placeholders"] = placeholders
    return _apply(FlywayConfig(), settings)


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.lstrip()
        if not pending and (not stripped or stripped[0] in "#!"):
            continue
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            pending += stripped[:-1]
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), value)
