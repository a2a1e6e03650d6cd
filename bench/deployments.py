"""Deployments through the serverless path on the local stack.

    python -m bench.deployments [--fleet-instances 50] [--fleet-changesets 100] [--changesets 500]

1. Fleet apply of a ``--fleet-changesets`` changelog to ``--fleet-instances`` SQLite instances:
   wall time for maxConcurrency 1, 5 and 10 (API call to the fleet execution's terminal status).
2. One apply of ``--changesets`` changesets to one SQLite database through the API, the
   ApplyChangesets state machine and its task Lambdas, against the engine's ``update`` called
   directly on an identical fresh database (the baseline), as an overhead ratio.

Both run in this process (moto's Step Functions interpreter and in-process Lambdas), so the
overhead includes DynamoDB checkpoints over HTTP to the emulator; real AWS latencies differ.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def changelog(count: int) -> str:
    parts = ["-- liquibase formatted sql\n"]
    for i in range(count):
        parts.append(f"-- changeset bench:{i}\nCREATE TABLE t{i} (id INT PRIMARY KEY, v VARCHAR(20));\n"
                     f"-- rollback DROP TABLE t{i};\n")
    return "\n".join(parts)


def wait(api: Any, base: str, execution_id: str) -> dict[str, Any]:
    while True:
        execution = api.get(f"{base}/executions/{execution_id}").json()
        if execution["status"] in ("SUCCESS", "FAILURE", "CANCELLED"):
            return execution
        time.sleep(0.05)


def setup(api: Any, text: str, instances: dict[str, str]) -> str:
    base = f"/v1/orgs/bench/projects/p{uuid.uuid4().hex[:8]}"
    api.post(f"{base}/dbschema", {"identifier": "app", "name": "App"})
    assert api.put(f"{base}/dbschema/app/changelog",
                   {"rootFile": "changelog.sql", "files": {"changelog.sql": text}}).status == 200
    for name, url in instances.items():
        assert api.post(f"{base}/dbschema/app/instance", {"identifier": name, "name": name, "url": url}).status == 201
    return base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet-instances", type=int, default=50)
    parser.add_argument("--fleet-changesets", type=int, default=100)
    parser.add_argument("--changesets", type=int, default=500)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args()

    from schemashift.changelog import FileSystemAccessor, parse_changelog
    from schemashift.engine import update
    from schemashift.local.stack import LocalStack
    from schemashift.targets import open_target

    from tests.support.client import ApiClient

    work = Path(tempfile.mkdtemp(prefix="ss-bench-"))
    stack = LocalStack(root=ROOT).start()
    api = ApiClient(stack.api())
    pipe = {"pipeline": "bench", "planExecutionId": "p", "stageExecutionId": "s"}
    fleet_rows = []
    try:
        fleet_text = changelog(args.fleet_changesets)
        for concurrency in args.concurrency:
            dbs = {f"db{i:03d}": f"sqlite:///{work.name}/fleet{concurrency}_{i}.db" for i in range(args.fleet_instances)}
            base = setup(api, fleet_text, dbs)
            started = time.perf_counter()
            response = api.post(f"{base}/dbschema/app/apply", {**pipe, "maxConcurrency": concurrency})
            fleet = wait(api, base, response.json()["executionId"])
            fleet_rows.append((concurrency, time.perf_counter() - started, fleet["summary"]))

        text = changelog(args.changesets)
        (work / "direct").mkdir()
        (work / "direct" / "changelog.sql").write_text(text)
        started = time.perf_counter()
        with open_target(f"sqlite:///{work}/direct.db") as target:
            parsed = parse_changelog("changelog.sql", FileSystemAccessor([str(work / "direct")]), dialect=target.dialect)
            update(target, parsed)
        direct_s = time.perf_counter() - started

        base = setup(api, text, {"main": f"sqlite:///{work.name}/through.db"})
        started = time.perf_counter()
        response = api.post(f"{base}/dbschema/app/instance/main/apply", pipe)
        execution = wait(api, base, response.json()["executionId"])
        through_s = time.perf_counter() - started
        assert execution["status"] == "SUCCESS", execution["error"]
    finally:
        stack.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fleet apply: {args.fleet_changesets} changesets x {args.fleet_instances} SQLite instances")
    print(f"{'maxConcurrency':>14} {'wall s':>8} {'per instance s':>15}  outcome")
    for concurrency, seconds, summary in fleet_rows:
        print(f"{concurrency:>14} {seconds:>8.1f} {seconds / args.fleet_instances:>15.2f}  {summary}")
    print(f"\none apply of {args.changesets} changesets (SQLite)")
    print(f"  engine called directly:            {direct_s:8.2f} s")
    print(f"  API -> state machine -> tasks:     {through_s:8.2f} s   overhead ratio {through_s / direct_s:.2f}x")
    print(f"peak RSS (whole local stack + benchmark): {rss:.0f} MB")


if __name__ == "__main__":
    main()
