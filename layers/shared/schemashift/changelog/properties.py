"""Changelog properties (``${name}`` substitution), with Liquibase's precedence rules.

Global properties: the first definition that passes its context/label/dbms filter wins, so
parameters given by the caller override changelog defaults. Local (``global: false``)
properties belong to one changelog file; the last local definition there wins. Unknown
``${name}`` expressions are preserved as written (Liquibase's default PRESERVE mode).
Environment variables are deliberately not exposed: this runs inside a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemashift.changelog.expressions import _expression_matches_any, _split_list
from schemashift.changelog.model import Dialect, dbms_matches


@dataclass(frozen=True)
class Property:
    name: str
    value: str
    contexts: str | None = None
    labels: str | None = None
    dbms: str | None = None


@dataclass
class ChangeLogParameters:
    """Properties known while parsing, filtered by the runtime contexts, labels and database."""

    dialect: Dialect | None = None
    contexts: list[str] = field(default_factory=list)
    label_expression: str | None = None
    _global: list[Property] = field(default_factory=list)
    _local: dict[str, list[Property]] = field(default_factory=dict)

    def set(self, prop: Property, *, global_: bool = True, changelog: str | None = None) -> None:
        if not self._active(prop):
            return  # filters are fixed for the whole parse, so an inactive property never applies
        if global_ or changelog is None:
            self._global.append(prop)
        else:
            self._local.setdefault(changelog, []).append(prop)

    def _active(self, prop: Property) -> bool:
        if not dbms_matches(prop.dbms, self.dialect):
            return False
        if not _expression_matches_any(prop.contexts, self.contexts):
            return False
        labels = [label.lower() for label in _split_list(prop.labels)]
        return _expression_matches_any((self.label_expression or "").replace("\\", ""), labels)

    def get(self, name: str, changelog: str | None = None) -> str | None:
        wanted = name.lower()
        for prop in self._global:
            if prop.name.lower() == wanted:
                return prop.value
        for prop in reversed(self._local.get(changelog or "", [])):
            if prop.name.lower() == wanted:
                return prop.value
        return None

    def global_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for prop in self._global:
            values.setdefault(prop.name, prop.value)
        return values

    def expand(self, text: str | None, changelog: str | None = None) -> str | None:
        """Replace ``${name}`` with its value; nested and unknown expressions behave as in Liquibase."""
        if text is None or "${" not in text:
            return text
        expanded, _ = self._expand(text, 0, changelog, inside=False)
        return expanded

    def _expand(self, text: str, position: int, changelog: str | None, *, inside: bool) -> tuple[str, int]:
        out: list[str] = []
        while True:
            start = text.find("${", position)
            close = text.find("}", position) if inside else -1
            if close != -1 and (start == -1 or close < start):
                out.append(text[position:close])
                return "".join(out), close + 1
            if start == -1:
                out.append(text[position:])
                return ("${" if inside else "") + "".join(out), len(text)
            out.append(text[position:start])
            inner, position = self._expand(text, start + 2, changelog, inside=True)
            if inner.startswith("${"):
                out.append(inner)  # never closed: kept as written
                continue
            value = self.get(inner.strip(), changelog)
            out.append("${" + inner + "}" if value is None else self.expand(value, changelog) or "")
