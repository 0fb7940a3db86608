"""Inbox items for the desk's tests: a real RFC 822 message (built with the standard
library), stored encrypted as the intake stores it, with the guess of dsr/inbox/guess.py.

The mail intake's own tests (IMAP, pipe) make items through `mail_process`; these tests are
about what the desk does with an item once it is there."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Organization
from dsr import crypto
from dsr.attachments import file_check
from dsr.inbox.guess import guess_message, html_to_text
from dsr.models import InboundAttachment, InboundMail, ReceivedAtSource


def inbound_item(
    organization: Organization,
    *,
    sender: str = "sanne.devries@example.nl",
    sender_name: str = "Sanne de Vries",
    subject: str = "Inzage en verwijderen",
    body: str = "Beste,\n\nIk wil inzage in mijn gegevens en daarna alles verwijderen.\n\nSanne",
    html: str | None = None,
    received_at: datetime | None = None,
    files: list[tuple[str, bytes]] = (),
    status: str = "new",
) -> InboundMail:
    received_at = received_at or timezone.now() - timedelta(days=2, hours=3)
    message = EmailMessage()
    message["From"] = f"{sender_name} <{sender}>"
    message["To"] = organization.privacy_email
    message["Subject"] = subject
    message["Date"] = format_datetime(received_at)
    message["Message-ID"] = make_msgid(domain="example.nl")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content in files:
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=name
        )
    raw = message.as_bytes()
    text = html_to_text(html) if html is not None and not body else body
    item = InboundMail(
        organization=organization,
        message_id=message["Message-ID"],
        message_key=message["Message-ID"].strip("<>").lower(),
        received_at=received_at,
        received_at_source=ReceivedAtSource.PIPE,
        sender_address=sender,
        sender_name=sender_name,
        to_addresses=organization.privacy_email,
        subject=subject,
        body_text=text,
        body_from_html=html is not None and not body,
        original_size=len(raw),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        status=status,
        **guess_message(subject=subject, text=text).inbound_fields(),
    )
    item.original.save(f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(raw)), save=False)
    item.save()
    for name, content in files:
        checked = file_check(content, name, sanitise=True)
        attachment = InboundAttachment(
            inbound=item,
            original_name=checked.name,
            declared_type="application/octet-stream",
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=hashlib.sha256(checked.content).hexdigest(),
            accepted=True,
        )
        attachment.file.save(
            f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(checked.content)), save=False
        )
        attachment.save()
    return item
