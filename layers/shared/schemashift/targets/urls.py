"""Target database URLs: SQLAlchemy-style and JDBC-style, credentials kept apart.

Users arrive with whatever their Liquibase setup used (``jdbc:postgresql://...``) or with a
SQLAlchemy URL; both become one SQLAlchemy URL plus driver ``connect_args``. Credentials are
passed separately and never appear in ``display`` (what logs and errors may show).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from schemashift.errors import ValidationFailed

if TYPE_CHECKING:  # SQLAlchemy loads only when a URL is built: API handlers validate URLs without it
    from sqlalchemy.engine import URL

Family = Literal["postgresql", "mysql", "sqlite"]
"""The driver family; MySQL and MariaDB share one and are told apart by the server version."""

_SCHEMES: dict[str, Family] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg2": "postgresql",
    "mysql": "mysql",
    "mysql+pymysql": "mysql",
    "mariadb": "mysql",
    "mariadb+pymysql": "mysql",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}
_DRIVERS: dict[Family, str] = {"postgresql": "postgresql+psycopg2", "mysql": "mysql+pymysql", "sqlite": "sqlite"}
_DEFAULT_PORTS: dict[Family, int] = {"postgresql": 5432, "mysql": 3306}

_PG_TLS_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "sslpassword"}
PG_TLS_FILE_KEYS = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir")
"""libpq parameters that name files (or a directory) of the machine that connects."""
MYSQL_TLS_FILE_KEYS = ("ca", "cert", "key")
"""Keys of PyMySQL's ``ssl`` dict that name files (from ``ssl_ca``/``serverSslCert``, ``ssl_cert``, ``ssl_key``)."""
_MYSQL_MODES = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"}


class InvalidTargetUrl(ValidationFailed):
    code = "INVALID_TARGET_URL"


@dataclass(frozen=True)
class TargetUrl:
    """A parsed target: how to connect (with secrets) and how to name it (without)."""

    family: Family
    url_parts: dict[str, Any] = field(repr=False)
    """``URL.create`` arguments: the SQLAlchemy URL is built when connecting, not when validating."""
    connect_args: dict[str, Any] = field(repr=False, default_factory=dict)
    default_schema: str | None = None
    display: str = ""
    """The URL with any password removed: safe for logs, errors and DATABASECHANGELOG-adjacent output."""
    mariadb_requested: bool = False
    """The URL said ``mariadb``; the server version still decides the dialect."""
    confined: bool = False
    """Checked by ``targets.confinement`` for a tenant: SQLite file-reaching statements are refused."""
    pinned_address: str | None = None
    """The checked IP address to connect to (the host name still serves TLS verification)."""

    @property
    def sqlalchemy_url(self) -> URL:
        from sqlalchemy.engine import URL

        return URL.create(**self.url_parts)

    def with_credentials(self, username: str | None, password: str | None) -> TargetUrl:
        """The same target with the secret's username/password (SQLite takes none)."""
        if self.family == "sqlite" or (username is None and password is None):
            return self
        parts = dict(self.url_parts)
        if username is not None:
            parts["username"] = username
        if password is not None:
            parts["password"] = password
        return replace(self, url_parts=parts)

    @property
    def has_password(self) -> bool:
        return bool(self.url_parts.get("password")) or any("password" in k.lower() for k in self.connect_args)


def parse_target_url(url: str, *, username: str | None = None, password: str | None = None) -> TargetUrl:
    """Parse ``url`` (SQLAlchemy or JDBC form); ``username``/``password`` override any in the URL."""
    text = url.strip()
    if not text:
        raise InvalidTargetUrl("The database URL is empty")
    if text.lower().startswith("jdbc:"):
        return _parse_jdbc(text[5:], username, password)
    return _parse_plain(text, username, password)


def _parse_jdbc(rest: str, username: str | None, password: str | None) -> TargetUrl:
    scheme, _, body = rest.partition(":")
    scheme = scheme.lower()
    if scheme == "sqlite":
        path, _, _query = body.partition("?")
        return _sqlite(path, display=f"jdbc:sqlite:{path}")
    if scheme not in ("postgresql", "mysql", "mariadb"):
        raise InvalidTargetUrl(f"Unsupported JDBC URL 'jdbc:{scheme}:...'; use postgresql, mysql, mariadb or sqlite")
    if not body.startswith("//"):
        raise InvalidTargetUrl(f"Malformed JDBC URL 'jdbc:{scheme}:{_strip_secrets(body)}'")
    return _network(scheme, body, username, password, jdbc=True)


def _parse_plain(text: str, username: str | None, password: str | None) -> TargetUrl:
    scheme, sep, body = text.partition("://")
    if not sep:
        raise InvalidTargetUrl(f"Malformed database URL '{_strip_secrets(text)}'")
    family = _SCHEMES.get(scheme.lower())
    if family is None:
        raise InvalidTargetUrl(f"Unsupported database URL scheme '{scheme}'")
    if family == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy spells them.
        path = body[1:] if body.startswith("/") else body
        return _sqlite(path.partition("?")[0], display=text)
    return _network(scheme.lower(), "//" + body, username, password, jdbc=False)


