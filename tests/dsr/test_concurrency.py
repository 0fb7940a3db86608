"""Concurrent inserts on PostgreSQL: references and the audit chain never collide or fork."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection

from dsr import audit, workflow
from dsr.models import Channel, Request, Right

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12
PER_THREAD = 5


def test_references_and_chain_under_concurrent_submissions(organization, officer):
    barrier = threading.Barrier(THREADS)
    actor = audit.Actor.for_user(officer)
    received = datetime.now(UTC)

    def submit(worker: int) -> list[str]:
        try:
            barrier.wait(timeout=30)
            references = []
            for index in range(PER_THREAD):
                requests = workflow.submission_create(
                    organization=organization,
                    rights=[Right.ACCESS, Right.ERASURE] if index % 2 else [Right.ACCESS],
                    channel=Channel.EMAIL,
                    language="en",
                    subject_name=f"Subject {worker}-{index}",
                    subject_email=f"s{worker}.{index}@example.com",
                    received_at=received,
                    actor=actor,
                )
                references += [r.reference for r in requests]
            return references
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(submit, range(THREADS)))

    references = [ref for chunk in results for ref in chunk]
    expected_count = THREADS * (PER_THREAD + PER_THREAD // 2)
    assert len(references) == expected_count
    # Every number handed out once, with no gaps.
    year = received.astimezone(UTC).year
    assert sorted(references) == [f"OPM-{year}-{n:05d}" for n in range(1, expected_count + 1)]
    assert Request.objects.count() == expected_count
    # One "received" event per request, in one unforked chain.
    result = audit.verify(organization)
    assert result.ok, str(result)
    assert result.checked == expected_count
