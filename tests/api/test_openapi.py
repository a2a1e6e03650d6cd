"""docs/openapi.json is the published contract: current, complete, valid, and served locally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from schemashift.api.openapi import CONTRACT, build_document, render, template_document
from schemashift.local.template import Route, Template

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"


def _operations(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_the_committed_document_is_current() -> None:
    assert DOCUMENT.read_text() == render(template_document(ROOT)), "docs/openapi.json is stale: run `make openapi`"


def test_the_document_names_exactly_the_template_routes() -> None:
    routes = {(r.method, r.path) for r in Template.load(ROOT / "template.yaml").routes()}
    document = json.loads(DOCUMENT.read_text())
    assert routes - _operations(document) == set(), "template routes missing from docs/openapi.json"
    assert _operations(document) - routes == set(), "docs/openapi.json names routes the template lacks"
    assert set(CONTRACT) == routes, "the contract table and the template disagree"


def test_a_template_route_without_a_contract_entry_fails_the_build() -> None:
    extra = Route(method="GET", path="/v1/orgs/{org}/projects/{project}/nowhere", function="X", authenticated=True)
    with pytest.raises(KeyError, match="nowhere"):
        build_document([extra])


def test_the_document_is_valid_openapi_3_1() -> None:
    document = json.loads(DOCUMENT.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_seed_contracts_field_for_field() -> None:
    """The two seed routes' fields and required flags, as the seed documents list them."""
    document = json.loads(DOCUMENT.read_text())
    schemas = document["components"]["schemas"]
    state = document["paths"]["/v1/orgs/{org}/projects/{project}/dbschema/{dbschema}/migrationstate"]["post"]
    assert {p["name"] for p in state["parameters"]} == {
        "org", "project", "dbschema", "page", "limit", "search_term", "Harness-Account"}
    request = schemas["MigrationStateRequest"]["properties"]
    assert set(request) == {"instanceFilter"}
    assert set(schemas["InstanceFilter"]["properties"]) == {"instances", "order", "sort"}
    assert set(schemas["MigrationState"]["required"]) == {"schema"}
    changeset = schemas["ChangesetState"]
    assert set(changeset["required"]) == {"author", "changeSet", "changeSetFQN", "fileName", "instances", "synced",
                                          "updated"}
    on_instance = schemas["ChangesetOnInstance"]
    assert set(on_instance["properties"]) == {"error", "instance", "pipeline", "planExecutionId",
                                              "stageExecutionId", "status", "tag", "updated"}
    assert set(on_instance["required"]) == {"instance", "pipeline", "planExecutionId", "stageExecutionId", "status"}
    assert {"400", "403", "500"} <= set(state["responses"])

    migrations = document["paths"]["/dataset-tables/{tableId}/migrations"]["post"]
    assert set(schemas["MigrationRequest"]["required"]) == {"operations"}
    assert migrations["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/Operation")
    operation = schemas["Operation"]
    assert set(operation["required"]) == {"operationId", "operationType", "targetType", "targetId", "description",
                                          "status", "progressPercent", "createdAt"}
    assert set(operation["properties"]) - set(operation["required"]) == {"progressMessage", "error", "startedAt",
                                                                          "completedAt"}
    assert operation["properties"]["progressPercent"]["type"] == "number"
    assert set(schemas["CatalyzedError"]["required"]) == {"error"}
    assert {"400", "401", "403", "404"} <= set(migrations["responses"])


def test_the_local_stack_serves_the_document_and_a_swagger_ui(api) -> None:
    served = api.get("/openapi.json")
    assert served.status == 200 and served.json() == json.loads(DOCUMENT.read_text())
    page = api.get("/docs")
    assert page.status == 200 and b"swagger-ui-bundle.js" in page.body and b"/openapi.json" in page.body
    bundle = api.get("/docs/swagger-ui-bundle.js")
    assert bundle.status == 200 and bundle.headers["Content-Type"] in ("text/javascript", "application/javascript")
    assert b"SwaggerUIBundle" in bundle.body and b"oas31" in bundle.body.lower()
    assert api.get("/docs/swagger-ui.css").status == 200
    assert api.get("/docs/nothing.js").status == 404
