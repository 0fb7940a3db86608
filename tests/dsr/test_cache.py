"""dsr/cache.py: the cache answers from memory while Redis is down or hung, and goes back."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from dsr import cache as resilient
from tests.dsr.test_recovery import PrivateRedis, free_port


def backend(port: int) -> resilient.ResilientRedisCache:
    return resilient.ResilientRedisCache(
        f"redis://127.0.0.1:{port}/2",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers (a Redis stuck on its disk)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_refused_connection_is_answered_from_memory_at_once(caplog):
    cache = backend(free_port())  # nothing listens there
    started = time.monotonic()
    assert cache.add("challenge:1", 1) is True
    assert cache.add("challenge:1", 1) is False  # still refused the second time: in memory
    assert cache.incr("challenge:1") == 2
    assert time.monotonic() - started < 2
    assert not cache.reachable
    # One warning per outage, not one per call.
    assert sum("Redis unreachable" in record.message for record in caplog.records) == 1


def test_a_hung_redis_costs_one_timeout_then_nothing(hung_redis):
    cache = backend(hung_redis)
    started = time.monotonic()
    assert cache.get("lockout:someone") is None
    first = time.monotonic() - started
    assert first < 2  # the socket timeout, not the kernel's minutes
    started = time.monotonic()
    for number in range(50):
        cache.set(f"limit:{number}", number)
    assert time.monotonic() - started < 0.5  # paused: no more waiting on the hung server
    assert cache.get("limit:7") == 7


@pytest.mark.redis
def test_redis_is_used_again_after_the_pause(monkeypatch):
    redis = PrivateRedis(free_port())
    cache = backend(redis.port)
    assert cache.get("k") is None and not cache.reachable  # not started yet: memory
    redis.start()
    try:
        monkeypatch.setattr(resilient, "PAUSE_SECONDS", 0.0)
        cache.mark_unreachable()  # the pause is over at once
        cache.set("k", "in redis")
        assert cache.reachable
        assert cache.fallback.get("k") is None  # written to Redis, not to memory
        assert backend(redis.port).get("k") == "in redis"  # another process sees it
    finally:
        redis.stop()
