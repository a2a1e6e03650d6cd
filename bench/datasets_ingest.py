"""Dataset-table data plane vs raw Lance: ingest from JSON and Parquet, and a filtered query.

    python -m bench.datasets_ingest [--rows 1000000] [--query-rows 10000000] [--workdir DIR]

Every measurement runs in a fresh child process so its peak RSS is its own. Three rounds
alternate ours and raw; times are medians over rounds (each query time is itself a median of 5). "ours" is the
request path (``decode_rows`` + ``LanceTable.write`` / ``LanceTable.query``); "raw" is the
shortest plain pyarrow + Lance code that does the same job (JSON parsed with ``json.loads``
into ``pa.Table.from_pylist``; Parquet streamed straight into ``lance.write_dataset``).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA_FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "name", "arrowType": "utf8"},
    {"name": "category", "arrowType": "utf8"},
    {"name": "score", "arrowType": "float64"},
    {"name": "active", "arrowType": "bool"},
    {"name": "created", "arrowType": "timestamp[us]"},
]
QUERY_FILTERS = [
    {"field": "category", "op": "eq", "value": "c42"},
    {"field": "score", "op": "gt", "value": 0.95},
]
QUERY_PREDICATE = "category = 'c42' AND score > 0.95"
QUERY_REPEATS = 5
ROUNDS = 3
BATCH = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--query-rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="schemashift-bench-"))
    try:
        run_all(workdir, args.rows, args.query_rows)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run_all(workdir: Path, rows: int, query_rows: int) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"preparing {rows:,} rows as JSON and Parquet, and a {query_rows:,}-row dataset in {workdir}")
    child("prepare", workdir, rows=rows, query_rows=query_rows)
    size_mb = (workdir / "rows.json").stat().st_size / 1e6
    # Rounds alternate ours and raw so that load from other processes hits both alike.
    runs: dict[str, list[dict]] = {phase: [] for phase in PHASES if phase != "prepare"}
    for _ in range(ROUNDS):
        for phase, measured in runs.items():
            measured.append(child(phase, workdir))
    results = {
        phase: {
            "seconds": round(statistics.median(run["seconds"] for run in measured), 4),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in measured),
            "rows": measured[0]["rows"],
        }
        for phase, measured in runs.items()
    }
    print(f"\nJSON body {size_mb:.0f} MB, {rows:,} rows; query over {query_rows:,} rows ({QUERY_PREDICATE})")
    print(f"{'':24}{'ours s':>9}{'raw s':>9}{'ratio':>8}{'ours MB':>10}{'raw MB':>9}")
    for name in ("json_ingest", "parquet_ingest", "query"):
        ours, raw = results[f"{name}_ours"], results[f"{name}_raw"]
        print(
            f"{name:24}{ours['seconds']:9.2f}{raw['seconds']:9.2f}{ours['seconds'] / raw['seconds']:8.2f}"
            f"{ours['peak_rss_mb']:10.0f}{raw['peak_rss_mb']:9.0f}"
        )
    print(json.dumps({"rows": rows, "query_rows": query_rows, "results": results}))


def child(phase: str, workdir: Path, **options: int) -> dict:
    command = [sys.executable, "-m", "bench.datasets_ingest", "--phase", phase, "--workdir", str(workdir)]
    if options:
        (workdir / "options.json").write_text(json.dumps(options))
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_phase(phase: str, workdir: Path) -> dict:
    """Run one phase; phases time only their own work (not imports or table setup)."""
    result = PHASES[phase](workdir) or {}
    return {**result, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _timed_ingest(path: Path, ingest) -> dict:
    """One timed ingest into a fresh empty dataset (created untimed)."""
    table, schema = _fresh_table(path)
    started = time.perf_counter()
    rows = ingest(table, schema)
    return {"seconds": round(time.perf_counter() - started, 3), "rows": rows}


# --- phases --------------------------------------------------------------------------------


def prepare(workdir: Path) -> None:
    import lance
    import pyarrow as pa
    import pyarrow.parquet as pq

    options = json.loads((workdir / "options.json").read_text())
    arrow_schema = _arrow_schema()
    with (workdir / "rows.json").open("w") as out, pq.ParquetWriter(workdir / "rows.parquet", arrow_schema) as pw:
        out.write("[")
        for start in range(0, options["rows"], BATCH):
            batch = _generated(start, min(BATCH, options["rows"] - start))
            pw.write_batch(batch)
            rows = batch.to_pylist()
            for row in rows:
                row["created"] = row["created"].isoformat()
            out.write(("," if start else "") + ",".join(json.dumps(row) for row in rows))
        out.write("]")
    total = options["query_rows"]
    batches = (_generated(start, min(BATCH, total - start)) for start in range(0, total, BATCH))
    lance.write_dataset(pa.RecordBatchReader.from_batches(arrow_schema, batches), str(workdir / "query.lance"))


def json_ingest_ours(workdir: Path) -> dict:
    from schemashift.datasets.data.rows import decode_rows

    def ingest(table, schema) -> int:
        with (workdir / "rows.json").open("rb") as body:
            return table.write("append", decode_rows(body, "application/json", schema)).rows_inserted

    return _timed_ingest(workdir / "json_ours.lance", ingest)


def json_ingest_raw(workdir: Path) -> dict:
    import lance
    import pyarrow as pa

    arrow_schema = _arrow_schema()
    text_schema = arrow_schema.set(5, arrow_schema.field(5).with_type(pa.string()))

    def ingest(table, _) -> int:
        rows = json.loads((workdir / "rows.json").read_bytes())
        # pyarrow does not parse ISO text into timestamps from Python objects; cast the column in bulk.
        data = pa.Table.from_pylist(rows, schema=text_schema)
        data = data.set_column(5, arrow_schema.field(5), data.column(5).cast(pa.timestamp("us")))
        del rows
        return lance.write_dataset(data, table.uri, mode="append").count_rows()

    return _timed_ingest(workdir / "json_raw.lance", ingest)


def parquet_ingest_ours(workdir: Path) -> dict:
    from schemashift.datasets.data.rows import decode_rows

    def ingest(table, schema) -> int:
        with (workdir / "rows.parquet").open("rb") as body:
            return table.write("append", decode_rows(body, "application/parquet", schema)).rows_inserted

    return _timed_ingest(workdir / "parquet_ours.lance", ingest)


def parquet_ingest_raw(workdir: Path) -> dict:
    import lance
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_schema = _arrow_schema()

    def ingest(table, _) -> int:
        source = pq.ParquetFile(workdir / "rows.parquet")
        reader = pa.RecordBatchReader.from_batches(arrow_schema, source.iter_batches(batch_size=65_536))
        return lance.write_dataset(reader, table.uri, mode="append").count_rows()

    return _timed_ingest(workdir / "parquet_raw.lance", ingest)


def query_ours(workdir: Path) -> dict:
    from schemashift.datasets.data.lance_table import LanceTable

    table = LanceTable(str(workdir / "query.lance"))
    times, result = [], None
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        result = table.query(filters=QUERY_FILTERS, limit=10_000)
        times.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(times), 4), "rows": len(result.rows)}


def query_raw(workdir: Path) -> dict:
    import lance

    times, rows = [], []
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        table = lance.dataset(str(workdir / "query.lance")).to_table(filter=QUERY_PREDICATE, limit=10_000)
        rows = table.to_pylist()
        times.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(times), 4), "rows": len(rows)}


PHASES = {
    "prepare": prepare,
    "json_ingest_ours": json_ingest_ours,
    "json_ingest_raw": json_ingest_raw,
    "parquet_ingest_ours": parquet_ingest_ours,
    "parquet_ingest_raw": parquet_ingest_raw,
    "query_ours": query_ours,
    "query_raw": query_raw,
}


# --- helpers -------------------------------------------------------------------------------


def _arrow_schema():
    from schemashift.datasets.catalog.schema import build_schema, to_arrow

    return to_arrow(build_schema(SCHEMA_FIELDS, ["id"]))


def _fresh_table(path: Path):
    """An empty dataset created outside the timed part of both variants."""
    from schemashift.datasets.catalog.schema import build_schema
    from schemashift.datasets.data.lance_table import LanceTable

    schema = build_schema(SCHEMA_FIELDS, ["id"])
    shutil.rmtree(path, ignore_errors=True)
    table = LanceTable(str(path))
    table.create(schema)
    return table, schema


def _generated(start: int, count: int):
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(start)
    ids = np.arange(start, start + count, dtype=np.int64)
    names = pa.array(np.char.add("name-", ids.astype(str)))
    categories = pa.array(np.char.add("c", (ids % 1000).astype(str)))
    created = pa.array(1_700_000_000_000_000 + ids * 1_000, pa.timestamp("us"))
    return pa.record_batch(
        [pa.array(ids), names, categories, pa.array(rng.random(count)), pa.array(ids % 3 == 0), created],
        schema=_arrow_schema(),
    )


if __name__ == "__main__":
    main()
