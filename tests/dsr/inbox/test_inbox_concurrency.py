"""Two officers decide on the same e-mail at the same moment (PostgreSQL): one decision wins,
the other is told it was decided already; one set of requests, one unforked chain."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import Role
from dsr import audit
from dsr.inbox import services
from dsr.models import EventKind, InboundStatus, Request
from tests.conftest import make_user
from tests.dsr.inbox.inbox_helpers import inbound_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_one_decision_wins(organization, officer):
    colleagues = [officer] + [
        make_user(f"officer{n}@openmotics.example", organization, Role.OFFICER)
        for n in range(THREADS - 1)
    ]
    item = inbound_item(organization)
    barrier = threading.Barrier(THREADS)

    def decide(index: int) -> str:
        try:
            barrier.wait(timeout=30)
            user = colleagues[index]
            if index % 2:
                services.inbox_not_request(item=item, user=user, reason=f"reason {index}")
            else:
                services.inbox_convert(
                    item=item,
                    user=user,
                    rights=["access", "erasure"],
                    language="nl",
                    subject_name="Sanne",
                    subject_email="sanne.devries@example.nl",
                )
            return "done"
        except services.AlreadyDecided:
            return "already"
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(decide, range(THREADS)))

    assert outcomes.count("done") == 1 and outcomes.count("already") == THREADS - 1
    item.refresh_from_db()
    decisions = {
        InboundStatus.CONVERTED: EventKind.INBOX_CONVERTED,
        InboundStatus.NOT_REQUEST: EventKind.INBOX_NOT_REQUEST,
    }
    assert item.status in decisions
    expected_requests = 2 if item.status == InboundStatus.CONVERTED else 0
    assert Request.objects.count() == expected_requests
    events = organization.events.filter(
        kind__in=[EventKind.INBOX_CONVERTED, EventKind.INBOX_NOT_REQUEST]
    )
    assert set(events.values_list("kind", flat=True)) == {decisions[item.status]}
    assert events.count() == max(expected_requests, 1)
    assert audit.verify(organization).ok
