"""``schemashift local invoke FUNCTION -e events/x.json`` runs every sample event in events/ against
the running local stack (or an ephemeral one), and ``local events`` shows what reached the bus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from schemashift.local.template import Template

from tests.support.local_process import ROOT, cli_env

TEMPLATE = Template.load(ROOT / "template.yaml")
DOMAIN_ERRORS = {"NotFound", "ValidationFailed", "Conflict", "Forbidden", "OperationNotFound", "TableNotFound",
                 "NoSuchKey"}  # S3 answering for the sample ingest event's made-up object key


def _events_by_function() -> list[tuple[str, Path]]:
    pairs = []
    for logical_id, spec in TEMPLATE.functions().items():
        if spec.package_type == "Image":
            key = "_".join(spec.handler.split(".")[1:-2])  # functions.<key parts>.app.lambda_handler
        else:
            key = "_".join(spec.code_uri.resolve().relative_to(ROOT / "functions").parts)
        pairs += [(logical_id, sample) for sample in sorted((ROOT / "events").glob(f"{key}*.json"))]
    return pairs


def invoke(home: Path, function: str, event: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "schemashift.cli.main", "local", "invoke", function, "-e", str(event),
                           "--root", str(ROOT)], env=cli_env(home), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


_DRIVER = """
import contextlib, io, json, sys
from schemashift.cli.main import main
for function, event in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["local", "invoke", function, "-e", event, "--root", sys.argv[2]])
        except SystemExit as exit:
            code = exit.code
    print(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}), flush=True)
"""


def invoke_many(home: Path, pairs: list[tuple[str, Path]]) -> list[subprocess.CompletedProcess[str]]:
    """``schemashift local invoke`` (its command-line entry point) once per pair, in one interpreter."""
    done = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps([(f, str(e)) for f, e in pairs]), str(ROOT)],
                          env=cli_env(home), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"code"')]
    assert len(results) == len(pairs), done.stdout[-2000:]
    return [subprocess.CompletedProcess([], r["code"], r["stdout"], r["stderr"]) for r in results]


def check(function: str, event: Path, done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    where = f"{function} -e {event.name}"
    assert "Traceback" not in done.stderr.split("---- logs ----")[0], (where, done.stderr[-2000:])
    response = json.loads(done.stdout)
    if isinstance(response, dict) and "statusCode" in response:
        assert response["statusCode"] < 500, (where, response)
        assert done.returncode == 0, (where, done.stderr[-1000:])
    elif done.returncode != 0:  # a task that refuses the sample's made-up ids does so with a domain error
        assert response["errorType"] in DOMAIN_ERRORS, (where, response)
    assert "on the running local stack" in done.stderr, (where, done.stderr[-500:])
    return response


def test_every_sample_event_through_local_invoke(stack_process: Any, tmp_path: Path) -> None:
    running = stack_process()
    home = tmp_path / "home"
    pairs = _events_by_function()
    assert len(pairs) >= len(TEMPLATE.functions())
    # The schema, changelog and instance the other samples name, first and in order.
    first = [p for name in ("dbschema_create.json", "dbschema_changelog_put.json") for p in pairs if p[1].name == name]
    ordered = first + [p for p in pairs if p not in first]
    for (function, event), done in zip(ordered, invoke_many(home, ordered), strict=True):
        response = check(function, event, done)
        if (function, event) in first:
            assert response["statusCode"] in (200, 201), (event.name, response)
    one = invoke(home, "HealthFunction", ROOT / "events" / "health.json")  # and once as its own process
    assert one.returncode == 0 and json.loads(one.stdout)["statusCode"] == 200, one.stderr[-1000:]

    shown = subprocess.run([sys.executable, "-m", "schemashift.cli.main", "local", "events", "--no-follow",
                            "-n", "200", "--json"], env=cli_env(home), cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    events = [json.loads(line) for line in shown.stdout.splitlines()]
    rejected = {e["detail-type"]: e["detail"] for e in events if e["detail-type"].endswith("Rejected")}
    # the sample pipeline events name instances/tables that do not exist
    assert {"DbSchemaApplyRejected", "DatasetMigrationRejected"} <= set(rejected), events
    assert rejected["DbSchemaApplyRejected"]["status"] == "REJECTED"
    assert rejected["DatasetMigrationRejected"]["status"] == "rejected"
    for detail in rejected.values():
        assert detail["error"]["code"] == "NOT_FOUND" and detail["reason"] == detail["error"]["message"], detail
        assert "not found" in detail["reason"].lower(), detail
    running.stop(15)


def test_invoke_without_a_running_stack_uses_an_ephemeral_one(tmp_path: Path) -> None:
    done = invoke(tmp_path / "home", "HealthFunction", ROOT / "events" / "health.json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["statusCode"] == 200
    assert "on the ephemeral local stack" in done.stderr
    unknown = invoke(tmp_path / "home", "NoSuchFunction", ROOT / "events" / "health.json")
    assert unknown.returncode == 1 and "no function 'NoSuchFunction'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
