"""Where a tenant's instance may point: SQLite under its own directory, network hosts that are not the
service, the metadata service or loopback, re-checked (and pinned) when connecting."""

from __future__ import annotations

import ipaddress
import os
import socket
import sqlite3
from pathlib import Path

import pytest
from schemashift.errors import ValidationFailed
from schemashift.targets import open_target
from schemashift.targets.confinement import TargetPolicy, TargetRefused, check_registration, confine, service_endpoints
from schemashift.targets.errors import StatementFailed
from schemashift.targets.urls import parse_target_url

from tests.support.realdb import require_real_db


@pytest.fixture
def policy(tmp_path: Path) -> TargetPolicy:
    return TargetPolicy(sqlite_root=tmp_path / "sqlite")


def test_sqlite_files_stay_in_the_account_directory(policy: TargetPolicy, tmp_path: Path) -> None:
    confined = confine("sqlite:///team/app.db", "acme", policy)
    assert confined.url_parts["database"] == str(tmp_path / "sqlite" / "acme" / "team" / "app.db")
    assert confine("jdbc:sqlite:app.db", "acme", policy).url_parts["database"].endswith("/sqlite/acme/app.db")
    victim = tmp_path / "sqlite" / "victim" / "app.db"
    for url in (f"sqlite:///{victim}", f"sqlite:////{victim}", f"jdbc:sqlite:{victim}", "sqlite:///../victim/app.db",
                "sqlite:///team/../../victim/app.db", "jdbc:sqlite:..\\victim\\app.db", "sqlite:///C:/x.db",
                "sqlite:///file:app.db?mode=rw"):
        with pytest.raises(ValidationFailed):
            check_registration(url, "acme", policy)
        with pytest.raises(ValidationFailed):
            confine(url, "acme", policy)


def test_a_symlink_out_of_the_account_directory_is_refused(policy: TargetPolicy, tmp_path: Path) -> None:
    victim_dir = tmp_path / "sqlite" / "victim"
    victim_dir.mkdir(parents=True)
    sqlite3.connect(victim_dir / "app.db").close()
    own = tmp_path / "sqlite" / "acme"
    own.mkdir(parents=True)
    os.symlink(victim_dir / "app.db", own / "link.db")
    os.symlink(victim_dir, own / "linkdir")
    for url in ("sqlite:///link.db", "sqlite:///linkdir/app.db"):
        with pytest.raises(TargetRefused, match="leaves this account's directory"):
            confine(url, "acme", policy)


def test_sqlite_is_refused_unless_the_service_enables_it() -> None:
    with pytest.raises(TargetRefused, match="SqliteInstancesRoot"):
        check_registration("sqlite:///app.db", "acme", TargetPolicy())


def test_confined_sqlite_refuses_statements_that_reach_other_files(policy: TargetPolicy, tmp_path: Path) -> None:
    outside = tmp_path / "outside.db"
    with open_target(confine("sqlite:///app.db", "acme", policy)) as target:
        target.execute("CREATE TABLE t (id INTEGER)")
        target.query_rows("PRAGMA table_info(t)")  # ordinary pragmas keep working
        for sql in (f"ATTACH DATABASE '{outside}' AS other", "DETACH DATABASE main", f"VACUUM INTO '{outside}'",
                    "SELECT load_extension('/tmp/evil')", "PRAGMA temp_store_directory = '/tmp'"):
            with pytest.raises(StatementFailed, match="refused on service-managed SQLite"):
                target.execute(sql)
    assert not outside.exists()
    with open_target(f"sqlite:///{tmp_path / 'mine.db'}") as unconfined:  # the CLI on one's own machine
        unconfined.execute(f"ATTACH DATABASE '{outside}' AS other")
    assert outside.exists()


@pytest.mark.parametrize("host", ["169.254.169.254", "[fd00:ec2::254]", "[fe80::1]", "0.0.0.0", "127.0.0.1",
                                  "localhost", "[::1]", "[::ffff:169.254.169.254]", "224.0.0.1",
                                  "dynamodb.us-east-1.amazonaws.com", "abc123.execute-api.eu-west-1.amazonaws.com"])
