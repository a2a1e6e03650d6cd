"""Schemathesis from docs/openapi.json against the local stack (in process, through the gateway):
every route, valid and invalid requests, then stateful sequences along the document's links.

Each answer must be documented (status, content type, body schema), never a 5xx, and never carry a
traceback, an internal path or URI, or a megabyte of echoed input. Bounded for CI: a fixed budget
per route (``SCHEMASHIFT_FUZZ_EXAMPLES``, default 15 per route and mode, about 2,000 requests with the sequences) and stateful steps
(``SCHEMASHIFT_FUZZ_STEPS``); raise them for a longer run."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.client import DEV_KEY, ApiClient
from tests.support.wsgi import gateway_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SCHEMASHIFT_FUZZ_EXAMPLES", "15"))
STEPS = int(os.environ.get("SCHEMASHIFT_FUZZ_STEPS", "60"))
LEAKS = re.compile(r"Traceback \(most recent call last\)|File \"/|s3://|/work/|/tmp/|site-packages|\.rs:\d+")
MAX_ANSWER = 64 * 1024
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def no_leaks(ctx: Any, response: Any, case: Any) -> bool | None:
    """No traceback, machine path or storage URI; no echo of a large input."""
    text = response.content.decode("utf-8", "replace") if response.content else ""
    found = LEAKS.search(text)
    if found:
        raise AssertionError(f"internal detail in the answer: {found.group(0)!r}: {text[:300]}")
    if len(response.content or b"") > MAX_ANSWER and response.status_code >= 400:
        raise AssertionError(f"{len(response.content)}-byte error answer (input echoed?)")
    return None


class Findings:
    """Every failing answer, grouped by route and kind, so one run reports them all."""

    def __init__(self) -> None:
        self.requests = 0
        self.seconds = 0.0
        self.deep = 0  # 2xx answers on routes that take an id: how far the requests got
        self.statuses: Counter[int] = Counter()
        self.failures: dict[tuple[str, str], str] = {}

    def run(self, case: Any) -> Any:
        response = self.call(case)
        self.check(case, response)
        return response

    def call(self, case: Any) -> Any:
        self.requests += 1
        started = time.perf_counter()
        response = case.call(headers={"x-api-key": DEV_KEY})
        self.seconds += time.perf_counter() - started
        self.statuses[response.status_code] += 1
        if response.status_code < 300 and "{" in case.operation.path:
            self.deep += 1
        return response

    def check(self, case: Any, response: Any) -> None:
        try:
            case.validate_response(response, checks=CHECKS, additional_checks=[no_leaks])
        except (FailureGroup, Failure, AssertionError) as error:
            kinds = [type(f).__name__ for f in getattr(error, "exceptions", [error])]
            key = (f"{case.method} {case.operation.path}", ",".join(sorted(set(kinds))))
            if key not in self.failures:
                self.failures[key] = (f"{response.status_code} {response.content[:300]!r}\n"
                                      f"{case.as_curl_command()}\n{str(error)[:1500]}")

    def report(self) -> str:
        return "\n\n".join(f"{route} [{kind}]\n{detail}" for (route, kind), detail in sorted(self.failures.items()))


@pytest.fixture(scope="module")
def schema(api: ApiClient) -> Any:
    loaded = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.json"))
    loaded.app = gateway_app(api.gateway)
    # Every request carries the dev key: the auth matrix is tests/api/test_tenant_walls.py's job.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


@pytest.fixture(scope="module")
def findings() -> Findings:
    return Findings()


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_route_answers_as_documented_under_fuzzing(schema: Any, findings: Findings, mode: Any) -> None:
    routes, started = 0, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        routes += 1

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Any) -> None:
            findings.run(case)

        try:
            fuzz()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to make invalid (no inputs)
    print(f"\nfuzz {mode.value}: {routes} routes in {time.monotonic() - started:.0f} s, {findings.requests} requests so far ({findings.seconds:.0f} s answering), statuses {dict(findings.statuses)}")
    assert routes >= 45
    assert not findings.failures, f"{len(findings.failures)} kinds of bad answers:\n\n{findings.report()}"


def test_stateful_sequences_along_the_links(schema: Any, findings: Findings) -> None:
    """Create a schema / instance / dataset / table, then use what the answer returned (the
    document's links): the requests reach real resources instead of 404s."""
    before, deep_before, started = findings.requests, findings.deep, time.monotonic()

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Any, **kwargs: Any) -> Any:
            return findings.call(case)

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            findings.check(case, response)

    Sequences.run(settings=settings(max_examples=STEPS, stateful_step_count=8, deadline=None, database=None,
                                    derandomize=True, suppress_health_check=list(HealthCheck)))
    sent, deep = findings.requests - before, findings.deep - deep_before
    print(f"\nfuzz stateful: {sent} requests in {time.monotonic() - started:.0f} s, {deep} 2xx on routes with ids, "
          f"statuses {dict(findings.statuses)}")
    assert sent >= STEPS
    assert deep > 0, "no sequence reached a created resource: are the links in docs/openapi.json?"
    assert not findings.failures, f"{len(findings.failures)} kinds of bad answers:\n\n{findings.report()}"


def test_the_checks_catch_bad_answers() -> None:
    """The harness itself: a 500 with a traceback and an undocumented body are both reported."""

    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/health":
            start_response("418 I'm a teapot", [("Content-Type", "application/json")])
            return [b'{"status": 1}']
        start_response("500 Internal Server Error", [("Content-Type", "application/json")])
        return [b'{"error": "Traceback (most recent call last): File \\"/work/x.py\\""}']

    loaded = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.json"))
    loaded.app = broken
    found = Findings()
    for label in ("GET /health", "GET /datasets/{datasetId}"):
        operation = next(r.ok() for r in loaded.get_all_operations() if r.ok().label == label)

        @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            found.run(case)

        fuzz()
    kinds = {route: kind for route, kind in found.failures}
    assert "ServerError" in kinds["GET /datasets/{datasetId}"] and "CustomFailure" in kinds["GET /datasets/{datasetId}"]
    assert "UndefinedStatusCode" in kinds["GET /health"], kinds
