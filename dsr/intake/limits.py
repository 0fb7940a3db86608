"""Rate limits of the subject's pages, counted in the cache every web process shares.

Fixed windows: one counter per limit, per hashed value (IP network, e-mail address,
organisation, submission) and per window. On Redis (production) all the counters one
request touches are raised in a single pipelined round trip, each with SET NX EX + INCR,
which is atomic; on the embedded file cache `add` + `incr` are close enough for one
machine. Keys hold an HMAC of the value, never the address itself, so the cache never
holds personal data in the clear. The numbers live in `settings.INTAKE_RATE_LIMITS`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from accounts.lockout import client_address
from dsr import cache as resilient


def client_network(request: HttpRequest) -> str:
    """The client's address as the rate limits see it.

    The address is the desk's one notion of it (`accounts.lockout.client_address`: the
    socket, or the header a trusted proxy sets, DSR_CLIENT_IP_HEADER). An IPv6 client is
    counted per /64, the block one household or phone is given, so that walking through
    its own addresses does not escape the limits."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(limit: str, value: str, window: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{limit}\0{value}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"intake:limit:{limit}:{window}:{digest}"


def _count(counters: list[tuple[str, int]]) -> list[int]:
    """Raise each (key, timeout) counter by one; return the new values."""
    cache = caches["default"]
    if isinstance(cache, RedisCache) and getattr(cache, "reachable", True):
        # Django's Redis backend spends two round trips per incr and one per add; a pipeline
        # does every counter in one. `_cache` is the backend's client (Django 5.x).
        try:
            pipeline = cache._cache.get_client(write=True).pipeline(transaction=False)
            for key, timeout in counters:
                full_key = cache.make_and_validate_key(key)
                pipeline.set(full_key, 0, ex=timeout, nx=True)
                pipeline.incr(full_key)
            return [int(value) for value in pipeline.execute()[1::2]]
        except resilient.UNREACHABLE as error:
            if not isinstance(cache, resilient.ResilientRedisCache):
                raise
            cache.mark_unreachable(error)  # counted below, in this process's memory
    values = []
    for key, timeout in counters:
        cache.add(key, 0, timeout=timeout)
        try:
            values.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
            values.append(1)
    return values


def take_all(*uses: tuple[str, str]) -> bool:
    """Count one use of each (limit, value); False when any of them goes over its limit.

    Every use is counted, even when an earlier one is already over: an attempt that is
    refused still counts against the other limits. A limit missing from the settings is
    not enforced (the benchmark raises them instead; production settings list them all)."""
    now = time.time()
    rules, counters = [], []
    for limit, value in uses:
        rule = settings.INTAKE_RATE_LIMITS.get(limit)
        if rule is None:
            continue
        count, seconds = rule
        rules.append(count)
        counters.append((_key(limit, value, int(now // seconds)), seconds + 60))
    if not counters:
        return True
    return all(used <= count for used, count in zip(_count(counters), rules, strict=True))


def take(limit: str, value: str) -> bool:
    """Count one use of `limit` for `value`; False when that goes over the limit."""
    return take_all((limit, value))
