"""The console's schema pages in real Chromium on the local stack: the matrix of a real apply on
SQLite (with a failed and a rolled-back changeset), an apply started from the UI watched to the end,
bad keys, and the first load of a 2,000 changesets x 20 instances schema."""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

from schemashift.auth.keys import create_api_key
from schemashift.clock import now_ms
from schemashift.dbschema.changelogs import identity, split_fqn
from schemashift.dbschema.services import services
from schemashift.dbschema.state import ChangesetStatusUpdate, definitions_index, state_items, state_markers
from schemashift.dbschema.tenancy import Tenant
from schemashift.settings import get_settings

from tests.console.conftest import PHONE, Console, no_horizontal_overflow, watch
from tests.support.client import ApiClient
from tests.support.deployments import new_base, statuses, wait_for
from tests.support.tenancy import sqlite_instance

CHANGELOG = """-- liquibase formatted sql

-- changeset alice:create-customers
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50));
-- rollback DROP TABLE customers;

-- changeset alice:add-email
ALTER TABLE customers ADD email VARCHAR(100);
-- rollback ALTER TABLE customers DROP COLUMN email;

-- changeset bob:backfill
INSERT INTO missing_table (id) VALUES (1);
-- rollback DELETE FROM missing_table;

-- changeset bob:orders
CREATE TABLE orders (id INT PRIMARY KEY);
-- rollback DROP TABLE orders;
"""
NONE = "\u2013"  # the console's "no value" dash
CI = {"pipeline": "ci", "planExecutionId": "plan-7", "stageExecutionId": "deploy"}




def _schema(api: ApiClient, base: str, schema: str, changelog: str, instances: list[str]) -> None:
    assert api.post(f"{base}/dbschema", {"identifier": schema, "name": schema.title()}).status == 201
    put = api.put(f"{base}/dbschema/{schema}/changelog", {"rootFile": "changelog.sql", "files": {"changelog.sql": changelog}})
    assert put.status == 200, put.json()
    for name in instances:
        created = api.post(f"{base}/dbschema/{schema}/instance",
                           {"identifier": name, "name": name.upper(), "url": sqlite_instance(name)[0]})
        assert created.status == 201, created.json()


