"""Changes that send no SQL: output (a message), stop (halts the update), executeCommand.

executeCommand runs an operating-system command in Liquibase. The service never runs
commands on its hosts, so it is parsed and checksummed like any change but refused, naming
the changeset, whenever it would run; one whose ``os`` list leaves out the service's
(``Linux``, Java's ``os.name``) does nothing in Liquibase either, and is no refusal here.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.unsupported import UnsupportedElement
from schemashift.changelog.model import DatabaseProbe, Dialect
from schemashift.changelog.node import Node

HOST_OS = "Linux"
"""Java's ``os.name`` where the service runs (Lambda and the local stack)."""


@register
@dataclasses.dataclass(eq=False, repr=False)
class OutputChange(BeanChange):
    name: ClassVar[str] = "output"
    bean: ClassVar[tuple[str, ...]] = ("message", "target")
    message: str | None = None
    target: str | None = None

    def after_load(self, node: Node, file: str | None) -> None:
        if self.message is None and node.text:
            self.message = node.text
        self.message = (self.message or "").strip() or None
        self.target = (self.target or "").strip() or None

    def checksum_fields(self) -> dict[str, Any]:
        return {"message": self.message, "target": self.target or "STDERR"}

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("message")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return []

    def inverse(self) -> list[Any]:
        return []


@register
@dataclasses.dataclass(eq=False, repr=False)
class StopChange(BeanChange):
    name: ClassVar[str] = "stop"
    bean: ClassVar[tuple[str, ...]] = ("message",)
    message: str | None = None

    def after_load(self, node: Node, file: str | None) -> None:
        if self.message is None and node.text and node.text.strip():
            self.message = node.text.strip()

    def checksum_fields(self) -> dict[str, Any]:
        return {"message": self.message or "Stop command in changelog file"}

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        raise UnsupportedElement(f"Stop command in changelog: {self.message or 'Stop command in changelog file'}")


@register
@dataclasses.dataclass(eq=False, repr=False)
class ExecuteCommandChange(BeanChange):
    name: ClassVar[str] = "executeCommand"
    liquibase_class: ClassVar[str] = "liquibase.change.core.ExecuteShellCommandChange"
    bean: ClassVar[tuple[str, ...]] = ("executable", "timeout")
    executable: str | None = None
    timeout: str | None = None
    args: list[str] = dataclasses.field(default_factory=list)
    os: list[str] = dataclasses.field(default_factory=list)

    def after_load(self, node: Node, file: str | None) -> None:
        holder = node.child("args") or node
        self.args = [arg.string("value") or "" for arg in holder.all("arg")]
        self.os = [part.strip() for part in (node.string("os") or "").split(",") if part.strip()]

    def runs_here(self) -> bool:
        return not self.os or HOST_OS in self.os

    def validate(self, dialect: Dialect) -> list[str]:
        if not self.runs_here():
            return []
        return [
            f"executeCommand ({self.executable}) is refused: the service does not run operating-system commands; "
            "run it outside schemashift, then mark the changeset ran (changelog-sync) or remove it"
        ]

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if not self.runs_here():
            return []
        raise UnsupportedElement(self.validate(dialect)[0])
