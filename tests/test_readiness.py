"""/readyz/ (dsr/readiness.py): each part really down, each reported on its own, quickly.

The parts are taken down for real: a private redis-server stopped (broker, cache), a private
moto S3 server stopped (storage), the database pointed at a port where nothing listens or
where a listener never answers (a hung server), the file system's folders made unusable.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.test import override_settings

from dsr import readiness
from tests.private_services import (
    free_port,
    private_moto,
    private_postgres,
    private_redis,
    silent_listener,
)

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"}


def settle() -> None:
    """Let checks still running from a probe finish, so none is taken for hung later."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("readyz-"):
            thread.join(timeout=30)


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    settle()
    readiness.forget()
    yield
    settle()
    readiness.forget()


def probe(client) -> tuple[int, dict, float]:
    readiness.forget()
    started = time.monotonic()
    response = client.get("/readyz/")
    return response.status_code, response.json(), time.monotonic() - started


def test_ready_when_every_part_answers(client):
    status, body, _ = probe(client)
    assert (status, body) == (200, {"status": "ready", "checks": ALL_OK})


def test_liveness_stays_as_it_was(client):
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_head_works_and_writes_are_refused(client):
    assert client.head("/readyz/").status_code == 200
    assert client.post("/readyz/").status_code == 405
    assert client.put("/readyz/").status_code == 405


def test_never_cached_by_a_proxy(client):
    response = client.get("/readyz/")
    assert "no-cache" in response.headers["Cache-Control"]
    assert "max-age=0" in response.headers["Cache-Control"]


@pytest.fixture
def database_at():
    """Point new database connections (the check's thread makes its own) elsewhere."""
    configured = connections.settings["default"]
    saved = dict(configured)

    def point(**values: object) -> None:
        configured.update(values)

    yield point
    configured.clear()
    configured.update(saved)


@pytest.mark.postgres
def test_database_stopped_is_unavailable(client, database_at):
    """A PostgreSQL server of the test's own, answering, then stopped."""
    with private_postgres() as server:
        database_at(HOST="127.0.0.1", PORT=str(server.port), NAME="postgres", USER="postgres")
        status, body, _ = probe(client)
        assert (status, body["checks"]) == (200, ALL_OK)
        server.stop()
        status, body, seconds = probe(client)
    assert status == 503
    assert body == {"status": "unready", "checks": {**ALL_OK, "database": "unavailable"}}
    assert seconds < readiness.TIMEOUT_SECONDS + 1


@pytest.mark.postgres
def test_database_refusing_is_unavailable(client, database_at):
    database_at(HOST="127.0.0.1", PORT=str(free_port()))
    status, body, seconds = probe(client)
    assert status == 503
    assert body == {"status": "unready", "checks": {**ALL_OK, "database": "unavailable"}}
    assert seconds < readiness.TIMEOUT_SECONDS + 1


@pytest.mark.postgres
def test_database_hung_is_a_timeout_within_the_bound(client, database_at):
    with silent_listener() as port:
        database_at(HOST="127.0.0.1", PORT=str(port))
        status, body, seconds = probe(client)
    assert status == 503
    assert body["checks"] == {**ALL_OK, "database": "timeout"}
    assert readiness.TIMEOUT_SECONDS - 0.5 < seconds < readiness.TIMEOUT_SECONDS + 1.5


