"""Recovery from a lost broker: the database is the truth (issue: clockwork).

A private Redis is started for this test, a real Celery worker consumes from it, and the
Redis is stopped while a subject submits the public form and an officer works a request
through the desk's pages (identity, a message, a letter, a fulfilment job). Every page
answers at once, saves what was done, and says what waits for the worker; once Redis is
back, one sweep of each kind sends every pending mail, renders the letter, runs the job
step and sends the reminder, each exactly once.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from itertools import count

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dsr import broker, tasks, workflow
from dsr.desk.forms import request_version
from dsr.fulfilment.sources import data_source_save
from dsr.models import (
    ConnectorKind,
    EventKind,
    EvidenceKind,
    Letter,
    LetterStatus,
    OutboundEmail,
    Reminder,
    Request,
    Right,
    Status,
    StepStatus,
)
from tests.builders import wait_for

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
def private_broker(settings):
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
    # The product's Redis timeouts, whatever broker this run's settings name.
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS
    app.set_current()
    # As in production, the same Redis is the cache too (rate limits, used challenges,
    # sign-in lockouts): its outage must not fail those pages either (dsr/cache.py).
    settings.CACHES = {
        "default": {
            "BACKEND": "dsr.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/1",
        }
    }
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield redis
    finally:
        redis.stop()
        production_app.set_current()
        broker.reset()


def timed(call, *args, **kwargs):
    """A page call that must answer quickly although the broker is gone."""
    started = time.monotonic()
    response = call(*args, **kwargs)
    assert time.monotonic() - started < 5, "an unreachable broker must not hold up a page"
    assert response.status_code in (200, 302), response.status_code
    return response


def timed_any(call, *args, **kwargs):
    """Like `timed`, for a page whose answer is a refusal."""
    started = time.monotonic()
    response = call(*args, **kwargs)
    assert time.monotonic() - started < 5, "an unreachable Redis must not hold up a page"
    return response


def submit_public_form(client, organization) -> None:
    """The subject fills in the public form, the proof of work solved as pow.js does."""
    page = timed(client.get, f"/{organization.slug}/request/")
    challenge = re.search(r'name="challenge" value="([^"]+)"', page.content.decode()).group(1)
    nonce = next(
        n
        for n in count()
        if int.from_bytes(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) >> 248 == 0
    )
    response = timed(
        client.post,
        f"/{organization.slug}/request/",
        {
            "lang": "en", "challenge": challenge, "pow_nonce": str(nonce), "rights": ["access"],
            "subject_name": "Luc Dubois", "subject_email": "luc@example.com",
            "answer_channel": "email", "description": "Everything about my meter.", "fax": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    sent = timed(client.get, response["Location"])
    assert "Check your mailbox" in sent.content.decode()


def test_pages_keep_working_while_redis_is_down_and_the_work_runs_once_when_it_is_back(
    private_broker, client, desk_client, make_request, organization, officer, officer_actor,
    settings,
):  # fmt: skip
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INTAKE_POW_BITS = 8
    settings.JOB_LEASE_SECONDS = 2
    mail.outbox = []
    data_source_save(
        organization=organization, actor=officer_actor, name="Paper archive",
        kind=ConnectorKind.MANUAL, data_categories=["Postal address"],
        config={"assignee_name": "Office manager", "assignee_email": "archive@openmotics.example",
                "instructions": "Shred the paper file of this customer."},
    )  # fmt: skip
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
    erasure = make_request(right=Right.ERASURE, subject_postal_address="Kerkstraat 1, Gent")

    private_broker.stop()
    # The subject submits the public form: stored, and the normal "sent" page.
    submit_public_form(client, organization)
    # Its rate limits and the used challenge were kept in this process's memory meanwhile.
    assert not caches["default"].reachable
    # Sign-in still answers (its lockout counter lives in the cache too).
    refused = timed_any(
        Client().post, reverse("accounts:login"),
        {"email": officer.email, "password": "not the password"},
    )  # fmt: skip
    assert refused.status_code == 401
    assert b"That e-mail address and password do not match." in refused.content
    (web,) = Request.objects.filter(subject_email="luc@example.com")
    assert web.status == Status.UNVERIFIED and web.subject_name == "Luc Dubois"

    # The officer works a request through the desk's pages.
    desk = desk_client(officer)
    page = reverse("desk:request", args=[erasure.reference])
    timed(
        desk.post,
        reverse("desk:request_identity", args=[erasure.reference]),
        {
            "version": request_version(erasure),
            "decision": "verified",
            "evidence": "customer_details",
        },
    )
    erasure.refresh_from_db()
    assert erasure.status == Status.IN_PROGRESS
    timed(
        desk.post,
        reverse("desk:request_message", args=[erasure.reference]),
        {"body": "We are erasing your data now."},
    )
    html = timed(desk.get, page).content.decode()
    assert "The background worker cannot be reached just now" in html

    timed(desk.post, reverse("letters:issue", args=[erasure.pk]), {"kind": "acknowledgement"})
    letter = Letter.objects.get(request=erasure)
    assert letter.status == LetterStatus.RENDERING and letter.waits_for_worker
    html = timed(desk.get, page).content.decode()
    assert "it will be rendered and signed as soon as it is back" in html  # the message
    assert "the letter is saved and will be rendered and signed as soon as it is back" in html

    timed(desk.post, reverse("fulfilment:plan", args=[erasure.pk]))
    timed(desk.post, reverse("fulfilment:confirm", args=[erasure.pk]))
    step = erasure.jobs.get().steps.get()
    assert step.status == StepStatus.QUEUED and step.waits_for_worker
    html = timed(desk.get, reverse("fulfilment:panel", args=[erasure.pk])).content.decode()
    assert "this step is saved and will run as soon as it is back" in html
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 2  # confirm + message
    assert not mail.outbox

    private_broker.start()
    time.sleep(settings.JOB_LEASE_SECONDS)  # the step's lease runs out: the sweep may take it
    # One sweep of each kind, as beat would send them once the broker is back.
    tasks.letter_sweep.delay(older_than_seconds=0)
    tasks.job_sweep.delay()
    tasks.reminder_sweep.delay()
    wait_for(lambda: Reminder.objects.filter(request=due_soon).exists())
    wait_for(lambda: Letter.objects.get(pk=letter.pk).status == LetterStatus.READY)
    wait_for(lambda: erasure.jobs.get().steps.get().status == StepStatus.WAITING)
    tasks.email_sweep.delay(older_than_seconds=0)
    wait_for(lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists())
    # A second round of sweeps (the next beat) finds nothing left to do.
    for sweep in (tasks.email_sweep, tasks.letter_sweep):
        sweep.delay(older_than_seconds=0)
    tasks.job_sweep.delay()
    tasks.reminder_sweep.delay()
    time.sleep(3)  # let any duplicate delivery show itself

    emails = OutboundEmail.objects.all()
    assert sorted(email.template for email in emails) == [
        "deadline_reminder", "intake_confirm", "manual_task", "message_to_subject",
    ]  # fmt: skip
    assert all(email.attempts == 1 and email.last_error == "" for email in emails)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["archive@openmotics.example", "jan.peeters@example.com", "luc@example.com", officer.email]
    )
    letter.refresh_from_db()
    assert letter.attempts == 1 and letter.error == "" and not letter.waits_for_worker
    assert erasure.events.filter(kind=EventKind.LETTER_READY).count() == 1
    step.refresh_from_db()
    assert step.attempts == 1 and step.last_error == "" and not step.waits_for_worker
    assert Reminder.objects.filter(request=due_soon, notified=True).count() == 1
    assert Request.objects.get(pk=web.pk).status == Status.UNVERIFIED
