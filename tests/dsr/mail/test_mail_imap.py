"""The IMAP poll against a real Dovecot over TLS (tests/conftest.py `imap_server`):
messages appended to the server, read by the desk, recorded once, moved once."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime

import pytest

from dsr import workflow
from dsr.mail.imap import MailboxError, mailbox_poll, mailbox_test
from dsr.mail.receive import inbound_read, mail_process
from dsr.models import (
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

pytestmark = [pytest.mark.django_db, pytest.mark.imap]


@pytest.fixture
def mailbox(organization, imap_server, settings):
    return mails.mailbox_for(organization, imap_server, settings)


def test_every_kind_of_message_from_a_real_mailbox(
    organization, mailbox, imap_server, make_request, officer_actor
):
    MailSettings.objects.create(
        organization=organization, own_server_hostnames="mx.openmotics.example"
    )
    request = make_request(subject_email=mails.SUBJECT_ADDRESS)
    workflow.request_ask_information(request=request, message="Uw adres?", actor=officer_actor)
    asked = OutboundEmail.objects.filter(request=request, to=mails.SUBJECT_ADDRESS).latest("pk")
    real = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    internal = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    mails.append(
        imap_server,
        mailbox.folder,
        mails.plain(),
        mails.with_pdf(subject="Verwijdering", body="Verwijder mijn gegevens aub."),
        mails.html_only(subject="Demande d'accès à mes données personnelles"),
        mails.plain(
            subject=f"Re: {asked.subject}",
            body="Mijn adres is Kerkstraat 1.",
            headers={"In-Reply-To": asked.message_id},
        ),
        mails.out_of_office(),
        mails.bounce(asked.message_id),
        mails.malformed(),
        mails.forged_received(
            own_host="mx.openmotics.example",
            real_date=real,
            forged_date=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        when=internal,
    )

    result = mailbox_poll(mailbox)

    assert result.recorded == 8 and result.failed == 0 and result.moved == 8
    assert mails.folder_count(imap_server, mailbox.folder) == 0
    assert mails.folder_count(imap_server, mailbox.processed_folder) == 8
    statuses = sorted(InboundMail.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [InboundStatus.NEW] * 5
        + [InboundStatus.REPLY, InboundStatus.AUTO_REPLY, InboundStatus.BOUNCE]
    )
    request.refresh_from_db()
    assert request.status == Status.IDENTITY_CHECK  # the reply was the answer
    assert request.messages.filter(
        direction=Message.Direction.FROM_SUBJECT, body__contains="Kerkstraat"
    ).exists()
    assert request.events.filter(kind=EventKind.MAIL_BOUNCED).exists()
    forged = InboundMail.objects.get(subject="Verwijder mijn gegevens")
    assert forged.received_at == real
    assert forged.received_at_source == ReceivedAtSource.RECEIVED_HEADER
    plain = InboundMail.objects.get(subject="Inzage in mijn gegevens")
    assert plain.received_at == internal
    assert plain.received_at_source == ReceivedAtSource.IMAP_INTERNAL_DATE
    assert plain.uid is not None and plain.uidvalidity == mailbox.uidvalidity
    pdf_item = InboundMail.objects.get(subject="Verwijdering")
    assert pdf_item.attachments.filter(accepted=True, content_type="application/pdf").count() == 1
    malformed = InboundMail.objects.get(message_id="<malformed-1@example.be>")
    assert any(p["code"] == "malformed" for p in malformed.problems)

    # Polling again finds nothing new; appending the same message again records nothing.
    mails.append(imap_server, mailbox.folder, inbound_read(plain))
    again = mailbox_poll(mailbox)
    assert again.recorded == 0 and again.duplicates == 1 and again.moved == 1
    assert InboundMail.objects.count() == 8


def test_a_message_recorded_before_a_crash_is_only_moved(organization, mailbox, imap_server):
    """The crash window: recorded (committed) but not moved yet. The next poll moves it."""
    message = mails.plain()
    mails.append(imap_server, mailbox.folder, message)
    with mails.imap_connect(imap_server) as client:
        client.folder.set(mailbox.folder)
        (uid,) = client.uids("ALL")
        uidvalidity = int(client.folder.status(mailbox.folder)["UIDVALIDITY"])
    mail_process(
        organization, message.as_bytes(), mailbox=mailbox, uid=int(uid), uidvalidity=uidvalidity
    )

    result = mailbox_poll(mailbox)

    assert (result.recorded, result.duplicates, result.moved) == (0, 1, 1)
    assert InboundMail.objects.count() == 1
    assert mails.folder_count(imap_server, mailbox.folder) == 0


def test_a_25_mb_message_is_read_and_kept_whole(organization, mailbox, imap_server):
    raw = mails.large(25 * 1024 * 1024)
    assert len(raw) >= 25 * 1024 * 1024
    mails.append(imap_server, mailbox.folder, raw)

    tracemalloc.start()
    result = mailbox_poll(mailbox)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    item = InboundMail.objects.get()
    assert result.recorded == 1 and item.status == InboundStatus.NEW
    assert item.original_size == len(raw) and not item.original_truncated
    assert inbound_read(item) == raw
    # The scan is larger than 10 MB: refused as an upload, kept inside the original.
    (scan,) = item.attachments.all()
    assert not scan.accepted and "10 MB" in scan.refusal
    # A bounded number of copies of the message, not unbounded growth (docs/EMAIL.md).
    assert peak < 12 * len(raw), peak


def test_a_message_over_the_limit_is_recorded_by_its_headers_and_kept_in_the_mailbox(
    organization, mailbox, imap_server, settings
):
    settings.MAIL_MAX_BYTES = 2 * 1024 * 1024
    raw = mails.large(3 * 1024 * 1024)
    mails.append(imap_server, mailbox.folder, raw)

    result = mailbox_poll(mailbox)

    item = InboundMail.objects.get()
    assert result.recorded == 1 and item.original_truncated
    assert {"code": "too_large", "size": len(raw)} in item.problems
    assert len(inbound_read(item)) < 10_000
    # The whole message is still on the server, in the processed folder: the evidence.
    with mails.imap_connect(imap_server) as client:
        client.folder.set(mailbox.processed_folder)
        (uid,) = client.uids("ALL")
        _, data = client.client.uid("FETCH", uid, "(BODY.PEEK[])")
        assert data[0][1] == raw


def test_wrong_password_and_a_missing_folder_are_named_without_the_servers_text(
    organization, mailbox
):
    assert mailbox_test(mailbox) == ""
    folder = mailbox.folder
    mailbox.folder = "no-such-folder"
    assert mailbox_test(mailbox) == "the folder could not be opened"
    mailbox.folder = folder
    mailbox.set_secret("wrong password")
    assert mailbox_test(mailbox) == "the server refused the sign-in"
    with pytest.raises(MailboxError):
        mailbox_poll(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.last_error == "the server refused the sign-in"


def test_a_certificate_the_desk_does_not_trust_is_refused(organization, mailbox, settings):
    settings.EGRESS_CA_FILE = ""
    assert "TLS" in mailbox_test(mailbox) or "greeting" in mailbox_test(mailbox)


def test_the_settings_page_tests_the_connection(desk_client, manager, mailbox):
    from django.urls import reverse

    client = desk_client(manager)
    answer = client.post(reverse("desk:settings_mail_test"), follow=True)
    assert "Connected: the mailbox and its folder can be read." in answer.content.decode()
    mailbox.set_secret("wrong")
    mailbox.save()
    answer = client.post(reverse("desk:settings_mail_test"), follow=True)
    assert "the server refused the sign-in" in answer.content.decode()


class _Introspection:
    """The token introspection endpoint Dovecot asks on PORT+1 (.ci/imap-server): the edge
    of the world, standing in for Microsoft's or Google's token service."""

    def __init__(self, port: int, good_token: str, user: str) -> None:
        import http.server
        import json
        import threading
        from urllib.parse import parse_qs

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                token = (form.get("token") or [""])[0]
                auth = self.headers.get("Authorization", "")
                active = good_token in (token, auth.removeprefix("Bearer ").strip())
                body = json.dumps({"active": "true" if active else "false", "username": user})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_signing_in_with_an_oauth2_token(organization, mailbox, imap_server):
    from dsr.models import MailboxAuth

    endpoint = _Introspection(imap_server.port + 1, "good-access-token", imap_server.user)
    try:
        mailbox.auth = MailboxAuth.XOAUTH2
        mailbox.set_secret("good-access-token")
        mailbox.save()
        mails.append(imap_server, mailbox.folder, mails.plain())
        assert mailbox_test(mailbox) == ""
        assert mailbox_poll(mailbox).recorded == 1
        mailbox.set_secret("expired-token")
        assert mailbox_test(mailbox) == "the server refused the sign-in"
    finally:
        endpoint.close()
