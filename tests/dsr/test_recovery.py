"""Recovery from a lost broker: the database is the truth (issue: clockwork).

A private Redis is started for this test, a real Celery worker consumes from it, and the
Redis is stopped while a subject submits and an officer acts. Everything is stored; once
Redis is back, one sweep sends every pending mail and reminder, once.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from dsr import audit, tasks, workflow
from dsr.models import EvidenceKind, OutboundEmail, Reminder

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_broker():
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from config.celery import app as production_app

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the broker-outage test")
    redis = PrivateRedis(free_port())
    redis.start()
    # The product's configuration, on this private broker. The tasks are shared tasks, so
    # they publish through whichever app is current: this one for the test.
    app = Celery("dsr-outage-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = f"redis://127.0.0.1:{redis.port}/0"
    app.conf.broker_transport_options = {}
    app.conf.broker_connection_timeout = 1
    app.set_current()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield redis
    finally:
        redis.stop()
        production_app.set_current()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("not done in time")


def test_work_done_while_redis_is_down_runs_once_when_it_is_back(
    private_broker, make_request, officer, officer_actor, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    # A request a week from its deadline, so the reminder sweep has something to send.
    received = timezone.now() - timedelta(days=24)
    with time_machine.travel(received, tick=False):
        due_soon = make_request(received_at=received)
        workflow.request_assign(request=due_soon, assignee=officer, actor=officer_actor)
        workflow.identity_decide(
            request=due_soon,
            verified=True,
            evidence=EvidenceKind.CUSTOMER_DETAILS,
            actor=officer_actor,
        )

    private_broker.stop()
    # A subject submits and an officer acts while the broker is gone: nothing is lost.
    (web,) = workflow.submission_create(
        organization=due_soon.organization, rights=["erasure"], channel="web", language="fr",
        subject_name="Luc Dubois", subject_email="luc@example.com", actor=audit.Actor.subject(),
    )  # fmt: skip
    started = time.monotonic()
    workflow.request_message_subject(request=due_soon, body="We are on it.", actor=officer_actor)
    assert time.monotonic() - started < 10, "an unreachable broker must not hang the request"
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 1

    private_broker.start()
    # One sweep of each kind, as beat would send them once the broker is back.
    tasks.email_sweep.delay(older_than_seconds=0)
    tasks.reminder_sweep.delay()
    wait_for(lambda: Reminder.objects.filter(request=due_soon).exists())
    wait_for(lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists())
    time.sleep(1)  # let any duplicate delivery show itself

    assert OutboundEmail.objects.filter(attempts=1).count() == OutboundEmail.objects.count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [officer.email, "jan.peeters@example.com"]
    )
    assert web.status == "unverified"  # stored while the broker was down
    assert Reminder.objects.filter(request=due_soon, notified=True).count() == 1
