"""Per-schema lint configuration: severity overrides, disabled rules, per-changeset ignores.

Stored on the schema (``lint`` of ``PUT P/dbschema/{s}``) or given to ``schemashift db lint
--config``. Per-changeset ignores by FQN suppress findings on changesets that are already
deployed, where editing the changeset would change its checksum.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemashift.safety.findings import Severity


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    disabled: list[str] = Field(default_factory=list, max_length=200, description="rule ids turned off")
    severity: dict[str, Severity] = Field(default_factory=dict, description="rule id -> error | warning | info")
    ignore: dict[str, list[str]] = Field(
        default_factory=dict, max_length=5000, description="changeSetFQN -> rule ids suppressed for that changeset"
    )

    @field_validator("disabled")
    @classmethod
    def _known_disabled(cls, value: list[str]) -> list[str]:
        _check_rule_ids(value)
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        _check_rule_ids(list(value))
        return value

    @field_validator("ignore")
    @classmethod
    def _known_ignored(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        _check_rule_ids([rule for rules in value.values() for rule in rules])
        return value

    def is_enabled(self, rule: str) -> bool:
        return rule not in self.disabled

    def severity_of(self, rule: str, default: Severity) -> Severity:
        return self.severity.get(rule, default)

    def ignored(self, fqn: str) -> set[str]:
        return set(self.ignore.get(fqn, ()))


def _check_rule_ids(ids: list[str]) -> None:
    from schemashift.safety.rules import RULES

    unknown = sorted({rule for rule in ids if rule not in RULES})
    if unknown:
        raise ValueError(f"unknown lint rule(s): {', '.join(unknown)}; see docs/safety.md for the rule ids")
