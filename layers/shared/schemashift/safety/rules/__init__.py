"""The lint rules, one class each, registered by id.

Importing this package imports no parser: rules see only ``Op`` facts.
"""

from __future__ import annotations

from schemashift.safety.rules import compatibility, correctness, data, destructive, locking  # noqa: F401 (register)
from schemashift.safety.rules.base import RULES, Knowledge, Rule, Scope, register

__all__ = ["RULES", "Knowledge", "Rule", "Scope", "register"]
