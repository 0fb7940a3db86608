"""Work the broker did not take (dsr/broker.py): the row records it in `enqueue_failed_at`,
the desk shows it as waiting for the worker, and the row's next run clears the mark.

tests/dsr/test_recovery.py does the same through the desk against a real Redis that is
stopped and started again; these run without one.
"""

from __future__ import annotations

import importlib
import math

import pytest
from django.apps import apps
from django.db import transaction

from dsr import broker, emails, workflow
from dsr.fulfilment import jobs, runner
from dsr.letters import services as letters
from dsr.models import (
    ConnectorKind,
    DataSource,
    EvidenceKind,
    Letter,
    LetterStatus,
    OutboundEmail,
    Right,
    StepStatus,
)

OLD_TEXT = "task queue unreachable; the sweep will enqueue it again"


@pytest.fixture
def broker_down(monkeypatch) -> None:
    """As just after a failed publish: this process does not try the broker."""
    monkeypatch.setattr(broker, "_paused_until", math.inf)


def test_a_mail_waits_until_a_worker_sends_it(
    broker_down, make_request, officer_actor, django_capture_on_commit_callbacks
):
    request = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_message_subject(request=request, body="We are on it.", actor=officer_actor)
    email = OutboundEmail.objects.get(request=request, template="message_to_subject")
    assert email.enqueue_failed_at is not None and email.last_error == ""

    assert emails.email_send(email.pk)
    email.refresh_from_db()
    assert email.sent_at is not None and email.enqueue_failed_at is None


def test_a_letter_waits_until_a_worker_renders_it(
    broker_down, make_request, officer_actor, django_capture_on_commit_callbacks
):
    request = make_request()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        letter = letters.letter_issue(request=request, kind="acknowledgement", actor=officer_actor)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERING and letter.waits_for_worker
    assert letter.error == ""

    assert letters.letter_render(letter.pk) == LetterStatus.READY
    letter.refresh_from_db()
    assert letter.enqueue_failed_at is None and not letter.waits_for_worker


def test_a_step_waits_until_a_worker_claims_it(
    broker_down, organization, make_request, officer_actor, django_capture_on_commit_callbacks
):
    DataSource.objects.create(
        organization=organization,
        name="Paper archive",
        kind=ConnectorKind.MANUAL,
        config={
            "assignee_name": "Office manager",
            "assignee_email": "archive@openmotics.example",
            "instructions": "Shred the paper file of this customer.",
        },
    )
    request = workflow.identity_decide(
        request=make_request(right=Right.ERASURE),
        verified=True,
        evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
        actor=officer_actor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_confirm(
            job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
        )
    step = job.steps.get()
    assert step.status == StepStatus.QUEUED and step.waits_for_worker
    assert step.last_error == ""

    runner.step_run(step_id=step.pk)  # a manual step now waits for a person
    step.refresh_from_db()
    assert step.status == StepStatus.WAITING
    assert step.enqueue_failed_at is None and not step.waits_for_worker


def test_the_migration_turns_the_old_text_into_the_field_and_back(make_request, officer_actor):
    migration = importlib.import_module("dsr.migrations.0013_enqueue_failed_at")
    request = make_request()
    with transaction.atomic():
        waiting = letters.letter_issue(request=request, kind="acknowledgement", actor=officer_actor)
        failed = letters.letter_issue(request=request, kind="acknowledgement", actor=officer_actor)
    Letter.objects.filter(pk=waiting.pk).update(error=OLD_TEXT)
    Letter.objects.filter(pk=failed.pk).update(
        status=LetterStatus.FAILED, error="WeasyPrint: no fonts"
    )
    email = emails.email_queue(
        template="message_to_subject", to="jan@example.com", context={}, language="nl"
    )
    OutboundEmail.objects.filter(pk=email.pk).update(last_error=OLD_TEXT)

    migration.text_to_field(apps, None)
    for row in (waiting, failed, email):
        row.refresh_from_db()
    assert waiting.error == "" and waiting.waits_for_worker
    assert failed.error == "WeasyPrint: no fonts" and failed.enqueue_failed_at is None
    assert email.last_error == "" and email.enqueue_failed_at is not None

    migration.field_to_text(apps, None)
    for row in (waiting, failed, email):
        row.refresh_from_db()
    assert waiting.error == OLD_TEXT and email.last_error == OLD_TEXT
    assert failed.error == "WeasyPrint: no fonts"
