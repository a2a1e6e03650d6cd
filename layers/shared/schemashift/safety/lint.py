"""The linter: every registered rule over every changeset's generated SQL, in changelog order.

    from schemashift.safety.lint import lint_changelog
    report = lint_changelog(changelog, "postgresql")
    for finding in report.findings: print(finding.rule, finding.changeSetFQN, finding.message)

Rules see the changelog's schema as it grows (tables created earlier, column types), so a type
change is compared with the type the changelog gave the column, and an index on a table created
in the same changeset is not a lock concern.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemashift.changelog.model import DatabaseChangeLog, Dialect
from schemashift.errors import ValidationFailed
from schemashift.safety.config import LintConfig
from schemashift.safety.findings import Finding, LintReport
from schemashift.safety.rules import RULES, Knowledge, Rule, Scope
from schemashift.safety.sql.model import Analyzed, Op
from schemashift.safety.units import LintUnit, Rebuild, units_from_changelog

LINT_DIALECTS: tuple[Dialect, ...] = ("postgresql", "mysql", "mariadb", "sqlite")


def lint_changelog(
    changelog: DatabaseChangeLog,
    dialect: str,
    config: LintConfig | None = None,
    *,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    only: set[str] | None = None,
) -> LintReport:
    """Lint a parsed Liquibase changelog for one dialect (optionally only some changesets)."""
    checked = check_dialect(dialect)
    return lint_units(units_from_changelog(changelog, checked, contexts=contexts, labels=labels, only=only),
                      checked, config)


def lint_units(units: list[LintUnit], dialect: str, config: LintConfig | None = None) -> LintReport:
    """Lint changesets given with their SQL (Liquibase changesets or, equally, migration scripts)."""
    from schemashift.safety.sql import analyze

    config = config or LintConfig()
    rules = [cls() for rule_id, cls in RULES.items() if cls.applies_to(dialect) and config.is_enabled(rule_id)]
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules:
        for kind in type(rule).kinds:
            by_kind.setdefault(kind, []).append(rule)
    statement_rules = [rule for rule in rules if type(rule).check_statement is not Rule.check_statement]
    unit_rules = [rule for rule in rules if type(rule).check_unit is not Rule.check_unit]
    report = LintReport(dialect=dialect)
    knowledge = Knowledge(dialect)
    for unit in units:
        report.changesets += 1
        report.statements += len(unit.statements)
        scope = Scope(unit, knowledge, statements=_analyzed(unit, analyze))
        suppressed = unit.ignore | config.ignored(unit.fqn)
        hits: list[tuple[Rule, str, str | None]] = []
        for statement in scope.statements:
            for rule in statement_rules:
                message = rule.check_statement(statement, scope)
                if message:
                    hits.append((rule, message, statement.sql))
            for op in statement.ops:
                for rule in by_kind.get(op.kind, ()):
                    message = rule.check_op(op, statement, scope)
                    if message:
                        hits.append((rule, message, None if op.kind == "rebuild_table" else statement.sql))
                scope.note(op)
        for rule in unit_rules:
            hits.extend((rule, message, None) for message in rule.check_unit(scope))
        for rule, message, sql in hits:
            if type(rule).id in suppressed:
                report.suppressed += 1
                continue
            report.findings.append(_finding(rule, message, sql, unit, config))
    return report


def check_dialect(dialect: str) -> Dialect:
    if dialect not in LINT_DIALECTS:
        raise ValidationFailed(f"dialect must be one of {', '.join(LINT_DIALECTS)}, not {dialect!r}")
    return dialect  # type: ignore[return-value]


def _analyzed(unit: LintUnit, analyze: object) -> list[Analyzed]:
    """The unit's statements parsed, with its SQLite rebuilds as operations where they happen."""
    statements: list[Analyzed] = []
    rebuilds = sorted(unit.rebuilds, key=lambda rebuild: rebuild.position)
    for position, sql in enumerate(unit.statements):
        while rebuilds and rebuilds[0].position <= position:
            statements.append(_rebuild(rebuilds.pop(0)))
        statements.extend(analyze(sql, unit.dialect))  # type: ignore[operator]
    statements.extend(_rebuild(rebuild) for rebuild in rebuilds)
    return statements


def _rebuild(rebuild: Rebuild) -> Analyzed:
    ops = [Op("rebuild_table", table=rebuild.table, column=rebuild.column, detail=rebuild.change)]
    if rebuild.backfilled and rebuild.column:
        ops.insert(0, Op("update", table=rebuild.table, set_columns=(rebuild.column.lower(),), where="is null"))
    return Analyzed(f"-- {rebuild.change}: rebuild of {rebuild.table}", ops=ops, ddl=True)


def _finding(rule: Rule, message: str, sql: str | None, unit: LintUnit, config: LintConfig) -> Finding:
    cls = type(rule)
    return Finding(rule=cls.id, severity=config.severity_of(cls.id, cls.severity), category=cls.category,
                   changeSetFQN=unit.fqn, message=message, fix=cls.fix, statement=sql, dialect=unit.dialect,
                   line=unit.line)
