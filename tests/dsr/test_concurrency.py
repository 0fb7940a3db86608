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


def test_intake_submissions_chain_at_the_end_without_forks(organization):
    """The public intake's path: each submission appends its events at the end of its
    transaction (`audit.appended_at_end`); 12 at once still make one unforked chain."""
    from dsr.intake import services

    barrier = threading.Barrier(THREADS)

    def submit(worker: int) -> int:
        try:
            barrier.wait(timeout=30)
            for index in range(PER_THREAD):
                services.submission_receive(
                    organization=organization,
                    rights=[Right.ACCESS, Right.ERASURE],
                    language="en",
                    subject_name=f"Subject {worker}-{index}",
                    subject_email=f"s{worker}.{index}@example.com",
                    answer_channel="email",
                )
            return PER_THREAD
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        assert sum(pool.map(submit, range(THREADS))) == THREADS * PER_THREAD

    expected = THREADS * PER_THREAD * 2
    assert Request.objects.filter(organization=organization).count() == expected
    assert len(set(Request.objects.values_list("reference", flat=True))) == expected
    result = audit.verify(organization)
    assert result.ok, str(result)
    assert result.checked == expected  # one "received" event per request, none pending


def test_a_rolled_back_submission_leaves_a_gap_never_a_duplicate(organization, officer):
    """PostgreSQL references come from a sequence: a failed submission's number is not
    given again (docs/LEGAL-CHOICES.md), and the next one follows."""
    from django.db import transaction

    first = workflow.submission_create(
        organization=organization, rights=[Right.ACCESS], channel=Channel.EMAIL,
        language="en", subject_name="One", subject_email="one@example.com",
        actor=audit.Actor.for_user(officer),
    )[0]  # fmt: skip
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.submission_create(
            organization=organization, rights=[Right.ACCESS], channel=Channel.EMAIL,
            language="en", subject_name="Two", subject_email="two@example.com",
            actor=audit.Actor.for_user(officer),
        )  # fmt: skip
        raise RuntimeError("the e-mail could not be stored")
    third = workflow.submission_create(
        organization=organization, rights=[Right.ACCESS], channel=Channel.EMAIL,
        language="en", subject_name="Three", subject_email="three@example.com",
        actor=audit.Actor.for_user(officer),
    )[0]  # fmt: skip
    number = int(first.reference.rsplit("-", 1)[1])
    assert third.reference.rsplit("-", 1)[1] == f"{number + 2:05d}"
    assert audit.verify(organization).ok


def test_the_sequence_starts_after_numbers_already_given(organization):
    """A database from before the sequences (or with a counter) continues, never repeats."""
    from dsr import references
    from dsr.models import ReferenceCounter

    ReferenceCounter.objects.create(organization=organization, year=2031, last_number=41)
    assert references.allocate(organization=organization, year=2031) == "OPM-2031-00042"
    assert references.allocate(organization=organization, year=2031) == "OPM-2031-00043"
