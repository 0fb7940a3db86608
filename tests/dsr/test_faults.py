"""Faults under load, kept as a test (issue 17, "A fault test you keep").

Several API clients file requests (most with an Idempotency-Key, retried on a 503) and act
on them (`request-information`: a mail to the subject, a status webhook) against a live
server, while the test stops and starts a private Redis (the worker's broker) and
terminates every other PostgreSQL backend of the test database. Then, with the test acting
as beat (a sweep round every SWEEP_SECONDS), it checks what a client and a receiver see:
no 5xx but a 503 with Retry-After, every 201 stored with its event, one request per key,
every mail and webhook delivered exactly once within two sweep intervals of the recovery,
and the audit chain intact.

Bounded: STORM_SECONDS of load from CLIENTS threads (about a minute in all), loopback only
(the live server, a private redis-server on a free port, a local webhook receiver).
"""

from __future__ import annotations

import http.client
import http.server
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime

import psycopg
import pytest
from django.core import mail
from django.db import connection

from dsr import audit, broker, tasks
from dsr.api import webhooks
from dsr.api.tokens import api_token_create
from dsr.models import EventKind, IdempotencyKey, OutboundEmail, Request, WebhookDelivery
from tests.builders import HookReceiver
from tests.dsr.test_recovery import PrivateRedis, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 4
STORM_SECONDS = 40
SWEEP_SECONDS = 15
# A client's pause between two requests it files: load a solo worker keeps up with.
PACE_SECONDS = 0.25
# (second of the storm, fault): Redis down twice, PostgreSQL backends terminated 5 times.
FAULTS = [
    (5, "redis_stop"),
    (8, "pg_terminate"),
    (13, "redis_start"),
    (17, "pg_terminate"),
    (21, "pg_terminate"),
    (24, "redis_stop"),
    (27, "pg_terminate"),
    (30, "redis_start"),
    (34, "pg_terminate"),
]
# The connections the storm opened (web threads, the worker), not the ones the session's
# other fixtures hold: a later test must not find its connection gone.
TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start >= %s"
)


