"""One lock per emulated service whose state the local stack keeps.

moto's backends are plain Python objects without locking: a Query iterating a partition while a
BatchWriteItem inserts into it fails with "dictionary changed size during iteration". Every
request to DynamoDB, S3, Secrets Manager or EventBridge (in-process or over HTTP) holds its
service's lock, and the state journal takes all of them for an instant to capture a consistent
cut. Lambda and Step Functions requests hold none: an invocation runs for minutes and makes
requests of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

KEPT_SERVICES = ("dynamodb", "s3", "secretsmanager", "events")
_LOCKS = {service: threading.RLock() for service in KEPT_SERVICES}
_READS = ("Get", "List", "Describe", "BatchGet", "Test", "PutEvents")
request_observers: list[Callable[[str, str], None]] = []
"""Called with (service, action) after every request that may have changed a kept service."""


def lock_for(service: str) -> threading.RLock | None:
    return _LOCKS.get(service)


@contextmanager
def holding(service: str) -> Iterator[None]:
    lock = _LOCKS.get(service)
    if lock is None:
        yield
        return
    with lock:
        yield


@contextmanager
def holding_all() -> Iterator[None]:
    """Every kept service at once, always in the same order (no request holds two)."""
    with ExitStack() as stack:
        for service in KEPT_SERVICES:
            stack.enter_context(_LOCKS[service])
        yield


def notify(service: str, action: str) -> None:
    if service in _LOCKS and not action.startswith(_READS):
        for observer in request_observers:
            observer(service, action)


def locked_backend_app(create_backend_app: Callable[[str], Any]) -> Callable[[str], Any]:
    """moto's per-service Flask app factory, with the service's lock around every HTTP request."""

    def create(service: str) -> Any:
        app = create_backend_app(service)
        lock = _LOCKS.get(service)
        if lock is None:
            return app
        inner = app.wsgi_app

        def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                response = inner(environ, start_response)
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            notify(service, target.rpartition(".")[2] or environ.get("REQUEST_METHOD", ""))
            return response

        app.wsgi_app = wsgi_app
        return app

    return create
