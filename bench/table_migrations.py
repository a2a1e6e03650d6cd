"""Table migrations: our plan -> fragments -> commit vs the raw Lance call vs a naive rewrite.

    python -m bench.table_migrations [--rows N] [--fragments 40] [--rounds 3] [--workdir DIR]

The row count defaults to ``SCHEMASHIFT_BENCH_ROWS`` or 10,000,000, written as ``--fragments``
fragments. Every measurement runs in a fresh child process on a fresh copy of the dataset,
so its time and peak RSS are its own. "ours" runs ``plan_migration``, every ``run_fragment``
(sequentially, in one process; the service fans them out) and ``commit_migration``; "raw" is
the one Lance call that does the same (``add_columns``, ``alter_columns``,
``create_scalar_index``); "naive" reads the whole table with pyarrow, changes it and writes a
new dataset.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIOS: dict[str, dict[str, Any]] = {
    "add_column_null": {"type": "add_column", "params": {"name": "note", "dataType": "string", "nullable": True}},
    "add_column_default": {
        "type": "add_column",
        "params": {"name": "status", "dataType": "string", "nullable": False, "defaultValue": "new"},
    },
    "change_column_type": {"type": "change_column_type", "params": {"name": "qty", "newType": "int64"}},
    "add_scalar_index": {"type": "add_scalar_index", "params": {"column": "qty", "indexType": "btree"}},
}
WRITE_BATCH = 500_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("SCHEMASHIFT_BENCH_ROWS", 10_000_000)))
    parser.add_argument("--fragments", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="runs per measurement; the median time is shown")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.scenario, args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="schemashift-bench-"))
    try:
        run_all(workdir, args.rows, args.fragments, args.rounds)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run_all(workdir: Path, rows: int, fragments: int, rounds: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"writing {rows:,} rows in {fragments} fragments to {workdir}")
    prepare(workdir / "base.lance", rows, fragments)
    runs: dict[str, dict[str, list[dict]]] = {}
    for _ in range(rounds):  # rounds alternate the phases so machine noise hits all of them
        for scenario in SCENARIOS:
            for phase in ("ours", "raw", "naive"):
                if scenario == "add_scalar_index" and phase == "naive":
                    continue  # an index is not a rewrite; nothing naive to compare with
                runs.setdefault(scenario, {}).setdefault(phase, []).append(child(workdir, scenario, phase))
    results = {
        scenario: {phase: _median_run(samples) for phase, samples in by_phase.items()}
        for scenario, by_phase in runs.items()
    }
    print(f"\n{rows:,} rows, {fragments} fragments, median of {rounds}; seconds, peak RSS above imports (MB)")
    print(
        f"{'':22}{'ours s':>8}{'raw s':>8}{'naive s':>8}{'ours/raw':>9}{'naive/ours':>11}{'1 frag s':>9}"
        f"{'ours MB':>8}{'raw MB':>8}{'naive MB':>9}"
    )
    nan = {"seconds": float("nan"), "work_rss_mb": float("nan")}
    for scenario, by_phase in results.items():
        ours, raw, naive = by_phase["ours"], by_phase["raw"], by_phase.get("naive", nan)
        print(
            f"{scenario:22}{ours['seconds']:8.2f}{raw['seconds']:8.2f}{naive['seconds']:8.2f}"
            f"{ours['seconds'] / raw['seconds']:9.2f}{naive['seconds'] / ours['seconds']:11.1f}"
            f"{ours['slowest_fragment_s']:9.3f}"
            f"{ours['work_rss_mb']:8.0f}{raw['work_rss_mb']:8.0f}{naive['work_rss_mb']:9.0f}"
        )
    print(json.dumps({"rows": rows, "fragments": fragments, "results": results}))


def _median_run(samples: list[dict]) -> dict:
    """The run with the median time; memory is the worst seen."""
    middle = sorted(samples, key=lambda sample: sample["seconds"])[len(samples) // 2]
    return {**middle, "work_rss_mb": max(sample["work_rss_mb"] for sample in samples)}


def child(workdir: Path, scenario: str, phase: str) -> dict:
    target = workdir / f"{scenario}-{phase}.lance"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(workdir / "base.lance", target)
    command = [
        sys.executable,
        "-m",
        "bench.table_migrations",
        "--phase",
        phase,
        "--scenario",
        scenario,
        "--workdir",
        str(workdir),
    ]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(workdir / f"{scenario}-naive-out.lance", ignore_errors=True)
    return json.loads(output.strip().splitlines()[-1])


def run_phase(phase: str, scenario: str, workdir: Path) -> dict:
    import lance  # noqa: F401 - imports are not part of the measurement
    import schemashift.datasets.migrations  # noqa: F401

    uri = str(workdir / f"{scenario}-{phase}.lance")
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    extra = {"ours": ours, "raw": raw, "naive": naive}[phase](uri, scenario, workdir)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "work_rss_mb": round(peak_mb - baseline_mb, 1),  # peak above the process after its imports
        **extra,
    }


def ours(uri: str, scenario: str, workdir: Path) -> dict:
    import lance
    from schemashift.datasets.catalog.schema import from_arrow
    from schemashift.datasets.migrations import commit_migration, plan_migration, run_fragment

    schema = from_arrow(lance.dataset(uri).schema)
    plan = plan_migration(uri, None, schema, [SCENARIOS[scenario]])
    assert plan.isValid, plan.validationErrors
    slowest = 0.0
    results = []
    for fragment_id in plan.fragment_ids:
        started = time.perf_counter()
        results.append(run_fragment(plan, fragment_id))
        slowest = max(slowest, time.perf_counter() - started)
    commit_migration(plan, results)
    return {"slowest_fragment_s": round(slowest, 3), "estimated_ms": plan.estimatedDurationMs}


def raw(uri: str, scenario: str, workdir: Path) -> dict:
    import lance
    import pyarrow as pa

    dataset = lance.dataset(uri)
    if scenario == "add_column_null":
        dataset.add_columns(pa.field("note", pa.string()))
    elif scenario == "add_column_default":
        dataset.add_columns({"status": "'new'"})
    elif scenario == "change_column_type":
        dataset.alter_columns({"path": "qty", "data_type": pa.int64()})
    else:
        dataset.create_scalar_index("qty", "BTREE")
    return {}


def naive(uri: str, scenario: str, workdir: Path) -> dict:
    import lance
    import pyarrow as pa

    table = lance.dataset(uri).to_table()
    if scenario == "add_column_null":
        table = table.append_column("note", pa.nulls(len(table), pa.string()))
    elif scenario == "add_column_default":
        table = table.append_column(pa.field("status", pa.string(), False), pa.repeat(pa.scalar("new"), len(table)))
    else:
        table = table.set_column(table.schema.get_field_index("qty"), "qty", table["qty"].cast(pa.int64()))
    rows_per_file = max(1, len(table) // max(1, len(lance.dataset(uri).get_fragments())))
    lance.write_dataset(table, str(workdir / f"{scenario}-naive-out.lance"), max_rows_per_file=rows_per_file)
    return {}


def prepare(path: Path, rows: int, fragments: int) -> None:
    import lance
    import pyarrow as pa
    from schemashift.datasets.catalog.schema import build_schema, to_arrow

    schema = to_arrow(
        build_schema(
            [
                {"name": "id", "arrowType": "int64", "nullable": False},
                {"name": "qty", "arrowType": "int32"},
                {"name": "category", "arrowType": "string"},
                {"name": "price", "arrowType": "float64"},
            ],
            ["id"],
        )
    )

    def batches():
        import numpy as np

        for start in range(0, rows, WRITE_BATCH):
            count = min(WRITE_BATCH, rows - start)
            ids = np.arange(start, start + count, dtype=np.int64)
            yield pa.record_batch(
                [
                    pa.array(ids),
                    pa.array((ids % 1000).astype(np.int32)),
                    pa.array([f"c{i % 100}" for i in range(start, start + count)]),
                    pa.array(ids * 0.25),
                ],
                schema=schema,
            )

    shutil.rmtree(path, ignore_errors=True)
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    lance.write_dataset(reader, str(path), max_rows_per_file=-(-rows // fragments))


if __name__ == "__main__":
    main()
