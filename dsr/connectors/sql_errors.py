"""What the sql connector says when a database fails: the class of failure, never the
driver's text. A driver's message can name addresses, quote the banner of whatever answered
on a port or echo a statement's values, so a page that showed it could be used to map the
network behind the desk (docs/SECURITY.md, "The network").

The driver's text is read here only to choose among fixed messages; the one thing echoed is
a table name, and only one the manager wrote in the map."""

from __future__ import annotations

import re

from sqlalchemy import exc as sa_exc

from dsr.connectors.base import ConnectorError, PermanentError, TransientError

# (words in the driver's message, MySQL error numbers) -> the class a person reads.
_CONNECT_CLASSES: tuple[tuple[tuple[str, ...], tuple[int, ...], str], ...] = (
    (("password authentication failed", "authentication failed", "access denied",
      "no pg_hba.conf entry", "role \"", "no password supplied"), (1044, 1045, 1698),
     "authentication failed"),
    (("database \"", "unknown database"), (1049,), "the database does not exist"),
    (("connection refused",), (), "connection refused"),
    (("name or service not known", "could not translate host name", "nodename nor servname",
      "temporary failure in name resolution"), (), "the host name does not resolve"),
    (("timeout", "timed out"), (), "timed out"),
    (("ssl", "tls", "certificate"), (2026,), "TLS failed"),
    (("unable to open database file",), (), "the file cannot be opened"),
    (("not a database", "file is encrypted"), (), "the file is not a SQLite database"),
    (("database is locked",), (), "the database is busy"),
    (("too many connections",), (1040,), "too many connections"),
)  # fmt: skip


def _driver_error(error: BaseException) -> BaseException:
    return getattr(error, "orig", None) or error


def _mysql_code(original: BaseException) -> int | None:
    args = getattr(original, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def connect_failure(error: BaseException) -> str:
    """Why a connection could not be made, as a class ("connection refused")."""
    original = _driver_error(error)
    text, code = str(original).lower(), _mysql_code(original)
    for _words, codes, name in _CONNECT_CLASSES:
        if code in codes:
            return name
    if "does not exist" in text and "database" in text:
        return "the database does not exist"
    for words, _codes, name in _CONNECT_CLASSES:
        if any(word in text for word in words):
            return name
    return "the server did not answer as a database"


_MISSING_TABLE = (
    re.compile(r'relation "(?:[^"]+\.)?([^"]+)" does not exist'),
    re.compile(r"no such table: (?:\w+\.)?(\S+)"),
    re.compile(r"table '(?:[^'.]+\.)?([^'.]+)' doesn't exist"),
)


def statement_failure(error: sa_exc.SQLAlchemyError, *, tables: list[str]) -> ConnectorError:
    """What a failed statement means: transient (connection lost, busy) or permanent (the
    database does not fit the map, or refused the change)."""
    original = _driver_error(error)
    text, code = str(original), _mysql_code(original)
    lower = text.lower()
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return TransientError("lost the connection to the database")
    for pattern in _MISSING_TABLE:
        found = pattern.search(text)
        if found:
            name = found.group(1)
            known = [table for table in tables if table.rpartition(".")[2] == name]
            if known:
                return PermanentError(f"table '{known[0]}' not found in the source")
            return PermanentError("a table of the map is not found in the source")
    if "permission denied" in lower or code in (1142, 1143, 1044):
        return PermanentError("the database user lacks a permission the map needs")
    if isinstance(error, sa_exc.IntegrityError):
        return PermanentError(
            "the database refused the change: a constraint (foreign key, unique, not null) "
            "stands in the way"
        )
    if isinstance(error, sa_exc.DataError):
        return PermanentError("the database refused a value: it does not fit its column")
    if isinstance(error, sa_exc.OperationalError):
        if "locked" in lower or "deadlock" in lower or code in (1205, 1213):
            return TransientError("the database is busy (locked)")
        if "timeout" in lower or "timed out" in lower or "canceling statement" in lower:
            return TransientError("the database did not answer in time")
        if "no such column" in lower or code == 1054:
            return PermanentError("a column of the map is not found in the source")
        return TransientError("lost the connection to the database")
    if isinstance(error, (sa_exc.ProgrammingError, sa_exc.NotSupportedError)):
        if "column" in lower:
            return PermanentError("a column of the map is not found in the source")
        return PermanentError("the database does not match the map")
    if isinstance(error, sa_exc.DBAPIError):
        return TransientError("the database failed")
    return PermanentError(f"the database does not match the map ({type(error).__name__})")