@pytest.fixture
def broker_and_worker(settings):
    """A worker on a private Redis the test may stop and start (tests/dsr/test_recovery.py
    does the same); the cache stays where the run's settings put it."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from config.celery import app as production_app

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the fault test")
    redis = PrivateRedis(free_port())
    redis.start()
    app = Celery("dsr-fault-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = f"redis://127.0.0.1:{redis.port}/0"
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS
    app.set_current()
    broker.reset()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield redis
    finally:
        redis.stop()
        production_app.set_current()
        broker.reset()


class Clients:
    """The API clients' view of the storm: every answer's status, and what they filed."""

    def __init__(self, base_url: str, tokens: list[str]) -> None:
        self.base_url, self.tokens = base_url, tokens
        self.lock = threading.Lock()
        self.answers: Counter[int | None] = Counter()
        self.bad: list[str] = []
        self.created: list[tuple[str, bool]] = []  # (reference, keyed), from 201s
        self.filed: dict[str, str] = {}  # key -> reference (201 or replayed 200)
        self.asked: list[str] = []  # references whose request-information succeeded

    def call(self, token: str, path: str, body: dict, key: str = "") -> tuple[int | None, dict]:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(  # noqa: S310 (the live server, http://127.0.0.1)
            self.base_url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, raw, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read(), error.headers
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.answers[None] += 1
            return None, {}
        with self.lock:
            self.answers[status] += 1
            if status >= 500 and not (status == 503 and answer_headers.get("Retry-After")):
                self.bad.append(f"{path}: {status} {raw[:200]!r}")
            if status >= 500 and "json" not in answer_headers.get("Content-Type", ""):
                self.bad.append(f"{path}: {status} is not JSON")
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return status, {}

    def run(self, number: int, until: float) -> None:
        token = self.tokens[number]
        serial = 0
        while time.monotonic() < until:
            serial += 1
            keyed = serial % 4 != 0  # every fourth create without a key: not retried
            key = f"client-{number}-{serial}" if keyed else ""
            body = {
                "right": "access",
                "language": "en",
                "subject_name": f"Client {number} subject {serial}",
                "subject_email": f"c{number}.s{serial}@example.com",
            }
            reference = None
            for _ in range(20):
                status, answer = self.call(token, "/api/v1/requests/", body, key)
                if status in (200, 201):
                    reference = answer["reference"]
                    with self.lock:
                        if status == 201:
                            self.created.append((reference, keyed))
                        if keyed:
                            self.filed[key] = reference
                    break
                if not keyed or (status is not None and status != 503):
                    break
                time.sleep(0.3)
            time.sleep(PACE_SECONDS)
            if reference is None or serial % 2:
                continue
            path = f"/api/v1/requests/{reference}/request-information/"
            for attempt in range(20):
                status, _ = self.call(token, path, {"message": "Your customer number, please."})
                if status == 200 or (status == 409 and attempt):  # 409: a retry after a 503
                    with self.lock:  # whose commit went through before the connection died
                        self.asked.append(reference)
                    break
                if status is not None and status != 503:
                    break
                time.sleep(0.3)


def _terminate_backends(since: datetime) -> int:
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname=params["NAME"],
        autocommit=True,
    ) as other:
        return other.execute(TERMINATE, (since,)).fetchone()[0]


def _sweep_round() -> None:
    """What beat sends every sweep interval."""
    tasks.email_sweep.delay(older_than_seconds=SWEEP_SECONDS)
    tasks.webhook_sweep.delay(older_than_seconds=SWEEP_SECONDS)


def _everything_out(receiver: HookReceiver) -> bool:
    emails_waiting = OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    hooks = set(WebhookDelivery.objects.values_list("pk", flat=True))
    hooks_waiting = WebhookDelivery.objects.filter(delivered_at__isnull=True).exists()
    with receiver.lock:
        received = {int(pk) for pk in receiver.deliveries}
    return not emails_waiting and not hooks_waiting and hooks <= received


def _waiting(receiver: HookReceiver, out_after: float) -> str:
    mails = OutboundEmail.objects.filter(sent_at__isnull=True)
    hooks = WebhookDelivery.objects.filter(delivered_at__isnull=True)
    fields = ("pk", "attempts", "last_error", "next_attempt_at", "created_at")
    received = [receiver.deliveries.get(str(pk)) for pk in hooks.values_list("pk", flat=True)]
    return (
        f"still waiting {out_after:.0f} s after recovery: "
        f"mails {list(mails.values('pk', 'attempts', 'last_error', 'created_at'))[:5]}, "
        f"webhooks {list(hooks.values(*fields))[:5]}, "
        f"received {received[:5]}"
    )


def test_creates_and_actions_through_broker_and_database_faults(
    broker_and_worker, live_server, organization, manager, settings
):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    settings.WEBHOOK_RETRY_SECONDS = 1
    redis = broker_and_worker
    receiver = HookReceiver()
    webhooks.webhook_create(
        organization=organization,
        url=receiver.url,
        topics=["request.created", "request.status_changed"],
    )
    tokens = [
        api_token_create(
            organization=organization, name=f"App {n}", scope="write", created_by=manager
        )[1]
        for n in range(CLIENTS)  # one each: the per-token rate limit is not under test
    ]
    connection.close()  # the storm terminates it; the test reconnects afterwards
    storm_began = datetime.now(UTC)
    clients = Clients(live_server.url, tokens)
    started = time.monotonic()
    threads = [
        threading.Thread(target=clients.run, args=(n, started + STORM_SECONDS), daemon=True)
        for n in range(CLIENTS)
    ]
    terminated = 0
    try:
        for thread in threads:
            thread.start()
        for at, fault in FAULTS:
            time.sleep(max(0.0, started + at - time.monotonic()))
            if fault == "redis_stop":
                redis.stop()
            elif fault == "redis_start":
                redis.start()
            else:
                terminated += _terminate_backends(storm_began)
        for thread in threads:
            thread.join(timeout=STORM_SECONDS + 60)
        assert not any(thread.is_alive() for thread in threads), "a client hung"

        # Recovered: the test is beat now, and everything is out within two rounds.
        recovered = time.monotonic()
        connection.close()
        while time.monotonic() < recovered + 2 * SWEEP_SECONDS:
            _sweep_round()
            round_ends = time.monotonic() + SWEEP_SECONDS
            while time.monotonic() < round_ends and not _everything_out(receiver):
                time.sleep(0.5)
            if _everything_out(receiver):
                break
        out_after = time.monotonic() - recovered
        # One more round finds nothing left to send twice.
        _sweep_round()
        time.sleep(3)
    finally:
        receiver.close()

    print(
        f"\nfault test: answers {dict(clients.answers)}, {len(clients.created)} created, "
        f"{len(clients.asked)} asked, {terminated} backends terminated, "
        f"{OutboundEmail.objects.count()} mails, {WebhookDelivery.objects.count()} webhooks, "
        f"all out {out_after:.1f} s after recovery"
    )
    # The clients: no 5xx but a 503 with Retry-After; most calls went through.
    assert clients.bad == []
    assert clients.answers[503] + clients.answers[None] > 0, "the faults reached no client"
    assert len(clients.created) >= 20
    # Every 201 is a stored request with its event; one request per key.
    for reference, _ in clients.created:
        stored = Request.objects.get(reference=reference)
        assert stored.events.filter(kind=EventKind.RECEIVED).count() == 1
    for key, reference in clients.filed.items():
        (filed,) = IdempotencyKey.objects.filter(key=key)
        assert Request.objects.filter(submission_id=filed.submission_id).count() == 1
        assert Request.objects.get(submission_id=filed.submission_id).reference == reference
    names = Counter(Request.objects.values_list("subject_name", flat=True))
    assert [name for name, count in names.items() if count > 1] == []
    # Every mail and webhook out, each exactly once, within two sweep intervals.
    assert _everything_out(receiver), _waiting(receiver, out_after)
    assert out_after <= 2 * SWEEP_SECONDS + 1
    stored_mails = Counter(OutboundEmail.objects.values_list("to", "subject"))
    sent_mails = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert sent_mails == stored_mails
    assert len(clients.asked) <= len(stored_mails)
    # Each delivery reached the receiver, and never more often than the desk recorded
    # attempts: a POST whose outcome could not be stored, and whose retry message the broker
    # outage then lost, is sent again by the sweep as a recorded second attempt with the same
    # X-DSR-Delivery (receivers dedupe on it, docs/API.md). Nothing is ever sent unrecorded.
    attempts = dict(WebhookDelivery.objects.values_list("pk", "attempts"))
    assert len(receiver.deliveries) == len(attempts)
    for delivery_id, posts in receiver.deliveries.items():
        assert 1 <= posts <= attempts[int(delivery_id)], (delivery_id, posts)
    resent = sum(1 for posts in receiver.deliveries.values() if posts > 1)
    assert resent <= len(attempts) // 20, f"{resent} of {len(attempts)} sent twice"
    # The audit chain holds.
    result = audit.verify(organization)
    assert result.ok, result
