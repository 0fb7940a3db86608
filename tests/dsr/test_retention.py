"""dsr/retention.py: identity documents, unconfirmed web requests, expired closed requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from dsr import audit, retention, workflow
from dsr.models import (
    Attachment,
    Channel,
    ConnectorKind,
    DataPackage,
    Event,
    EventKind,
    Job,
    JobStep,
    Letter,
    LetterKind,
    Message,
    OutboundEmail,
    Outcome,
    Request,
    Status,
    StepStatus,
)
from tests.builders import blank_pdf, identity_document

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SUBJECT = audit.Actor.subject()


def store_id(request) -> Attachment:
    return identity_document(request, blank_pdf(), "passport.pdf")


def run_at(organization, moment):
    with time_machine.travel(moment, tick=False):
        return retention.run(organization, now=moment)


def test_leftover_identity_documents_are_destroyed_30_days_after_closing(
    make_request, organization, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        request = make_request()
        closing = store_id(request)
        workflow.request_withdraw(request=request, actor=SUBJECT)  # before any identity decision
        # Closing destroys the documents on the request (LEGAL.md, "Identity") ...
        closing.refresh_from_db()
        assert closing.is_destroyed
        # ... the purge is the safety net for one filed on the closed request afterwards (or
        # left by an earlier version of the desk).
        document = store_id(request)
    assert run_at(organization, START + timedelta(days=29)).identity_documents_destroyed == 0
    with django_capture_on_commit_callbacks(execute=True):
        counts = run_at(organization, START + timedelta(days=31))
    assert counts.identity_documents_destroyed == 1
    document.refresh_from_db()
    assert document.is_destroyed and not document.file
    destroyed = request.events.filter(kind=EventKind.ATTACHMENT_DESTROYED).last()
    assert destroyed.data["sha256"] == document.sha256
    assert destroyed.data["attachment"] == document.pk


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
        "print_batches_cleared": 0,
        "register_exports_cleared": 0,
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


# --- what minimisation removes beyond the request: letters, packages, fulfilment state ----


@pytest.fixture
def minimised_with_letter(make_request, organization, officer, officer_actor):
    """A request with a rendered, e-mailed letter, a data package and a fulfilment step's
    working state; then withdrawn and minimised (the on-commit file deletions run)."""
    from django.core.files.base import ContentFile

    from dsr.fulfilment.sources import data_source_save
    from dsr.letters import services as letters

    request = make_request(
        subject_name="Jan Peeters", subject_postal_address="Kerkstraat 1, 9000 Gent"
    )
    letter = letters.letter_issue(
        request=request, kind=LetterKind.ACKNOWLEDGEMENT, actor=officer_actor
    )
    assert letters.letter_render(letter.pk) == "ready"
    letter = letters.letter_send_email(letter=Letter.objects.get(pk=letter.pk), actor=officer_actor)
    source = data_source_save(
        organization=organization, actor=officer_actor, name="Paper archive",
        kind=ConnectorKind.MANUAL,
        config={"assignee_name": "Office manager", "instructions": "Shred the file."},
        data_categories=["Postal address"],
    )  # fmt: skip
    job = Job.objects.create(
        request=request, right=request.right, planned_at=START, parameters_encrypted="secret"
    )
    JobStep.objects.create(
        job=job, source=source, status=StepStatus.DONE,
        state={"keys": {"customer_number": "OPM-C123"}}, plan={"lines": [{"what": "Jan"}]},
        result=[{"action": "exported", "what": "paper file", "rows": None}],
    )  # fmt: skip
    package = DataPackage(job=job, request=request, expires_at=START, max_downloads=5)
    package.file.save("jan-peeters.zip.enc", ContentFile(b"names and addresses"), save=False)
    package.save()
    files = {"letter": Letter.objects.get(pk=letter.pk).file.name, "package": package.file.name}
    request = workflow.request_withdraw(request=request, actor=officer_actor)
    return request, files


def test_minimising_removes_letter_pdfs_packages_and_fulfilment_state_but_keeps_proof(
    minimised_with_letter, organization, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    request, files = minimised_with_letter
    (letter,) = request.letters.all()
    sha256, letter_date = letter.sha256, letter.letter_date
    assert letter.content["subject"]["name"] == "Jan Peeters"
    assert all(default_storage.exists(name) for name in files.values())

    with django_capture_on_commit_callbacks(execute=True):
        request = retention.request_minimise(request=request)

    letter.refresh_from_db()
    assert not letter.file and letter.content == {}
    assert (letter.sha256, letter.letter_date, letter.kind, letter.version) == (
        sha256, letter_date, LetterKind.ACKNOWLEDGEMENT, 1,
    )  # fmt: skip
    assert letter.emailed_at is not None and letter.removed_at == request.minimised_at
    assert not letter.is_delivered
    assert not any(default_storage.exists(name) for name in files.values())
    package = DataPackage.objects.get(request=request)
    assert package.deleted_at is not None and not package.file
    job = Job.objects.get(request=request)
    step = job.steps.get()
    assert job.parameters_encrypted == "" and step.state == {} and step.plan == {}
    assert step.result == [{"action": "exported", "what": "paper file", "rows": None}]
    assert not OutboundEmail.objects.filter(request=request).exists()
    minimised = request.events.get(kind=EventKind.MINIMISED)
    assert minimised.data["letter_files"] == 1 and minimised.data["packages"] == 1
    assert minimised.data["emails"] == 1  # the letter's e-mail, names and address in it
    assert audit.verify(organization).ok


def test_a_minimised_letter_says_when_it_was_removed_on_the_desk_and_in_the_api(
    minimised_with_letter, officer, outsider, desk_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    request, _files = minimised_with_letter
    with django_capture_on_commit_callbacks(execute=True):
        request = retention.request_minimise(request=request)
    (letter,) = request.letters.all()
    removed_on = timezone.localdate(request.minimised_at)  # the desk's zone, as shown

    officer_client = desk_client(officer)
    panel = officer_client.get(reverse("letters:request", args=[request.pk])).content.decode()
    assert f"Removed by retention on {removed_on:%-d %b %Y}" in panel
    download_url = reverse("letters:download", args=[letter.pk])
    assert download_url not in panel
    response = officer_client.get(download_url)
    assert response.status_code == 410
    assert removed_on.isoformat() in response.content.decode()
    assert letter.sha256 in response.content.decode()
    assert desk_client(outsider).get(download_url).status_code == 404

    api_letters = f"/api/v1/requests/{request.reference}/letters/"
    (listed,) = officer_client.get(api_letters).json()
    assert listed["removed_at"] is not None and listed["download_url"] is None
    assert listed["sha256"] == letter.sha256
    response = officer_client.get(f"{api_letters}{letter.public_id}/pdf/")
    assert response.status_code == 410 and response.json()["error"]["code"] == "gone"
    assert desk_client(outsider).get(api_letters).status_code == 404

    # The subject's link is gone with the status page.
    subject_url = reverse("letters:subject_download", args=[request.public_token, letter.public_id])
    assert officer_client.get(subject_url).status_code == 404


def test_merged_print_batches_are_removed_a_week_after_they_were_built(
    organization, other_organization, django_capture_on_commit_callbacks
):
    """A merged batch holds every letter's name and address: a working file, not a record."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dsr.models import PrintBatch, PrintBatchStatus

    def batch(status: str, built_days_ago: int, owner=organization) -> PrintBatch:
        made = PrintBatch.objects.create(
            organization=owner,
            status=status,
            total=2,
            built_at=START - timedelta(days=built_days_ago),
            posted_at=START if status == PrintBatchStatus.POSTED else None,
        )
        made.file.save(f"batch-{made.pk}.pdf", ContentFile(b"(encrypted pdf)"), save=True)
        return made

    posted, unposted, recent = (
        batch(PrintBatchStatus.POSTED, 8),
        batch(PrintBatchStatus.READY, 8),
        batch(PrintBatchStatus.READY, 2),
    )
    elsewhere = batch(PrintBatchStatus.POSTED, 30, owner=other_organization)
    names = {made.pk: made.file.name for made in (posted, unposted, recent, elsewhere)}

    with django_capture_on_commit_callbacks(execute=True):
        counts = run_at(organization, START)
    assert counts.print_batches_cleared == 2
    for made in (posted, unposted, recent, elsewhere):
        made.refresh_from_db()
    assert not posted.file and posted.status == PrintBatchStatus.POSTED  # the row stays
    assert not unposted.file and unposted.status == PrintBatchStatus.FAILED
    assert "still in the print queue" in unposted.error
    assert recent.file and recent.status == PrintBatchStatus.READY
    assert elsewhere.file  # another organisation's run removes it, not this one
    assert not default_storage.exists(names[posted.pk])
    assert not default_storage.exists(names[unposted.pk])
    assert default_storage.exists(names[recent.pk])
    event = Event.objects.filter(organization=organization, kind=EventKind.RETENTION_RUN).last()
    assert event.data["print_batches_cleared"] == 2
    assert run_at(organization, START).print_batches_cleared == 0  # nothing left to remove
