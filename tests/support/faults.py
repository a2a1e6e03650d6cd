"""Faults injected at the AWS edge of the local stack, never inside our code.

- ``aws_errors``: this process's boto3 clients (the shared DynamoDB, S3, ... clients every handler
  uses) get an AWS error answer (``ProvisionedThroughputExceededException``, S3 ``InternalError``)
  on the first attempt of every n-th request, through a botocore ``before-send`` hook that runs
  before the transport (and turns it away, so the request never reaches the emulator); botocore's
  own retry logic then sees a real throttle or 500. Meanwhile DynamoDB calls are not answered at
  ``before-call`` (the in-process shortcut), so every one of them reaches that hook.
- ``http_errors``: requests reaching the emulator over HTTP (Lance's Rust object store) get the
  same 500 answer, every n-th one, from a wrapper around the emulator's WSGI app.
- ``lambda_crashes``: a task Lambda's invocation is reported as the Lambda service reports a crashed
  runtime (``Runtime.ExitError``), either before its handler runs or after it ran (its side effects
  done, its answer lost), as a killed process would.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

THROTTLED = (400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps({
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded."}).encode())
S3_500 = (500, {"Content-Type": "application/xml"},
          b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code>"
          b"<Message>We encountered an internal error. Please try again.</Message></Error>")
DYNAMODB_500 = (500, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps({
    "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"}).encode())
ANSWERS = {"dynamodb": THROTTLED, "s3": S3_500}
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def _clients(service: str) -> list[Any]:
    from schemashift.aws import _dynamodb_resource, client

    found = [client(service)]
    if service == "dynamodb":
        found.append(_dynamodb_resource().meta.client)
    return found


@contextmanager
def aws_errors(service: str, every: int = 3, *, lost_writes: bool = False) -> Iterator[Counter[str]]:
    """The first attempt of every ``every``-th ``service`` request answers the service's error;
    yields counts of requests seen and errors injected, by operation. With ``lost_writes`` only
    DynamoDB writes are hit, and they are applied first: the write lands, its answer is a 500 (as
    DynamoDB documents: a 500 may or may not have applied the write)."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    status, headers, body = DYNAMODB_500 if lost_writes else ANSWERS[service]
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def inject(request: Any, event_name: str = "", **_: Any) -> Any:
        attempt = request.headers.get("amz-sdk-request", b"")
        attempt = attempt.decode() if isinstance(attempt, bytes) else attempt
        if "attempt=1" not in attempt:
            return None  # botocore's retry of an injected error goes through
        operation = event_name.rpartition(".")[2]
        if lost_writes and operation not in WRITES:
            return None
        with lock:
            seen["requests"] += 1
            if seen["requests"] % every:
                return None
            seen[f"injected {operation}"] += 1
            seen["injected"] += 1
        answered_url = request.url
        if lost_writes:
            from schemashift.local import transport

            assert transport._installed is not None
            transport._installed(event_name, request)  # the write lands; its answer is lost
        # botocore calls every before-send handler and uses the first answer: point the request
        # nowhere so that the in-process transport after this hook leaves it alone
        request.url = "http://fault.invalid/"
        return AWSResponse(answered_url, status, dict(headers), MockRawResponse(body))

    from schemashift.local import transport

    clients = _clients(service)
    installed = transport._installed
    answering = installed is not None and installed.answer_before_call
    if installed is not None:  # DynamoDB calls must reach before-send (and botocore's retries) to be hit
        installed.answer_before_call = False
    for one in clients:
        one.meta.events.register_first(f"before-send.{one.meta.service_model.service_id.hyphenize()}", inject,
                                       unique_id=f"fault-{service}")
    try:
        yield seen
    finally:
        for one in clients:
            one.meta.events.unregister(f"before-send.{one.meta.service_model.service_id.hyphenize()}",
                                       unique_id=f"fault-{service}")
        if installed is not None:
            installed.answer_before_call = answering


@contextmanager
def http_errors(stack: Any, service: str = "s3", every: int = 4) -> Iterator[Counter[str]]:
    """Every ``every``-th HTTP request to the emulator for ``service`` answers its 500."""
    server = stack.emulator._server._server  # werkzeug's server: it calls ``server.app`` per request
    inner = server.app
    status, headers, body = ANSWERS[service]
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if f"/{service}/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            with lock:
                seen["requests"] += 1
                fail = seen["requests"] % every == 0
                if fail:
                    seen["injected"] += 1
            if fail:
                start_response(f"{status} Internal Server Error", list(headers.items()))
                return [body]
        return inner(environ, start_response)

    server.app = app
    try:
        yield seen
    finally:
        server.app = inner


class RuntimeExit(Exception):
    """What the Lambda service reports for a runtime that died (``errorType`` ``Runtime.ExitError``)."""


RuntimeExit.__name__ = "Runtime.ExitError"


@contextmanager
def lambda_crashes(stack: Any, function: str, *, when: str, times: int = 1) -> Iterator[Counter[str]]:
    """The next ``times`` invocations of the task Lambda ``function`` (logical id) crash ``before`` its
    handler runs or ``after`` it ran."""
    from schemashift.local import emulator

    original = emulator._dispatcher
    assert original is not None
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def dispatch(name: str, payload: bytes, asynchronous: bool) -> tuple[bytes, str | None]:
        if stack.lambdas.logical_id(name) != function:
            return original(name, payload, asynchronous)
        with lock:
            seen["invocations"] += 1
            crash = seen["crashed"] < times
            if crash:
                seen["crashed"] += 1
        if not crash:
            return original(name, payload, asynchronous)
        if when == "after":
            original(name, payload, asynchronous)
        body = {"errorType": "Runtime.ExitError",
                "errorMessage": "RequestId: injected Error: Runtime exited with error: signal: killed"}
        return json.dumps(body).encode(), "Unhandled"

    emulator.set_dispatcher(dispatch)
    try:
        yield seen
    finally:
        emulator.set_dispatcher(original)
