"""Reading and cancelling a table's operations (metadata only)."""

from __future__ import annotations

from schemashift.datasets.jobs.services import Services
from schemashift.jobs.views import Operation, OperationList, operation_view
from schemashift.paging import PageRequest


def list_operations(
    services: Services,
    account: str,
    table_id: str,
    page: PageRequest,
    *,
    status: str | None = None,
    operation_type: str | None = None,
) -> OperationList:
    """Newest first; ``status`` and ``type`` narrow the list."""
    services.catalog.get_table(account, table_id)
    found = services.operations.list_for_table(
        account, table_id, page, status=status, operation_type=operation_type
    )
    return OperationList(operations=found.items, nextCursor=found.next_cursor)


def get_operation(services: Services, account: str, table_id: str, operation_id: str) -> Operation:
    services.catalog.get_table(account, table_id)
    return operation_view(services.operations.get_for_table(account, table_id, operation_id))


def cancel_operation(services: Services, account: str, table_id: str, operation_id: str) -> Operation:
    """Ask a pending or running operation to stop; it ends ``cancelled`` with the table unchanged,
    unless its commit already began (then it completes). 409 when it has already ended."""
    services.catalog.get_table(account, table_id)
    return operation_view(services.operations.request_cancel(account, table_id, operation_id))
