"""Response shapes of the safety routes: policies and lint results."""

from pydantic import Field

from schemashift.api.models import Out
from schemashift.safety.findings import Severity


class Policy(Out):
    identifier: str
    name: str
    description: str | None
    rego: str = Field(description="the Rego module as stored")
    package: str = Field(description="its package (Harness policies use db_sql)")
    enabled: bool
    schemas: list[str] | None = Field(description="dbschema identifiers it applies to; null = every schema")
    created: int
    updated: int


class PolicyList(Out):
    policies: list[Policy]


class LintFinding(Out):
    rule: str
    severity: Severity
    category: str
    changeSetFQN: str
    message: str
    fix: str
    statement: str | None
    dialect: str
    line: int | None


class PolicyMessage(Out):
    policy: str
    message: str


class PolicyDecision(Out):
    deny: list[PolicyMessage]
    warn: list[PolicyMessage]
    policies: list[str] = Field(description="the policies evaluated")


class LintResult(Out):
    schema_: str = Field(alias="schema")
    changelogVersion: int
    dialect: str
    changesets: int
    statements: int
    counts: dict[str, int] = Field(description="findings by severity")
    suppressed: int
    findings: list[LintFinding]
    policy: PolicyDecision | None = None
