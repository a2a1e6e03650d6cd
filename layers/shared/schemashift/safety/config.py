"""Per-schema lint configuration: severity overrides, disabled rules, per-changeset ignores.

Stored on the schema (``lint`` of ``PUT P/dbschema/{s}``) or given to ``schemashift db lint
--config``. Per-changeset ignores by FQN suppress findings on changesets that are already
deployed, where editing the changeset would change its checksum.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemashift.safety.findings import Severity


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    disabled: list[str] = Field(default_factory=list, max_length=200, description="rule ids turned off")
    severity: dict[str, Severity] = Field(default_factory=dict, description="rule id -> error | warning | info")
    ignore: dict[str, list[str]] = Field(
        default_factory=dict, max_length=5000, description="changeSetFQN -> rule ids suppressed for that changeset"
    )

    @classmethod
    def from_stored(cls, stored: Any) -> "LintConfig":
        """A schema's saved configuration, as saved: its rule ids were checked when it was saved, and
        one a later version retired is inert (no rule reads it), so reading the schema, linting and
        deploying never fail on it."""
        return cls.model_validate(stored or {}, context=STORED)

    @field_validator("disabled")
    @classmethod
    def _known_disabled(cls, value: list[str], info: ValidationInfo) -> list[str]:
        _check_rule_ids(value, info)
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: dict[str, Severity], info: ValidationInfo) -> dict[str, Severity]:
        _check_rule_ids(list(value), info)
        return value

    @field_validator("ignore")
    @classmethod
    def _known_ignored(cls, value: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        _check_rule_ids([rule for rules in value.values() for rule in rules], info)
        return value

    def is_enabled(self, rule: str) -> bool:
        return rule not in self.disabled

    def severity_of(self, rule: str, default: Severity) -> Severity:
        return self.severity.get(rule, default)

    def ignored(self, fqn: str) -> set[str]:
        return set(self.ignore.get(fqn, ()))


STORED = {"stored": True}
"""Validation context of a configuration read back from storage (``LintConfig.from_stored``)."""


def _check_rule_ids(ids: list[str], info: ValidationInfo) -> None:
    if info.context == STORED:
        return
    from schemashift.safety.rules import RULES

    unknown = sorted({rule for rule in ids if rule not in RULES})
    if unknown:
        raise ValueError(f"unknown lint rule(s): {', '.join(unknown)}; see docs/safety.md for the rule ids")
