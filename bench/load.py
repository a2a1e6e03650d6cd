"""A bounded load run on the local stack over real HTTP (127.0.0.1 only): N clients for S seconds.

    python -m bench.load [--clients 20] [--seconds 60] [--url http://127.0.0.1:3000]

Each client loops over a weighted mix: reads (schema, instance, migration state, table, a row
query), row appends (unique ids, one table shared by every client), apply starts (each client on
its own SQLite instance) and migration starts (``add_column`` on the shared table, while the
others append). Without ``--url`` the script starts its own stack in process.

Reported: requests, errors (5xx, transport failures, undocumented statuses), 409s (a start refused
because one is running: documented, not an error), retryable 503s that the client repeated (as
the docs tell clients to; at most 3 times, the final answer is the one judged; latencies include
the retries), p50/p95/p99 per kind, lost writes (ids whose
append answered 200 but that are not read back; 0 means none lost), the migrations' and applies'
final states, and the process' peak RSS. Every loop is bounded by count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
KEY = os.environ.get("SCHEMASHIFT_DEV_API_KEY", "local-dev-key")
MIX = {"read": 60, "append": 25, "apply": 8, "migrate": 7}
EXPECTED = {  # documented answers per kind; anything else is an error
    "read": {200}, "append": {200}, "apply": {202, 409}, "migrate": {202, 409},
}
MAX_REQUESTS_PER_CLIENT = 100_000
RETRIES = 3
CHANGELOG = "-- liquibase formatted sql\n\n" + "".join(
    f"-- changeset load:{i}\nCREATE TABLE load_{i} (id INT PRIMARY KEY, v VARCHAR(20));\n"
    f"-- rollback DROP TABLE load_{i};\n\n" for i in range(5))


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    acked_ids: set[int] = field(default_factory=set)
    operations: list[str] = field(default_factory=list)
    executions: list[tuple[str, str]] = field(default_factory=list)
    transport_failures: int = 0
    retried503: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, url: str, number: int, setup: dict[str, Any], tally: Tally) -> None:
        self.url, self.number, self.setup, self.tally = url, number, setup, tally
        self.session = requests.Session()
        self.session.headers.update({"x-api-key": KEY})
        self.random = random.Random(number)
        self.sequence = 0
        self.instance = setup["instances"][number % len(setup["instances"])]

    def run(self, deadline: float) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                return
            kind = self.random.choices(kinds, weights)[0]
            getattr(self, kind)()

    def _send(self, kind: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """One request; a 503 marked ``retryable`` is repeated (as the docs tell clients), at most
        ``RETRIES`` times with backoff, and counted; the final answer is the one judged."""
        started = time.perf_counter()
        for attempt in range(RETRIES + 1):
            try:
                response = self.session.request(method, self.url + path, timeout=60, **kwargs)
            except requests.RequestException as exc:
                with self.tally.lock:
                    self.tally.errors.append(f"{kind} {method} {path}: {type(exc).__name__}: {exc}")
                    self.tally.transport_failures += 1
                return None
            if response.status_code != 503 or attempt == RETRIES or not _retryable(response):
                break
            with self.tally.lock:
                self.tally.retried503 += 1
            time.sleep(self.random.uniform(0.5, 2.0) * (attempt + 1))
        elapsed = time.perf_counter() - started
        with self.tally.lock:
            self.tally.latencies[kind].append(elapsed)
            self.tally.statuses[(kind, response.status_code)] += 1
            if response.status_code not in EXPECTED[kind]:
                self.tally.errors.append(f"{kind} {method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def read(self) -> None:
        base, table = self.setup["base"], self.setup["table"]
        choice = self.random.randrange(5)
        if choice == 0:
            self._send("read", "GET", f"{base}/dbschema/load")
        elif choice == 1:
            self._send("read", "GET", f"{base}/dbschema/load/instance/{self.instance}")
        elif choice == 2:
            self._send("read", "POST", f"{base}/dbschema/load/migrationstate", json={})
        elif choice == 3:
            self._send("read", "GET", f"/dataset-tables/{table}")
        else:
            self._send("read", "POST", f"/dataset-tables/{table}/query",
                       json={"filters": [{"field": "client", "op": "eq", "value": self.number}], "limit": 50})

    def append(self) -> None:
        ids = [self.number * 10_000_000 + self.sequence + i for i in range(10)]
        self.sequence += 10
        rows = [{"id": i, "client": self.number, "v": f"row-{i}"} for i in ids]
        response = self._send("append", "POST", f"/dataset-tables/{self.setup['table']}/rows",
                              params={"mode": "append"}, json=rows)
        if response is not None and response.status_code == 200:
            with self.tally.lock:
                self.tally.acked_ids.update(ids)

    def apply(self) -> None:
        path = f"{self.setup['base']}/dbschema/load/instance/{self.instance}/apply"
        response = self._send("apply", "POST", path, json={})
        if response is not None and response.status_code == 202:
            with self.tally.lock:
                self.tally.executions.append((self.setup["base"], response.json()["executionId"]))

    def migrate(self) -> None:
        name = f"m_{self.number}_{self.sequence}"
        self.sequence += 1
        body = {"operations": [{"type": "add_column", "params": {"name": name, "dataType": "string",
                                                                 "nullable": True}}]}
        response = self._send("migrate", "POST", f"/dataset-tables/{self.setup['table']}/migrations", json=body)
        if response is not None and response.status_code == 202:
            with self.tally.lock:
                self.tally.operations.append(response.json()["operationId"])


def _retryable(response: requests.Response) -> bool:
    try:
        return bool(response.json().get("retryable"))
    except ValueError:
        return False


def _check(response: requests.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"setup: {response.request.method} {response.url}: {response.status_code} {response.text}")
    return response.json() if response.content else {}


def prepare(url: str, clients: int) -> dict[str, Any]:
    """A schema with a changelog, one SQLite instance per client, a dataset and one shared table."""
    session = requests.Session()
    session.headers.update({"x-api-key": KEY})
    run = uuid.uuid4().hex[:8]
    base = f"/v1/orgs/load{run}/projects/p"
    _check(session.post(f"{url}{base}/dbschema", json={"identifier": "load", "name": "load"}), 201)
    _check(session.put(f"{url}{base}/dbschema/load/changelog",
                       json={"rootFile": "c.sql", "files": {"c.sql": CHANGELOG}}), 200)
    instances = []
    for number in range(clients):
        name = f"i{number}"
        _check(session.post(f"{url}{base}/dbschema/load/instance",
                            json={"identifier": name, "name": name, "url": f"sqlite:///load-{run}-{number}.db"}), 201)
        instances.append(name)
    dataset = _check(session.post(f"{url}/datasets", json={"name": f"load-{run}"}), 201)["datasetId"]
    table = _check(session.post(f"{url}/dataset-tables", json={
        "datasetId": dataset, "tableName": "events", "primaryKeyColumns": ["id"],
        "fields": [{"name": "id", "arrowType": "int64", "nullable": False},
                   {"name": "client", "arrowType": "int32"}, {"name": "v", "arrowType": "string"}]}), 201)["tableId"]
    return {"base": base, "instances": instances, "table": table}


def _wait_done(session: requests.Session, url: str, paths: list[str], done: set[str], timeout: float) -> Counter[str]:
    """Final status of each job (polled, bounded by ``timeout``); unfinished ones count as such."""
    deadline = time.monotonic() + timeout
    final: Counter[str] = Counter()
    for path in paths:
        status = "unknown"
        while time.monotonic() < deadline:
            status = session.get(url + path, timeout=30).json().get("status", "unknown")
            if status in done:
                break
            time.sleep(0.2)
        final[status] += 1
    return final


def read_back(session: requests.Session, url: str, table: str) -> set[int]:
    """Every id in the table, paged by id ranges (bounded by the table's size)."""
    ids: set[int] = set()
    offset = 0
    for _ in range(10_000):
        page = _check(session.post(f"{url}/dataset-tables/{table}/query",
                                   json={"columns": ["id"], "limit": 10_000, "offset": offset}), 200)
        ids.update(int(row["id"]) for row in page["rows"])
        offset += len(page["rows"])
        if not page["hasMore"] or not page["rows"]:
            break
    return ids


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": round(cut[49] * 1000, 1), "p95": round(cut[94] * 1000, 1), "p99": round(cut[98] * 1000, 1)}


def _peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"process": round(own, 1), "largestChild": round(children, 1)}


