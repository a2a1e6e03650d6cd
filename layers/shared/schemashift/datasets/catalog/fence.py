"""The write fence: a migration's commit holds row writes back for a few seconds so it can land.

A migration's schema change is one Lance commit against the version it read. Every row write that
commits first makes it rebase and try again, so writers in a tight loop can outrun it. After a few
lost attempts the commit raises the fence: ``fenceUntil`` (epoch ms, a few seconds ahead) on the
table's catalog record, which every row write reads anyway. A write that finds the fence up waits,
re-reading the record every ``POLL_SECONDS``, until the fence is lowered or its time is up, and never
longer than ``FENCE_SECONDS`` in all; then it writes as usual. Nothing is refused. A commit that dies
with the fence up leaves it to expire by itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from schemashift.datasets.catalog.records import Table
from schemashift.datasets.catalog.store import Catalog
from schemashift.observability import logger

FENCE_SECONDS = 10.0
"""How long one raise holds writes back, and the most any one write ever waits for a fence."""
POLL_SECONDS = 0.1


@dataclass
class TableFence:
    """One table's fence, raised by its migration's commit and lowered by the commit step."""

    catalog: Catalog
    account: str
    table_id: str
    seconds: float = FENCE_SECONDS
    raised: int = 0
    """How often it was raised (each raise renews it); lowering is a no-op when it never was."""

    def raise_fence(self) -> None:
        """A catalog error is logged, not raised: the commit then goes on rebasing without a fence."""
        until_ms = int((time.time() + self.seconds) * 1000)
        if self._set(until_ms):
            self.raised += 1

    def lower_fence(self) -> None:
        """A catalog error is logged, not raised: it must not hide the commit's own outcome, and the
        fence expires by itself."""
        if self.raised:
            self._set(None)

    def _set(self, until_ms: int | None) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError  # loaded by the catalog's client anyway

        try:
            self.catalog.set_fence(self.account, self.table_id, until_ms)
        except (BotoCoreError, ClientError):
            logger.warning(
                "could not set the write fence", extra={"tableId": self.table_id, "fenceUntil": until_ms}, exc_info=True
            )
            return False
        return True


def wait_for_fence(catalog: Catalog, table: Table, deadline: float) -> Table:
    """``table``'s record once no fence holds writes back (re-read if it was up), or at ``deadline``
    (``time.monotonic()``) at the latest. Without a fence this returns at once and reads nothing."""
    started = waited = time.monotonic()
    while table.fenceUntil is not None:
        remaining = min(table.fenceUntil / 1000 - time.time(), deadline - time.monotonic())
        if remaining <= 0:
            break
        time.sleep(min(POLL_SECONDS, remaining))
        table = catalog.get_table(table.account, table.tableId)
        waited = time.monotonic()
    if waited > started:
        waited_ms = round((waited - started) * 1000)
        logger.info("write waited for a migration's commit", extra={"tableId": table.tableId, "waitedMs": waited_ms})
    return table
