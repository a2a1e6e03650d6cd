"""Every sample event in events/ (for ``sam local invoke -e``) is a request its function understands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemashift.local.template import Template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = Template.load(ROOT / "template.yaml")
DATASET_FUNCTIONS = {
    "datasets": "DatasetsFunction",
    "table_metadata": "TableMetadataFunction",
    "table_admin": "TableAdminFunction",
    "table_uploads": "TableUploadsFunction",
    "table_create": "CreateTableFunction",
    "table_rows": "WriteRowsFunction",
    "table_query": "QueryRowsFunction",
}


def _function_for(event_file: Path) -> str:
    return next(fn for prefix, fn in DATASET_FUNCTIONS.items() if event_file.stem.startswith(prefix))


def test_each_dataset_function_has_a_sample_event() -> None:
    covered = {
        _function_for(p) for p in ROOT.glob("events/*.json") if p.stem.startswith(tuple(DATASET_FUNCTIONS))
    }
    assert covered == set(DATASET_FUNCTIONS.values())


@pytest.mark.parametrize(
    "event_file",
    sorted(p.name for p in ROOT.glob("events/*.json") if p.stem.startswith(tuple(DATASET_FUNCTIONS))),
)
def test_sample_event_reaches_the_domain(stack, event_file: str) -> None:
    """The ids in the samples do not exist here, so a well-formed event ends in a domain 404 (or a 201)."""
    path = ROOT / "events" / event_file
    event = json.loads(path.read_text())
    function = _function_for(path)
    routes = {(r.method, r.path) for r in TEMPLATE.routes() if r.function == function}
    assert (event["httpMethod"], event["resource"]) in routes
    response = stack.invoke(function, event)
    body = json.loads(response["body"])
    assert response["statusCode"] in (201, 404), body
    if response["statusCode"] == 404:
        assert body["code"] == "NOT_FOUND" and "No route" not in body["error"]
