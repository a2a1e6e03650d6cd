"""Running an executeCommand change's command, as Liquibase's ExecuteShellCommandChange does.

The command starts in the engine's working directory with its arguments as given (no shell),
stderr merged into stdout; a non-zero exit or the timeout fails the changeset with Liquibase's
message. Only callers that allow commands get here (``RunOptions.run_commands``).
"""

from __future__ import annotations

import logging
import subprocess

from schemashift.changelog.model import HostCommand
from schemashift.errors import SchemashiftError

_log = logging.getLogger(__name__)
_OUTPUT_LIMIT = 4000
"""Characters of the command's output kept in the log."""


class HostCommandFailed(SchemashiftError):
    """The command could not start, exited non-zero or timed out."""

    code = "COMMAND_FAILED"


def run_host_command(command: HostCommand) -> str:
    """Run ``command`` to its end; returns its output (stdout and stderr together)."""
    try:
        completed = subprocess.run(
            list(command.argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=command.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise HostCommandFailed(f"Error executing command: Process timed out ({command.timeout_seconds:g} s)") from None
    except OSError as error:
        raise HostCommandFailed(f'Error executing command: Cannot run program "{command.argv[0]}": '
                                f"{error.strerror or error}") from None
    output = completed.stdout.decode("utf-8", errors="replace")
    _log.info("executeCommand %s exited %s: %s", command.display, completed.returncode, output[-_OUTPUT_LIMIT:])
    if completed.returncode != 0:
        raise HostCommandFailed(f"Error executing command: {command.display} returned a code of {completed.returncode}")
    return output
