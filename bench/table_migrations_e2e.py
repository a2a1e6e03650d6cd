"""Table migrations end to end (API -> TableMigration -> commit) vs the domain call, on the local stack.

    python -m bench.table_migrations_e2e [--rows N] [--fragments 20] [--rounds 3] [--scenario NAME ...]

The row count defaults to ``SCHEMASHIFT_BENCH_ROWS`` or 200,000, written once as ``--fragments``
fragments (``bench.table_migrations.prepare``) and copied to a fresh location before every run,
so each run migrates the same bytes. Three ways to run each scenario of ``bench.table_migrations``:

- ``local``: ``run_migration`` (plan, every fragment in turn, commit) on local disk;
- ``s3``: the same call on the emulated S3 the stack uses, the baseline for the service path;
- ``e2e``: ``POST /dataset-tables/{id}/migrations`` through the local gateway (authorizer,
  handler, planning), the TableMigration state machine running its real ASL in moto (plan step,
  Map of fragment Lambdas with DynamoDB progress and S3 results, commit, catalog, finish), until a
  poll of ``GET .../operations/{id}`` sees ``completed``.

``e2e/s3`` is the price of the orchestration; ``per fragment`` spreads the difference over the
fragments. Everything runs in this process on this machine's cores: the Map's workers compete
for them with moto, where AWS would give each its own Lambda. Times are medians over rounds, and
the rounds alternate the three ways so machine noise hits all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.table_migrations import SCENARIOS, prepare

ROOT = Path(__file__).resolve().parent.parent
FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "qty", "arrowType": "int32"},
    {"name": "category", "arrowType": "string"},
    {"name": "price", "arrowType": "float64"},
]
WAYS = ("local", "s3", "e2e")
POLL_SECONDS = 0.025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("SCHEMASHIFT_BENCH_ROWS", 200_000)))
    parser.add_argument("--fragments", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="schemashift-bench-e2e-"))
    try:
        run_all(workdir, args.rows, args.fragments, args.rounds, args.scenario or list(SCENARIOS))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_all(workdir: Path, rows: int, fragments: int, rounds: int, scenarios: list[str]) -> None:
    from schemashift.local.stack import LocalStack

    print(f"writing {rows:,} rows in {fragments} fragments")
    base = workdir / "base.lance"
    prepare(base, rows, fragments)
    os.environ.setdefault("SCHEMASHIFT_HOME", str(workdir / "home"))
    stack = LocalStack(root=ROOT).start()
    try:
        bench = Bench(stack, base, workdir)
        samples: dict[str, dict[str, list[dict[str, Any]]]] = {s: {w: [] for w in WAYS} for s in scenarios}
        for _ in range(rounds):
            for scenario in scenarios:
                for way in WAYS:
                    samples[scenario][way].append(bench.run(way, scenario))
    finally:
        stack.stop()
    report(samples, rows, fragments, rounds)


class Bench:
    def __init__(self, stack: Any, base: Path, workdir: Path) -> None:
        from schemashift.aws import client, lance_storage_options
        from schemashift.datasets.catalog.schema import build_schema
        from schemashift.settings import get_settings

        self.api = stack.api()
        self.base = base
        self.workdir = workdir
        self.s3 = client("s3")
        self.bucket = get_settings().bucket
        self.options = lance_storage_options()
        self.schema = build_schema(FIELDS, ["id"])
        self.headers = {"x-api-key": os.environ.get("SCHEMASHIFT_DEV_API_KEY", "local-dev-key")}
        self.dataset_id = self._call("POST", "/datasets", {"name": "bench"})["datasetId"]

    def run(self, way: str, scenario: str) -> dict[str, Any]:
        return {"local": self.local, "s3": self.on_s3, "e2e": self.end_to_end}[way](SCENARIOS[scenario])

    def local(self, operation: dict[str, Any]) -> dict[str, Any]:
        from schemashift.datasets.migrations import run_migration

        target = self.workdir / f"run-{uuid.uuid4().hex[:8]}.lance"
        shutil.copytree(self.base, target)
        try:
            started = time.perf_counter()
            run_migration(str(target), None, self.schema, [operation])
            return {"seconds": time.perf_counter() - started}
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def on_s3(self, operation: dict[str, Any]) -> dict[str, Any]:
        from schemashift.datasets.migrations import run_migration

        prefix = f"bench/direct-{uuid.uuid4().hex[:8]}"
        self._upload(prefix)
        started = time.perf_counter()
        run_migration(f"s3://{self.bucket}/{prefix}", self.options, self.schema, [operation])
        return {"seconds": time.perf_counter() - started}

    def end_to_end(self, operation: dict[str, Any]) -> dict[str, Any]:
        from schemashift.datasets.data.storage import table_prefix

        table = self._call(
            "POST",
            "/dataset-tables",
            {"datasetId": self.dataset_id, "tableName": f"t{uuid.uuid4().hex[:8]}", "fields": FIELDS,
             "primaryKeyColumns": ["id"]},
        )  # fmt: skip
        prefix = table_prefix("local", table["tableId"])
        self._delete(prefix)
        self._upload(prefix)  # the prepared data becomes the table's version 1
        path = f"/dataset-tables/{table['tableId']}"
        started = time.perf_counter()
        accepted = self._call("POST", f"{path}/migrations", {"operations": [operation]})
        accepted_s = time.perf_counter() - started
        while True:
            current = self._call("GET", f"{path}/operations/{accepted['operationId']}")
            if current["status"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        assert current["status"] == "completed", current
        return {"seconds": seconds, "accepted_s": accepted_s}

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        raw = json.dumps(body).encode() if body is not None else b""
        headers = {**self.headers, "Content-Type": "application/json"}
        response = self.api.dispatch(method, path, headers, raw)
        payload = json.loads(response.get("body") or "null")
        assert response["statusCode"] < 300, (path, payload)
        return payload

    def _upload(self, prefix: str) -> None:
        for file in self.base.rglob("*"):
            if file.is_file():
                self.s3.upload_file(str(file), self.bucket, f"{prefix}/{file.relative_to(self.base)}")

    def _delete(self, prefix: str) -> None:
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix + "/")
        for entry in listing.get("Contents", []):
            self.s3.delete_object(Bucket=self.bucket, Key=entry["Key"])


def report(
    samples: dict[str, dict[str, list[dict[str, Any]]]], rows: int, fragments: int, rounds: int
) -> None:
    print(f"\n{rows:,} rows, {fragments} fragments, median of {rounds}; seconds")
    print(
        f"{'':22}{'local':>8}{'s3':>8}{'e2e':>8}{'e2e/s3':>8}{'e2e/local':>10}{'202 ms':>8}{'per frag ms':>12}"
    )
    summary = {}
    for scenario, by_way in samples.items():
        median = {way: statistics.median(s["seconds"] for s in by_way[way]) for way in WAYS}
        accepted = statistics.median(s["accepted_s"] for s in by_way["e2e"])
        per_fragment_ms = (median["e2e"] - median["s3"]) * 1000 / fragments
        summary[scenario] = {**median, "accepted_s": accepted, "overhead_per_fragment_ms": per_fragment_ms}
        print(
            f"{scenario:22}{median['local']:8.2f}{median['s3']:8.2f}{median['e2e']:8.2f}"
            f"{median['e2e'] / median['s3']:8.2f}{median['e2e'] / median['local']:10.2f}"
            f"{accepted * 1000:8.0f}{per_fragment_ms:12.0f}"
        )
    print(json.dumps({"rows": rows, "fragments": fragments, "rounds": rounds, "results": summary}))


if __name__ == "__main__":
    main()
