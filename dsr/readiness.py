"""Readiness for a load balancer: can this web process serve, part by part?

`/healthz/` says the process is alive (liveness). `/readyz/` (dsr/views.py) asks the four
things a page may need — the database, the broker, the cache and the file storage — each in
its own thread, all at once, and waits at most `TIMEOUT_SECONDS` for the lot: a part that
has not answered by then counts as down, so a hung server costs the probe seconds, not
minutes. The answer names each part with one word ("ok", "unavailable", "timeout") and
nothing else: no host, no credential, no driver's error text (those go to the log).

The result is kept for `REUSE_SECONDS`, and probes that arrive while a check runs wait for
it rather than start their own: anyone may call the endpoint (a load balancer cannot sign
in, and must never be rate-limited away), so a flood of probes costs at most one round of
checks per second per process.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connections

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.5
REUSE_SECONDS = 1.0
# The object name the storage check asks about; it need not exist (a 404 is an answer).
PROBE_NAME = "readyz-probe"

OK = "ok"
UNAVAILABLE = "unavailable"
TIMEOUT = "timeout"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]
    checked_at: float

    @property
    def ready(self) -> bool:
        return all(state == OK for state in self.checks.values())

    def as_json(self) -> dict:
        return {"status": "ready" if self.ready else "unready", "checks": dict(self.checks)}


def check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # The check runs in a thread of its own: never leave its connection behind.
        connections.close_all()


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def _writable_folder(path: Path) -> None:
    """The folder exists and this process may write in it, or it does not exist yet and
    the nearest existing parent is writable (the first write will make it)."""
    path = Path(path)
    while not path.exists():
        if path.parent == path:
            raise OSError("no existing parent")
        path = path.parent
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise OSError("not a writable folder")


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        _redis_ping(url)
    elif url.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for key in ("data_folder_in", "data_folder_out"):
            _writable_folder(Path(options[key]))
    else:
        # Any other transport: kombu says whether it can connect.
        from celery import current_app

        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)


def check_cache() -> None:
    backend = caches["default"]
    client_factory = getattr(getattr(backend, "_cache", None), "get_client", None)
    if client_factory is not None:
        # Django's Redis backend (and dsr.cache.ResilientRedisCache, whose in-memory
        # fallback would hide an outage): ask Redis itself.
        client = client_factory(write=True)
        if not client.ping():
            raise ConnectionError("no PONG")
        return
    key = f"readyz:{uuid.uuid4().hex}"
    backend.set(key, "1", 10)
    try:
        if backend.get(key) != "1":
            raise ConnectionError("the cache did not keep a value")
    finally:
        backend.delete(key)


_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def _s3_client(storage: object) -> object:
    """One boto3 client per storage for all probes: django-storages makes one per thread,
    and each probe runs in a new thread; making a client costs far more than the HEAD.
    (boto3 clients may be shared between threads.)"""
    with _clients_lock:
        client = _clients.get(storage)
        if client is None:
            client = _clients[storage] = storage.connection.meta.client
        return client


def check_storage() -> None:
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket and hasattr(default_storage, "connection"):
        # An S3 bucket: one HEAD of the bucket (s3:ListBucket), which also tells a missing
        # bucket or refused credentials from a bucket that answers.
        _s3_client(default_storage._wrapped).head_bucket(Bucket=bucket)
        return
    try:
        location = default_storage.path("")
    except NotImplementedError:
        # Any other remote storage: ask for an object (missing is an answer, an error not).
        default_storage.exists(PROBE_NAME)
        return
    _writable_folder(Path(location))


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
    "storage": check_storage,
}

_lock = threading.Lock()
_last: Readiness | None = None
_running: dict[str, threading.Thread] = {}


def forget() -> None:
    """Drop the kept result (tests, after changing what the checks talk to)."""
    global _last
    _last = None


def _run(name: str, check: Callable[[], None], answers: queue.Queue) -> None:
    try:
        check()
    except Exception as exc:
        log.warning("readiness: %s unavailable (%s: %s)", name, type(exc).__name__, exc)
        answers.put((name, UNAVAILABLE))
    else:
        answers.put((name, OK))


def check_all(timeout: float = TIMEOUT_SECONDS) -> Readiness:
    """Every check at once, in daemon threads; what has not answered by `timeout` is
    "timeout" (its thread ends on its own client's timeout, nobody waits for it)."""
    answers: queue.Queue = queue.Queue()
    started = 0
    for name, check in CHECKS.items():
        previous = _running.get(name)
        if previous is not None and previous.is_alive():
            # Still hung since an earlier probe: no second thread for the same part, so a
            # black-holed server costs one waiting thread per part, however often probed.
            continue
        thread = threading.Thread(
            target=_run, args=(name, check, answers), name=f"readyz-{name}", daemon=True
        )
        _running[name] = thread
        thread.start()
        started += 1
    results = dict.fromkeys(CHECKS, TIMEOUT)
    deadline = time.monotonic() + timeout
    for _ in range(started):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            name, state = answers.get(timeout=remaining)
        except queue.Empty:
            break
        results[name] = state
    for name, state in results.items():
        if state == TIMEOUT:
            log.warning("readiness: %s did not answer within %.1f s", name, timeout)
    return Readiness(checks=results, checked_at=time.monotonic())


def readiness() -> Readiness:
    """The readiness of this process, checked at most once per REUSE_SECONDS."""
    global _last
    fresh = _last
    if fresh is not None and time.monotonic() - fresh.checked_at < REUSE_SECONDS:
        return fresh
    with _lock:
        fresh = _last
        if fresh is not None and time.monotonic() - fresh.checked_at < REUSE_SECONDS:
            return fresh
        _last = check_all()
        return _last
