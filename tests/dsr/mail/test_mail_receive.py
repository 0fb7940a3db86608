"""mail_process and the MTA pipe: what the desk records for each kind of message.

The IMAP side of the same messages is tests/dsr/mail/test_mail_imap.py (a real Dovecot)."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest
from django.core import mail as django_mail
from django.core.management import call_command

from dsr import crypto, emails, workflow
from dsr.mail.receive import inbound_read, mail_process
from dsr.models import (
    AttachmentKind,
    Event,
    EventKind,
    InboundMail,
    InboundStatus,
    MailSettings,
    Message,
    OutboundEmail,
    ReceivedAtSource,
    Status,
)
from tests.dsr.mail import mail_helpers as mails

pytestmark = pytest.mark.django_db


def _sent_to_subject(request) -> OutboundEmail:
    """The desk's last mail to the subject; an officer writes one if there is none yet."""
    sent = OutboundEmail.objects.filter(request=request, to=request.subject_email)
    if not sent.exists():
        officer = request.organization.memberships.filter(role="officer").first().user
        workflow.request_message_subject(
            request=request, body="Wij hebben uw verzoek ontvangen.", actor=workflow_actor(officer)
        )
    return sent.latest("pk")


def test_a_plain_request_becomes_one_inbox_item_with_guesses_and_the_original(organization):
    raw = mails.plain().as_bytes()

    outcome = mail_process(organization, raw)

    item = outcome.inbound
    assert outcome.status == InboundStatus.NEW and not outcome.duplicate
    assert item.sender_address == mails.SUBJECT_ADDRESS and item.sender_name == "Jan Peeters"
    assert "inzage in mijn persoonsgegevens" in item.body_text
    assert item.received_at_source == ReceivedAtSource.PIPE
    assert item.language_guess == "nl" and "access" in item.rights_guess
    # Stored encrypted: the file on disk is not the message, its decryption is.
    with item.original.open("rb") as handle:
        stored = handle.read()
    assert raw not in stored and crypto.decrypt(stored) == raw == inbound_read(item)
    assert (
        Event.objects.filter(organization=organization, kind=EventKind.MAIL_RECEIVED).count() == 1
    )


def test_the_same_message_twice_is_recorded_once(organization):
    raw = mails.plain().as_bytes()
    first = mail_process(organization, raw)
    # Delivered again (a second copy with one more Received header): the same Message-ID.
    again = mail_process(organization, b"Received: by mx2.example; Mon, 30 Nov 2026\r\n" + raw)

    assert again.duplicate and again.inbound.pk == first.inbound.pk
    assert InboundMail.objects.count() == 1


def test_a_message_without_message_id_is_recorded_once_by_its_bytes(organization):
    message = mails.plain()
    del message["Message-ID"]
    raw = message.as_bytes()
    assert not mail_process(organization, raw).duplicate
    assert mail_process(organization, raw).duplicate
    assert InboundMail.objects.count() == 1


def test_files_are_checked_like_uploads_and_the_rest_stays_in_the_original(organization):
    outcome = mail_process(organization, mails.with_pdf().as_bytes())

    files = {f.original_name: f for f in outcome.inbound.attachments.all()}
    assert files["identiteitskaart.pdf"].accepted
    assert files["identiteitskaart.pdf"].content_type == "application/pdf"
    assert not files["brief.docx"].accepted and not files["brief.docx"].file
    assert "PDF, JPEG and PNG" in files["brief.docx"].refusal
    assert {"code": "attachment_refused", "name": "brief.docx"} in outcome.inbound.problems
    assert b"not really a word file" not in b"".join(
        f.file.open("rb").read() for f in files.values() if f.file
    )


def test_an_html_only_mail_is_reduced_to_safe_text(organization):
    message = mails.html_only(subject="Demande d'accès à mes données personnelles")
    item = mail_process(organization, message.as_bytes()).inbound

    assert item.body_from_html
    assert "droit d'accès" in item.body_text
    assert "<" not in item.body_text and "alert(1)" not in item.body_text
    assert item.language_guess == "fr" and "access" in item.rights_guess


