"""Context and label expressions, evaluated as Liquibase's ``ExpressionMatcher`` does.

Syntax: ``and``, ``or``, ``,`` (= or), ``!``/``not``, parentheses, ``@name`` (required: does
not match an empty runtime set). Matching is case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from schemashift.errors import ValidationFailed

_NESTED = re.compile(r"\([^()]+\)")
_COMMA = re.compile(r"\s*,\s*")
_OR = re.compile(r"\s+or\s+")
_AND = re.compile(r"\s+and\s+")
_REQUIRED_NOT = re.compile(r"^@\s*(!|not )")


def expression_matches(expression: str, items: Iterable[str]) -> bool:
    """Evaluate one expression against the runtime items (contexts, or a changeset's labels)."""
    lowered = {item.lower() for item in items}
    return _matches(expression.strip(), lowered)


def _matches(expression: str, items: set[str]) -> bool:
    if expression == ":TRUE":
        return True
    if expression == ":FALSE":
        return False
    while "(" in expression:
        nested = _NESTED.search(expression)
        if nested is None:
            raise ValidationFailed(f"Cannot parse expression {expression}")
        value = _matches(nested.group(0)[1:-1].strip(), items)
        expression = f"{expression[: nested.start()]} :{str(value).upper()} {expression[nested.end() :]}"
    expression = _COMMA.sub(" or ", expression)
    alternatives = _OR.split(expression)
    if len(alternatives) > 1:
        return any(_matches(part.strip(), items) for part in alternatives)
    conjuncts = _AND.split(expression)
    if len(conjuncts) > 1:
        return all(_matches(part.strip(), items) for part in conjuncts)
    negated = False
    if expression.startswith("!"):
        negated, expression = True, expression[1:].strip()
    elif expression.lower().startswith("not "):
        negated, expression = True, expression[4:].strip()
    elif _REQUIRED_NOT.match(expression) and len(expression) > len(_REQUIRED_NOT.match(expression).group(0)):
        negated, expression = True, _REQUIRED_NOT.sub("", expression, count=1).strip()
    required = expression.startswith("@")
    if required:
        expression = expression[1:].strip()
    if not required and not items:
        return True
    if expression.strip() == ":TRUE":
        return not negated
    if expression.strip() == ":FALSE":
        return negated
    return (expression.lower() in items) != negated


_EXPRESSION_CHARS = re.compile(r"^[\w\s@!(),.:$-]*$")


def check_expression(text: str | None, what: str = "expression") -> str | None:
    """Refuse a context/label expression that cannot be evaluated (``((((``, stray characters), at
    request time rather than when a deployment reaches it."""
    if text is None or not text.strip():
        return text
    if not _EXPRESSION_CHARS.match(text):
        raise ValidationFailed(f"{what} may hold names, and, or, not, !, @, commas and parentheses only")
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0 or depth > 20:
            break
    if depth != 0:
        raise ValidationFailed(f"{what} has unbalanced (or more than 20 nested) parentheses")
    try:
        expression_matches(text, ["x"])
    except (ValidationFailed, RecursionError):
        raise ValidationFailed(f"{what} cannot be parsed") from None
    return text


def _split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").strip().split(",") if part.strip()]


def _expression_matches_any(expression: str | None, items: Iterable[str]) -> bool:
    """A comma list of expressions matches when any part does (an empty list always matches)."""
    parts = [part.lower() for part in _split_list(expression)]
    return not parts or any(expression_matches(part, items) for part in parts)


def parse_runtime(values: Sequence[str] | str | None) -> list[str]:
    """Runtime contexts or labels as given on a command line (``"a,b"`` or a list)."""
    if values is None:
        return []
    if isinstance(values, str):
        return [part.lower() for part in _split_list(values)]
    return [part.lower() for value in values for part in _split_list(value)]


def contexts_match(changeset_contexts: Sequence[str], runtime: Sequence[str] | str | None) -> bool:
    """Liquibase ContextChangeSetFilter: every (inherited and own) context expression must match."""
    items = parse_runtime(runtime)
    return all(_expression_matches_any(expression, items) for expression in changeset_contexts)


def labels_match(changeset_labels: Sequence[str], runtime_expression: str | None) -> bool:
    """Liquibase LabelChangeSetFilter: the runtime expression must match every label set."""
    for label_set in changeset_labels:
        labels = [label.lower() for label in _split_list(label_set)]
        if not _expression_matches_any((runtime_expression or "").replace("\\", ""), labels):
            return False
    return True


def full_context(expressions: Sequence[str]) -> str | None:
    """CONTEXTS column: non-empty expressions ANDed; ones with a comma or space get parentheses."""
    parts: list[str] = []
    for expression in expressions:
        if not _split_list(expression):
            continue
        parts.append(f"({expression})" if ("," in expression or " " in expression) else expression)
    return " AND ".join(parts).strip() or None


def full_labels(label_sets: Sequence[str]) -> str | None:
    """LABELS column: each label set lower-cased and trimmed, all joined with commas."""
    parts: list[str] = []
    for label_set in label_sets:
        labels = list(dict.fromkeys(label.lower() for label in _split_list(label_set)))
        if labels:
            parts.append(",".join(labels))
    return ",".join(parts).strip() or None
