"""The /v1 services root: given handles win, the rest come from the environment of the moment."""

from __future__ import annotations

import pytest
from schemashift.dbschema.services import Services, services
from schemashift.settings import get_settings


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_given_handles_and_names_are_used_as_given() -> None:
    table, s3 = object(), object()
    root = Services(resources=table, s3=s3, bucket="tenant-data", event_bus="pipelines")
    assert root.resources is table
    assert root.s3 is s3
    assert (root.bucket, root.event_bus) == ("tenant-data", "pipelines")
    assert root.idempotency_table == get_settings().idempotency_table


def test_an_unknown_handle_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="unknown service handle\\(s\\): resource"):
        Services(resource=object())


def test_the_root_follows_a_changed_environment(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("DATA_BUCKET", "first-bucket")
    first = services()
    assert services() is first
    assert first.bucket == "first-bucket"
    fresh.setenv("DATA_BUCKET", "second-bucket")
    get_settings.cache_clear()  # what the local stack does after naming its resources
    assert services().bucket == "second-bucket"
    assert services() is not first