def test_a_reply_to_a_desk_mail_is_the_answer_and_the_clock_resumes(
    organization, make_request, officer_actor
):
    request = make_request(subject_email=mails.SUBJECT_ADDRESS)
    request = workflow.request_ask_information(
        request=request, message="Stuur ons een kopie van uw identiteitskaart.", actor=officer_actor
    )
    assert request.status == Status.AWAITING_SUBJECT
    sent = _sent_to_subject(request)
    assert sent.message_id and request.reference in sent.subject
    reply = mails.with_pdf(
        subject=f"Re: {sent.subject}",
        body="Hierbij mijn identiteitskaart.",
        headers={"In-Reply-To": sent.message_id, "References": sent.message_id},
    )

    outcome = mail_process(organization, reply.as_bytes())

    request.refresh_from_db()
    assert outcome.status == InboundStatus.REPLY
    assert list(outcome.inbound.requests.all()) == [request]
    assert request.status == Status.IDENTITY_CHECK and request.paused_since is None
    answer = request.messages.get(direction=Message.Direction.FROM_SUBJECT)
    assert answer.kind == Message.Kind.ANSWER and "identiteitskaart" in answer.body
    kinds = sorted(request.attachments.values_list("kind", "content_type"))
    assert (AttachmentKind.ORIGINAL_EMAIL, "message/rfc822") in kinds
    # Sent while identity was being checked: identity proof (destroyed with the decision).
    assert (AttachmentKind.IDENTITY_PROOF, "application/pdf") in kinds
    assert [a.content_type for a in answer.attachments.all()] == ["application/pdf"]
    assert request.events.filter(kind=EventKind.INFORMATION_RECEIVED).count() == 1
    assert not InboundMail.objects.filter(status=InboundStatus.NEW).exists()


def test_a_reply_by_reference_in_the_subject_is_a_message_on_the_timeline(
    organization, make_request
):
    request = make_request(subject_email=mails.SUBJECT_ADDRESS)
    django_mail.outbox.clear()
    reply = mails.plain(subject=f"Vraag over {request.reference.lower()}", body="Nog een vraag.")

    outcome = mail_process(organization, reply.as_bytes())

    assert outcome.status == InboundStatus.REPLY
    message = request.messages.get(direction=Message.Direction.FROM_SUBJECT)
    assert message.kind == Message.Kind.MESSAGE and message.body == "Nog een vraag."
    assert request.events.filter(kind=EventKind.MAIL_REPLY_RECEIVED).count() == 1
    told = OutboundEmail.objects.filter(template="subject_mailed", request=request)
    assert told.exists()


def test_an_out_of_office_reply_never_becomes_an_inbox_item(organization, make_request):
    request = make_request(subject_email=mails.SUBJECT_ADDRESS)
    sent = _sent_to_subject(request)
    outcome = (
        mail_process(organization, mails.out_of_office(headers_in_reply=None).as_bytes())
        if False
        else mail_process(
            organization,
            mails.plain(
                subject="Automatisch antwoord: " + sent.subject,
                body="Ik ben afwezig.",
                headers={"Auto-Submitted": "auto-replied", "In-Reply-To": sent.message_id},
            ).as_bytes(),
        )
    )
    assert outcome.status == InboundStatus.AUTO_REPLY
    assert not request.messages.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    # An out-of-office subject line alone is enough, and Precedence: bulk too.
    assert mail_process(organization, mails.plain(subject="Out of office").as_bytes()).status == (
        InboundStatus.AUTO_REPLY
    )
    bulk = mails.plain(subject="Nieuwsbrief", headers={"Precedence": "bulk"})
    assert mail_process(organization, bulk.as_bytes()).status == InboundStatus.AUTO_REPLY
    assert not InboundMail.objects.filter(status=InboundStatus.NEW).exists()


def test_a_bounce_marks_the_mail_undeliverable_and_tells_the_assignee(
    organization, make_request, officer
):
    request = make_request(subject_email=mails.SUBJECT_ADDRESS)
    workflow.request_assign(request=request, assignee=officer, actor=workflow_actor(officer))
    sent = _sent_to_subject(request)

    outcome = mail_process(organization, mails.bounce(sent.message_id))

    sent.refresh_from_db()
    assert outcome.status == InboundStatus.BOUNCE
    assert sent.undeliverable_at is not None and "5.1.1" in sent.undeliverable_reason
    assert request.events.filter(kind=EventKind.MAIL_BOUNCED).count() == 1
    told = OutboundEmail.objects.get(template="email_bounced", request=request)
    assert told.to == officer.email
    assert not InboundMail.objects.filter(status=InboundStatus.NEW).exists()


def workflow_actor(user):
    from dsr import audit

    return audit.Actor.for_user(user)


