"""Open Policy Agent Rego policies over Harness's input shape, evaluated in-process by regopy.

A policy is a Rego module (any package, Harness uses ``db_sql``) whose ``deny`` and ``warn`` rules
produce messages. Both Rego v1 (``deny contains msg if {...}``) and v0 (``deny[msg] {...}``)
heads are read; a boolean ``deny`` counts as one message. The input::

    {"sqlStatements": [...],                         # every statement the changesets would run
     "dbInstance": {"identifier", "name", "type": "jdbc:postgresql", "dialect", "dbConnectionUrl", "tags"},
     "dbSchema": {"identifier", "name", "tags"},
     "changeSets": [{"changeSetFQN", "id", "author", "fileName", "sqlStatements", "runInTransaction",
                     "runOnChange", "runAlways", "rollback", "changeTypes", "labels", "contexts"}],
     "lintFindings": [{"rule", "severity", "category", "changeSetFQN", "message", "statement", ...}],
     "pipeline": {"pipeline", "planExecutionId", "stageExecutionId"}}
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from schemashift.errors import ValidationFailed

MAX_POLICY_BYTES = 64 * 1024
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)
_INLINE_FLAGS = re.compile(r"\(\?[imsU]+[:)]")
JDBC_TYPES = {"postgresql": "jdbc:postgresql", "mysql": "jdbc:mysql", "mariadb": "jdbc:mariadb",
              "sqlite": "jdbc:sqlite"}
"""``dbInstance.type`` as Harness reports it (the JDBC URL scheme of the instance's connector)."""


@dataclass(frozen=True)
class Policy:
    """A Rego module whose ``deny`` and ``warn`` rules judge the input above."""

    id: str
    rego: str
    name: str = ""

    @property
    def package(self) -> str:
        return package_of(self.rego)


@dataclass
class PolicyMessage:
    """One deny or warn message, with the policy that said it."""

    policy: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"policy": self.policy, "message": self.message}


@dataclass
class PolicyDecision:
    """What the policies said about one input: their messages and which ones ran."""

    deny: list[PolicyMessage] = field(default_factory=list)
    warn: list[PolicyMessage] = field(default_factory=list)
    evaluated: list[str] = field(default_factory=list)

    @property
    def denied(self) -> bool:
        return bool(self.deny)

    def to_dict(self) -> dict[str, Any]:
        return {"deny": [m.to_dict() for m in self.deny], "warn": [m.to_dict() for m in self.warn],
                "policies": self.evaluated}


def package_of(rego: str) -> str:
    match = _PACKAGE.search(rego)
    if match is None:
        raise ValidationFailed("the policy has no 'package' line (Harness policies use 'package db_sql')")
    return match.group(1)


def check_policy(rego: str) -> str:
    """Compile the module and evaluate it once on a sample input; returns its package.

    Raises ValidationFailed with the engine's message, so a broken policy is refused when it is
    stored rather than failing (or silently passing) deployments later.
    """
    if len(rego.encode()) > MAX_POLICY_BYTES:
        raise ValidationFailed(f"a policy is at most {MAX_POLICY_BYTES // 1024} KB of Rego")
    package = package_of(rego)
    if _INLINE_FLAGS.search(rego):
        raise ValidationFailed(
            "the policy uses an inline regex flag such as (?i); the embedded Rego engine (regopy) matches "
            "ECMAScript regular expressions without them: lower-case the statement (lower(s)) and match "
            "lower-case patterns instead")
    evaluate_one(Policy("check", rego), SAMPLE_INPUT)
    return package


def evaluate(policies: list[Policy], policy_input: dict[str, Any]) -> PolicyDecision:
    """Every policy on the same input; a policy that cannot be evaluated denies (fails closed)."""
    decision = PolicyDecision()
    for policy in policies:
        decision.evaluated.append(policy.id)
        try:
            deny, warn = evaluate_one(policy, policy_input)
        except ValidationFailed as error:
            decision.deny.append(PolicyMessage(policy.id, f"the policy could not be evaluated: {error.message}"))
            continue
        decision.deny += [PolicyMessage(policy.id, message) for message in deny]
        decision.warn += [PolicyMessage(policy.id, message) for message in warn]
    return decision


