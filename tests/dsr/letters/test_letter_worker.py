"""Letters and print batches are made by a real Celery worker (issue 6, "Where rendering
runs"): the web request only creates the row; the task takes the id; the row is the truth."""

from __future__ import annotations

import time

import pytest
from letter_helpers import issue, make_state

from dsr import audit, tasks
from dsr.letters import printing, services
from dsr.models import (
    Event,
    EventKind,
    Letter,
    LetterKind,
    LetterStatus,
    PrintBatch,
    PrintBatchStatus,
    Right,
)
from tests.builders import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_renders_and_signs_an_issued_letter_once(
    celery_worker, signed_organization, make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="refused", language="nl"
    )
    letter = issue(request, LetterKind.REFUSAL, officer)  # commits: on_commit enqueues the task
    assert letter.status == LetterStatus.RENDERING
    wait_for(lambda: Letter.objects.get(pk=letter.pk).status != LetterStatus.RENDERING)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY and letter.signed
    assert len(letter.sha256) == 64 and services.letter_read(letter).startswith(b"%PDF")

    # Delivered twice (a redelivered message, the sweep): nothing changes, nothing is added.
    tasks.letter_render.delay(letter.pk)
    time.sleep(1.0)
    again = Letter.objects.get(pk=letter.pk)
    assert (again.sha256, again.file.name) == (letter.sha256, letter.file.name)
    assert Event.objects.filter(kind=EventKind.LETTER_READY, data__letter=letter.pk).count() == 1


def test_worker_builds_a_print_batch_and_reports_progress(
    celery_worker, organization, make_request, officer, officer_actor
):
    actor = audit.Actor.for_user(officer)
    letters = []
    for _ in range(3):
        request = make_state(
            make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
        )
        letter = issue(request, LetterKind.ACKNOWLEDGEMENT, officer)
        letters.append(letter)
    wait_for(lambda: not Letter.objects.filter(status=LetterStatus.RENDERING).exists())
    for letter in letters:
        letter.refresh_from_db()
        services.letter_queue_for_post(letter=letter, actor=actor)
    batch = printing.print_batch_create(organization=organization, letters=letters, actor=actor)
    wait_for(lambda: PrintBatch.objects.get(pk=batch.pk).status != PrintBatchStatus.BUILDING)
    batch.refresh_from_db()
    assert batch.status == PrintBatchStatus.READY
    assert batch.done == batch.total == 3 and batch.percent == 100
    assert batch.page_count == 6  # three one-page letters, each followed by a blank page


def test_a_letter_that_cannot_be_rendered_fails_visibly(
    organization, make_request, officer, officer_actor, monkeypatch
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    letter = issue(request, LetterKind.ACKNOWLEDGEMENT, officer)

    def broken(_letter):
        raise ValueError("template bug")

    monkeypatch.setattr(services, "letter_pdf", broken)
    assert tasks.letter_render.apply(args=[letter.pk]).get() == "failed"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED and "template bug" in letter.error
    assert Event.objects.filter(kind=EventKind.LETTER_FAILED, data__letter=letter.pk).exists()

    monkeypatch.undo()
    services.letter_retry(letter=letter, actor=audit.Actor.for_user(officer))
    assert services.letter_render(letter.pk) == LetterStatus.READY


def test_sweep_enqueues_letters_whose_task_was_lost(
    organization, make_request, officer, officer_actor, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    letter = issue(request, LetterKind.ACKNOWLEDGEMENT, officer)
    Letter.objects.filter(pk=letter.pk).update(issued_at=timezone.now() - timedelta(minutes=30))
    sent = []
    monkeypatch.setattr(tasks.letter_render, "delay", lambda letter_id: sent.append(letter_id))
    assert tasks.letter_sweep() == 1 and sent == [letter.pk]
