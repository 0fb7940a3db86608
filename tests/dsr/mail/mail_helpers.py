"""Messages as mail programs send them, and a real IMAP connection to append them with.

The IMAP side uses the session's Dovecot (tests/conftest.py `imap_server`); each test gets
folders of its own, so tests never see each other's mail."""

from __future__ import annotations

import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

import imap_tools

from dsr.models import Mailbox, MailboxAuth
from tests.builders import blank_pdf

SUBJECT_ADDRESS = "jan.peeters@example.be"


def plain(
    *,
    sender: str = SUBJECT_ADDRESS,
    subject: str = "Inzage in mijn gegevens",
    body: str = "Beste, ik wil graag inzage in mijn persoonsgegevens. Met vriendelijke groet, Jan",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Jan Peeters <{sender}>"
    message["To"] = "privacy@openmotics.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime(2026, 11, 30, 9, 15, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.be")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def with_pdf(**kwargs) -> EmailMessage:
    message = plain(**kwargs)
    message.add_attachment(
        blank_pdf(), maintype="application", subtype="pdf", filename="identiteitskaart.pdf"
    )
    message.add_attachment(
        b"PK\x03\x04 not really a word file",
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="brief.docx",
    )
    return message


def html_only(**kwargs) -> EmailMessage:
    message = plain(**kwargs)
    message.set_content(
        "<html><body><p>Je voudrais exercer mon <b>droit d'acc&egrave;s</b> &agrave; mes "
        "donn&eacute;es.</p><script>alert(1)</script><img src='https://tracker.example/x.png' "
        "alt=''></body></html>",
        subtype="html",
    )
    return message


def out_of_office(**kwargs) -> EmailMessage:
    kwargs.setdefault("subject", "Automatisch antwoord: uw aanvraag")
    kwargs.setdefault("body", "Ik ben afwezig tot maandag.")
    return plain(headers={"Auto-Submitted": "auto-replied"}, **kwargs)


def bounce(original_message_id: str, *, to: str = SUBJECT_ADDRESS) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes it."""
    boundary = "bounce-" + uuid.uuid4().hex
    return (
        f"From: MAILER-DAEMON@mx.openmotics.example (Mail Delivery System)\r\n"
        f"To: privacy@openmotics.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mx.openmotics.example>\r\n"
        f"Auto-Submitted: auto-replied\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        f"\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.openmotics.example\r\n\r\n"
        f"Final-Recipient: rfc822; {to}\r\n"
        f"Action: failed\r\n"
        f"Status: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: privacy@openmotics.example\r\n"
        f"To: {to}\r\n"
        f"Message-ID: {original_message_id}\r\n"
        f"Subject: Your request\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def malformed() -> bytes:
    return (
        b"From: =?utf-8?q?broken <weird@@example..com\r\n"
        b"Subject: =?x-unknown?b?!!!?=\r\n"
        b"Message-ID: <malformed-1@example.be>\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"--never-closed\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Ik wil dat jullie mijn gegevens verwijderen =E9=XX=\r\n"
        b"--never-closed\r\n"
        b'Content-Type: application/pdf; name="x.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"JVBERi0xLjQK%%%%not base64 at all\r\n"
    )


def forged_received(*, own_host: str, real_date: datetime, forged_date: datetime) -> bytes:
    """Our own server's header on top, a forged one below it claiming an earlier date, and
    a forged one claiming to be from our own host below that (added by the sender)."""
    body = plain(subject="Verwijder mijn gegevens", body="Verwijder al mijn gegevens.").as_bytes()
    return (
        f"Received: from mail.example.be (mail.example.be [192.0.2.10])\r\n"
        f"\tby {own_host} (Postfix) with ESMTPS id 4AB12\r\n"
        f"\tfor <privacy@openmotics.example>; {format_datetime(real_date)}\r\n"
        f"Received: from attacker by smtp.example.net; {format_datetime(forged_date)}\r\n"
        f"Received: from attacker by {own_host}; {format_datetime(forged_date)}\r\n"
    ).encode() + body


def large(size: int) -> bytes:
    """A message of about `size` bytes: a PDF attachment padded to the size."""
    message = plain(subject="Bijlagen bij mijn inzageverzoek")
    padding = b"%" + b"x" * 78 + b"\n"
    pdf = blank_pdf()
    count = max(0, (size * 3 // 4 - len(pdf)) // len(padding))
    content = pdf + padding * count
    message.add_attachment(content, maintype="application", subtype="pdf", filename="scan.pdf")
    return message.as_bytes(policy=SMTP)


def as_bytes(message: EmailMessage | bytes) -> bytes:
    """With CRLF line ends, as on the wire and as an IMAP server stores it."""
    return message if isinstance(message, bytes) else message.as_bytes(policy=SMTP)


def imap_connect(server) -> imap_tools.MailBox:
    context = ssl.create_default_context(cafile=server.ca_file)
    return imap_tools.MailBox(server.host, server.port, ssl_context=context).login(
        server.user, server.password, initial_folder=None
    )


def mailbox_for(organization, server, settings) -> Mailbox:
    """A Mailbox on the test server with folders of its own, the policy set to allow it."""
    settings.EGRESS_ALLOW = ["127.0.0.0/8", "::1/128"]
    settings.EGRESS_CA_FILE = server.ca_file
    name = "t" + uuid.uuid4().hex[:12]
    with imap_connect(server) as client:
        client.folder.create(name)
    mailbox = Mailbox(
        organization=organization,
        enabled=True,
        host=server.host,
        port=server.port,
        username=server.user,
        auth=MailboxAuth.PASSWORD,
        folder=name,
        processed_folder=name + "-done",
    )
    mailbox.set_secret(server.password)
    mailbox.save()
    return mailbox


def append(server, folder: str, *messages: EmailMessage | bytes, when: datetime | None = None):
    with imap_connect(server) as client:
        for message in messages:
            client.append(as_bytes(message), folder, dt=when)


def folder_count(server, folder: str) -> int:
    with imap_connect(server) as client:
        return int(client.folder.status(folder, ["MESSAGES"])["MESSAGES"])
