"""Where a service-managed instance may point, checked at registration and again right before connecting.

- **SQLite** files live only under ``<root>/<account>/`` (the ``SqliteInstancesRoot`` template
  parameter; empty = SQLite refused). The URL names a relative path (``sqlite:///team/app.db``);
  absolute paths, ``..``, URI filenames and symlinks that leave the directory are refused, and the
  connection refuses ATTACH/DETACH, ``VACUUM INTO``, ``load_extension`` and file pragmas.
- **TLS files** named in a URL (libpq ``sslrootcert``, ``sslcert``, ``sslkey``, ``sslcrl``,
  ``sslcrldir``; MySQL ``ssl_ca``/``serverSslCert``, ``ssl_cert``, ``ssl_key``) are files of the
  machine that connects: they follow the SQLite rule (relative paths under ``<root>/<account>/``,
  refused when SQLite files are not enabled), so a tenant can neither make the service read its own
  files (keys, another tenant's certificates) nor present them to a server. ``sslrootcert=system``
  (the system CA store) is always allowed; MySQL verifies against it when no CA file is given.
- **Network** targets never reach link-local/metadata addresses (169.254.0.0/16, fe80::/10,
  fd00:ec2::254), unspecified or multicast addresses, loopback (unless the local stack allows it),
  the service's own endpoints, or hosts outside the account's allowlist when it has one. The host is
  resolved when connecting and every address is checked; the connection is pinned to the checked
  address, so a DNS answer that changes between check and connect (rebinding) cannot redirect it.

The command line (``schemashift db``) works on the user's own machine and is not confined.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from schemashift.errors import Forbidden, ValidationFailed
from schemashift.targets.urls import MYSQL_TLS_FILE_KEYS, PG_TLS_FILE_KEYS, TargetUrl, parse_target_url

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALWAYS_DENIED: tuple[IpNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16",    # link-local, the instance metadata service, the Lambda runtime's 169.254.100.1
    "fe80::/10",         # IPv6 link-local
    "fd00:ec2::254/128",  # the IPv6 metadata service
    "0.0.0.0/8", "::/128",  # "this host"
    "224.0.0.0/4", "ff00::/8", "255.255.255.255/32",  # multicast, broadcast
))
LOOPBACK: tuple[IpNetwork, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
AWS_API_HOST = re.compile(
    r"(^|\.)(dynamodb|s3|s3-control|secretsmanager|states|sts|events|lambda|logs|monitoring|xray|kms|iam|ssm"
    r"|execute-api)(\.dualstack|-fips)?\.([a-z0-9-]+\.)?amazonaws\.com(\.cn)?\.?$", re.IGNORECASE)
"""The AWS APIs the service itself calls; a database host never is one (RDS hosts are ``*.rds.amazonaws.com``)."""


class TargetRefused(Forbidden):
    code = "TARGET_NOT_ALLOWED"


@dataclass(frozen=True)
class TargetPolicy:
    """What one account may point instances at."""

    sqlite_root: Path | None = None
    loopback_allowed: bool = False
    service_endpoints: frozenset[tuple[IpAddress, int]] = frozenset()
    """(address, port) of the service's own endpoints (the local AWS emulator, the gateway, ...)."""
    allowlist: tuple[str, ...] = ()
    """The account's allowed CIDRs and host names (``*.db.internal`` matches subdomains); empty = any."""
    _networks: tuple[IpNetwork, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        networks = []
        for entry in self.allowlist:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
        object.__setattr__(self, "_networks", tuple(networks))

    def host_listed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for entry in self.allowlist:
            entry = entry.lower()
            if entry.startswith("*.") and host.endswith(entry[1:]):
                return True
            if entry == host:
                return True
        return False

    def address_allowed(self, address: IpAddress) -> str | None:
        """None when ``address`` may be reached, else the reason it may not."""
        address = _plain(address)
        if any(address in net for net in ALWAYS_DENIED if net.version == address.version):
            return "link-local, metadata, unspecified and multicast addresses are never reachable"
        if not self.loopback_allowed and any(address in net for net in LOOPBACK if net.version == address.version):
            return "loopback addresses are not reachable from the service"
        return None


def check_registration(url: str, account: str, policy: TargetPolicy) -> TargetUrl:
    """What can be decided without DNS: the SQLite path, literal addresses, the service's endpoints."""
    target = parse_target_url(url)
    if target.family == "sqlite":
        sqlite_file(target, account, policy)
        return target
    tls_files(target, account, policy)
    host, port = _host_port(target)
    _check_name(host, port, policy)
    literal = _literal(host)
    if literal is not None:
        _check_address(host, literal, port, policy)
        if policy.allowlist and not policy.host_listed(host) and not _in_networks(literal, policy):
            raise TargetRefused(f"host {host} is not in this account's target allowlist")
    return target


def confine(url: str | TargetUrl, account: str, policy: TargetPolicy) -> TargetUrl:
    """The URL to connect with: the SQLite file under the account's directory, or the network host
    resolved now, every address checked, and the connection pinned to the first one."""
    target = url if isinstance(url, TargetUrl) else parse_target_url(url)
    if target.family == "sqlite":
        path = sqlite_file(target, account, policy)
        path.parent.mkdir(parents=True, exist_ok=True)
        _inside(path, _account_dir(account, policy))  # again, now that directories exist
        parts = {**target.url_parts, "database": None if path.name == ":memory:" else str(path)}
        return replace(target, url_parts=parts, confined=True)
    target = tls_files(target, account, policy)
    host, port = _host_port(target)
    _check_name(host, port, policy)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise ValidationFailed(f"cannot resolve database host {host!r}: {error}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    for address in addresses:
        _check_address(host, address, port, policy)
    if policy.allowlist and not policy.host_listed(host) and not all(_in_networks(a, policy) for a in addresses):
        raise TargetRefused(f"host {host} is not in this account's target allowlist")
    return replace(target, pinned_address=str(addresses[0]), confined=True)


def sqlite_file(target: TargetUrl, account: str, policy: TargetPolicy) -> Path:
    """The file a SQLite URL names inside ``<root>/<account>/``; refused when it would be anywhere else."""
    if policy.sqlite_root is None:
        raise TargetRefused("SQLite instances are not enabled on this service (template parameter "
                            "SqliteInstancesRoot); use a PostgreSQL or MySQL/MariaDB database")
    raw = target.url_parts.get("database")
    base = _account_dir(account, policy)
    if raw is None:  # :memory:
        return base / ":memory:"
    if "\x00" in raw or "?" in raw or raw.lower().startswith("file:"):
        raise ValidationFailed("a SQLite path may not hold NUL, '?' or a file: URI")
    relative = PurePosixPath(raw.replace("\\", "/"))
    if relative.is_absolute() or re.match(r"^[A-Za-z]:", raw):
        raise ValidationFailed(f"a SQLite path is relative to this account's directory: write "
                               f"sqlite:///{relative.name} (or sqlite:///folder/{relative.name}), not an absolute path")
    if ".." in relative.parts or not relative.parts:
        raise ValidationFailed("a SQLite path may not contain '..'")
    path = base.joinpath(*relative.parts)
    _inside(path, base)
    return path


def tls_files(target: TargetUrl, account: str, policy: TargetPolicy) -> TargetUrl:
    """The target with its TLS file parameters resolved inside ``<root>/<account>/``; refused when one
    would name a file anywhere else (or when the service keeps no account files)."""
    args = dict(target.connect_args)
    if target.family == "postgresql":
        for key in PG_TLS_FILE_KEYS:
            if key in args and not (key == "sslrootcert" and args[key] == "system"):
                args[key] = str(_account_file(key, str(args[key]), account, policy))
    elif isinstance(args.get("ssl"), dict):
        tls = dict(args["ssl"])
        for key in MYSQL_TLS_FILE_KEYS:
            if key in tls:
                tls[key] = str(_account_file(f"ssl_{key}", str(tls[key]), account, policy))
        args["ssl"] = tls
    return replace(target, connect_args=args) if args != target.connect_args else target


def _account_file(parameter: str, raw: str, account: str, policy: TargetPolicy) -> Path:
    if policy.sqlite_root is None:
        raise TargetRefused(f"{parameter} names a file of the service's machine, which instances cannot use here; "
                            "verify the server against the system CA store instead (PostgreSQL: "
                            "sslmode=verify-full&sslrootcert=system; MySQL: sslMode=VERIFY_IDENTITY)")
    if not raw or "\x00" in raw:
        raise ValidationFailed(f"{parameter} must name a file")
    relative = PurePosixPath(raw.replace("\\", "/"))
    if relative.is_absolute() or re.match(r"^[A-Za-z]:", raw) or ".." in relative.parts or raw.startswith("~"):
        raise ValidationFailed(f"{parameter} is a path relative to this account's directory (no absolute path, "
                               "'~' or '..')")
    base = _account_dir(account, policy)
    path = base.joinpath(*relative.parts)
    _inside(path, base, parameter)
    return path


def _account_dir(account: str, policy: TargetPolicy) -> Path:
    from schemashift.credentials import validate_account

    assert policy.sqlite_root is not None
    return policy.sqlite_root / validate_account(account)


def _inside(path: Path, base: Path, what: str = "the SQLite path") -> None:
    """Symlinks resolved: the real file must stay inside the real account directory."""
    real_base = Path(os.path.realpath(base))
    real = Path(os.path.realpath(path))
    if real != real_base and real_base not in real.parents:
        raise TargetRefused(f"{what} leaves this account's directory")


def _host_port(target: TargetUrl) -> tuple[str, int]:
    return str(target.url_parts.get("host") or "localhost"), int(target.url_parts.get("port") or 0)


def _check_name(host: str, port: int, policy: TargetPolicy) -> None:
    lowered = host.lower().rstrip(".")
    if AWS_API_HOST.search(lowered):
        raise TargetRefused(f"host {host} is an AWS API endpoint, not a database")
    if lowered == "localhost" or lowered.endswith(".localhost"):
        for address in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")):
            _check_address(host, address, port, policy)


def _check_address(host: str, address: IpAddress, port: int, policy: TargetPolicy) -> None:
    reason = policy.address_allowed(address)
    if reason is None and (_plain(address), port) in policy.service_endpoints:
        reason = "it is one of the service's own endpoints"
    if reason:
        shown = host if host == str(address) else f"{host} ({address})"
        raise TargetRefused(f"database host {shown} port {port} is not allowed: {reason}")


def service_endpoints(urls: list[str]) -> frozenset[tuple[IpAddress, int]]:
    """(address, port) of each endpoint URL or ``host:port`` the service itself listens on or calls."""
    from urllib.parse import urlsplit

    found: set[tuple[IpAddress, int]] = set()
    for url in urls:
        parts = urlsplit(url if "//" in url else f"//{url}")
        if not parts.hostname:
            continue
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (OSError, ValueError, UnicodeError):
            continue
        found.update((_plain(ipaddress.ip_address(i[4][0].split("%")[0])), port) for i in infos)
    return frozenset(found)


def _plain(address: IpAddress) -> IpAddress:
    return getattr(address, "ipv4_mapped", None) or address


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def _in_networks(address: IpAddress, policy: TargetPolicy) -> bool:
    address = _plain(address)
    return any(address in net for net in policy._networks if net.version == address.version)
