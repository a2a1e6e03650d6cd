"""XML changelogs, read with expat so every node keeps its line number for error messages."""

from __future__ import annotations

from xml.parsers import expat

from schemashift.changelog.model import ChangelogError
from schemashift.changelog.node import Node
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.parsers.structured import StructuredChangelog


def _local(name: str) -> str:
    """Drop the namespace (expat reports ``uri name`` with namespace processing on)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def parse_tree(text: str, path: str) -> Node:
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Node] = []
    texts: list[list[str]] = []
    root: list[Node] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        node = Node(
            _local(name), {_local(key): value for key, value in attributes.items()}, line=parser.CurrentLineNumber
        )
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)
        texts.append([])

    def end(name: str) -> None:
        node = stack.pop()
        seen = "".join(texts.pop())
        if seen.strip():
            node.text = seen.strip()

    def characters(data: str) -> None:
        if texts:
            texts[-1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        raise ChangelogError(
            f"Error parsing {path}: {expat.errors.messages[error.code]}", file=path, line=error.lineno
        ) from None
    if not root or root[0].name != "databaseChangeLog":
        raise ChangelogError("Could not find databaseChangeLog node", file=path)
    return root[0]


def parse_xml(state: ParseState, inclusion: Inclusion, text: str) -> None:
    root = parse_tree(text, inclusion.path)
    StructuredChangelog(state, inclusion, physical_path=inclusion.path).load(root)