def _sqlite(path: str, *, display: str) -> TargetUrl:
    if not path:
        raise InvalidTargetUrl("A SQLite URL needs a file path (or :memory:)")
    database = None if path == ":memory:" else unquote(path)
    return TargetUrl(
        family="sqlite", url_parts={"drivername": "sqlite", "database": database}, display=display
    )


def _network(scheme: str, body: str, username: str | None, password: str | None, *, jdbc: bool) -> TargetUrl:
    family = _SCHEMES.get(scheme, "mysql")
    parts = urlsplit(f"x:{body}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    url_user = unquote(parts.username) if parts.username else None
    url_password = unquote(parts.password) if parts.password else None
    # JDBC carries credentials as query parameters; treat them like the userinfo part.
    url_user = query.pop("user", None) or query.pop("username", None) or url_user
    url_password = query.pop("password", None) or url_password
    database = unquote(parts.path.lstrip("/")) or None
    try:
        port = parts.port or _DEFAULT_PORTS[family]
    except ValueError as error:
        raise InvalidTargetUrl(f"Invalid port in database URL: {error}") from None
    connect_args, default_schema = (
        _postgres_options(query) if family == "postgresql" else _mysql_options(query)
    )
    url_parts = dict(
        drivername=_DRIVERS[family],
        username=username if username is not None else url_user,
        password=password if password is not None else url_password,
        host=parts.hostname or "localhost",
        port=port,
        database=database,
    )
    prefix = "jdbc:" if jdbc else ""
    host = parts.hostname or "localhost"
    display = f"{prefix}{scheme}://{host}:{port}/{database or ''}"
    return TargetUrl(
        family=family,
        url_parts=url_parts,
        connect_args=connect_args,
        default_schema=default_schema,
        display=display,
        mariadb_requested=scheme.startswith("mariadb"),
    )


def _postgres_options(query: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """libpq TLS keys pass through; JDBC ``ssl=true`` means ``sslmode=require``."""
    args: dict[str, Any] = {key.lower(): value for key, value in query.items() if key.lower() in _PG_TLS_KEYS}
    if query.get("ssl", "").lower() == "true" and "sslmode" not in args:
        args["sslmode"] = "require"
    if "connect_timeout" in query or "connectTimeout" in query:
        args["connect_timeout"] = int(query.get("connect_timeout") or query["connectTimeout"])
    if "ApplicationName" in query or "application_name" in query:
        args["application_name"] = query.get("application_name") or query["ApplicationName"]
    schema = query.get("currentSchema") or None
    if schema:
        args["options"] = f"-c search_path={schema}"
    return args, schema


def _mysql_options(query: dict[str, str]) -> tuple[dict[str, Any], None]:
    """JDBC-ish ``sslMode``/``useSSL`` and the CA/cert/key files become a PyMySQL ``ssl`` dict."""
    lowered = {key.lower().replace("-", "_"): value for key, value in query.items()}
    mode = (lowered.get("sslmode") or lowered.get("ssl_mode") or "").upper()
    if not mode and lowered.get("usessl", "").lower() == "true":
        mode = "REQUIRED"
    if mode and mode not in _MYSQL_MODES:
        raise InvalidTargetUrl(f"Unknown sslMode '{mode}'; expected one of {sorted(_MYSQL_MODES)}")
    ca = lowered.get("ssl_ca") or lowered.get("serversslcert") or lowered.get("sslrootcert")
    cert = lowered.get("ssl_cert") or lowered.get("sslcert")
    key = lowered.get("ssl_key") or lowered.get("sslkey")
    args: dict[str, Any] = {}
    if "connecttimeout" in lowered or "connect_timeout" in lowered:
        raw = lowered.get("connect_timeout") or lowered["connecttimeout"]
        # JDBC's connectTimeout is in milliseconds, PyMySQL's in seconds.
        args["connect_timeout"] = max(1, int(raw) // 1000) if "connecttimeout" in lowered else int(raw)
    if mode in ("", "DISABLED", "PREFERRED") and not (ca or cert):
        return args, None
    tls: dict[str, Any] = {"check_hostname": mode == "VERIFY_IDENTITY"}
    tls["verify_mode"] = mode in ("VERIFY_CA", "VERIFY_IDENTITY")
    if ca:
        tls["ca"] = ca
    if cert:
        tls["cert"] = cert
    if key:
        tls["key"] = key
    args["ssl"] = tls
    return args, None


def _strip_secrets(text: str) -> str:
    """A URL fragment fit for an error message: secrets hidden (the one rule), long input cut."""
    from schemashift.redaction import redact, truncate

    return truncate(redact(text), 300)

