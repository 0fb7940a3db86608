"""Which databases a sql data source may reach, and how the connector connects to them.

Checked when the source is saved and again every time it connects (a dry run, a step), so a
source saved before these rules, or a row edited in the database, is refused when it runs:

- a supported dialect and driver: PostgreSQL (psycopg), MySQL/MariaDB (PyMySQL), SQLite;
- driver options from a small allow-list (`QUERY_OPTIONS`); nothing that reads a local file,
  names another host or service, or runs a command on connect;
- SQLite: an absolute path whose resolved location is inside the operator's directory
  (`settings.SQL_SOURCE_SQLITE_DIR`), or an in-memory database;
- PostgreSQL and MySQL: a host name or address (no unix socket, no list of hosts), resolved
  once through the egress policy (dsr/egress.py); the driver connects to that address;
- never the desk's own database: not the same SQLite file (however it is named: symlinks,
  `..`, hard links), not the same PostgreSQL server and database name (loopback, `localhost`
  and unix sockets count as one host) — and, once connected, not a server that says it is
  the desk's (same start time, same database).

Messages name the rule that refused, never what a driver said (docs/SECURITY.md).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from django.conf import settings
from django.db import connection as desk_connection
from sqlalchemy import exc as sa_exc

from dsr import egress
from dsr.connectors.base import ConfigError, TransientError

OWN_DATABASE = (
    "refused: this is the desk's own database; a data source must be one of the "
    "controller's systems"
)
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# The only options a database URL may carry (docs/FULFILMENT.md, "Data sources").
QUERY_OPTIONS: dict[str, dict[str, re.Pattern[str]]] = {
    "postgresql": {
        "sslmode": re.compile("|".join(SSL_MODES)),
        "connect_timeout": re.compile(r"[1-9][0-9]?"),
        "application_name": re.compile(r"[\w .-]{1,63}"),
    },
    "mysql": {
        "charset": re.compile(r"[a-z0-9_]{1,32}"),
        "connect_timeout": re.compile(r"[1-9][0-9]?"),
    },
    "sqlite": {},
}
QUERY_OPTIONS["mariadb"] = QUERY_OPTIONS["mysql"]
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
    r"(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?"
)
_DATABASE_NAME = re.compile(r"[A-Za-z0-9_$.-]{1,63}")


@dataclass
class Target:
    """What the connector hands SQLAlchemy: the URL (pinned to the checked address or the
    resolved file) and the driver's keyword arguments."""

    url: sa.URL
    connect_args: dict[str, Any] = field(default_factory=dict)


def checked_target(url: sa.URL, *, connect_timeout: int = 5) -> Target:
    """The URL as the policy allows it, or ConfigError (a rule refused it) or TransientError
    (the host name does not resolve now)."""
    backend = url.get_backend_name()
    allowed = QUERY_OPTIONS.get(backend)
    if allowed is None:
        raise ConfigError(f"databases of kind '{backend}' are not supported")
    for option, values in url.query.items():
        if option not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            raise ConfigError(
                f"the database URL option '{option}' is not allowed (allowed: {listed})"
            )
        for value in (values,) if isinstance(values, str) else values:
            if not allowed[option].fullmatch(value):
                raise ConfigError(f"the database URL option '{option}' has a value not allowed")
    if backend == "sqlite":
        return _sqlite_target(url)
    return _network_target(url, backend, connect_timeout)


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_target(url: sa.URL) -> Target:
    database = url.database or ""
    if database in ("", ":memory:"):
        return Target(url, {"timeout": 30})
    if database.lower().startswith("file:"):
        raise ConfigError("a SQLite source is a file path (sqlite:////path/file), not a URI")
    path = Path(database)
    if not path.is_absolute():
        raise ConfigError("a SQLite source needs an absolute path (sqlite:////path/file)")
    resolved = path.resolve()
    if _is_desk_sqlite(resolved):
        raise ConfigError(OWN_DATABASE)
    folder = Path(settings.SQL_SOURCE_SQLITE_DIR).resolve()
    if resolved == folder or not resolved.is_relative_to(folder):
        raise ConfigError(
            "refused: the SQLite file is outside the directory for SQLite sources "
            "(DSR_SQL_SOURCE_SQLITE_DIR)"
        )
    if not resolved.is_file():
        raise TransientError("the SQLite file does not exist (yet)")
    return Target(url.set(database=str(resolved)), {"timeout": 30})


