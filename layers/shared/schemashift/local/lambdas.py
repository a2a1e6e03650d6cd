"""Runs the template's Lambda functions in this process, as the Lambda service would.

Each function's handler module is imported from its CodeUri (under a unique module name, since
every handler file is called app.py) and called with the JSON payload and a Lambda-like context.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from schemashift.local.template import FunctionSpec
from schemashift.observability import logger


@dataclass
class LocalLambdaContext:
    """The attributes Powertools and our handlers read from a Lambda context."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class InvokeResult:
    payload: bytes
    function_error: str | None = None

    def json(self) -> Any:
        return json.loads(self.payload or b"null")


class LocalLambdas:
    def __init__(self, specs: dict[str, FunctionSpec], physical_names: dict[str, str], arn_prefix: str) -> None:
        self.specs = specs
        self.by_name = {physical_names[k]: k for k in specs}
        self.physical_names = physical_names
        self.arn_prefix = arn_prefix
        self._idle: dict[str, list[Callable[[Any, Any], Any]]] = {}
        self._containers: dict[str, int] = {}
        self._lock = threading.Lock()
        # Tests can inject faults: logical id -> callable run before the handler.
        self.before_invoke: dict[str, Callable[[dict[str, Any]], None]] = {}

    def logical_id(self, name_or_arn: str) -> str:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        if name in self.by_name:
            return self.by_name[name]
        if name in self.specs:
            return name
        raise KeyError(f"no local function named {name_or_arn!r}")

    def _checkout(self, logical_id: str) -> Callable[[Any, Any], Any]:
        """An idle "container" of the function, or a new one: like Lambda, one request per container
        at a time, so handler globals (a resolver's current event) are never shared between requests."""
        with self._lock:
            idle = self._idle.setdefault(logical_id, [])
            if idle:
                return idle.pop()
            number = self._containers.get(logical_id, 0)
            self._containers[logical_id] = number + 1
        spec = self.specs[logical_id]
        module = _import_file(f"schemashift_fn_{logical_id}_{number}", spec)
        return getattr(module, spec.attribute)

    def _checkin(self, logical_id: str, handler: Callable[[Any, Any], Any]) -> None:
        with self._lock:
            self._idle[logical_id].append(handler)

    def invoke(self, name_or_arn: str, payload: Any) -> InvokeResult:
        logical_id = self.logical_id(name_or_arn)
        spec = self.specs[logical_id]
        event = json.loads(payload) if isinstance(payload, (bytes, str)) and payload else (payload or {})
        context = LocalLambdaContext(
            function_name=self.physical_names[logical_id],
            invoked_function_arn=f"{self.arn_prefix}{self.physical_names[logical_id]}",
            memory_limit_in_mb=spec.memory,
            timeout_s=spec.timeout,
            aws_request_id=str(uuid.uuid4()),
        )
        try:
            hook = self.before_invoke.get(logical_id)
            if hook is not None:
                hook(event)
            handler = self._checkout(logical_id)
            try:
                result = handler(event, context)
            finally:
                self._checkin(logical_id, handler)
            return InvokeResult(json.dumps(result, default=str).encode())
        except Exception as exc:  # the Lambda service reports handler errors as a payload
            logger.warning("local function failed", extra={"function": logical_id, "error": repr(exc)})
            body = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "stackTrace": traceback.format_tb(exc.__traceback__)[-5:],
            }
            return InvokeResult(json.dumps(body).encode(), function_error="Unhandled")


def _import_file(module_name: str, spec: FunctionSpec) -> ModuleType:
    path = spec.module_file
    if not path.exists():
        raise FileNotFoundError(f"handler file {path} for {spec.logical_id} does not exist")
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    return module
