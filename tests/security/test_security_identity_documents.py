"""Issue 14, item 4: an identity document does not outlive the identity decision, nor the
request.

Reproduced on the old main: the officer records that identity could not be established and
then refuses the request; the subject's identity card is still served by the desk with 200
until the retention purge, months later. LEGAL.md ("Identity"): once identity is checked,
the document goes and only the fact stays. Now every decision (verified or failed) destroys
the request's identity documents, and so does every close (complete, refuse, withdraw —
also the system's withdrawal of a web request never confirmed); the Event keeps the file's
hash. A document the subject sends later (the officer asks again after a failed decision)
is kept until the next decision, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dsr import audit, workflow
from dsr.attachments import attachment_store
from dsr.desk.forms import request_version
from dsr.intake import services as intake
from dsr.models import (
    ActorKind,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    EvidenceKind,
    Request,
    Status,
)
from tests.builders import identity_document, png

pytestmark = pytest.mark.django_db


def _card(colour=(10, 120, 200)) -> bytes:
    return png(size=(60, 40), colour=colour)


def _uploaded_by_subject(request_obj: Request) -> Attachment:
    """The identity card the subject sent with the public form."""
    return identity_document(request_obj, _card(), "identiteitskaart.png")


def _file_url(document: Attachment) -> str:
    return reverse("desk:request_file", args=[document.request.reference, document.pk])


def _desk_action(client, request_obj: Request, name: str, data: dict):
    request_obj.refresh_from_db()
    url = reverse(f"desk:request_{name}", args=[request_obj.reference])
    response = client.post(url, {"version": request_version(request_obj), **data})
    assert response.status_code == 302, response.status_code
    request_obj.refresh_from_db()
    return response


def _assert_gone(client, document: Attachment, *, actor_kind: str) -> None:
    """Not served, not in storage; the Event keeps its hash and who caused it."""
    stored_name = document.file.name
    assert stored_name and not default_storage.exists(stored_name)
    document.refresh_from_db()
    assert document.destroyed_at is not None and not document.file
    assert client.get(_file_url(document)).status_code == 410  # gone, not served
    event = document.request.events.get(kind=EventKind.ATTACHMENT_DESTROYED)
    assert event.data["attachment"] == document.pk
    assert event.data["sha256"] == document.sha256 and len(document.sha256) == 64
    assert event.actor_kind == actor_kind
    assert audit.verify(document.request.organization).ok


def test_a_failed_identity_decision_destroys_the_document(
    make_request, desk_client, officer, django_capture_on_commit_callbacks
):
    request_obj = make_request()
    document = _uploaded_by_subject(request_obj)
    client = desk_client(officer)
    assert client.get(_file_url(document)).status_code == 200  # the officer checks it

    with django_capture_on_commit_callbacks(execute=True):
        _desk_action(client, request_obj, "identity", {"decision": "failed", "evidence": "other"})

    assert request_obj.status == Status.IDENTITY_CHECK  # the officer may ask again or refuse
    decided = request_obj.events.get(kind=EventKind.IDENTITY_FAILED)
    assert decided.data["documents"] == [{"attachment": document.pk, "sha256": document.sha256}]
    _assert_gone(client, document, actor_kind=ActorKind.USER)


def test_asked_again_after_a_failed_decision_the_new_document_waits_then_the_refusal_takes_it(
    make_request, desk_client, officer, django_capture_on_commit_callbacks
):
    request_obj = make_request()
    first = _uploaded_by_subject(request_obj)
    client = desk_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _desk_action(client, request_obj, "identity", {"decision": "failed", "evidence": "other"})
    workflow.request_ask_information(
        request=request_obj,
        message="De foto is onleesbaar; stuur een scherpere kopie.",
        actor=audit.Actor.for_user(officer),
    )
    prefix = request_obj.reference
    answered = Client().post(
        f"/r/{request_obj.public_token}/answer/",
        {
            f"{prefix}-message": "Hierbij een nieuwe kopie.",
            f"{prefix}-files": [SimpleUploadedFile("kaart.png", _card((200, 10, 10)))],
        },
    )
    assert answered.status_code == 302
    second = Attachment.objects.exclude(pk=first.pk).get(request=request_obj)
    assert second.kind == AttachmentKind.IDENTITY_PROOF
    assert client.get(_file_url(second)).status_code == 200  # kept until the next decision

    with django_capture_on_commit_callbacks(execute=True):
        _desk_action(client, request_obj, "refuse", {"ground": "identity_not_established"})
    assert request_obj.status == Status.REFUSED
    assert not default_storage.exists(second.file.name)
    second.refresh_from_db()
    assert second.destroyed_at is not None
    assert client.get(_file_url(second)).status_code == 410
    hashes = [
        event.data["sha256"]
        for event in request_obj.events.filter(kind=EventKind.ATTACHMENT_DESTROYED)
    ]
    assert sorted(hashes) == sorted([first.sha256, second.sha256])


def test_a_refusal_with_a_document_still_there_destroys_it(
    make_request, desk_client, officer, django_capture_on_commit_callbacks
):
    """A document from before this fix (or sent after a failed decision): the refusal is the
    latest moment it may live."""
    request_obj = make_request()
    workflow.identity_decide(
        request=request_obj,
        verified=False,
        evidence=EvidenceKind.OTHER,
        actor=audit.Actor.for_user(officer),
    )
    document = _uploaded_by_subject(request_obj)  # arrived after the decision
    client = desk_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _desk_action(client, request_obj, "refuse", {"ground": "identity_not_established"})
    _assert_gone(client, document, actor_kind=ActorKind.USER)


def test_the_subjects_withdrawal_destroys_the_document(
    make_request, desk_client, officer, django_capture_on_commit_callbacks
):
    request_obj = make_request()
    document = _uploaded_by_subject(request_obj)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"/r/{request_obj.public_token}/withdraw/", {"reason": "Weg"})
    assert response.status_code == 302 and "notice=withdrawn" in response["Location"]
    _assert_gone(desk_client(officer), document, actor_kind=ActorKind.SUBJECT)


def test_the_systems_withdrawal_of_an_unconfirmed_web_request_destroys_the_document(
    organization, desk_client, officer, django_capture_on_commit_callbacks
):
    (request_obj,) = workflow.submission_create(
        organization=organization,
        rights=["access"],
        channel=Channel.WEB,
        language="nl",
        subject_name="Lotte de Vries",
        subject_email="lotte@example.com",
        actor=audit.Actor.subject(),
        received_at=timezone.now() - timedelta(days=20),
    )
    document = _uploaded_by_subject(request_obj)
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.unconfirmed_withdraw() == 1
    request_obj.refresh_from_db()
    assert request_obj.status == Status.WITHDRAWN
    _assert_gone(desk_client(officer), document, actor_kind=ActorKind.SYSTEM)


def test_completion_destroys_a_document_added_after_verification(
    make_request, desk_client, officer, django_capture_on_commit_callbacks
):
    request_obj = workflow.identity_decide(
        request=make_request(),
        verified=True,
        evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
        actor=audit.Actor.for_user(officer),
    )
    # Filed as identity proof afterwards (the API and the desk accept the kind).
    document = attachment_store(
        request=request_obj,
        content=_card(),
        original_name="passport.png",
        kind=AttachmentKind.IDENTITY_PROOF,
        actor=audit.Actor.for_user(officer),
    )
    client = desk_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _desk_action(client, request_obj, "complete", {"outcome": "no_data"})
    assert request_obj.status == Status.COMPLETED
    _assert_gone(client, document, actor_kind=ActorKind.USER)
