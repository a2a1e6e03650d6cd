"""The local stack's own costs: an apply through API + state machine against the engine called
directly, and what durable state costs on applies and row writes.

    python -m bench.local_stack [--changesets 500] [--rows 20000] [--repeat 2]

Each variant runs in a fresh child process, interleaved, median of ``--repeat``:

- ``direct``: the engine's ``update`` on a fresh SQLite file (the baseline);
- ``memory`` / ``durable``: ``POST .../apply`` on the local stack with the journal off / on, timed
  until the deployment's completion event is put on the bus (what a pipeline waits for; polling
  the API from the same process would slow the run it measures);
- ``rows-memory`` / ``rows-durable``: ``POST /dataset-tables/{t}/rows`` of ``--rows`` JSON rows,
  then the time until the journal has written everything (durable only).

SQLite files live on the same disk as ``SCHEMASHIFT_HOME`` in every variant (``--work``). Wall and
CPU time (of every thread in the process) are both reported: on a loaded machine CPU time is the
steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _changelog(count: int) -> str:
    from bench.deployments import changelog

    return changelog(count)


class _Timer:
    """Wall and CPU seconds (every thread of this process: handlers, state machine, emulator)."""

    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def result(self) -> dict[str, float]:
        return {"seconds": self.wall, "cpu": self.cpu}


def run_direct(work: Path, changesets: int) -> dict[str, float]:
    from schemashift.changelog import FileSystemAccessor, parse_changelog
    from schemashift.engine import update
    from schemashift.targets import open_target

    (work / "changelog.sql").write_text(_changelog(changesets))
    with _Timer() as timer, open_target(f"sqlite:///{work}/direct.db") as target:
        update(target, parse_changelog("changelog.sql", FileSystemAccessor([str(work)]), dialect=target.dialect))
    return timer.result()


def _stack(work: Path, durable: bool) -> Any:
    import os

    os.environ["SCHEMASHIFT_HOME"] = str(work / "home")
    from schemashift.local.stack import LocalStack

    return LocalStack(root=ROOT, durable=durable).start()


def run_apply(work: Path, changesets: int, durable: bool) -> dict[str, float]:
    from schemashift.deployments import runner

    from bench.deployments import setup
    from tests.support.client import ApiClient

    done = threading.Event()
    emit = runner.emit

    def observed(detail_type: str, detail: dict[str, Any], *more: Any, **where: Any) -> None:
        emit(detail_type, detail, *more, **where)
        if detail_type.startswith("DbSchemaDeployment"):
            done.set()

    runner.emit = observed  # type: ignore[assignment]
    stack = _stack(work, durable)
    try:
        api = ApiClient(stack.api())
        folder = work.name  # instance files live under the stack's SQLite root, on the same disk as work/
        warm = setup(api, _changelog(3), {"warm": f"sqlite:///{folder}/warm.db"})  # clients, imports, containers
        api.post(f"{warm}/dbschema/app/instance/warm/apply", {"pipeline": "b", "planExecutionId": "p",
                                                                "stageExecutionId": "s"})
        done.wait(120)
        done.clear()
        base = setup(api, _changelog(changesets), {"main": f"sqlite:///{folder}/through.db"})
        with _Timer() as timer:
            response = api.post(f"{base}/dbschema/app/instance/main/apply",
                                {"pipeline": "b", "planExecutionId": "p", "stageExecutionId": "s"})
            done.wait(1800)
        execution = api.get(f"{base}/executions/{response.json()['executionId']}").json()
        assert execution["status"] == "SUCCESS", execution.get("error")
        return timer.result()
    finally:
        stack.stop()


def run_rows(work: Path, rows: int, durable: bool) -> dict[str, float]:
    from tests.support.client import ApiClient

    stack = _stack(work, durable)
    try:
        api = ApiClient(stack.api())
        dataset = api.post("/datasets", {"name": "bench"}).json()["datasetId"]
        table = api.post("/dataset-tables", {"datasetId": dataset, "tableName": "t", "primaryKeyColumns": ["id"],
                                             "fields": [{"name": "id", "arrowType": "int64", "nullable": False},
                                                        {"name": "kind", "arrowType": "utf8"},
                                                        {"name": "amount", "arrowType": "float64"}]}).json()["tableId"]
        body = [{"id": i, "kind": f"k{i % 7}", "amount": i * 0.5} for i in range(rows)]
        with _Timer() as timer:
            response = api.post(f"/dataset-tables/{table}/rows?mode=append", body)
            assert response.status == 200, response.json()
            if stack.journal is not None:
                stack.journal.flush()  # until it is on disk, not just in moto
        return timer.result()
    finally:
        stack.stop()


def child(variant: str, changesets: int, rows: int, parent: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="ss-bench-local-", dir=parent))
    result = {
        "direct": lambda: run_direct(work, changesets),
        "memory": lambda: run_apply(work, changesets, durable=False),
        "durable": lambda: run_apply(work, changesets, durable=True),
        "rows-memory": lambda: run_rows(work, rows, durable=False),
        "rows-durable": lambda: run_rows(work, rows, durable=True),
    }[variant]()
    print(json.dumps({"variant": variant, **result}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changesets", type=int, default=500)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", default=tempfile.gettempdir(),
                        help="where homes and SQLite files go (the same disk for every variant)")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.changesets, args.rows, args.work)
        return
    variants = ("direct", "memory", "durable", "rows-memory", "rows-durable")
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for _ in range(args.repeat):
        for variant in variants:
            out = subprocess.run([sys.executable, "-m", "bench.local_stack", "--child", variant,
                                  "--changesets", str(args.changesets), "--rows", str(args.rows),
                                  "--work", args.work],
                                 cwd=ROOT, capture_output=True, text=True, check=True).stdout
            runs[variant].append(json.loads(out.strip().splitlines()[-1]))
    wall = {v: statistics.median(r["seconds"] for r in rs) for v, rs in runs.items()}
    cpu = {v: statistics.median(r["cpu"] for r in rs) for v, rs in runs.items()}

    def row(label: str, variant: str, base: str | None) -> str:
        text = f"  {label:<38} {wall[variant]:7.2f} s wall {cpu[variant]:7.2f} s CPU"
        if base:
            text += f"   ({wall[variant] / wall[base]:.2f}x / {cpu[variant] / cpu[base]:.2f}x of {base})"
        return text

    print(f"apply of {args.changesets} changesets (SQLite), median of {args.repeat}, work in {args.work}")
    print(row("engine called directly:", "direct", None))
    print(row("API + state machine, state in memory:", "memory", "direct"))
    print(row("API + state machine, durable state:", "durable", "direct"))
    print(row("  durable vs in memory:", "durable", "memory"))
    print(f"rows: POST {args.rows} JSON rows")
    print(row("state in memory:", "rows-memory", None))
    print(row("durable (until written):", "rows-durable", "rows-memory"))

if __name__ == "__main__":
    main()
