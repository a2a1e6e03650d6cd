"""Rego policies evaluated in-process (regopy): Harness's v0 examples, v1 modules, and refusals."""

from __future__ import annotations

import pytest
from schemashift.errors import ValidationFailed
from schemashift.safety.policies import SAMPLE_INPUT, Policy, check_policy, evaluate

# Harness's documented example (developer.harness.io, "Block DROP TABLE statements"), verbatim.
HARNESS_DROP = """package db_sql

jdbc_databases := [
  "jdbc:sqlserver",
  "jdbc:mysql",
  "jdbc:postgresql",
  "jdbc:oracle:thin"
]

deny[msg] {
  db_type := input.dbInstance.type
  array_contains(jdbc_databases, db_type)
  statement := input.sqlStatements[_]
  contains(lower(statement), "drop")
  msg := sprintf("Dropping of table is not allowed. Statement: '%s'", [statement])
}

array_contains(arr, elem) {
  arr[_] = elem
}
"""

HARNESS_LIMIT = """package db_sql

max_statements := 50

deny[msg] {
  count(input.sqlStatements) > max_statements
  msg := sprintf("Transaction contains %d statements, exceeding the maximum of %d", [count(input.sqlStatements), max_statements])
}
"""

FINDINGS_V1 = """package team.safety

import rego.v1

deny contains msg if {
  some finding in input.lintFindings
  finding.severity == "error"
  input.dbInstance.tags.env == "prod"
  msg := sprintf("%s: %s", [finding.changeSetFQN, finding.message])
}

warn contains msg if {
  some changeset in input.changeSets
  changeset.rollback == "none"
  msg := sprintf("%s has no rollback", [changeset.changeSetFQN])
}
"""


def _input(**changes: object) -> dict[str, object]:
    data = {**SAMPLE_INPUT, **changes}
    return data


def test_harness_v0_example_denies_a_drop_with_its_message() -> None:
    decision = evaluate([Policy("no-drop", HARNESS_DROP)], _input())
    assert [m.message for m in decision.deny] == ["Dropping of table is not allowed. Statement: 'DROP TABLE sample'"]
    assert decision.warn == []
    decision = evaluate([Policy("no-drop", HARNESS_DROP)], _input(sqlStatements=["CREATE TABLE a (id INT)"]))
    assert decision.deny == []
    # the instance type gates it, as in Harness
    sqlite = {**SAMPLE_INPUT["dbInstance"], "type": "jdbc:sqlite"}  # type: ignore[dict-item]
    assert evaluate([Policy("no-drop", HARNESS_DROP)], _input(dbInstance=sqlite)).deny == []


def test_statement_count_policy() -> None:
    many = [f"INSERT INTO t VALUES ({i})" for i in range(51)]
    decision = evaluate([Policy("limit", HARNESS_LIMIT)], _input(sqlStatements=many))
    assert [m.message for m in decision.deny] == ["Transaction contains 51 statements, exceeding the maximum of 50"]
    assert evaluate([Policy("limit", HARNESS_LIMIT)], _input()).deny == []


def test_v1_policy_on_lint_findings_and_changeset_metadata() -> None:
    prod = {**SAMPLE_INPUT["dbInstance"], "tags": {"env": "prod"}}  # type: ignore[dict-item]
    decision = evaluate([Policy("findings", FINDINGS_V1)], _input(dbInstance=prod))
    assert [(m.policy, m.message) for m in decision.deny] == [
        ("findings", "changelog.sql::1::sample: drops table sample and all its rows")]
    assert [m.message for m in decision.warn] == ["changelog.sql::1::sample has no rollback"]
    dev = evaluate([Policy("findings", FINDINGS_V1)], _input())
    assert dev.deny == [] and len(dev.warn) == 1


def test_several_policies_keep_their_own_messages() -> None:
    decision = evaluate([Policy("no-drop", HARNESS_DROP), Policy("limit", HARNESS_LIMIT),
                         Policy("findings", FINDINGS_V1)], _input())
    assert [m.policy for m in decision.deny] == ["no-drop"]
    assert [m.policy for m in decision.warn] == ["findings"]
    assert decision.evaluated == ["no-drop", "limit", "findings"]


def test_boolean_deny_counts_as_one_message() -> None:
    decision = evaluate([Policy("freeze", "package freeze\n\ndeny { input.dbInstance.tags.env == \"dev\" }\n")],
                        _input())
    assert [m.message for m in decision.deny] == ["deny by policy freeze"]


@pytest.mark.parametrize(("source", "reason"), [
    ("deny { true }", "no 'package' line"),
    ("package x\ndeny contains m if {\n", "line 2, column"),
    ('package x\ndeny[m] { regex.match("(?i)drop", input.sqlStatements[_]); m := "x" }', "inline regex flag"),
    ("package x\n" + "# " + "x" * 70_000, "at most 64 KB"),
])
def test_broken_policies_are_refused_with_a_reason(source: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_policy(source)
    assert reason in caught.value.message


def test_a_policy_that_fails_at_evaluation_denies() -> None:
    broken = Policy("broken", 'package x\ndeny[m] { contains(lower(input.sqlStatements[_]), "d"); m := "x" }\n')
    decision = evaluate([broken], _input())
    assert len(decision.deny) == 1 and "could not be evaluated" in decision.deny[0].message
    assert check_policy(HARNESS_DROP) == "db_sql"
