"""E-mail to subjects and staff: rendered and stored first, sent by the worker.

Each mail is three templates under `templates/emails/<name>/`: `subject.txt`,
`body.txt` and `body.html` (autoescaped), rendered in the recipient's language.
`email_queue` stores an `OutboundEmail` and enqueues its sending when the
transaction commits; `email_send` is idempotent, and a sweep re-enqueues mails a
lost broker message left unsent.

The e-mail channel (docs/EMAIL.md): a mail about a request carries the request's
reference in its subject line; every mail gets a Message-ID the desk stores
(`OutboundEmail.message_id`), so a reply's In-Reply-To and a bounce find the request;
`From`/`Reply-To` come from the organisation's MailSettings, with the platform sender
(DEFAULT_FROM_EMAIL) as fallback.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Organization
from dsr import broker
from dsr.letters.stored import letter_read
from dsr.models import MailSettings, OutboundEmail, Request

log = logging.getLogger(__name__)


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of `templates/emails/<template>/` in `language`."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    # A subject is one line, whatever the template or the data put in it.
    subject = " ".join(subject.split())[:300]
    return subject, text, html


def email_queue(
    *,
    template: str,
    to: str,
    context: dict[str, Any],
    language: str,
    organization: Organization | None = None,
    request: Request | None = None,
) -> OutboundEmail:
    """Render and store a mail, and send it from the worker once the transaction commits."""
    subject, text, html = render(template, context, language)
    organization = organization or (request.organization if request else None)
    if request is not None and request.reference not in subject:
        subject = f"{subject} [{request.reference}]"[:300]
    from_email, reply_to = sender(organization)
    email = OutboundEmail.objects.create(
        organization=organization,
        request=request,
        template=template,
        to=to,
        reply_to=reply_to,
        from_email=from_email,
        message_id=new_message_id(),
        subject=subject,
        text_body=text,
        html_body=html,
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _single_line(value: str) -> str:
    return " ".join((value or "").split())


def sender(organization: Organization | None) -> tuple[str, str]:
    """(From, Reply-To) for a mail of `organization`: its sender settings, else the
    platform sender with the organisation's privacy address as Reply-To."""
    mail_settings = (
        MailSettings.objects.filter(organization=organization).first() if organization else None
    )
    privacy = organization.privacy_email if organization else ""
    if mail_settings is not None and mail_settings.from_address:
        from_email = formataddr(
            (_single_line(mail_settings.from_name), _single_line(mail_settings.from_address))
        )
        reply_to = mail_settings.reply_to_address or mail_settings.from_address
        return from_email, _single_line(reply_to)
    reply_to = (mail_settings.reply_to_address if mail_settings else "") or privacy
    return settings.DEFAULT_FROM_EMAIL, _single_line(reply_to)


def new_message_id() -> str:
    """A Message-ID ("<...@host>", lower case) the desk remembers for a mail it sends."""
    domain = urlsplit(settings.SITE_URL).hostname or "dsr-desk.invalid"
    return make_msgid(domain=domain).lower()


def _enqueue(email_id: int) -> None:
    """Hand the mail to the broker; if the broker is down the sweep sends it later."""
    broker.enqueue(
        "dsr.tasks.email_send",
        email_id,
        on_unreachable=lambda: OutboundEmail.objects.filter(
            pk=email_id, sent_at__isnull=True
        ).update(enqueue_failed_at=timezone.now()),
    )


def email_send(email_id: int) -> bool:
    """Send one stored mail unless it was sent already. Returns True when it is sent.

    A failure is recorded on the row (attempts, last error) and then raised, so the
    task can retry; the row lock keeps two workers from sending the same mail."""
    failure: Exception | None = None
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return email is not None
        if not email.message_id:  # stored before the desk remembered Message-IDs
            email.message_id = new_message_id()
            email.save(update_fields=["message_id"])
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text_body,
            from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            # X-DSR-Desk: a mail of ours that comes back into a mailbox we read is a loop.
            headers={"Message-ID": email.message_id, "X-DSR-Desk": "1"},
        )
        message.attach_alternative(email.html_body, "text/html")
        if email.letter_id is not None:
            # A letter goes as its stored, signed PDF, read (and decrypted) only now.
            message.attach(email.letter.file_name, letter_read(email.letter), "application/pdf")
        email.attempts += 1
        email.enqueue_failed_at = None  # it reached a worker
        try:
            message.send()
        except Exception as exc:
            failure = exc
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.save(update_fields=["attempts", "last_error", "enqueue_failed_at"])
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "last_error", "enqueue_failed_at", "sent_at"])
    if failure is not None:
        raise failure
    return True


def unsent(older_than: timedelta = timedelta(minutes=5)):
    """Mails still unsent some minutes after they were stored: their task was lost."""
    return OutboundEmail.objects.filter(
        sent_at__isnull=True, created_at__lt=timezone.now() - older_than
    ).order_by("created_at")
