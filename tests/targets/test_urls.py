from __future__ import annotations

import pytest
from schemashift.targets.urls import InvalidTargetUrl, parse_target_url


def test_jdbc_postgresql_takes_credentials_apart_and_keeps_them_out_of_display() -> None:
    url = parse_target_url(
        "jdbc:postgresql://db.internal:6543/app?sslmode=verify-full&sslrootcert=/ca.pem&currentSchema=billing",
        username="deploy",
        password="s3cret",
    )
    assert url.family == "postgresql"
    assert url.sqlalchemy_url.drivername == "postgresql+psycopg2"
    assert (url.sqlalchemy_url.host, url.sqlalchemy_url.port, url.sqlalchemy_url.database) == ("db.internal", 6543, "app")
    assert (url.sqlalchemy_url.username, url.sqlalchemy_url.password) == ("deploy", "s3cret")
    assert url.connect_args == {
        "sslmode": "verify-full", "sslrootcert": "/ca.pem", "options": "-c search_path=billing",
    }
    assert url.default_schema == "billing"
    assert url.display == "jdbc:postgresql://db.internal:6543/app"
    assert "s3cret" not in repr(url) + url.display


def test_jdbc_query_credentials_are_honoured_but_never_displayed() -> None:
    url = parse_target_url("jdbc:mariadb://10.0.0.5/shop?user=app&password=hunter2&useSSL=true")
    assert url.family == "mysql" and url.mariadb_requested
    assert (url.sqlalchemy_url.username, url.sqlalchemy_url.password, url.sqlalchemy_url.port) == ("app", "hunter2", 3306)
    assert url.connect_args["ssl"] == {"check_hostname": False, "verify_mode": False}
    assert "hunter2" not in url.display


def test_mysql_verify_identity_builds_a_verifying_tls_context() -> None:
    url = parse_target_url("mysql://h:3307/d?sslMode=VERIFY_IDENTITY&serverSslCert=/ca.pem&connectTimeout=5000")
    assert url.connect_args == {
        "ssl": {"check_hostname": True, "verify_mode": True, "ca": "/ca.pem"},
        "connect_timeout": 5,
    }


def test_plain_url_password_is_overridden_by_the_separate_one() -> None:
    url = parse_target_url("postgresql://u:old@h/d", password="new")
    assert url.sqlalchemy_url.password == "new"
    assert url.display == "postgresql://h:5432/d"


@pytest.mark.parametrize(
    ("text", "database"),
    [
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite:////abs/dir/x.db", "/abs/dir/x.db"),
        ("jdbc:sqlite:/abs/dir/x.db", "/abs/dir/x.db"),
        ("jdbc:sqlite:relative.db", "relative.db"),
    ],
)
def test_sqlite_forms(text: str, database: str) -> None:
    url = parse_target_url(text)
    assert url.family == "sqlite"
    assert url.sqlalchemy_url.database == database


@pytest.mark.parametrize(
    "text", ["", "oracle://h/d", "jdbc:oracle:thin:@h:1521:x", "jdbc:postgresql:db", "mysql://h/d?sslMode=SOMETIMES"]
)
def test_unsupported_or_malformed_urls_are_validation_errors(text: str) -> None:
    with pytest.raises(InvalidTargetUrl):
        parse_target_url(text)
