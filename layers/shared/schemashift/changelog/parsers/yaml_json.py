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
from schemashift.errors import ValidationFailed
from schemashift.limits import MAX_DOCUMENT_DEPTH, MAX_YAML_ALIASES, loads_bounded


class _LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line it started on."""

    line: int | None = None


class _TooMuch(Exception):
    """A YAML document over a limit (aliases, depth): refused before it is built."""


def _loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader without the timestamp resolver, recording mapping lines, with SnakeYAML's bounds:
        at most ``MAX_YAML_ALIASES`` aliases to collections (alias bombs) and ``MAX_DOCUMENT_DEPTH`` levels."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.collection_aliases = 0
            self.depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                anchored = self.anchors.get(self.peek_event().anchor)
                if anchored is not None and not isinstance(anchored, yaml.ScalarNode):
                    self.collection_aliases += 1
                    if self.collection_aliases > MAX_YAML_ALIASES:
                        raise _TooMuch(f"more than {MAX_YAML_ALIASES} aliases to collections")
            self.depth += 1
            if self.depth > MAX_DOCUMENT_DEPTH:
                raise _TooMuch(f"nested more than {MAX_DOCUMENT_DEPTH} levels deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

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
            return loads_bounded(text, limit=MAX_DOCUMENT_DEPTH, what=f"file {path}")
        except json.JSONDecodeError as error:
            raise ChangelogError(f"Syntax error in file {path}: {error.msg}", file=path, line=error.lineno) from None
        except ValidationFailed as error:
            raise ChangelogError(error.message, file=path) from None
    import yaml

    if _LOADER is None:
        _LOADER = _loader()
    try:
        return yaml.load(text, Loader=_LOADER)
    except _TooMuch as error:
        raise ChangelogError(f"File {path} is refused: {error}", file=path) from None
    except RecursionError:
        raise ChangelogError(f"File {path} is nested too deeply", file=path) from None
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
