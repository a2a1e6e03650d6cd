"""Two functions in one process (the local stack) never see each other's request: each resolver keeps its
own current event, as two Lambdas would."""

from __future__ import annotations

import json
import threading

from schemashift.api.app import create_app
from schemashift.errors import NotFound


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