def run(url: str, clients: int, seconds: float, settle: float = 120.0) -> dict[str, Any]:
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing to load {host!r}: only this machine's loopback addresses")
    setup = prepare(url, clients)
    tally = Tally()
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=Client(url, n, setup, tally).run, args=(deadline,), daemon=True)
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    wall = time.monotonic() - started
    session = requests.Session()
    session.headers.update({"x-api-key": KEY})
    operations = _wait_done(session, url, [f"/dataset-tables/{setup['table']}/operations/{o}" for o in tally.operations],
                            {"completed", "failed", "cancelled"}, settle)
    executions = _wait_done(session, url, [f"{base}/executions/{e}" for base, e in tally.executions],
                            {"SUCCESS", "FAILURE", "CANCELLED"}, settle)
    stored = read_back(session, url, setup["table"])
    everything = [v for values in tally.latencies.values() for v in values]
    requests_sent = sum(tally.statuses.values()) + tally.transport_failures
    return {
        "clients": clients, "seconds": round(wall, 1), "requests": requests_sent,
        "requestsPerSecond": round(requests_sent / wall, 1) if wall else 0.0,
        "errors": len(tally.errors), "errorSamples": tally.errors[:5],
        "retryable503Retried": tally.retried503,
        "conflicts409": sum(c for (_, status), c in tally.statuses.items() if status == 409),
        "byKind": {kind: {"requests": len(values), **_percentiles(values),
                          "statuses": {str(st): c for (k, st), c in sorted(tally.statuses.items()) if k == kind}}
                   for kind, values in tally.latencies.items()},
        "latencyMs": _percentiles(everything),
        "rowsAcknowledged": len(tally.acked_ids), "rowsReadBack": len(stored & tally.acked_ids),
        "lostWrites": len(tally.acked_ids - stored), "unexpectedRows": len(stored - tally.acked_ids),
        "migrations": dict(operations), "applies": dict(executions),
        "peakRssMb": _peak_rss_mb(),
    }


def _local_stack() -> tuple[Any, str]:
    os.environ.setdefault("SCHEMASHIFT_HOME", tempfile.mkdtemp(prefix="schemashift-load-"))
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the report is the output
    from schemashift.local.stack import LocalStack

    stack = LocalStack(root=ROOT).start()
    return stack, stack.serve(port=0).url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="a running stack (127.0.0.1); default: start one in process")
    args = parser.parse_args()
    stack = None
    url = args.url
    if url is None:
        stack, url = _local_stack()
    load_before = os.getloadavg()[0]
    try:
        report = run(url, args.clients, args.seconds)
        report["machine"] = {"cpus": os.cpu_count(), "loadAverage1mBefore": round(load_before, 1),
                             "loadAverage1mAfter": round(os.getloadavg()[0], 1)}
    finally:
        if stack is not None:
            stack.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
