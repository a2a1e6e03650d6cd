"""Two functions in one process (the local stack) never see each other's request: each resolver keeps its
own current event, as two Lambdas would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from schemashift.api.app import create_app
from schemashift.errors import NotFound


@contextmanager
def _log_lines() -> Iterator[list[dict]]:
    """Every line the service's logger writes meanwhile, as the JSON it writes."""
    import logging

    from schemashift.observability import logger

    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    keep = Keep()
    keep.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(keep)
    try:
        yield lines
    finally:
        logger._logger.removeHandler(keep)


def _event(path: str) -> dict:
    return {"path": path, "httpMethod": "GET", "resource": path, "headers": {}, "requestContext": {
        "authorizer": {"account": "acme", "scopes": '["*/*"]'}}, "pathParameters": None, "body": None}


def test_concurrent_requests_to_two_functions_keep_their_own_event_and_envelope() -> None:
    harness, catalyzed = create_app(), create_app()
    both_inside = threading.Barrier(2, timeout=10)

    @harness.get("/v1/orgs/o/projects/p/thing")
    def harness_route():
        both_inside.wait()  # the other function has resolved its own request meanwhile
        raise NotFound(f"seen {harness.current_event.path}")

    @catalyzed.get("/datasets/d1")
    def catalyzed_route():
        both_inside.wait()
        raise NotFound(f"seen {catalyzed.current_event.path}")

    results: dict[str, dict] = {}

    def run(name: str, app, path: str) -> None:
        results[name] = app.resolve(_event(path), None)

    threads = [threading.Thread(target=run, args=("v1", harness, "/v1/orgs/o/projects/p/thing")),
               threading.Thread(target=run, args=("ds", catalyzed, "/datasets/d1"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert json.loads(results["v1"]["body"]) == {"message": "seen /v1/orgs/o/projects/p/thing"}
    assert json.loads(results["ds"]["body"])["error"] == "seen /datasets/d1"
    assert json.loads(results["ds"]["body"])["code"] == "NOT_FOUND"


def test_concurrent_functions_keep_their_own_log_keys(stack: object) -> None:
    """Found by the load run: one function's log line carried another's function_name (the logger's
    keys were shared by every function of the local stack's process)."""
    from schemashift.observability import logger

    both_set = threading.Barrier(2, timeout=10)

    def function(name: str) -> None:
        logger.clear_state()
        logger.append_keys(function_name=name)
        both_set.wait()  # the other has set its own keys meanwhile
        logger.info("hello", extra={"me": name})

    with _log_lines() as lines:
        threads = [threading.Thread(target=function, args=(n,)) for n in ("WriteRowsFunction", "DbschemaGetFunction")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert sorted(line["me"] for line in lines) == ["DbschemaGetFunction", "WriteRowsFunction"]
    assert all(line["function_name"] == line["me"] for line in lines), lines
    assert all(line["service"] == "schemashift" for line in lines), lines


def test_every_log_line_of_a_request_carries_its_api_gateway_request_id() -> None:
    """The correlation id is API Gateway's ``requestContext.requestId`` (what Powertools'
    ``correlation_paths.API_GATEWAY_REST`` names), set per request, and a request without one has none."""
    from types import SimpleNamespace

    from schemashift.api.app import entrypoint
    from schemashift.observability import logger

    app = create_app(authenticated=False)

    @app.get("/health")
    def route():
        logger.info("inside")
        return {"ok": True}

    handler = entrypoint(app)
    context = SimpleNamespace(function_name="HealthFunction", memory_limit_in_mb=256, aws_request_id="lambda-1",
                              invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:HealthFunction")
    with _log_lines() as lines:
        for request_id in ("req-1", None):
            event = _event("/health")
            event["requestContext"]["requestId"] = request_id
            assert handler(event, context)["statusCode"] == 200
    assert [line.get("correlation_id") for line in lines] == ["req-1", None]
    assert all(line["function_request_id"] == "lambda-1" for line in lines), lines
