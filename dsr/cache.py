"""The shared cache, kept working while Redis is away.

In production one Redis is both the task broker and the cache. The cache holds short-lived
counters only: the public form's rate limits and used challenges, sign-in lockouts and the
API's throttles. None of it is the truth (that is the database), but every one of them sits
in front of a page: with a plain Redis backend, a Redis outage makes the public form and the
sign-in page fail with a 500, which is the one thing the clockwork must not allow
(docs/ARCHITECTURE.md, "Broker outage").

`ResilientRedisCache` is Django's Redis backend with a fallback: when Redis cannot be reached
it logs once, answers from a cache in this process's memory instead, and tries Redis again
after a pause. The protections keep working during the outage, per process rather than
across processes (a rate limit of N per hour becomes N per hour per web worker), and
nothing is lost that matters when Redis comes back: counters start again from zero.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, this process answers from memory for this long before trying Redis again.
PAUSE_SECONDS = 15.0
# Connecting or answering slower than this counts as unreachable (a hung Redis must not hang
# the page). Settings may override them in OPTIONS.
TIMEOUT_SECONDS = 2.0

_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
)


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", TIMEOUT_SECONDS)
        super().__init__(server, params)
        self.fallback = LocMemCache(f"dsr-cache-fallback-{id(self)}", {"OPTIONS": {}})
        self._paused_until = 0.0

    @property
    def reachable(self) -> bool:
        """False while this process is answering from memory after a failure."""
        return time.monotonic() >= self._paused_until

    def mark_unreachable(self, error: BaseException | None = None) -> None:
        if self.reachable:
            log.warning(
                "cache: Redis unreachable (%s); answering from this process's memory for %.0f s",
                error,
                PAUSE_SECONDS,
            )
        self._paused_until = time.monotonic() + PAUSE_SECONDS

    def _either(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.reachable:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self.mark_unreachable(error)
        return getattr(self.fallback, name)(*args, **kwargs)


def _delegating(name: str) -> Callable[..., Any]:
    def operation(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._either(name, *args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = f"RedisCache.{name}, answered from memory while Redis is unreachable."
    return operation


for _name in _OPERATIONS:
    setattr(ResilientRedisCache, _name, _delegating(_name))
