"""Two beats (docs/DEPLOY.md): an operator starts beat on two machines, so every sweep runs
twice at the same moment, in two processes. Each (request, threshold) is still reminded
once: one Reminder row, one mail, one event, and the audit chain does not fork; each
officer gets one morning digest.

The sweeps run in two real Python processes against the test's PostgreSQL database,
released at the same instant, as two workers would run the two beats' tasks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from dsr import audit, workflow
from dsr.models import DigestSent, EventKind, EvidenceKind, OutboundEmail, Reminder

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RECEIVED = datetime(2026, 3, 2, 9, tzinfo=UTC)
DUE = date(2026, 4, 2)
REQUESTS = 15

SWEEP = """
import os, sys, time
from datetime import datetime
import django
django.setup()
from accounts.models import User
from dsr import reminders
moment = datetime.fromisoformat(sys.argv[1])
start = float(sys.argv[2])
officer = User.objects.get(pk=int(sys.argv[3]))
time.sleep(max(0.0, start - time.time()))
print(reminders.sweep(now=moment))
time.sleep(max(0.0, start + 3 - time.time()))
print(int(reminders.digest_send(officer, now=moment)))
"""


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def test_two_beats_send_each_reminder_once(make_request, officer, officer_actor):
    with time_machine.travel(RECEIVED, tick=False):
        requests = []
        for _ in range(REQUESTS):
            request = make_request(received_at=RECEIVED)
            request = workflow.request_assign(
                request=request, assignee=officer, actor=officer_actor
            )
            request = workflow.identity_decide(
                request=request,
                verified=True,
                evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
                actor=officer_actor,
            )
            requests.append(request)
    assert {r.effective_due_date for r in requests} == {DUE}
    # One day left: the 7-day and the 2-day thresholds are both crossed; the 2-day one is
    # mailed, the 7-day one recorded as passed.
    moment = datetime(2026, 4, 1, 7, tzinfo=UTC)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DSR_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    start = time.time() + 6
    beats = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP, moment.isoformat(), str(start), str(officer.pk)],
            cwd=Path(settings.BASE_DIR),
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [beat.communicate(timeout=120) for beat in beats]
    for beat, (_, errors) in zip(beats, outputs, strict=True):
        assert beat.returncode == 0, errors[-2000:]
    sent = [int(out.strip().splitlines()[-2]) for out, _ in outputs]
    digests = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    # Both ran over the same requests; between them each request was reminded once.
    print("reminders sent by each beat:", sent)
    assert sum(sent) == REQUESTS
    rows = Counter(Reminder.objects.values_list("request_id", "threshold"))
    assert len(rows) == REQUESTS * 2 and set(rows.values()) == {1}
    assert Reminder.objects.filter(notified=True).count() == REQUESTS
    assert OutboundEmail.objects.filter(template="deadline_reminder").count() == REQUESTS
    for request in requests:
        assert request.events.filter(kind=EventKind.REMINDER_SENT).count() == 1
    # The morning digest too: both beats' digest tasks run at once, one digest goes out.
    assert sum(digests) == 1
    assert DigestSent.objects.filter(user=officer).count() == 1
    assert OutboundEmail.objects.filter(template="morning_digest", to=officer.email).count() == 1
    result = audit.verify(requests[0].organization)
    assert result.ok, str(result)
