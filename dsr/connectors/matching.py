"""Read-only identity match (issue 18): which of a source's records know the subject.

`match(connector, subject)` asks a source, field by field, whether it holds the subject's
e-mail address (case-insensitive) or customer number, and returns per part (table, or what
the system names) which fields matched, how many records and their keys. Nothing is
changed and no value other than the keys is read; the caller hashes the keys at once
(dsr/fulfilment/identity_match.py) and keeps only counts and hashes.

SQL sources are read through the connector's own connection (the SQL source policy:
never the desk's own database) with the map's `match` columns; HTTP sources get a signed
`{"action": "find", "dry_run": true, ...}` call through the egress policy, answered with
`{"status": "done", "found": [{"what": "Account", "matched": ["email"], "rows": 1,
"keys": ["A-17"]}]}`; a system that does not know "find" but answers its dry run with a
plan is read as "known" where the plan counts rows (fields unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dsr.connectors.base import Connector, PermanentError, Subject
from dsr.connectors.http import HttpConnector
from dsr.connectors.sql import MAX_DIRECT_MATCHES, SqlConnector, _jsonable, _python_type

# The subject's fields a match may use, by the names sources and pages give them.
FIELD_NAMES = {"subject_email": "email", "subject_customer_number": "customer_number"}
FIELD_ORDER = ("email", "customer_number")
MAX_KEYS = 50  # keys hashed and kept per part; the count is always the full count


@dataclass
class MatchLine:
    what: str
    fields: list[str] = field(default_factory=list)
    rows: int = 0
    keys: list[Any] = field(default_factory=list)


def ordered(fields: set[str]) -> list[str]:
    return [name for name in FIELD_ORDER if name in fields]


def match(connector: Connector, subject: Subject) -> list[MatchLine]:
    if isinstance(connector, SqlConnector):
        return _sql_match(connector, subject)
    if isinstance(connector, HttpConnector):
        return _http_match(connector, subject)
    raise PermanentError("this source cannot be searched")


def _sql_condition(column: sa.Column, subject_field: str, value: str) -> Any:
    if subject_field == "subject_email":
        return sa.func.lower(column) == value.lower()
    if _python_type(column) is int:
        return column == int(value) if value.isdigit() else None
    return column == value


def _sql_match(connector: SqlConnector, subject: Subject) -> list[MatchLine]:
    lines = []
    with connector.connect() as connection:
        tables = connector._tables(connection)
        for spec in connector.specs:
            if not spec.match:
                continue
            table = tables[spec.table]
            found: dict[Any, set[str]] = {}
            for column_name, subject_field in spec.match.items():
                value = subject.field(subject_field).strip()
                if not value:
                    continue
                condition = _sql_condition(table.c[column_name], subject_field, value)
                if condition is None:
                    continue
                query = (
                    sa.select(table.c[spec.key])
                    .where(condition)
                    .order_by(table.c[spec.key])
                    .limit(MAX_DIRECT_MATCHES + 1)
                )
                for key in connection.execute(query).scalars():
                    found.setdefault(_jsonable(key), set()).add(FIELD_NAMES[subject_field])
            fields = ordered(set().union(*found.values())) if found else []
            lines.append(
                MatchLine(what=spec.label, fields=fields, rows=len(found), keys=list(found))
            )
    return lines


def _http_match(connector: HttpConnector, subject: Subject) -> list[MatchLine]:
    payload = {
        "action": "find",
        "right": "",
        "reference": subject.reference,
        "step": "",
        "dry_run": True,
        "subject": {
            "name": subject.name,
            "email": subject.email,
            "customer_number": subject.customer_number,
        },
    }
    status, answer = connector._call("POST", connector.url, payload)
    if status != 200 or not isinstance(answer, dict):
        raise PermanentError(f"HTTP {status}: no answer to the search")
    known = {"email", "customer_number"}
    if isinstance(answer.get("found"), list):
        lines = []
        for item in answer["found"]:
            if not isinstance(item, dict):
                continue
            matched = item.get("matched") if isinstance(item.get("matched"), list) else []
            keys = item.get("keys") if isinstance(item.get("keys"), list) else []
            rows = item.get("rows")
            lines.append(
                MatchLine(
                    what=str(item.get("what") or connector.source.name)[:200],
                    fields=ordered({str(name) for name in matched} & known),
                    rows=rows if isinstance(rows, int) and rows >= 0 else len(keys),
                    keys=[str(key)[:200] for key in keys[:MAX_KEYS]],
                )
            )
        return lines
    plan = answer.get("plan")
    if isinstance(plan, list):
        return [
            MatchLine(
                what=str(line.get("what") or connector.source.name)[:200],
                rows=line["rows"] if isinstance(line.get("rows"), int) else 0,
            )
            for line in plan
            if isinstance(line, dict)
        ]
    raise PermanentError("the system does not answer a search")
