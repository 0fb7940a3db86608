"""Anonymisation rules of the SQL connector's map, each idempotent: a keyed hash is
recognisable (and left as it is), coarsening twice is coarsening once. So a batch applied
again after a crash changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

HASH_PREFIX = "anon-"
_HASHED = re.compile(r"^anon-[0-9a-f]{8,}$")


def keyed_hash(value: Any, *, key: bytes, length: int | None = None) -> Any:
    if value is None:
        return None
    text = str(value)
    if _HASHED.match(text):
        return text
    digest = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    room = 32 if length is None else max(8, min(64, length - len(HASH_PREFIX)))
    return HASH_PREFIX + digest[:room]


def coarsen_location(value: Any, *, decimals: int = 1, keep: int = 2) -> Any:
    """Round a coordinate (1 decimal: about 10 km), or keep the start of a postcode."""
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        return round(value, decimals)
    return str(value)[:keep]


def coarsen_timestamp(value: Any, *, to: str = "day") -> Any:
    if value is None:
        return None
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(parsed, datetime):
        parts = {"hour": {"minute": 0}, "day": {"hour": 0, "minute": 0}}
        cut = parts.get(to, {"hour": 0, "minute": 0})
        if to == "month":
            cut = {"day": 1, "hour": 0, "minute": 0}
        if to == "year":
            cut = {"month": 1, "day": 1, "hour": 0, "minute": 0}
        result: Any = parsed.replace(second=0, microsecond=0, **cut)
    elif isinstance(parsed, date):
        result = parsed.replace(**({"day": 1} if to == "month" else {}))
        if to == "year":
            result = parsed.replace(month=1, day=1)
    else:
        return value
    return result.isoformat(sep=" ") if isinstance(value, str) else result


def anonymise(rule: dict[str, Any], value: Any, *, key: bytes, length: int | None) -> Any:
    method = rule["method"]
    if method == "null":
        return None
    if method == "fixed":
        return rule["value"]
    if method == "hash":
        return keyed_hash(value, key=key, length=length)
    if method == "coarsen_location":
        return coarsen_location(
            value, decimals=int(rule.get("decimals", 1)), keep=int(rule.get("keep", 2))
        )
    return coarsen_timestamp(value, to=rule.get("to", "day"))
