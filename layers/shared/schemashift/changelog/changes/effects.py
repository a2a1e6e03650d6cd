"""Changes that send no SQL: output (a message), stop (halts the update), executeCommand.

executeCommand runs an operating-system command (its ``host_command``), as Liquibase's
ExecuteShellCommandChange does: only where the ``os`` list names this machine's operating
system (Java's ``os.name``), waiting at most ``timeout``, failing the changeset on a non-zero
exit. The engine runs it only for callers that allow commands (the ``schemashift db`` CLI);
the service never runs commands on its hosts and refuses such a changeset, by name, when it
would run (``schemashift.engine.validation``).
"""

from __future__ import annotations

import dataclasses
import platform
import re
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.unsupported import UnsupportedElement
from schemashift.changelog.model import DatabaseProbe, Dialect, HostCommand
from schemashift.changelog.node import Node


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
        return not self.os or host_os() in self.os

    def validate(self, dialect: Dialect) -> list[str]:
        # Liquibase checks only the timeout (not even the executable: a missing one fails when it runs).
        if self.timeout and not _TIMEOUT.match(self.timeout):
            return [f"Invalid value specified for timeout: {self.timeout}"]
        return []

    def host_command(self) -> HostCommand:
        return HostCommand((self.executable or "null", *self.args), _timeout_seconds(self.timeout), self.runs_here())

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return []


def host_os() -> str:
    """This machine's operating system as Java's ``os.name`` names it (what ``os`` lists are matched with)."""
    system = platform.system()
    if system == "Darwin":
        return "Mac OS X"
    if system == "Windows":
        return f"Windows {platform.release()}"
    return system or "Linux"


def _timeout_seconds(timeout: str | None) -> float | None:
    """``10``, ``10s``, ``5m``, ``1h`` (Liquibase's units); 0 or none: wait as long as it takes."""
    match = _TIMEOUT.match(timeout or "")
    if match is None:
        return None
    seconds = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2).lower()]
    return float(seconds) or None


_TIMEOUT = re.compile(r"^\s*(\d+)\s*([sSmMhH]?)\s*$")