def _desk_sqlite_files() -> list[Path]:
    names = [desk_connection.settings_dict.get("NAME")]
    configured = settings.DATABASES["default"]
    if configured.get("ENGINE", "").endswith("sqlite3"):
        names += [configured.get("NAME"), (configured.get("TEST") or {}).get("NAME")]
    elif desk_connection.vendor != "sqlite":
        return []
    return [Path(str(name)).resolve() for name in names if name and str(name) != ":memory:"]


def _is_desk_sqlite(resolved: Path) -> bool:
    for desk in _desk_sqlite_files():
        if resolved == desk:
            return True
        try:
            if resolved.exists() and desk.exists() and os.path.samefile(resolved, desk):
                return True  # a hard link
        except OSError:
            continue
    return False


# --- PostgreSQL and MySQL --------------------------------------------------------------------


def _network_target(url: sa.URL, backend: str, connect_timeout: int) -> Target:
    host = url.host or ""
    if not host or host.startswith("/"):
        raise ConfigError(
            "the database URL needs a host name or address (unix sockets are not accepted)"
        )
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        if not _HOST_NAME.fullmatch(bare):
            raise ConfigError("the database URL's host is not a host name or address") from None
    if not url.database or not _DATABASE_NAME.fullmatch(url.database):
        raise ConfigError("the database URL needs a database name of letters, digits, _ - . or $")
    port = url.port or DEFAULT_PORTS[backend]
    try:
        address = egress.checked_address(bare, port)
    except egress.Refused as error:
        raise ConfigError(str(error)) from None
    except egress.EgressError as error:
        reason = str(error).removeprefix("unreachable: ")
        raise TransientError(f"cannot connect to the database ({reason})") from None
    if backend == "postgresql" and _is_desk_postgresql(address, port, url.database):
        raise ConfigError(OWN_DATABASE)
    query = dict(url.query)
    timeout = int(query.pop("connect_timeout", connect_timeout))
    if backend == "postgresql":
        # libpq connects to `hostaddr` and keeps `host` for TLS and the server's records.
        return Target(
            url.set(query=query), {"hostaddr": address, "port": port, "connect_timeout": timeout}
        )
    return Target(url.set(host=address, port=port, query=query), {"connect_timeout": timeout})


def _desk_postgresql_names() -> set[str]:
    names = {desk_connection.settings_dict.get("NAME"), settings.DATABASES["default"].get("NAME")}
    configured = getattr(settings, "DATABASE_URL", "")
    if configured:
        import dj_database_url

        try:
            name = dj_database_url.parse(configured).get("NAME")
        except ValueError:
            name = None
        if name:
            names |= {name, f"test_{name}"}
    return {str(name) for name in names if name}


def _is_desk_postgresql(address: str, port: int, database: str) -> bool:
    if desk_connection.vendor != "postgresql":
        return False
    return database in _desk_postgresql_names() and _same_server(address, port)


def _plain(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _this_machine(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.is_loopback or ip.is_unspecified:
        return True
    try:
        own = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return False
    return ip in {_plain(info[4][0]) for info in own}


def _same_server(address: str, port: int) -> bool:
    """Whether `address`:`port` is the desk's PostgreSQL server (before connecting)."""
    settings_dict = desk_connection.settings_dict
    desk_port = int(settings_dict.get("PORT") or DEFAULT_PORTS["postgresql"])
    if port != desk_port:
        return False
    ip = _plain(address)
    desk_host = str(settings_dict.get("HOST") or "")
    if not desk_host or desk_host.startswith("/") or desk_host == "localhost":
        return _this_machine(ip)
    try:
        desk_addresses = {_plain(found) for found in egress.resolve(desk_host, desk_port)}
    except OSError:
        desk_addresses = set()
    if ip in desk_addresses:
        return True
    return _this_machine(ip) and any(_this_machine(found) for found in desk_addresses)


def refuse_if_desk(connection: sa.Connection) -> None:
    """Once connected: a PostgreSQL server that says it is the desk's database is refused,
    however it was reached (a DNS name, a proxy, another interface)."""
    if connection.dialect.name != "postgresql" or desk_connection.vendor != "postgresql":
        return
    question = "SELECT pg_postmaster_start_time()::text, current_database()"
    try:
        source = tuple(connection.exec_driver_sql(question).one())
    except sa_exc.DBAPIError:
        connection.rollback()
        return  # a PostgreSQL-like system without the function: not the desk's server
    connection.rollback()
    with desk_connection.cursor() as cursor:
        cursor.execute(question)
        desk = tuple(cursor.fetchone())
    if source == desk:
        raise ConfigError(OWN_DATABASE)
