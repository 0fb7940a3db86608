"""Logging a request that arrived by post, e-mail or phone: the clock runs from the date of
receipt, a future date is refused, scans are stored (encrypted) on every request."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dsr import crypto
from dsr.attachments import attachment_read
from dsr.models import Attachment, AttachmentKind, Request, Status
from tests import builders
from tests.builders import blank_pdf

LOG = "/desk/log/"


def form(**overrides):
    values = {
        "rights": ["access"],
        "channel": "post",
        "received_on": "2026-01-31",
        "received_time": "",
        "language": "nl",
        "subject_name": "Marc Janssens",
        "subject_email": "",
        "subject_postal_address": "Kerkstraat 1\n2000 Antwerpen",
        "subject_customer_number": "C-77",
        "description": "Graag een kopie van mijn gegevens.",
        "answer_channel": "post",
    }
    values.update(overrides)
    return values


def test_a_letter_is_logged_with_its_date_of_receipt(desk_client, officer, time_machine):
    time_machine.move_to("2026-02-10 10:00:00+01:00", tick=False)
    response = desk_client(officer).post(LOG, form(rights=["access", "erasure"]))
    assert response.status_code == 302
    created = list(Request.objects.order_by("reference"))
    assert [r.right for r in created] == ["access", "erasure"]
    assert response.url == f"/desk/requests/{created[0].reference}/"
    access = created[0]
    # LEGAL.md: received 31 January 2026 -> 28 February is a Saturday -> Monday 2 March.
    assert access.due_date == date(2026, 3, 2)
    assert timezone.localtime(access.received_at).date() == date(2026, 1, 31)
    assert access.channel == "post" and access.answer_channel == "post"
    assert access.status == Status.IDENTITY_CHECK
    assert access.submission_id == created[1].submission_id


def test_a_date_of_receipt_in_the_future_is_refused(desk_client, officer, organization):
    tomorrow = (timezone.now() + timedelta(days=2)).date().isoformat()
    response = desk_client(officer).post(LOG, form(received_on=tomorrow))
    assert response.status_code == 400
    assert b"The date of receipt cannot be in the future." in response.content
    assert not Request.objects.exists()


def test_today_without_a_time_is_now(desk_client, officer):
    today = timezone.localdate().isoformat()
    desk_client(officer).post(LOG, form(received_on=today, channel="phone"))
    request_obj = Request.objects.get()
    assert abs((timezone.now() - request_obj.received_at).total_seconds()) < 60


def test_scans_and_an_identity_document_are_stored_encrypted_on_each_request(desk_client, officer):
    content = blank_pdf()
    response = desk_client(officer).post(
        LOG,
        {
            **form(rights=["access", "portability"]),
            "scans": [SimpleUploadedFile("letter.pdf", content, "application/pdf")],
            "identity_documents": [SimpleUploadedFile("id.pdf", content, "application/pdf")],
        },
    )
    assert response.status_code == 302
    for request_obj in Request.objects.all():
        kinds = sorted(a.kind for a in request_obj.attachments.all())
        assert kinds == [AttachmentKind.CORRESPONDENCE, AttachmentKind.IDENTITY_PROOF]
        scan = request_obj.attachments.get(kind=AttachmentKind.CORRESPONDENCE)
        assert attachment_read(scan) == content
        with scan.file.open("rb") as stored:
            raw = stored.read()
        assert raw != content and crypto.decrypt(raw) == content


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_logged(desk_client, officer):
    response = desk_client(officer).post(
        LOG,
        {
            **form(),
            "scans": [SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")],
        },
    )
    assert response.status_code == 400
    assert b"letter.pdf" in response.content
    assert not Request.objects.exists() and not Attachment.objects.exists()


def test_the_answer_channel_needs_its_address(desk_client, officer):
    response = desk_client(officer).post(
        LOG, form(answer_channel="email", subject_email="", channel="phone")
    )
    assert response.status_code == 400
    assert b"An e-mail address is required for an answer by e-mail." in response.content
    assert not Request.objects.exists()


def test_only_the_organisations_languages_and_hand_logged_channels_are_offered(
    desk_client, officer, organization
):
    page = desk_client(officer).get(LOG)
    channels = [value for value, _ in page.context["form"].fields["channel"].choices]
    assert channels == ["email", "post", "phone", "in_person"]
    response = desk_client(officer).post(LOG, form(channel="web"))
    assert response.status_code == 400 and not Request.objects.exists()


def test_viewers_cannot_log_requests(desk_client, viewer):
    client = desk_client(viewer)
    assert client.get(LOG).status_code == 403
    assert client.post(LOG, form()).status_code == 403
    assert not Request.objects.exists()


def stored_files(settings) -> list:
    return builders.stored_files()


def test_a_good_scan_then_a_refused_document_leaves_nothing_in_storage(
    desk_client, officer, settings
):
    response = desk_client(officer).post(
        LOG,
        {
            **form(rights=["access", "erasure"]),
            "scans": [SimpleUploadedFile("letter.pdf", blank_pdf(), "application/pdf")],
            "identity_documents": [SimpleUploadedFile("id.pdf", b"MZ\x90\x00", "application/pdf")],
        },
    )
    assert response.status_code == 400
    assert "id.pdf" in str(response.context["form"].errors["identity_documents"])
    assert not Request.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_after_files_were_stored_leaves_no_encrypted_file_behind(
    desk_client, officer, settings, monkeypatch
):
    from dsr import submissions

    store, stored = submissions.attachment_store, []

    def store_then_fail(**kwargs):
        if stored:
            raise RuntimeError("the database went away")
        stored.append(store(**kwargs))
        return stored[-1]

    monkeypatch.setattr(submissions, "attachment_store", store_then_fail)
    client = desk_client(officer)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(
            LOG,
            {
                **form(rights=["access", "erasure"]),
                "scans": [SimpleUploadedFile("letter.pdf", blank_pdf(), "application/pdf")],
            },
        )
    assert len(stored) == 1  # one encrypted file was written before the failure ...
    assert not Request.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []  # ... and removed when the transaction rolled back
