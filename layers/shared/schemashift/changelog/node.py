"""A format-neutral parsed node (Liquibase's ParsedNode), so XML, YAML and JSON share one loader."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    """One element: a name, scalar attributes, child nodes, optional text, and its line."""

    name: str
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str | None = None
    line: int | None = None

    def value(self, key: str) -> Any:
        """An attribute, or the text of a leaf child of that name (XML ``<where>..</where>``)."""
        if key in self.attrs:
            return self.attrs[key]
        for child in self.children:
            if child.name == key and not child.children and not child.attrs:
                return child.text
        return None

    def string(self, key: str) -> str | None:
        return java_string(self.value(key))

    def child(self, name: str) -> Node | None:
        return next((child for child in self.children if child.name == name), None)

    def all(self, name: str) -> list[Node]:
        return [child for child in self.children if child.name == name]

    def keys(self) -> set[str]:
        return set(self.attrs) | {child.name for child in self.children}


def java_string(value: Any) -> str | None:
    """A scalar as Liquibase's ObjectUtil would turn it into a String (booleans lower-case)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).replace("e+", "E").replace("e-", "E-")
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Node):
        return value.text
    return str(value)
