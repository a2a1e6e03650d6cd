"""migrationstate pages on a large schema: DynamoDB requests, items and bytes read per page, and
handler time, against the bare Query calls for the same items (measured in the same run).

    python -m bench.migrationstate [--changesets 2000] [--instances 50 1000] [--pages 0 10]

A schema with ``--changesets`` registered changesets and N instances is built on the local stack
(moto). The pages measured, and the page after each, get state items on every instance (state is
sparse: a changeset never deployed on an instance has no item), so a page that read beyond its own
changesets would show it in the item counts. A page whose body would pass the 6 MB Lambda limit
answers 400 (status column); its reads and time are still measured.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from schemashift.dbschema.services import services

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 100


class DynamoCounter:
    """Counts requests, items and response bytes through botocore's event hooks."""

    def __init__(self) -> None:
        self.requests = self.items = self.bytes = 0

    def __call__(self, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        self.requests += 1
        self.bytes += int(http_response.headers.get("content-length") or len(http_response.content or b""))
        if "Count" in parsed:
            self.items += int(parsed["Count"])
        for items in (parsed.get("Responses") or {}).values():
            self.items += len(items)
        if "Item" in parsed:
            self.items += 1

    def reset(self) -> tuple[int, int, int]:
        out = (self.requests, self.items, self.bytes)
        self.requests = self.items = self.bytes = 0
        return out


def _changelog(count: int) -> str:
    parts = ["-- liquibase formatted sql\n"]
    for i in range(count):
        parts.append(f"-- changeset team{i % 7}:cs{i:05d}\nCREATE TABLE t{i} (id INT);\n-- rollback DROP TABLE t{i};\n")
    return "\n".join(parts)


def build(stack: Any, schema: str, changesets: int, instances: int, pages: list[int]) -> Any:
    from schemashift.aws import dynamodb_table
    from schemashift.dbschema.bundles import bundle_from_files
    from schemashift.dbschema.changelogs import read_definitions, register_bundle
    from schemashift.dbschema.instances import create_instance
    from schemashift.dbschema.models import InstanceIn, SchemaIn
    from schemashift.dbschema.schemas import create_schema
    from schemashift.dbschema.state import ChangesetStatusUpdate, state_items
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.settings import get_settings
    from schemashift.store.dynamo import batch_write

    tenant = Tenant("local", "bench", f"p{instances}")
    create_schema(services(), tenant, SchemaIn(identifier=schema, name=schema))
    register_bundle(services(), tenant, schema,
                    bundle_from_files("changelog.sql", {"changelog.sql": _changelog(changesets)}))
    names = [f"db{i:04d}" for i in range(instances)]
    for name in names:
        create_instance(services(), tenant, schema,
                        InstanceIn(identifier=name, name=name.upper(), url=f"sqlite:///{name}.db"))
    definitions = read_definitions(services(), tenant, schema)
    seeded = sorted({p for page in pages for p in (page, page + 1)})
    now = int(time.time() * 1000)
    items = []
    for page in seeded:
        for definition in definitions[page * LIMIT:(page + 1) * LIMIT]:
            for name in names:
                update = ChangesetStatusUpdate(definition["fqn"], "Successfully_Deployed", "bench", "plan", "stage",
                                               log_run=False)
                items += state_items(tenant, schema, name, definition, update, now)
    batch_write(dynamodb_table(get_settings().changeset_state_table), puts=items)
    return tenant


def event(tenant: Any, schema: str, page: int) -> dict[str, Any]:
    path = f"/v1/orgs/{tenant.org}/projects/{tenant.project}/dbschema/{schema}/migrationstate"
    return {
        "resource": "/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/migrationstate", "path": path,
        "httpMethod": "POST", "headers": {"Content-Type": "application/json"}, "multiValueHeaders": {},
        "queryStringParameters": {"page": str(page), "limit": str(LIMIT)},
        "multiValueQueryStringParameters": {"page": [str(page)], "limit": [str(LIMIT)]},
        "pathParameters": {"org": tenant.org, "project": tenant.project, "dbschema": schema},
        "requestContext": {"requestId": "bench", "stage": "local", "resourcePath": path, "httpMethod": "POST",
                           "authorizer": {"account": "local", "scopes": "[\"*/*\"]", "keyId": "bench"}},
        "body": "{}", "isBase64Encoded": False,
    }


def bare_queries(tenant: Any, schema: str, page: int, instances: int) -> None:
    """The floor: the Query calls that fetch exactly this page's items, nothing else."""
    from schemashift.aws import dynamodb_table
    from schemashift.dbschema.tenancy import definitions_pk, order_key
    from schemashift.settings import get_settings
    from schemashift.store.dynamo import query_all

    state = dynamodb_table(get_settings().changeset_state_table)
    defs = list(query_all(state, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                          ExpressionAttributeValues={":pk": definitions_pk(tenant, schema),
                                                     ":a": order_key(page * LIMIT), ":b": order_key(page * LIMIT + LIMIT - 1)}))
    list(query_all(dynamodb_table(get_settings().resources_table),
                   KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                   ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":p": "INSTANCE#"}))
    list(query_all(state, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                   ExpressionAttributeValues={":pk": tenant.schema_pk(schema), ":a": defs[0]["csk"] + "#",
                                              ":b": defs[-1]["csk"] + "#~"}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changesets", type=int, default=2000)
    parser.add_argument("--instances", type=int, nargs="+", default=[50, 1000])
    parser.add_argument("--pages", type=int, nargs="+", default=[0, 10])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from schemashift.aws import dynamodb_table
    from schemashift.local.stack import LocalStack
    from schemashift.settings import get_settings

    stack = LocalStack(root=ROOT).start(seed_dev_key=False)
    counter = DynamoCounter()
    for table in (get_settings().changeset_state_table, get_settings().resources_table):
        dynamodb_table(table).meta.client.meta.events.register("after-call.dynamodb", counter)
    rows = []
    try:
        for instances in args.instances:
            tenant = build(stack, "bench", args.changesets, instances, args.pages)
            for page in args.pages:
                handler_times, bare_times = [], []
                response_bytes = 0
                for _ in range(args.repeat):
                    counter.reset()
                    t = time.perf_counter()
                    result = stack.lambdas.invoke("MigrationstateFunction", json.dumps(event(tenant, "bench", page)).encode())
                    handler_times.append(time.perf_counter() - t)
                    body = result.json()
                    status = body["statusCode"]
                    response_bytes = len(body["body"])
                    requests, items, nbytes = counter.reset()
                    t = time.perf_counter()
                    bare_queries(tenant, "bench", page, instances)
                    bare_times.append(time.perf_counter() - t)
                    bare_requests, bare_items, bare_bytes = counter.reset()
                page_items = LIMIT * instances
                rows.append((instances, page, requests, items, nbytes, bare_requests, bare_items, bare_bytes,
                             statistics.median(handler_times), statistics.median(bare_times), response_bytes,
                             page_items, status))
    finally:
        stack.stop()
    print(f"migrationstate, {args.changesets} changesets, limit {LIMIT}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"{'inst':>5} {'page':>4} | {'req':>4} {'items':>7} {'MB read':>8} | {'bare req':>8} {'bare items':>10} "
          f"{'bare MB':>8} | {'handler s':>9} {'bare s':>7} {'ratio':>6} | {'status':>6} {'resp MB':>7} {'page items':>10}")
    for (inst, page, req, items, nbytes, breq, bitems, bbytes, ht, bt, rb, pitems, status) in rows:
        print(f"{inst:>5} {page:>4} | {req:>4} {items:>7} {nbytes / 1e6:>8.2f} | {breq:>8} {bitems:>10} "
              f"{bbytes / 1e6:>8.2f} | {ht:>9.3f} {bt:>7.3f} {ht / bt:>6.2f} | {status:>6} {rb / 1e6:>7.2f} {pitems:>10}")


if __name__ == "__main__":
    main()
