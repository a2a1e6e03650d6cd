"""What the lint reports: findings with a rule id, a severity, the changeset and the statement."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
Category = Literal["destructive", "backward-incompatible", "lock-heavy", "data-dependent", "correctness", "analysis"]


def severity_rank(severity: str) -> int:
    """error 3, warning 2, info 1 (higher is worse)."""
    return {"error": 3, "warning": 2, "info": 1}.get(severity, 0)


@dataclass(frozen=True)
class Finding:
    """One lint rule's verdict on one changeset."""

    rule: str
    severity: Severity
    category: Category
    changeSetFQN: str
    message: str
    fix: str
    statement: str | None = None
    """The generated statement the finding is about (None for changeset-level findings)."""
    dialect: str = ""
    line: int | None = None
    """Line of the changeset in its changelog file, when known."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LintReport:
    """Everything a lint run found, with what it looked at."""

    dialect: str
    changesets: int = 0
    statements: int = 0
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    """Findings dropped by a changeset's lintIgnore / comment or the schema's per-changeset ignores."""

    def counts(self) -> dict[str, int]:
        counts = {severity: 0 for severity in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def worst(self) -> Severity | None:
        return max((finding.severity for finding in self.findings), key=severity_rank, default=None)

    def fails(self, threshold: Severity = "error") -> bool:
        """Whether any finding is at least ``threshold``."""
        return any(severity_rank(finding.severity) >= severity_rank(threshold) for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialect": self.dialect, "changesets": self.changesets, "statements": self.statements,
            "counts": self.counts(), "suppressed": self.suppressed,
            "findings": [finding.to_dict() for finding in self.findings],
        }