def test_network_targets_never_reach_the_service_or_metadata(host: str) -> None:
    with pytest.raises(TargetRefused):
        check_registration(f"postgresql://{host}:5432/app", "acme", TargetPolicy())


def test_names_are_resolved_when_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"db.rebind.test": "169.254.169.254", "decimal.test": "2130706433"}
    real = socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):  # the resolver's answer, not our code
        if host in answers:
            return real(answers[host], port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    check_registration("postgresql://db.rebind.test/app", "acme", TargetPolicy())  # no DNS at registration
    for host in answers:
        with pytest.raises(TargetRefused, match="not allowed"):
            confine(f"postgresql://{host}/app", "acme", TargetPolicy())


def test_account_allowlist_and_service_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    allow = TargetPolicy(allowlist=("10.0.0.0/8", "*.db.internal"))
    check_registration("postgresql://10.1.2.3/app", "acme", allow)
    check_registration("mysql://orders.db.internal/app", "acme", allow)
    with pytest.raises(TargetRefused, match="allowlist"):
        check_registration("postgresql://192.168.1.5/app", "acme", allow)
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.7.7", port))])
    with pytest.raises(TargetRefused, match="allowlist"):
        confine("postgresql://elsewhere.example/app", "acme", allow)
    assert confine("postgresql://orders.db.internal/app", "acme", allow).pinned_address == "192.168.7.7"
    monkeypatch.undo()

    local = TargetPolicy(loopback_allowed=True, service_endpoints=frozenset(
        {(ipaddress.ip_address("127.0.0.1"), 4566)}))
    with pytest.raises(TargetRefused, match="service's own endpoints"):
        confine("postgresql://127.0.0.1:4566/app", "acme", local)
    assert confine("postgresql://127.0.0.1:5432/app", "acme", local).pinned_address == "127.0.0.1"


def test_service_endpoints_come_from_urls() -> None:
    endpoints = service_endpoints(["http://127.0.0.1:4566", "127.0.0.1:9001", "not a url"])
    assert (ipaddress.ip_address("127.0.0.1"), 4566) in endpoints
    assert (ipaddress.ip_address("127.0.0.1"), 9001) in endpoints


@pytest.mark.parametrize("env", ["SCHEMASHIFT_TEST_POSTGRES_URL", "SCHEMASHIFT_TEST_MYSQL_URL"])
def test_connections_are_pinned_to_the_checked_address(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name answers loopback when checked and the metadata address afterwards; the
    connection goes to the address that was checked."""
    real_url = parse_target_url(require_real_db(env))
    answers = iter(["127.0.0.1"])
    real = socket.getaddrinfo

    def rebinding_dns(host, port, *args, **kwargs):
        if host == "db.rebind.test":
            return real(next(answers, "169.254.169.254"), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    parts = real_url.url_parts
    scheme = "postgresql" if real_url.family == "postgresql" else "mysql"
    url = f"{scheme}://db.rebind.test:{parts['port']}/{parts['database'] or ''}"
    policy = TargetPolicy(loopback_allowed=True)
    confined = confine(url, "acme", policy)
    assert confined.pinned_address == "127.0.0.1"
    with open_target(confined.with_credentials(parts["username"], parts["password"]), connect_timeout=5) as target:
        assert target.query_scalar("SELECT 1") == 1
    with pytest.raises(TargetRefused):
        confine(url, "acme", policy)  # checked again: now the name points at the metadata service


@pytest.mark.parametrize("query", [
    "sslmode=verify-full&sslrootcert=/etc/passwd", "sslrootcert=../victim/ca.pem", "sslcert=~/.postgresql/x.crt",
    "sslkey=/proc/self/environ", "SSLKEY=/var/task/key.pem", "sslcrl=C:/crl.pem", "sslcrldir=/etc",
    "sslcert=certs/../../victim/client.crt",
])
def test_postgres_tls_files_stay_in_the_account_directory(query: str, policy: TargetPolicy) -> None:
    for url in (f"postgresql://db.example.com/app?{query}", f"jdbc:postgresql://db.example.com/app?{query}"):
        with pytest.raises(ValidationFailed):
            check_registration(url, "acme", policy)
        with pytest.raises(ValidationFailed):
            confine(url, "acme", policy)


@pytest.mark.parametrize("query", [
    "sslMode=VERIFY_CA&ssl_ca=/etc/ssl/private/server.pem", "sslMode=REQUIRED&serverSslCert=/etc/passwd",
    "ssl-ca=../victim/ca.pem", "ssl_cert=/home/x/client.crt&ssl_key=key.pem", "sslMode=REQUIRED&sslrootcert=/ca.pem",
    "ssl_ca=ca.pem&ssl_key=/var/task/key.pem",
])
def test_mysql_tls_files_stay_in_the_account_directory(query: str, policy: TargetPolicy) -> None:
    for url in (f"mysql://db.example.com/app?{query}", f"jdbc:mariadb://db.example.com/app?{query}"):
        with pytest.raises(ValidationFailed):
            check_registration(url, "acme", policy)


def test_tls_files_inside_the_account_directory_are_used_from_there(policy: TargetPolicy, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", port))])  # the resolver's answer
    own = tmp_path / "sqlite" / "acme"
    pg = confine("postgresql://db.example.com/app?sslmode=verify-full&sslrootcert=certs/ca.pem"
                 "&sslcert=certs/client.crt&sslkey=certs/client.key", "acme", policy)
    assert {k: pg.connect_args[k] for k in ("sslrootcert", "sslcert", "sslkey")} == {
        "sslrootcert": str(own / "certs" / "ca.pem"), "sslcert": str(own / "certs" / "client.crt"),
        "sslkey": str(own / "certs" / "client.key")}
    my = confine("mysql://db.example.com/app?sslMode=VERIFY_IDENTITY&ssl_ca=ca.pem&ssl_cert=c.crt&ssl_key=c.key",
                 "acme", policy)
    assert my.connect_args["ssl"] == {"check_hostname": True, "verify_mode": True, "ca": str(own / "ca.pem"),
                                      "cert": str(own / "c.crt"), "key": str(own / "c.key")}
    # the system CA store is no file of anyone's
    assert confine("postgresql://db.example.com/app?sslmode=verify-full&sslrootcert=system", "acme",
                   TargetPolicy()).connect_args["sslrootcert"] == "system"
    # a symlink out of the directory is refused like a SQLite file's
    (tmp_path / "sqlite" / "victim").mkdir(parents=True)
    (tmp_path / "sqlite" / "victim" / "client.key").write_text("victim's key")
    own.mkdir(parents=True, exist_ok=True)
    os.symlink(tmp_path / "sqlite" / "victim" / "client.key", own / "stolen.key")
    with pytest.raises(TargetRefused, match="sslkey leaves this account's directory"):
        confine("postgresql://db.example.com/app?sslcert=c.crt&sslkey=stolen.key", "acme", policy)


def test_tls_files_are_refused_where_the_service_keeps_no_account_files() -> None:
    for url in ("postgresql://db.example.com/app?sslrootcert=ca.pem", "mysql://db.example.com/app?ssl_ca=ca.pem",
                "postgresql://db.example.com/app?sslkey=/etc/ssl/private/key.pem"):
        with pytest.raises(TargetRefused, match="system CA store"):
            check_registration(url, "acme", TargetPolicy())
    check_registration("postgresql://db.example.com/app?sslmode=verify-full&sslrootcert=system", "acme", TargetPolicy())
    check_registration("mysql://db.example.com/app?sslMode=VERIFY_IDENTITY", "acme", TargetPolicy())


def test_an_instance_naming_a_server_file_for_tls_is_refused_and_not_stored(api) -> None:
    base = "/v1/orgs/tls/projects/files"
    api.post(f"{base}/dbschema", {"identifier": "s", "name": "s"})
    for url in ("postgresql://db.example.com/app?sslmode=verify-full&sslrootcert=/etc/passwd",
                "jdbc:mysql://db.example.com/app?sslMode=VERIFY_CA&serverSslCert=/var/task/ca.pem"):
        refused = api.post(f"{base}/dbschema/s/instance", {"identifier": "i", "name": "i", "url": url})
        assert refused.status == 400, refused.json()
        assert "relative to this account's directory" in refused.json()["message"]
        assert "/etc/passwd" not in refused.json()["message"]
    assert api.get(f"{base}/dbschema/s/instance/i").status == 404
