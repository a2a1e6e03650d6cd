"""``schemashift local invoke``: one function of template.yaml with an event, as ``sam local invoke``.

The handler runs in this process, like sam runs it in a container: against the running local
stack (its AWS endpoint and resource names from ``$SCHEMASHIFT_HOME/local.json``) when one is up,
otherwise against an ephemeral stack started here on the same stored state and stopped afterwards
(after any state machine the function started has finished). The function's logs are captured
and returned next to its response.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemashift.errors import NotFound, ValidationFailed

STATE_FILE = "local.json"


@dataclass
class Invocation:
    function: str
    response: Any
    function_error: str | None
    logs: str
    stack: str  # "running" or "ephemeral"


def running_stack(home: Path) -> dict[str, Any] | None:
    """``local.json`` of the stack serving this home, if its process is alive."""
    path = home / STATE_FILE
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state


def read_event(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
        event = json.loads(text or "{}")
    except OSError as exc:
        raise ValidationFailed(f"cannot read the event file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"the event file {path} is not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise ValidationFailed(f"the event file {path} must hold a JSON object")
    return event


def invoke(root: Path, home: Path, function: str, event: dict[str, Any], *, wait_seconds: float = 120.0) -> Invocation:
    from schemashift.local.template import Template

    functions = Template.load(root / "template.yaml").functions()
    if function not in functions:
        raise NotFound(f"no function {function!r} in template.yaml; functions: {', '.join(sorted(functions))}")
    state = running_stack(home)
    if state is not None:
        return _invoke_running(functions, state, function, event)
    return _invoke_ephemeral(root, function, event, wait_seconds)


def _invoke_running(functions: dict[str, Any], state: dict[str, Any], function: str,
                    event: dict[str, Any]) -> Invocation:
    from schemashift.aws import reset_clients
    from schemashift.local.lambdas import LocalLambdas
    from schemashift.settings import get_settings

    os.environ.update(state["environment"])
    os.environ.update({"AWS_ENDPOINT_URL": state["awsEndpoint"], "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": state["region"],
                       "AWS_REGION": state["region"]})
    get_settings.cache_clear()
    reset_clients()
    names = state["functions"]
    lambdas = LocalLambdas(functions, {k: names.get(k, k) for k in functions}, state["functionArnPrefix"])
    with captured_logs() as logs:
        result = lambdas.invoke(function, json.dumps(event).encode())
    return Invocation(function, result.json(), result.function_error, logs.getvalue(), "running")


def _invoke_ephemeral(root: Path, function: str, event: dict[str, Any], wait_seconds: float) -> Invocation:
    from schemashift.local.emulator import free_port
    from schemashift.local.stack import LocalStack

    stack = LocalStack(root=root, aws_port=free_port())
    with captured_logs() as logs:
        stack.start()
        try:
            result = stack.lambdas.invoke(stack.physical[function]["Ref"], json.dumps(event).encode())
            _wait_for_state_machines(wait_seconds)
        finally:
            stack.stop()
    return Invocation(function, result.json(), result.function_error, logs.getvalue(), "ephemeral")


def _wait_for_state_machines(seconds: float) -> None:
    """An ephemeral stack stops only once what the function started has finished (bounded)."""
    from moto.backends import get_backend

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        running = [execution for backend in _backends(get_backend("stepfunctions"))
                   for machine in backend.state_machines for execution in machine.executions
                   if execution.status == "RUNNING"]
        if not running:
            return
        time.sleep(0.1)


def _backends(backend_dict: Any) -> Iterator[Any]:
    for account in backend_dict.values():
        yield from account.values()


@contextlib.contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """The handler's log lines (Powertools writes JSON to stdout) and prints, collected."""
    from schemashift.observability import logger

    buffer = io.StringIO()
    handlers = [h for h in logging.getLogger(logger.name).handlers if isinstance(h, logging.StreamHandler)]
    previous = [h.setStream(buffer) for h in handlers]
    with contextlib.redirect_stdout(buffer):
        try:
            yield buffer
        finally:
            for handler, stream in zip(handlers, previous, strict=True):
                handler.setStream(stream)
