"""YAML and JSON changelogs (``databaseChangeLog: [...]``), converted to the shared node model.

As in Liquibase's YamlChangeLogParser, every ``property`` entry is read first, then all
strings are expanded, then the entries are loaded in order. Timestamps stay strings, as
Liquibase reads them.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.changelog.model import ChangelogError
from schemashift.changelog.node import Node, java_string
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.parsers.structured import StructuredChangelog
from schemashift.changelog.paths import normalize_path


class _LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line it started on."""

    line: int | None = None


def _loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader without the timestamp resolver, recording mapping lines."""

    def construct_map(loader: yaml.SafeLoader, node: Any) -> _LineDict:
        mapping = _LineDict(loader.construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


_LOADER: type | None = None


def load_document(text: str, path: str) -> Any:
    global _LOADER
    if path.lower().endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ChangelogError(f"Syntax error in file {path}: {error.msg}", file=path, line=error.lineno) from None
    import yaml

    if _LOADER is None:
        _LOADER = _loader()
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ChangelogError(f"Syntax error in file {path}: {error}", file=path, line=line) from None


def to_node(name: str, value: Any, line: int | None = None) -> Node:
    """Liquibase's ParsedNode.setValue: maps give attributes and children, lists give children."""
    if isinstance(value, dict):
        node = Node(name, line=getattr(value, "line", line))
        for key, item in value.items():
            if isinstance(item, dict | list):
                node.children.append(to_node(str(key), item, node.line))
            else:
                node.attrs[str(key)] = item
        return node
    if isinstance(value, list):
        node = Node(name, line=line)
        for item in value:
            if isinstance(item, dict) and len(item) == 1:
                key, inner = next(iter(item.items()))
                child = to_node(str(key), inner, line)
                child.line = getattr(item, "line", None) or child.line  # the "- key:" line
                node.children.append(child)
            elif isinstance(item, dict):
                node.children.append(to_node("item", item, line))
            else:
                node.children.append(Node("item", text=java_string(item), line=line))
        return node
    return Node(name, text=java_string(value), line=line)


def parse_yaml_json(state: ParseState, inclusion: Inclusion, text: str) -> None:
    path = inclusion.path
    document = load_document(text, path)
    if not document:
        raise ChangelogError(f"Empty file {path}", file=path)
    if not isinstance(document, dict) or "databaseChangeLog" not in document:
        raise ChangelogError("Could not find databaseChangeLog node", file=path)
    entries = document["databaseChangeLog"]
    if entries is None:
        return
    if not isinstance(entries, list):
        raise ChangelogError(
            "databaseChangeLog does not contain a list of entries. Each changeSet must begin ' - changeSet:'", file=path
        )
    root = to_node("databaseChangeLog", entries, 1)
    changelog = StructuredChangelog(state, inclusion, physical_path=normalize_path(path), expand_nodes=False)
    changelog.logical_file_path = next(
        (java_string(child.text) for child in root.children if child.name == "logicalFilePath"), None
    )
    for child in root.children:
        if child.name == "property" and child.string("file") is None:
            changelog.property(child)
    for child in root.children:
        changelog.expand_node(child)
    for child in root.children:
        if child.name == "property":
            if child.string("file") is not None:
                changelog.property_file(child)
            continue
        changelog.handle(child)