def evaluate_one(policy: Policy, policy_input: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(deny messages, warn messages) of one policy."""
    from regopy import Interpreter, RegoError

    package = policy.package
    interpreter = Interpreter()
    interpreter.strict_built_in_errors = True
    with _engine_report() as report:
        try:
            interpreter.add_module(f"{policy.id}.rego", policy.rego)
            interpreter.set_input(policy_input)
            output = interpreter.query(f"x = data.{package}")
            failed = None if output.ok() else str(output)
        except RegoError as error:
            failed = str(error)
    if failed is not None:
        raise ValidationFailed(f"policy {policy.id}: {_describe(report.text, failed, policy.rego)}")
    document = json.loads(output.binding("x").json()) if output.results else {}
    if not isinstance(document, dict):
        return [], []
    return _messages(document.get("deny"), policy.id, "deny"), _messages(document.get("warn"), policy.id, "warn")


@dataclass
class _Report:
    """What the engine printed, filled in when the capture ends."""

    text: str = ""


@contextmanager
def _engine_report() -> Iterator[_Report]:
    """Capture what the engine prints to file descriptor 1 (its error report) instead of letting it
    reach our stdout (CLI JSON output, Lambda logs); the text becomes the error message."""
    import tempfile  # and shutil with it: only when a policy is evaluated, not to load a policy route

    report = _Report()
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield report
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            report.text = sink.read().decode("utf-8", "replace")


def _messages(value: Any, policy_id: str, rule: str) -> list[str]:
    """Rego set (a JSON array), v0 partial set read as an object, boolean, or a single message."""
    if value is None or value is False:
        return []
    if value is True:
        return [f"{rule} by policy {policy_id}"]
    if isinstance(value, dict):
        return sorted(_text(key) for key, held in value.items() if held)
    if isinstance(value, list):
        return [_text(item) for item in value]
    return [_text(value)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


_REPORTED = re.compile(r"^(?P<message>[^\n-][^\n]*)\n-- [^:\n]*:(?P<line>\d+):(?P<column>\d+)", re.M)
_ERROR = re.compile(r"\(error \d+:[^|]*\|(\d+)\|\d+\s+\(errormsg \d+:([^)]*)\)")


def _describe(report: str, failure: str, source: str) -> str:
    """The engine's complaint as ``line L, column C: message``, from its report or its error value."""
    found = [f"line {m['line']}, column {m['column']}: {m['message'].strip()}" for m in _REPORTED.finditer(report)
             if m["message"].strip() not in ("Errors:", "")]
    for offset, message in _ERROR.findall(failure):
        before = source[: int(offset)]
        found.append(f"line {before.count(chr(10)) + 1}, column {len(before) - before.rfind(chr(10))}: {message}")
    return "; ".join(dict.fromkeys(found))[:1000] or "the policy could not be evaluated"


SAMPLE_INPUT: dict[str, Any] = {
    "sqlStatements": ["CREATE TABLE sample (id INT PRIMARY KEY)", "DROP TABLE sample"],
    "dbInstance": {"identifier": "sample", "name": "sample", "type": "jdbc:postgresql", "dialect": "postgresql",
                   "dbConnectionUrl": "jdbc:postgresql://localhost:5432/sample", "tags": {"env": "dev"}},
    "dbSchema": {"identifier": "sample", "name": "sample", "tags": {}},
    "changeSets": [{"changeSetFQN": "changelog.sql::1::sample", "id": "1", "author": "sample",
                    "fileName": "changelog.sql", "sqlStatements": ["DROP TABLE sample"], "runInTransaction": True,
                    "runOnChange": False, "runAlways": False, "rollback": "none", "changeTypes": ["sql"],
                    "labels": None, "contexts": None}],
    "lintFindings": [{"rule": "drop-table", "severity": "error", "category": "destructive",
                      "changeSetFQN": "changelog.sql::1::sample", "message": "drops table sample and all its rows",
                      "statement": "DROP TABLE sample", "fix": "", "dialect": "postgresql", "line": 1}],
    "pipeline": {"pipeline": "sample", "planExecutionId": "", "stageExecutionId": ""},
}
"""What a stored policy is checked against: every field a real input has."""
