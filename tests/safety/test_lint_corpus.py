"""The risky/safe corpus: each case's changeset, linted on each dialect, gives exactly the expected rule ids."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from schemashift.changelog import BundleAccessor, parse_changelog
from schemashift.safety.lint import LINT_DIALECTS, lint_changelog

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus.yaml").read_text())


def _changelog(case: dict[str, Any]) -> dict[str, Any]:
    changeset: dict[str, Any] = {"id": "case", "author": "corpus", **case.get("changeset", {})}
    changes = list(case.get("changes", []))
    for dialect, sql in (case.get("sql") or {}).items():
        change: dict[str, Any] = {"sql": sql, "splitStatements": True}
        if dialect != "all":
            change["dbms"] = dialect
        changes.append({"sql": change})
    changeset["changes"] = changes
    if "rollback" in case:
        changeset["rollback"] = case["rollback"]
    return {"databaseChangeLog": [
        {"changeSet": {"id": "base", "author": "corpus", "changes": CORPUS["base"]}},
        {"changeSet": changeset},
    ]}


def _expected(case: dict[str, Any], dialect: str) -> Counter[str]:
    expect = case["expect"]
    return Counter(expect.get(dialect, expect.get("all", [])))


CASES = [pytest.param(case, dialect, id=f"{dialect}: {case['name']}")
         for case in CORPUS["cases"] for dialect in LINT_DIALECTS]


@pytest.mark.parametrize(("case", "dialect"), CASES)
def test_corpus_case(case: dict[str, Any], dialect: str) -> None:
    text = yaml.safe_dump(_changelog(case), sort_keys=False)
    changelog = parse_changelog("changelog.yaml", BundleAccessor({"changelog.yaml": text}))
    report = lint_changelog(changelog, dialect)
    base = [f for f in report.findings if f.changeSetFQN.endswith("::base::corpus")]
    assert base == [], f"the shared base changeset is clean: {base}"
    found = [f for f in report.findings if f.changeSetFQN.endswith("::case::corpus")]
    assert Counter(f.rule for f in found) == _expected(case, dialect), "\n".join(
        f"{f.rule}: {f.message} [{f.statement}]" for f in found)
    for finding in found:
        assert finding.fix and finding.message and finding.severity in ("error", "warning", "info")
        assert finding.dialect == dialect


def test_every_rule_is_exercised_by_the_corpus() -> None:
    from schemashift.safety.rules import RULES

    expected = {rule for case in CORPUS["cases"] for rules in case["expect"].values() for rule in rules}
    assert set(RULES) - expected == {"invalid-change"} or set(RULES) <= expected, set(RULES) - expected


def test_migration_scripts_lint_like_changesets() -> None:
    """The lint's input is changesets with SQL per dialect: a Flyway-style script is one too."""
    from schemashift.safety.lint import lint_units
    from schemashift.safety.units import unit_from_sql

    scripts = [
        unit_from_sql("V1__init.sql", "CREATE TABLE account (id INT PRIMARY KEY, email VARCHAR(100));\n"
                      "CREATE INDEX ix_email ON account (email);", "postgresql", has_undo=True),
        unit_from_sql("V2__cleanup.sql", "-- schemashift:lint-ignore no-rollback\n"
                      "ALTER TABLE account DROP COLUMN email;\nCREATE INDEX ix_id ON account (id);", "postgresql"),
    ]
    report = lint_units(scripts, "postgresql")
    assert report.statements == 4 and report.suppressed == 1
    assert [(f.changeSetFQN, f.rule) for f in report.findings] == [
        ("V2__cleanup.sql", "drop-column"), ("V2__cleanup.sql", "pg-index-not-concurrent")]
