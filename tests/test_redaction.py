"""The one secret rule: every spelling is found, hidden in messages and logs, and refused in instance URLs."""

from __future__ import annotations

import json

import pytest
from schemashift.redaction import holds_secret, redact, truncate

SPELLINGS = [
    "postgresql://app:{s}@db/x",
    "jdbc:postgresql://db/x?user=a&password={s}&ssl=true",
    "jdbc:mysql://db/x?Password={s}",
    "mysql://db/x?pwd={s}",
    "mysql://db/x?pass={s}&connectTimeout=5",
    "mysql://db/x?passwd={s}",
    "jdbc:sqlserver://db;user=a;password={s};encrypt=true",
    "postgresql://db/x?sslpassword={s}",
    "PASSWORD = {s}",
    '{{"password": "{s}", "user": "a"}}',
    "{{'Password': '{s}'}}",
    "client_secret={s}&x=1",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_is_found_and_hidden(spelling: str) -> None:
    text = spelling.format(s="hunter2")
    assert holds_secret(text)
    assert "hunter2" not in redact(text)
    assert "***" in redact(text)


@pytest.mark.parametrize("text", ["postgresql://app@db/x", "mysql://db/x?passive=1&bypass=2",
                                  "jdbc:postgresql://db/x?sslmode=verify-full&sslrootcert=/ca.pem"])
def test_ordinary_urls_are_left_alone(text: str) -> None:
    assert not holds_secret(text) and redact(text) == text


def test_instance_urls_with_a_secret_are_refused_and_not_echoed(api) -> None:
    base = "/v1/orgs/redact/projects/p"
    api.post(f"{base}/dbschema", {"identifier": "s", "name": "s"})
    for spelling in SPELLINGS[:8]:
        url = spelling.format(s="hunter2")
        response = api.post(f"{base}/dbschema/s/instance", {"identifier": "i", "name": "i", "url": url})
        assert response.status == 400, (url, response.json())
        assert "hunter2" not in response.body.decode()


def test_error_envelopes_hide_secrets_and_cut_echoed_input() -> None:
    from schemashift.api.errors import error_body

    body = error_body("/v1/x", 400, "cannot use postgresql://u:hunter2@h/db " + "x" * 1_000_000)
    assert "hunter2" not in body["message"] and len(body["message"]) < 2100
    catalyzed = error_body("/datasets", 400, "bad", details={"value": "y" * 100_000, "password": "hunter2",
                                                            "rows": list(range(10_000))})
    assert len(json.dumps(catalyzed)) < 3000
    assert truncate("abc", 2) == "ab... (1 more characters)"


def test_log_lines_pass_the_rule() -> None:
    from schemashift.observability import logger

    line = logger.registered_formatter.format(logger._logger.makeRecord(
        "schemashift", 20, __file__, 1, "connecting to mysql://db/x?pwd=hunter2", (), None,
        extra={"url": "postgresql://a:hunter2@h/d"}))
    assert "hunter2" not in line and json.loads(line)["url"] == "postgresql://a:***@h/d"
