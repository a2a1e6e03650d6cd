"""The dataset-table API handlers vs the same Lance calls made directly, on the local stack.

    python -m bench.datasets_api [--rows 1000000] [--query-rows 10000000] [--inline-rows 20000] [--rounds 3]

What is compared (same data, same moto S3, same tables):

- ``json_upload`` / ``parquet_upload``: ingest ``--rows`` rows. "handler" invokes the rows
  function (``functions/table_rows/app.py``) with an API Gateway event naming an upload already
  in S3 (bodies this size cannot be sent inline), so it includes reading the table from the
  catalog and fetching the body from S3. "direct" runs ``decode_rows`` + ``LanceTable.write``
  on the same file from local disk.
- ``json_inline``: ``--inline-rows`` rows sent in the event body (the common API call).
- ``query``: a filtered query over ``--query-rows`` rows. "handler" invokes the query function
  and includes JSON encoding of the response; "direct" is ``LanceTable.query``; "raw" is
  ``lance.dataset(...).to_table(filter=...).to_pylist()``.

The local stack (moto server) runs in this process; every measurement runs in a fresh child
process connected to it, so the peak RSS shown is that of the Lambda-equivalent process alone.
Rounds alternate handler and direct; times are medians (queries: median of 5 calls per round).
Data generation and the test files come from ``bench.datasets_ingest``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.datasets_ingest import (
    BATCH,
    QUERY_FILTERS,
    QUERY_PREDICATE,
    SCHEMA_FIELDS,
    _arrow_schema,
    _generated,
)

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "bench"
QUERY_REPEATS = 5
QUERY_LIMIT = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--query-rows", type=int, default=10_000_000)
    parser.add_argument("--inline-rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="schemashift-bench-api-"))
    try:
        run_all(workdir, args.rows, args.query_rows, args.inline_rows, args.rounds)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


# --- parent: the local stack, data preparation, rounds -------------------------------------------


def run_all(workdir: Path, rows: int, query_rows: int, inline_rows: int, rounds: int) -> None:
    from schemashift.local.stack import LocalStack

    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["SCHEMASHIFT_HOME"] = str(workdir / "home")
    stack = LocalStack(root=ROOT).start(seed_dev_key=False)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # after start(): the template's environment sets INFO
    try:
        print(
            f"preparing {rows:,} rows (JSON, Parquet), {inline_rows:,} inline rows, {query_rows:,}-row table"
        )
        _prepare_files(workdir, rows, inline_rows)
        dataset_id = _catalog().create_dataset(ACCOUNT, "bench").datasetId
        query_table = _new_table(dataset_id, "query")
        _fill(query_table, query_rows)
        measured: dict[str, list[dict]] = {}
        for _ in range(rounds):
            for name, content_type in (
                ("json_upload", "application/json"),
                ("parquet_upload", "application/parquet"),
            ):
                source = workdir / ("rows.json" if content_type == "application/json" else "rows.parquet")
                for variant in ("handler", "direct"):
                    table_id = _new_table(dataset_id, f"{name}-{variant}")
                    setup = {"tableId": table_id, "contentType": content_type, "source": str(source)}
                    if variant == "handler":
                        setup["uploadId"] = _put_upload(table_id, source, content_type)
                    measured.setdefault(f"{name}_{variant}", []).append(
                        child(f"ingest_{variant}", workdir, setup)
                    )
            for variant in ("handler", "direct"):
                setup = {
                    "tableId": _new_table(dataset_id, f"inline-{variant}"),
                    "source": str(workdir / "inline.json"),
                    "contentType": "application/json",
                }
                measured.setdefault(f"json_inline_{variant}", []).append(
                    child(f"inline_{variant}", workdir, setup)
                )
            for variant in ("handler", "direct", "raw"):
                measured.setdefault(f"query_{variant}", []).append(
                    child(f"query_{variant}", workdir, {"tableId": query_table})
                )
        report(measured, rows, query_rows, inline_rows, (workdir / "rows.json").stat().st_size)
    finally:
        stack.stop()


def report(
    measured: dict[str, list[dict]], rows: int, query_rows: int, inline_rows: int, json_bytes: int
) -> None:
    summary = {
        name: {
            "seconds": round(statistics.median(run["seconds"] for run in runs), 4),
            "rounds": [run["seconds"] for run in runs],
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
            "rows": runs[0]["rows"],
        }
        for name, runs in measured.items()
    }
    print(
        f"\nJSON body {json_bytes / 1e6:.0f} MB for {rows:,} rows; inline {inline_rows:,} rows; "
        f"query over {query_rows:,} rows ({QUERY_PREDICATE})"
    )
    print(
        f"{'':18}{'handler s':>10}{'direct s':>10}{'ratio':>7}{'handler MB':>12}{'direct MB':>11}{'rows':>10}"
    )
    for name in ("json_upload", "parquet_upload", "json_inline", "query"):
        handler, direct = summary[f"{name}_handler"], summary[f"{name}_direct"]
        print(
            f"{name:18}{handler['seconds']:10.3f}{direct['seconds']:10.3f}"
            f"{handler['seconds'] / direct['seconds']:7.2f}{handler['peak_rss_mb']:12.0f}"
            f"{direct['peak_rss_mb']:11.0f}{handler['rows']:10,}"
        )
    first = statistics.median(run["first_seconds"] for run in measured["query_handler"])
    print(f"{'query (1st call)':18}{first:10.3f}")
    raw = summary["query_raw"]
    print(
        f"{'query (raw lance)':18}{'':10}{raw['seconds']:10.3f}"
        f"{summary['query_handler']['seconds'] / raw['seconds']:7.2f}{'':12}{raw['peak_rss_mb']:11.0f}"
    )
    print(
        json.dumps({"rows": rows, "query_rows": query_rows, "inline_rows": inline_rows, "results": summary})
    )


def child(phase: str, workdir: Path, setup: dict[str, Any]) -> dict:
    (workdir / "setup.json").write_text(json.dumps(setup))
    command = [sys.executable, "-m", "bench.datasets_api", "--phase", phase, "--workdir", str(workdir)]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _prepare_files(workdir: Path, rows: int, inline_rows: int) -> None:
    """rows.json / rows.parquet as bench.datasets_ingest writes them, plus a small inline body."""
    from bench.datasets_ingest import prepare

    (workdir / "options.json").write_text(json.dumps({"rows": rows, "query_rows": 0}))
    prepare(workdir)
    shutil.rmtree(workdir / "query.lance", ignore_errors=True)
    rows_inline = _generated(0, inline_rows).to_pylist()
    for row in rows_inline:
        row["created"] = row["created"].isoformat()
    (workdir / "inline.json").write_text(json.dumps(rows_inline))


def _catalog():
    from schemashift.datasets.catalog.store import default_catalog

    return default_catalog()


def _new_table(dataset_id: str, name: str) -> str:
    from schemashift.datasets.data.table_data import default_table_data
    from schemashift.datasets.requests import CreateTable
    from schemashift.ids import new_id

    request = CreateTable(
        datasetId=dataset_id,
        tableName=f"{name}-{new_id(size=6)}",
        fields=SCHEMA_FIELDS,
        primaryKeyColumns=["id"],
    )
    return default_table_data().create_table(ACCOUNT, request).tableId


def _put_upload(table_id: str, source: Path, content_type: str) -> str:
    from schemashift.datasets.data.storage import default_bucket, upload_key
    from schemashift.ids import new_id

    bucket = default_bucket()
    upload_id = new_id("upl_")
    bucket.s3.upload_file(
        str(source),
        bucket.name,
        upload_key(ACCOUNT, table_id, upload_id),
        ExtraArgs={"ContentType": content_type},
    )
    return upload_id


def _fill(table_id: str, rows: int) -> None:
    import lance
    import pyarrow as pa
    from schemashift.aws import lance_storage_options

    location = _catalog().get_table(ACCOUNT, table_id).location
    batches = (_generated(start, min(BATCH, rows - start)) for start in range(0, rows, BATCH))
    reader = pa.RecordBatchReader.from_batches(_arrow_schema(), batches)
    lance.write_dataset(reader, location, mode="append", storage_options=lance_storage_options())


# --- children: one timed measurement each ---------------------------------------------------------


def run_phase(phase: str, workdir: Path) -> dict:
    setup = json.loads((workdir / "setup.json").read_text())
    result = PHASES[phase](setup)
    return {**result, "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> int:
    """This process's own peak RSS. ru_maxrss is not it here: Linux carries the parent's peak
    (the moto server holding every upload and dataset) across fork and exec into the child."""
    try:
        status = Path("/proc/self/status").read_text()
        kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        return round(kilobytes / 1024)
    except (OSError, StopIteration):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _handler(function: str):
    import importlib.util

    from schemashift.local.lambdas import LocalLambdaContext

    spec = importlib.util.spec_from_file_location(
        f"bench_{function}", ROOT / "functions" / function / "app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = LocalLambdaContext(function, f"arn:aws:lambda:::function:{function}", 2048, 900, "bench")
    return module.lambda_handler, context


def _event(
    method: str,
    path: str,
    table_id: str,
    *,
    query: dict[str, str] | None = None,
    body: str | None = None,
    content_type: str = "application/json",
) -> dict:
    headers = {"Content-Type": content_type, "x-api-key": "bench"}
    return {
        "resource": path.replace(table_id, "{tableId}"),
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"tableId": table_id},
        "requestContext": {
            "requestId": "bench",
            "path": path,
            "httpMethod": method,
            "stage": "local",
            "authorizer": {"account": ACCOUNT, "scopes": '["*/*"]', "keyId": "bench"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _invoke(function: str, event: dict) -> tuple[float, dict]:
    """Time one request on a warm container: a first, empty write has already set up its clients."""
    handler, context = _handler(function)
    warm_up = {**event, "queryStringParameters": {"mode": "append"}, "body": "[]"}
    if handler(warm_up, context)["statusCode"] != 200:
        raise RuntimeError(f"warm-up request to {function} failed")
    started = time.perf_counter()
    response = handler(event, context)
    seconds = time.perf_counter() - started
    body = json.loads(response["body"])
    if response["statusCode"] != 200:
        raise RuntimeError(f"{function} answered {response['statusCode']}: {body}")
    return seconds, body


def ingest_handler(setup: dict) -> dict:
    path = f"/dataset-tables/{setup['tableId']}/rows"
    event = _event("POST", path, setup["tableId"], query={"mode": "append", "upload_id": setup["uploadId"]})
    seconds, body = _invoke("table_rows", event)
    return {"seconds": round(seconds, 3), "rows": body["rows_inserted"]}


def inline_handler(setup: dict) -> dict:
    path = f"/dataset-tables/{setup['tableId']}/rows"
    text = Path(setup["source"]).read_text()
    event = _event("POST", path, setup["tableId"], query={"mode": "append"}, body=text)
    seconds, body = _invoke("table_rows", event)
    return {"seconds": round(seconds, 4), "rows": body["rows_inserted"]}


def ingest_direct(setup: dict) -> dict:
    from schemashift.aws import lance_storage_options
    from schemashift.datasets.data.lance_table import LanceTable
    from schemashift.datasets.data.rows import decode_rows
    from schemashift.datasets.data.table_data import table_schema

    table = _catalog().get_table(ACCOUNT, setup["tableId"])
    schema, lance_table = table_schema(table), LanceTable(table.location, lance_storage_options())
    lance_table.write("append", decode_rows(b"[]", "application/json", schema))  # the same warm-up
    started = time.perf_counter()
    with open(setup["source"], "rb") as body:
        result = lance_table.write("append", decode_rows(body, setup["contentType"], schema))
    return {"seconds": round(time.perf_counter() - started, 4), "rows": result.rows_inserted}


inline_direct = ingest_direct


def query_handler(setup: dict) -> dict:
    path = f"/dataset-tables/{setup['tableId']}/query"
    event = _event(
        "POST", path, setup["tableId"], body=json.dumps({"filters": QUERY_FILTERS, "limit": QUERY_LIMIT})
    )
    handler, context = _handler("table_query")
    times, rows = [], 0
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        response = handler(event, context)
        times.append(time.perf_counter() - started)
        rows = len(json.loads(response["body"])["rows"])
    # The first call of a fresh container also creates its AWS clients and opens the dataset.
    return {"seconds": round(statistics.median(times), 4), "rows": rows, "first_seconds": round(times[0], 4)}


def query_direct(setup: dict) -> dict:
    from schemashift.aws import lance_storage_options
    from schemashift.datasets.data.lance_table import LanceTable

    table = LanceTable(_catalog().get_table(ACCOUNT, setup["tableId"]).location, lance_storage_options())
    times, rows = [], 0
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        rows = len(table.query(filters=QUERY_FILTERS, limit=QUERY_LIMIT).rows)
        times.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(times), 4), "rows": rows}


def query_raw(setup: dict) -> dict:
    import lance
    from schemashift.aws import lance_storage_options

    location = _catalog().get_table(ACCOUNT, setup["tableId"]).location
    times, rows = [], 0
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        dataset = lance.dataset(location, storage_options=lance_storage_options())
        rows = len(dataset.to_table(filter=QUERY_PREDICATE, limit=QUERY_LIMIT).to_pylist())
        times.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(times), 4), "rows": rows}


PHASES = {
    "ingest_handler": ingest_handler,
    "ingest_direct": ingest_direct,
    "inline_handler": inline_handler,
    "inline_direct": inline_direct,
    "query_handler": query_handler,
    "query_direct": query_direct,
    "query_raw": query_raw,
}


if __name__ == "__main__":
    main()