def test_our_own_mail_coming_back_is_a_loop(organization, make_request):
    request = make_request(subject_email="privacy@openmotics.example")
    sent = _sent_to_subject(request)
    emails.email_send(sent.pk)
    (delivered,) = [m for m in django_mail.outbox if m.to == ["privacy@openmotics.example"]]

    outcome = mail_process(organization, delivered.message().as_bytes())

    assert outcome.status == InboundStatus.LOOP
    assert not InboundMail.objects.filter(status=InboundStatus.NEW).exists()


def test_malformed_mime_is_recorded_with_what_could_be_read(organization):
    outcome = mail_process(organization, mails.malformed())

    item = outcome.inbound
    assert outcome.status == InboundStatus.NEW
    assert any(problem["code"] == "malformed" for problem in item.problems)
    assert inbound_read(item) == mails.malformed()
    # Garbage that is not a message at all is still recorded, never raised.
    assert mail_process(organization, b"\x00\xff\xfe garbage \r\n\r\n\x80").status == (
        InboundStatus.NEW
    )
    # NUL characters anywhere (PostgreSQL's text refuses them): recorded without them.
    nul = mails.plain(subject="Inzage\x00", body="Mijn\x00 gegevens").as_bytes()
    nul = nul.replace(b"From: Jan", b"From: J\x00an")
    item = mail_process(organization, nul).inbound
    assert "\x00" not in item.subject + item.body_text + item.sender_name
    assert inbound_read(item) == nul


def test_only_our_own_servers_received_header_dates_the_receipt(organization):
    MailSettings.objects.create(
        organization=organization, own_server_hostnames="mx.openmotics.example\n"
    )
    real = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    forged = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    raw = mails.forged_received(
        own_host="mx.openmotics.example", real_date=real, forged_date=forged
    )

    item = mail_process(organization, raw).inbound

    # The sender's headers below ours (one even naming our host, with an earlier date)
    # count for nothing: the topmost header of our own server does.
    assert item.received_at == real and item.received_at_source == ReceivedAtSource.RECEIVED_HEADER
    assert item.received_at_host == "mx.openmotics.example"


def test_without_our_server_the_imap_internal_date_counts(organization):
    forged = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    internal = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    raw = mails.forged_received(
        own_host="mx.elsewhere.example", real_date=forged, forged_date=forged
    )
    item = mail_process(organization, raw, internal_date=internal).inbound
    assert item.received_at == internal
    assert item.received_at_source == ReceivedAtSource.IMAP_INTERNAL_DATE


def _pipe(monkeypatch, raw: bytes, slug: str = "openmotics") -> tuple[int, str, str]:
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    monkeypatch.setattr(sys, "stdin", stdin)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("receive_email", organization=slug, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_pipe_records_a_message_once(organization, monkeypatch):
    raw = mails.with_pdf().as_bytes()
    assert _pipe(monkeypatch, raw)[0] == 0
    code, out, _ = _pipe(monkeypatch, raw)
    assert code == 0 and "recorded before" in out
    assert InboundMail.objects.count() == 1
    assert _pipe(monkeypatch, raw, slug="nobody")[0] == 67


def test_the_pipe_refuses_a_message_over_the_limit_and_keeps_its_headers(
    organization, monkeypatch, settings
):
    settings.MAIL_MAX_BYTES = 1024 * 1024
    raw = mails.large(2 * 1024 * 1024)

    code, _, err = _pipe(monkeypatch, raw)

    assert code == 65 and "larger than the desk's limit" in err
    item = InboundMail.objects.get()
    assert item.status == InboundStatus.NEW and item.original_truncated
    assert item.original_size == len(raw)
    assert {"code": "too_large", "size": len(raw)} in item.problems
    assert item.subject == "Bijlagen bij mijn inzageverzoek"
    assert len(inbound_read(item)) < 10_000


def test_the_request_page_shows_the_date_of_receipt_and_its_source(
    organization, officer, desk_client
):
    from django.urls import reverse

    from dsr.inbox.services import inbox_convert

    MailSettings.objects.create(
        organization=organization, own_server_hostnames="mx.openmotics.example"
    )
    real = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    raw = mails.forged_received(own_host="mx.openmotics.example", real_date=real, forged_date=real)
    item = mail_process(organization, raw).inbound
    (request,) = inbox_convert(
        item=item,
        user=officer,
        rights=["erasure"],
        language="nl",
        subject_name="Jan Peeters",
        subject_email=mails.SUBJECT_ADDRESS,
    )
    assert request.received_at == real

    page = desk_client(officer).get(reverse("desk:request", args=[request.reference]))

    html = page.content.decode()
    assert "Received header of our mail server: mx.openmotics.example" in html