def test_sqlite_file_out_of_reach_is_unavailable(client, database_at, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded leg's database")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    database_at(NAME=str(blocker / "db.sqlite3"))
    status, body, _ = probe(client)
    assert status == 503
    assert body["checks"] == {**ALL_OK, "database": "unavailable"}


def redis_settings(url: str):
    return override_settings(
        CELERY_BROKER_URL=url,
        CELERY_BROKER_TRANSPORT_OPTIONS={},
        CACHES={"default": {"BACKEND": "dsr.cache.ResilientRedisCache", "LOCATION": url}},
    )


def test_redis_stopped_takes_broker_and_cache_down_and_nothing_else(client):
    with private_redis() as redis_server, redis_settings(redis_server.url):
        status, body, _ = probe(client)
        assert (status, body["checks"]) == (200, ALL_OK)
        redis_server.stop()
        status, body, seconds = probe(client)
        assert status == 503
        assert body["checks"] == {**ALL_OK, "broker": "unavailable", "cache": "unavailable"}
        assert seconds < readiness.TIMEOUT_SECONDS + 1


def test_the_caches_memory_fallback_does_not_hide_a_redis_outage(client):
    """dsr.cache answers from memory while Redis is away: readiness must ask Redis."""
    from django.core.cache import cache

    with private_redis() as redis_server, redis_settings(redis_server.url):
        redis_server.stop()
        cache.set("still", "answers")  # the fallback keeps pages working...
        assert cache.get("still") == "answers"
        _, body, _ = probe(client)
        assert body["checks"]["cache"] == "unavailable"  # ...but the probe says the truth


def test_hung_redis_is_a_timeout_within_the_bound(client):
    with silent_listener() as port, redis_settings(f"redis://127.0.0.1:{port}/0"):
        status, body, seconds = probe(client)
    assert status == 503
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert body["checks"]["broker"] in {"timeout", "unavailable"}
    assert body["checks"]["cache"] in {"timeout", "unavailable"}
    assert seconds < readiness.TIMEOUT_SECONDS + 1.5


def test_a_hung_part_keeps_one_waiting_thread_however_often_probed(client, monkeypatch):
    import threading

    release = threading.Event()
    monkeypatch.setattr(readiness, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(
        readiness,
        "CHECKS",
        {**readiness.CHECKS, "broker": lambda: release.wait(30)},
    )
    try:
        for _ in range(5):
            readiness.forget()
            assert readiness.check_all(timeout=0.5).checks["broker"] == "timeout"
        hung = [t for t in threading.enumerate() if t.name == "readyz-broker" and t.is_alive()]
        assert len(hung) == 1
    finally:
        release.set()
    hung[0].join(timeout=5)
    readiness.forget()
    assert readiness.check_all(timeout=2).checks["broker"] == "ok"  # answers again


def test_file_system_broker_folder_unusable(client, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    options = {"data_folder_in": str(blocker / "in"), "data_folder_out": str(blocker / "in")}
    with override_settings(
        CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options
    ):
        _, body, _ = probe(client)
    assert body["checks"] == {**ALL_OK, "broker": "unavailable"}


def test_file_system_storage_unusable(client, settings, tmp_path):
    blocker = tmp_path / "media-is-a-file"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }
    status, body, _ = probe(client)
    assert status == 503
    assert body["checks"] == {**ALL_OK, "storage": "unavailable"}


def s3_storage(endpoint: str, bucket: str) -> dict:
    """The product's S3 back-end (dsr/storage.py) with a prefix, as DSR_STORAGE_URL makes it."""
    return {
        "BACKEND": "dsr.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": "desk/objects",
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "test",
            "secret_key": "test",
            "addressing_style": "path",
            "timeout": 1,
        },
    }


def test_s3_storage_stopped_is_unavailable(client, settings):
    with private_moto("readyz-bucket") as moto:
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage(moto.url, "readyz-bucket")}
        status, body, _ = probe(client)
        assert (status, body["checks"]) == (200, ALL_OK)
        moto.stop()
        status, body, seconds = probe(client)
    assert status == 503
    assert body["checks"]["storage"] in {"unavailable", "timeout"}
    assert {key: value for key, value in body["checks"].items() if key != "storage"} == {
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
    }
    assert seconds < readiness.TIMEOUT_SECONDS + 1


def test_s3_bucket_missing_is_unavailable(client, settings):
    """The server answers, but not for this bucket (a typo in DSR_STORAGE_URL)."""
    with private_moto("readyz-bucket") as moto:
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage(moto.url, "no-such")}
        status, body, _ = probe(client)
    assert status == 503
    assert body["checks"]["storage"] == "unavailable"


def test_a_flood_of_probes_runs_the_checks_about_once_a_second(client, monkeypatch):
    runs = []
    checks = {
        name: (lambda check=check, name=name: (runs.append(name), check())[1])
        for name, check in readiness.CHECKS.items()
    }
    monkeypatch.setattr(readiness, "CHECKS", checks)
    started = time.monotonic()
    statuses = [client.get("/readyz/").status_code for _ in range(150)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 150
    rounds = runs.count("database")
    assert 1 <= rounds <= elapsed / readiness.REUSE_SECONDS + 2
