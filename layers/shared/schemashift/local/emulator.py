"""In-process AWS: a moto server with the few behaviours the local stack needs added.

- Step Functions executes the real ASL (moto's ``execute_state_machine``).
- Lambda invocations (from Step Functions, EventBridge and S3) run our handlers in-process.
- EventBridge rules deliver to Step Functions and Lambda targets (moto only delivers to a few
  target types, so matched events are forwarded here).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from schemashift.observability import logger

LambdaDispatcher = Callable[[str, bytes, bool], tuple[bytes, str | None]]
"""(function name or ARN, payload, asynchronous) -> (response payload, function error or None)."""

_dispatcher: LambdaDispatcher | None = None
_patched = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def set_dispatcher(dispatcher: LambdaDispatcher | None) -> None:
    global _dispatcher
    _dispatcher = dispatcher


def _dispatch(name: str, body: Any, asynchronous: bool) -> tuple[bytes, str | None]:
    if _dispatcher is None:
        raise RuntimeError("no local Lambda dispatcher is registered")
    payload = body if isinstance(body, bytes) else (body or "{}").encode()
    if asynchronous:
        threading.Thread(target=_dispatcher, args=(name, payload, True), daemon=True).start()
        return b"", None
    return _dispatcher(name, payload, False)


def _patch_moto() -> None:
    """Install the Lambda, EventBridge and S3 hooks once per process."""
    global _patched
    if _patched:
        return
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.events.models import Rule
    from moto.s3 import notifications

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any):
        asynchronous = (headers or {}).get("X-Amz-Invocation-Type") == "Event"
        payload, error = _dispatch(function_name, body, asynchronous)
        if error:
            response_headers["x-amz-function-error"] = error
        return payload

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    original_send = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in ("states", "lambda")]
        others = [t for t in self.targets if t not in ours]
        if others:
            all_targets, self.targets = self.targets, others
            try:
                original_send(self, original_event, transform_input)
            finally:
                self.targets = all_targets
        if not ours or not self.event_pattern.matches_event(original_event):
            return
        for target in ours:
            arn: str = target["Arn"]
            event = original_event.get("detail", {}) if target.get("InputPath") == "$.detail" else original_event
            if arn.split(":")[2] == "states":
                _start_execution(arn, event)
            else:
                _dispatch(arn, json.dumps(event).encode(), True)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        _dispatch(fn_arn, json.dumps(event_body).encode(), True)

    notifications._invoke_awslambda = invoke_from_s3  # type: ignore[attr-defined]
    _make_state_machines_copyable()
    _patched = True


def _make_state_machines_copyable() -> None:
    """moto deep-copies the state machine on every StartExecution, including its running executions
    (threads, locks) and its backend; copy the definition only, so executions can overlap."""
    import copy

    from moto.stepfunctions.models import StateMachineInstance

    def deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key == "executions":
                setattr(clone, key, [])
            elif key == "backend":
                setattr(clone, key, value)
            else:
                setattr(clone, key, copy.deepcopy(value, memo))
        return clone

    StateMachineInstance.__deepcopy__ = deepcopy  # type: ignore[attr-defined]


def _start_execution(state_machine_arn: str, event: dict[str, Any]) -> None:
    from schemashift.aws import client

    try:
        client("stepfunctions").start_execution(stateMachineArn=state_machine_arn, input=json.dumps(event))
    except Exception:
        logger.exception("local EventBridge could not start a state machine", extra={"arn": state_machine_arn})


class MotoEmulator:
    """A moto server on 127.0.0.1, configured as the local AWS for this process and its children."""

    def __init__(self, port: int | None = None, region: str = "us-east-1") -> None:
        self.port = port or free_port()
        self.region = region
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoEmulator:
        from moto.moto_api._internal.models import moto_api_backend
        from moto.server import ThreadedMotoServer

        _patch_moto()
        moto_api_backend.set_config(
            {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
        )
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "MOTO_PORT": str(self.port),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        from schemashift.aws import reset_clients

        reset_clients()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def storage_options(self) -> dict[str, str]:
        """What Lance's object store needs to reach this S3."""
        return {
            "aws_endpoint": self.endpoint,
            "allow_http": "true",
            "aws_region": self.region,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