def _deploy(api: ApiClient, base: str, schema: str, instance: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    started = api.post(f"{base}/dbschema/{schema}/instance/{instance}/{kind}", {**CI, **body})
    assert started.status == 202, started.json()
    return wait_for(api, base, started.json()["executionId"])


def _matrix(page: Any) -> dict[tuple[str, str], str]:
    page.wait_for_selector("[data-testid=matrix] td.cell")
    cells = page.eval_on_selector_all(
        "[data-testid=matrix] td.cell",
        "cells => cells.map(c => [c.dataset.changeset, c.dataset.instance, c.dataset.status, c.innerText])")
    for _, _, status, text in cells:  # the status is written, not only coloured
        assert text.strip().split(" ", 1)[1] == {"Successfully_Deployed": "Deployed", "Not_Deployed": "Pending",
                                                 "Deployment_Failed": "Failed", "Rolled_Back": "Rolled back"}[status]
    return {(fqn.split("::")[1], instance): status for fqn, instance, status, _ in cells}


def test_matrix_shows_a_real_apply_with_a_failed_and_a_rolled_back_changeset(
        api: ApiClient, console: Console) -> None:
    base, org, project = new_base()
    _schema(api, base, "shop", CHANGELOG, ["dev", "prod"])
    failed = _deploy(api, base, "shop", "dev", "apply", {"tag": "r1"})
    assert failed["status"] == "FAILURE", "step: apply on dev should fail at bob:backfill"
    assert _deploy(api, base, "shop", "prod", "apply", {"count": 2, "tag": "r1"})["status"] == "SUCCESS"
    assert _deploy(api, base, "shop", "prod", "rollback", {"count": 1})["status"] == "SUCCESS"
    truth = {(cs, inst): status for inst in ("dev", "prod") for cs, status in statuses(api, base, "shop", inst).items()}
    assert set(truth.values()) == {"Successfully_Deployed", "Deployment_Failed", "Not_Deployed", "Rolled_Back"}

    page = console.open(f"/orgs/{org}/projects/{project}/schemas")
    row = page.get_by_role("row", name=re.compile("Shop"))
    row.locator(".counts li").first.wait_for()
    counts = row.locator(".counts li").all_inner_texts()
    assert counts == ["DEV 2 pending ✕ 1 failed", "PROD 3 pending 0 failed"], f"step: schema list counts: {row.inner_text()}"
    console.shot(page, "schemas")

    page.get_by_role("link", name="Shop").click()
    assert _matrix(page) == truth, "step: the matrix shows the statuses DynamoDB holds"
    failed_cell = page.locator("td.cell[data-status=Deployment_Failed]")
    failed_cell.focus()
    tip = page.get_by_test_id("cell-tip")
    for text in ("Deployment failed", f"Tag: {NONE}", "Pipeline: ci (plan-7 / deploy)", "Time: 20", "Error: no such table: missing_table"):
        assert text in tip.inner_text(), f"step: tooltip on focus shows {text!r}"
    assert failed_cell.get_attribute("aria-describedby") == tip.get_attribute("id")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.dataset.instance")
    assert focused == "prod", "step: arrow keys move through the grid"
    assert "Not deployed" in tip.inner_text(), "step: the tooltip follows the focus"
    state = api.post(f"{base}/dbschema/shop/migrationstate", {"instanceFilter": {"instances": ["prod"]}}).json()
    deployed = next(c["instances"][0] for c in state["changeSets"] if c["changeSet"] == "create-customers")
    page.locator("td.cell[data-status=Successfully_Deployed][data-instance=prod]").hover()
    assert f"Tag: {deployed['tag'] or NONE}" in tip.inner_text() and "Successfully deployed" in tip.inner_text(), \
        "step: tooltip on hover shows the cell's tag"
    console.shot(page, "matrix")

    page.get_by_label("Search changesets (id, author, file)").fill("bob")
    page.wait_for_function("document.querySelectorAll('[data-testid=matrix] tbody tr').length === 2")
    assert {cs for cs, _ in _matrix(page)} == {"backfill", "orders"}, "step: search"
    page.get_by_label("Search changesets (id, author, file)").fill("")
    page.get_by_label("Order", exact=True).select_option("DESC")
    page.wait_for_function("document.querySelector('[data-testid=matrix] thead th:nth-child(2)').innerText === 'PROD'")
    page.get_by_text("Instances (all)").click()
    page.get_by_role("checkbox", name=re.compile("PROD")).uncheck()
    page.wait_for_function("document.querySelectorAll('[data-testid=matrix] thead th').length === 2")
    assert {inst for _, inst in _matrix(page)} == {"dev"}, "step: instance filter"

    phone = console.open(f"/orgs/{org}/projects/{project}/schemas/shop", viewport=PHONE)
    _matrix(phone)
    assert no_horizontal_overflow(phone), "step: the matrix page fits 390 px (the grid scrolls inside)"
    console.shot(phone, "matrix-390")
    page.close()
    phone.close()


SLOW = 10


def _slow_changelog() -> str:
    parts = ["-- liquibase formatted sql\n"]
    for n in range(1, SLOW + 1):
        parts.append(f"-- changeset perf:{n}\nCREATE TABLE t{n} AS WITH RECURSIVE c(x) AS "
                     f"(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c;\n"
                     f"-- rollback DROP TABLE t{n};\n")
    return "\n".join(parts)


def test_an_apply_started_from_the_ui_shows_live_progress_to_the_end(
        api: ApiClient, console: Console) -> None:
    base, org, project = new_base()
    _schema(api, base, "live", _slow_changelog(), ["stage"])
    page = console.open(f"/orgs/{org}/projects/{project}/schemas/live/instances/stage")
    page.get_by_label("Tag after deploying (optional)").fill("release-1")
    page.get_by_role("button", name="Preview apply (dry run)").click()
    preview = page.get_by_test_id("sql-preview")
    preview.wait_for()
    assert "CREATE TABLE t1 AS WITH RECURSIVE" in preview.inner_text(), "step: the dry run shows the SQL"
    assert "DATABASECHANGELOG" in preview.inner_text()
    assert statuses(api, base, "live", "stage") == dict.fromkeys(map(str, range(1, SLOW + 1)), "Not_Deployed")
    console.shot(page, "apply-preview")

    page.get_by_role("button", name="Apply now").click()
    page.wait_for_url(re.compile(r"#/orgs/.+/executions/exe_"))
    progress = page.get_by_test_id("progress-text")
    seen = watch(lambda: progress.inner_text() if progress.count() else "",
                 lambda text: f"{SLOW} / {SLOW}" in text and "Succeeded" in page.get_by_test_id("execution-status").inner_text())
    done = [int(m.group(1)) for text in seen if (m := re.search(r"(\d+) / ", text))]
    assert done == sorted(done) and done[-1] == SLOW, f"step: progress only goes up to the end: {seen}"
    assert any(0 < d < SLOW for d in done), f"step: intermediate progress was shown live: {seen}"
    results = page.get_by_test_id("execution-results").locator("tbody tr")
    assert results.count() == SLOW and "EXECUTED" in results.first.inner_text()
    console.shot(page, "execution")
    phone = console.open(page.url.split("#", 1)[1], viewport=PHONE)
    phone.get_by_text("Succeeded").first.wait_for()
    assert no_horizontal_overflow(phone), "step: the execution page fits 390 px"
    console.shot(phone, "execution-390")
    assert set(statuses(api, base, "live", "stage").values()) == {"Successfully_Deployed"}
    page.close()
    phone.close()


def test_a_bad_key_and_a_key_without_the_project_show_clear_errors(console: Console) -> None:
    page = console.open("/orgs/default/projects/shop/schemas", key="ssk_not-a-real-key")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "The API key was not accepted (401)" in alert.inner_text(), "step: 401"
    assert page.get_by_label("API key", exact=True).is_visible(), "step: the key form asks again"
    assert "ssk_not-a-real-key" not in page.url
    console.shot(page, "bad-key")

    key, _ = create_api_key("local", ["elsewhere/only"])
    console.sign_in(page, key)
    alert = page.get_by_role("alert").first
    alert.wait_for()
    assert "may not do that (403)" in alert.inner_text() and "default" in alert.inner_text(), "step: 403"
    assert key not in page.url and page.evaluate("sessionStorage.getItem('schemashift.apiKey')") == key
    page.close()


CHANGESETS, INSTANCES, PAGE = 2000, 20, 50


def _emulated_table(stack: Any, name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][stack.region].get_table(name)


def _bulk_put(stack: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Seed ~30,000 state items in seconds: the items ``state_items`` builds (exactly what a deployment's
    checkpoints write), put straight into the emulated table, since 1,600 BatchWriteItem round trips
    to the emulator would take minutes on a shared 2-core machine."""
    from boto3.dynamodb.types import TypeSerializer

    serialize = TypeSerializer().serialize
    emulated = _emulated_table(stack, table)
    for item in items:
        emulated.put_item({k: serialize(v) for k, v in item.items() if v is not None})


def _drop_tenant(stack: Any, table: str, tenant: Tenant) -> None:
    """Remove the tenant's 30,000 items again (through the table's own delete, so the emulator's key
    index follows): later tests of the session need not carry them in memory or in the journal."""
    emulated = _emulated_table(stack, table)
    for hash_key in [k for k in emulated.items if str(k.value).startswith(tenant.pk + "#")]:
        for range_key in list(emulated.items[hash_key]):
            emulated.delete_item(hash_key, range_key)


def test_first_load_of_2000_changesets_by_20_instances(api: ApiClient, console: Console, stack: Any) -> None:
    base, org, project = new_base()
    changelog = "-- liquibase formatted sql\n\n" + "\n".join(
        f"-- changeset team:cs-{n}\nCREATE TABLE t{n} (id INT);\n-- rollback DROP TABLE t{n};\n"
        for n in range(1, CHANGESETS + 1))
    instances = [f"db{i:02d}" for i in range(INSTANCES)]
    seeded = time.monotonic()
    _schema(api, base, "big", changelog, instances)
    tenant = Tenant("local", org, project)
    index = definitions_index(services(), tenant, "big")
    items: list[dict[str, Any]] = []
    for i, instance in enumerate(instances):
        deployed = CHANGESETS - 50 * i  # a fleet at different points of the changelog
        updates = [ChangesetStatusUpdate(fqn=f"changelog.sql::cs-{n}::team", status="Successfully_Deployed",
                                         pipeline="ci", planExecutionId=f"p{n}", stageExecutionId="s", log_run=False)
                   for n in range(1, deployed + 1)]
        if deployed < CHANGESETS:
            updates.append(ChangesetStatusUpdate(fqn=f"changelog.sql::cs-{deployed + 1}::team",
                                                 status="Deployment_Failed", error="boom", log_run=False))
        for update in updates:
            items += state_items(tenant, "big", instance, index[identity(*split_fqn(update.fqn))], update, now_ms())
    items += state_markers(items)  # as a checkpoint ends its writes
    state_table = get_settings().changeset_state_table
    _bulk_put(stack, state_table, items)
    seed_seconds = time.monotonic() - seeded
    try:
        _measure_first_loads(console, org, project, seed_seconds)
    finally:
        _drop_tenant(stack, state_table, tenant)


def _measure_first_loads(console: Console, org: str, project: str, seed_seconds: float) -> None:
    page = console.open("/")
    route = f"/orgs/{org}/projects/{project}/schemas/big"
    cells = PAGE * INSTANCES
    matrix_ms, api_ms = [], []
    for _ in range(3):
        page.goto("about:blank")
        page.goto(console.url(route))
        page.wait_for_function(f"document.querySelectorAll('[data-testid=matrix] td.cell').length === {cells}",
                               timeout=180_000)
        matrix_ms.append(page.evaluate("performance.now()"))
        api_ms.append(page.evaluate(
            "performance.getEntriesByType('resource').find(e => e.name.includes('/migrationstate')).responseEnd"))
    assert page.locator("[data-testid=matrix] tbody tr").first.inner_text().startswith("cs-1 ")
    page.get_by_role("button", name="Next →").click()
    page.wait_for_function("document.querySelector('[data-testid=matrix] tbody th').innerText.startsWith('cs-51 ')",
                           timeout=180_000)
    assert "Page 2 of 40 · 2000 changesets" in page.get_by_role("navigation", name="changesets pages").inner_text()

    list_ms, counts_ms = [], []
    for _ in range(2):  # the first visit counts 40,000 state items; the second reads the kept counts
        page.goto("about:blank")
        page.goto(console.url(f"/orgs/{org}/projects/{project}/schemas"))
        page.get_by_role("link", name="Big").wait_for()
        list_ms.append(page.evaluate("performance.now()"))
        page.wait_for_function(f"document.querySelectorAll('.counts li').length === {INSTANCES}", timeout=180_000)
        counts_ms.append(page.evaluate("performance.now()"))
    shown = page.locator(".counts li").all_inner_texts()
    assert shown[:2] == ["DB00 0 pending 0 failed", "DB01 50 pending ✕ 1 failed"], f"step: kept counts: {shown[:2]}"
    matrix, api = statistics.median(matrix_ms), statistics.median(api_ms)
    console.record("first_load_2000x20", {
        "changesets": CHANGESETS, "instances": INSTANCES, "page_size": PAGE, "runs": 3,
        "matrix_rendered_ms": [round(m) for m in matrix_ms],
        "matrix_migrationstate_answered_ms": [round(a) for a in api_ms],
        "matrix_rendered_after_answer_ms": [round(m - a) for m, a in zip(matrix_ms, api_ms, strict=True)],
        "schema_list_rendered_ms": [round(m) for m in list_ms],
        "schema_list_counts_rendered_ms": [round(m) for m in counts_ms],
        "seed_seconds": round(seed_seconds, 1),
    })
    print(f"console first load, {CHANGESETS} x {INSTANCES}: matrix rendered at {matrix:.0f} ms (median of 3), its "
          f"migrationstate answer complete at {api:.0f} ms; schema list {list_ms[0]:.0f} ms, its counts {counts_ms[0]:.0f} ms first, {counts_ms[1]:.0f} ms kept; seeding {seed_seconds:.1f} s")
    page.close()


FLEET_CHANGELOG = """-- liquibase formatted sql

-- changeset ops:1
CREATE TABLE events (id INT PRIMARY KEY);
-- rollback DROP TABLE events;

-- changeset ops:2
ALTER TABLE events ADD kind VARCHAR(20);
-- rollback ALTER TABLE events DROP COLUMN kind;
"""


def test_a_fleet_apply_from_the_matrix_shows_each_instance_and_lists_executions(
        api: ApiClient, console: Console) -> None:
    base, org, project = new_base()
    _schema(api, base, "fleet", FLEET_CHANGELOG, ["eu", "us", "ap"])
    page = console.open(f"/orgs/{org}/projects/{project}/schemas/fleet")
    _matrix(page)
    page.get_by_text("Apply to all shown instances").click()
    page.get_by_role("button", name="Start fleet apply on 3 instances").click()
    page.wait_for_url(re.compile(r"#/orgs/.+/executions/exe_"))
    status = page.get_by_test_id("execution-status")
    watch(lambda: status.inner_text() if status.count() else "", lambda text: "Succeeded" in text)
    instances = page.get_by_role("region", name="Instances").locator("tbody tr")
    assert instances.count() == 3 and all("Succeeded" in t for t in instances.all_inner_texts()), \
        "step: the fleet execution shows each instance's status"
    fleet_url = page.url
    instances.first.get_by_role("link").click()
    watch(lambda: page.url, lambda url: url != fleet_url)  # the child's page replaces the fleet's
    results = page.get_by_test_id("execution-results").locator("tbody tr")
    watch(lambda: str(results.count()), lambda count: count == "2")
    assert "Succeeded" in page.get_by_test_id("execution-status").inner_text(), "step: a child's results"

    page.goto(console.url(f"/orgs/{org}/projects/{project}/schemas/fleet/executions"))
    rows = page.get_by_test_id("executions").locator("tbody tr")
    rows.first.wait_for()
    kinds = [t.split("\t")[1] for t in rows.all_inner_texts()]
    assert "fleet" in kinds and set(kinds) <= {"fleet", "apply"}, f"step: the schema's executions: {kinds}"
    page.goto(console.url(f"/orgs/{org}/projects/{project}/schemas/fleet"))
    assert set(_matrix(page).values()) == {"Successfully_Deployed"}, "step: the matrix after the fleet apply"
    page.close()
