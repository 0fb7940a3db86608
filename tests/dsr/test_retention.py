"""dsr/retention.py: identity documents, unconfirmed web requests, expired closed requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from dsr import audit, retention, workflow
from dsr.attachments import attachment_store
from dsr.models import (
    Attachment,
    Channel,
    Event,
    EventKind,
    Message,
    OutboundEmail,
    Outcome,
    Request,
    Status,
)

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SUBJECT = audit.Actor.subject()


def _blank_pdf() -> bytes:
    """A real one-page PDF: files from the subject are parsed and walked (dsr/attachments.py)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def store_id(request) -> Attachment:
    return attachment_store(
        request=request,
        content=_blank_pdf(),
        original_name="passport.pdf",
        kind="identity_proof",
        actor=SUBJECT,
        uploaded_by_subject=True,
    )


def run_at(organization, moment):
    with time_machine.travel(moment, tick=False):
        return retention.run(organization, now=moment)


def test_leftover_identity_documents_are_destroyed_30_days_after_closing(
    make_request, organization, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        request = make_request()
        document = store_id(request)
        workflow.request_withdraw(request=request, actor=SUBJECT)  # before any identity decision
    assert run_at(organization, START + timedelta(days=29)).identity_documents_destroyed == 0
    with django_capture_on_commit_callbacks(execute=True):
        counts = run_at(organization, START + timedelta(days=31))
    assert counts.identity_documents_destroyed == 1
    document.refresh_from_db()
    assert document.is_destroyed and not document.file
    destroyed = request.events.get(kind=EventKind.ATTACHMENT_DESTROYED)
    assert destroyed.data["sha256"] == document.sha256


def test_unconfirmed_web_requests_are_withdrawn_after_14_days_and_their_data_removed(
    make_request, organization
):
    with time_machine.travel(START, tick=False):
        request = make_request(channel=Channel.WEB, actor=SUBJECT, subject_name="Eva Janssens")
        confirmed = make_request(channel=Channel.WEB, actor=SUBJECT)
        workflow.request_confirm_email(request=confirmed, actor=SUBJECT)
    assert run_at(organization, START + timedelta(days=13)).unconfirmed_withdrawn == 0
    counts = run_at(organization, START + timedelta(days=15))
    assert counts.unconfirmed_withdrawn == 1
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert request.subject_name == "" and request.subject_email == ""
    assert request.minimised_at is not None
    assert request.events.get(kind=EventKind.RECEIVED).payload is None
    confirmed.refresh_from_db()
    assert confirmed.status == Status.IDENTITY_CHECK and confirmed.subject_name


def test_closed_requests_are_minimised_after_the_retention_period_and_the_chain_verifies(
    make_request, organization, officer_actor, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        request = make_request(
            subject_name="Jan Peeters",
            subject_postal_address="Kerkstraat 1, 9000 Gent",
            description="Alles over mijn meter",
            subject_customer_number="OPM-C123",
        )
        store_id(request)
        workflow.request_ask_information(
            request=request, message="Klantnummer?", actor=officer_actor
        )
        workflow.request_record_information(request=request, message="OPM-C123", actor=SUBJECT)
        request = workflow.identity_decide(
            request=request, verified=True, evidence="customer_details", actor=officer_actor
        )
        request = workflow.request_complete(
            request=request,
            outcome=Outcome.PARTIALLY_FULFILLED,
            note="Invoices kept",
            actor=officer_actor,
        )
        still_open = make_request(subject_name="Open Case")
    closed_at = request.closed_at
    organization.request_retention_days = 3 * 365
    organization.save()

    assert run_at(organization, closed_at + timedelta(days=3 * 365 - 1)).requests_minimised == 0
    with django_capture_on_commit_callbacks(execute=True):
        counts = run_at(organization, closed_at + timedelta(days=3 * 365 + 1))
    assert counts.requests_minimised == 1

    request = Request.objects.get(pk=request.pk)
    for field in retention.PERSONAL_FIELDS:
        assert getattr(request, field) == "", field
    # What proof and statistics need stays.
    assert request.reference and request.right == "access" and request.channel == "email"
    assert request.received_at and request.due_date and request.closed_at == closed_at
    assert request.outcome == Outcome.PARTIALLY_FULFILLED
    assert not Message.objects.filter(request=request).exists()
    assert not OutboundEmail.objects.filter(request=request).exists()
    assert not Event.objects.filter(request=request, payload__isnull=False).exists()
    assert all(a.is_destroyed and a.original_name == "" for a in request.attachments.all())
    assert request.events.filter(kind=EventKind.MINIMISED).exists()
    assert Request.objects.get(pk=still_open.pk).subject_name == "Open Case"
    assert audit.verify(organization).ok

    run = retention.last_run(organization)
    assert run.kind == EventKind.RETENTION_RUN
    assert run.data == {
        "identity_documents_destroyed": 0,
        "unconfirmed_withdrawn": 0,
        "requests_minimised": 1,
    }


def test_open_requests_cannot_be_minimised(make_request):
    request = make_request()
    with pytest.raises(workflow.InvalidInput):
        retention.request_minimise(request=request)


def test_minimising_twice_changes_nothing(make_request, officer_actor):
    request = workflow.request_withdraw(request=make_request(), actor=officer_actor)
    first = retention.request_minimise(request=request)
    events = request.events.count()
    second = retention.request_minimise(request=first)
    assert second.minimised_at == first.minimised_at
    assert request.events.count() == events
