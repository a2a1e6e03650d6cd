"""The console's dataset pages in real Chromium on the local stack: a table migration composed,
planned, started and watched to 100 %, the schema diff and row preview it leaves, and a cancel."""

from __future__ import annotations

import re
from typing import Any

from tests.console.conftest import PHONE, Console, no_horizontal_overflow, watch
from tests.datasets.api_helpers import new_dataset, new_table, write
from tests.datasets.jobs.helpers import FRAGMENT_FUNCTION, Gate
from tests.support.client import ApiClient

FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "customer", "arrowType": "string"},
    {"name": "amount", "arrowType": "float64"},
]
FRAGMENTS, ROWS = 6, 40


def _orders(api: ApiClient) -> str:
    table_id = new_table(api, new_dataset(api, "sales"), fields=FIELDS, name="orders")
    for f in range(FRAGMENTS):  # one fragment per append: the migration rewrites each
        rows = [{"id": i, "customer": f"c{i % 7}", "amount": i + 0.5} for i in range(f * ROWS, (f + 1) * ROWS)]
        assert write(api, table_id, "append", rows).status == 200
    return table_id


def _add(page: Any, label: str, **values: str | bool) -> None:
    form = page.get_by_role("form", name="Add an operation")
    form.get_by_label("Operation", exact=True).select_option(label=label)
    for name, value in values.items():  # by parameter name: each input's id is op-<param>
        field = form.locator(f"#op-{name}")
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name="Add operation").click()


def _watch_operation(page: Any, final: str) -> list[str]:
    """Every state of the live status block (status, percent, message) until ``final``."""
    status = page.get_by_test_id("operation-status")
    return watch(lambda: status.inner_text() if status.count() else "", lambda seen: final in seen)


def test_a_table_migration_planned_started_and_watched_to_100_percent(api: ApiClient, console: Console) -> None:
    table_id = _orders(api)
    page = console.open(f"/tables/{table_id}/migrate")
    _add(page, "Drop column (drop_column)", name="no_such_column")
    page.get_by_role("button", name="Plan").click()
    plan = page.get_by_test_id("plan")
    plan.wait_for()
    assert "not valid" in plan.inner_text() and "no_such_column" in plan.inner_text(), "step: validation errors shown"
    assert page.get_by_role("button", name="Run migration").is_disabled()
    page.get_by_role("button", name="Remove operation 1").click()

    _add(page, "Add column (add_column)", name="currency", dataType="string", nullable=False,
         defaultValue="EUR")
    _add(page, "Add scalar index (add_scalar_index)", column="customer", indexType="btree")
    page.get_by_label("Description (optional)").fill("currency and customer lookups")
    page.get_by_role("button", name="Plan").click()
    page.wait_for_function("document.querySelector('[data-testid=plan] h3')?.innerText === 'Plan: valid'")
    text = plan.inner_text()
    assert "yes: every fragment is written" in text and "customer_idx" in text, f"step: rewrite and index impact: {text}"
    console.shot(page, "migration-plan", full_page=True)

    page.get_by_role("button", name="Run migration").click()
    page.wait_for_url(re.compile(r"#/tables/.+/operations/op_"))
    seen = _watch_operation(page, "Completed")
    percents = [int(m.group(1)) for text in seen if (m := re.search(r"(\d+) %", text))]
    assert percents == sorted(percents) and percents[-1] == 100, f"step: progressPercent rises to 100: {seen}"
    assert "completed: schema version 2" in page.get_by_test_id("progress-message").inner_text()
    console.shot(page, "operation")
    phone = console.open(page.url.split("#", 1)[1], viewport=PHONE)
    phone.get_by_test_id("progress-percent").wait_for()
    assert no_horizontal_overflow(phone), "step: the operation page fits 390 px"
    phone.close()

    page.goto(console.url(f"/tables/{table_id}"))
    diff = page.get_by_test_id("schema-diff")
    diff.wait_for()
    assert "added currency: utf8 not null" in diff.inner_text(), f"step: diff of versions 1 and 2: {diff.inner_text()}"
    preview = page.get_by_test_id("row-preview")
    assert "EUR" in preview.inner_text() and preview.locator("tbody tr").count() == 20, "step: row preview"
    assert f"{FRAGMENTS * ROWS} rows in all" in page.get_by_text("rows in all").inner_text()
    console.shot(page, "table", full_page=True)
    page.close()


def test_a_running_migration_cancelled_from_the_ui(api: ApiClient, console: Console, stack: Any) -> None:
    table_id = _orders(api)
    gate = Gate(free=1)  # the first fragment passes, the rest wait: the cancel lands mid-run
    stack.lambdas.before_invoke[FRAGMENT_FUNCTION] = gate
    try:
        page = console.open(f"/tables/{table_id}/migrate")
        _add(page, "Change column type (change_column_type)", name="amount", newType="float32")
        page.get_by_role("button", name="Plan").click()
        page.wait_for_function("document.querySelector('[data-testid=plan] h3')?.innerText === 'Plan: valid'")
        page.get_by_role("button", name="Run migration").click()
        page.wait_for_url(re.compile(r"#/tables/.+/operations/op_"))
        gate.wait_until_holding()
        page.get_by_role("button", name="Cancel operation").click()
        page.get_by_role("button", name="Cancelling…").wait_for()
    finally:
        gate.release()
        stack.lambdas.before_invoke.pop(FRAGMENT_FUNCTION, None)
    _watch_operation(page, "Cancelled")
    assert "CANCELLED" in page.get_by_role("alert").inner_text(), "step: the cancel is reported"
    assert not page.get_by_role("button", name=re.compile("Cancel")).count()
    console.shot(page, "operation-cancelled")
    table = api.get(f"/dataset-tables/{table_id}").json()
    assert table["versionNumber"] == 1 and {f["name"]: f["arrowType"] for f in table["fields"]}["amount"] == "float64"
    page.close()
