"""The officer's decisions on an inbox item: each through one service that records an Event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dsr import audit
from dsr.attachments import attachment_read
from dsr.inbox import services
from dsr.inbox.services import AlreadyDecided
from dsr.models import AttachmentKind, Event, EventKind, InboundStatus, Request
from dsr.workflow import InvalidInput, NotPermitted
from tests.builders import blank_pdf
from tests.dsr.inbox.inbox_helpers import inbound_item

pytestmark = pytest.mark.django_db


def test_convert_makes_one_request_per_right_with_the_mail_as_evidence(organization, officer):
    received = timezone.now() - timedelta(days=3, hours=5)
    item = inbound_item(organization, received_at=received, files=[("id.pdf", blank_pdf())])
    assert item.rights_guess == ["access", "erasure"]

    created = services.inbox_convert(
        item=item,
        user=officer,
        rights=["access", "erasure"],
        language="nl",
        subject_name="Sanne de Vries",
        subject_email="",
    )

    assert [r.right for r in created] == ["access", "erasure"]
    assert len({r.submission_id for r in created}) == 1
    raw = services.inbound_original_read(item)
    for request in created:
        assert request.channel == "email"
        assert request.received_at == received
        assert request.language == "nl"
        assert request.subject_email == "sanne.devries@example.nl"  # prefilled from the sender
        assert "Ik wil inzage" in request.description
        original = request.attachments.get(kind=AttachmentKind.ORIGINAL_EMAIL)
        assert original.content_type == "message/rfc822"
        assert attachment_read(original) == raw
        assert original.sha256 == item.original_sha256
        pdf = request.attachments.get(kind=AttachmentKind.CORRESPONDENCE)
        assert pdf.original_name == "id.pdf" and pdf.content_type == "application/pdf"
        kinds = list(Event.objects.filter(request=request).values_list("kind", flat=True))
        assert kinds[0] == EventKind.RECEIVED and EventKind.INBOX_CONVERTED in kinds
        converted = Event.objects.get(request=request, kind=EventKind.INBOX_CONVERTED)
        assert converted.data["inbound"] == item.pk
        assert converted.actor_label == officer.email
    item.refresh_from_db()
    assert item.status == InboundStatus.CONVERTED and item.decided_by == officer
    assert set(item.requests.all()) == set(created)
    assert audit.verify(organization).ok


def test_convert_with_direct_marketing_objection(organization, officer):
    item = inbound_item(organization, subject="Opt-out", body="Graag geen nieuwsbrief meer.")
    assert item.guess_detail["direct_marketing"] is True
    [request] = services.inbox_convert(
        item=item,
        user=officer,
        rights=["objection"],
        language="nl",
        subject_name="Sanne",
        subject_email="sanne.devries@example.nl",
        direct_marketing=True,
    )
    assert request.direct_marketing and request.right == "objection"


def test_convert_refuses_bad_input_and_keeps_the_item_new(organization, officer):
    item = inbound_item(organization)
    for rights, language, name in (
        ([], "nl", "Sanne"),
        (["payment"], "nl", "Sanne"),
        (["access"], "de", "Sanne"),
        (["access"], "nl", "   "),
    ):
        with pytest.raises(InvalidInput):
            services.inbox_convert(
                item=item,
                user=officer,
                rights=rights,
                language=language,
                subject_name=name,
                subject_email="",
            )
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW and not item.requests.exists()
    assert not Request.objects.exists()


def test_a_decided_item_cannot_be_decided_again(organization, officer):
    item = inbound_item(organization)
    services.inbox_not_request(item=item, user=officer, reason="Newsletter of a supplier")
    with pytest.raises(AlreadyDecided):
        services.inbox_convert(
            item=item,
            user=officer,
            rights=["access"],
            language="nl",
            subject_name="Sanne",
            subject_email="",
        )
    with pytest.raises(AlreadyDecided):
        services.inbox_not_request(item=item, user=officer, reason="again")
    assert not Request.objects.exists()


def test_not_a_request_needs_a_reason_and_records_it(organization, officer):
    item = inbound_item(organization, subject="Factuur", body="Vraag over mijn factuur.")
    with pytest.raises(InvalidInput):
        services.inbox_not_request(item=item, user=officer, reason="  ")
    with pytest.raises(InvalidInput):
        services.inbox_not_request(item=item, user=officer, reason="x" * 2001)
    services.inbox_not_request(item=item, user=officer, reason="Invoice question: to accounts")
    item.refresh_from_db()
    assert item.status == InboundStatus.NOT_REQUEST
    assert item.not_request_reason == "Invoice question: to accounts"
    event = Event.objects.get(kind=EventKind.INBOX_NOT_REQUEST)
    assert event.request is None and event.data["inbound"] == item.pk
    assert event.payload["reason"] == "Invoice question: to accounts"


def test_link_attaches_the_mail_to_an_existing_request(organization, officer, make_request):
    existing = make_request(right="access")
    item = inbound_item(
        organization,
        subject="Aanvulling",
        body="Hierbij mijn klantnummer: 4711.",
        files=[("bewijs.pdf", blank_pdf())],
    )
    linked = services.inbox_link(item=item, user=officer, reference=existing.reference.lower())
    assert linked == existing
    message = existing.messages.get()
    assert message.direction == "from_subject" and "klantnummer: 4711" in message.body
    assert {a.kind for a in message.attachments.all()} == {
        AttachmentKind.ORIGINAL_EMAIL,
        AttachmentKind.CORRESPONDENCE,
    }
    event = Event.objects.get(request=existing, kind=EventKind.INBOX_LINKED)
    assert event.data["message"] == message.pk
    item.refresh_from_db()
    assert item.status == InboundStatus.LINKED and list(item.requests.all()) == [existing]
    assert audit.verify(organization).ok


def test_link_refuses_another_organisations_request(
    organization, other_organization, officer, outsider
):
    foreign = services.submission_store(
        organization=other_organization,
        rights=["access"],
        channel="email",
        language="nl",
        subject_name="Iemand",
        subject_email="iemand@example.nl",
        actor=audit.Actor.for_user(outsider),
    )[0]
    item = inbound_item(organization)
    with pytest.raises(InvalidInput, match="no request"):
        services.inbox_link(item=item, user=officer, reference=foreign.reference)
    assert not foreign.messages.exists() and not foreign.attachments.exists()
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW


def test_viewers_and_outsiders_cannot_decide(organization, viewer, outsider):
    item = inbound_item(organization)
    with pytest.raises(NotPermitted):
        services.inbox_not_request(item=item, user=viewer, reason="no")
    with pytest.raises(NotPermitted):
        services.inbox_convert(
            item=item,
            user=outsider,
            rights=["access"],
            language="nl",
            subject_name="Sanne",
            subject_email="",
        )
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW


def test_reads_are_scoped_to_the_users_organisation(
    organization, other_organization, officer, outsider
):
    mine = inbound_item(organization)
    theirs = inbound_item(other_organization)
    reply = inbound_item(organization, status=InboundStatus.REPLY)
    assert list(services.inbox_items(officer, organization)) == [mine]
    assert list(services.inbox_items(officer, other_organization)) == []
    assert services.inbox_new_count(officer, organization) == 1
    assert services.inbox_item_for(officer, mine.pk) == mine
    for hidden in (theirs, reply):
        with pytest.raises(services.Http404):
            services.inbox_item_for(officer, hidden.pk)
    with pytest.raises(services.Http404):
        services.inbox_item_for(outsider, mine.pk)
