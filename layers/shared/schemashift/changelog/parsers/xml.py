"""XML changelogs, read with expat so every node keeps its line number for error messages."""

from __future__ import annotations

from xml.parsers import expat

from schemashift.changelog.model import ChangelogError
from schemashift.changelog.node import Node
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.parsers.structured import StructuredChangelog
from schemashift.limits import MAX_DOCUMENT_DEPTH


class _TooMuch(Exception):
    """An XML document over a limit, refused while it is read."""


def _local(name: str) -> str:
    """Drop the namespace (expat reports ``uri name`` with namespace processing on)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def parse_tree(text: str, path: str) -> Node:
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Node] = []
    texts: list[list[str]] = []
    root: list[Node] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) >= MAX_DOCUMENT_DEPTH:
            raise _TooMuch(f"nested more than {MAX_DOCUMENT_DEPTH} levels deep")
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

    def entity(name: str, *_: object) -> None:
        raise _TooMuch(f"it declares the entity {name!r} (entity declarations are not accepted)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except _TooMuch as error:
        raise ChangelogError(f"File {path} is refused: {error}", file=path, line=parser.CurrentLineNumber) from None
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
