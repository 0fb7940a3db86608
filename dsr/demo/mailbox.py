"""iLumen's privacy mailbox in the demo: a dozen real messages through the real intake.

The messages are RFC 822 files under dsr/demo/mailbox/ (Dutch and English: requests for
access, erasure, rectification, restriction, portability, objection and opt-out, a question
and an invoice query that are not requests, an HTML-only mail with an inline image, a reply
to the desk about an existing request, an out-of-office reply). At demo load each is handed
to `dsr.mail.receive.mail_process`, the function the MTA pipe and the IMAP poll call, so the
desk shows what the product itself makes of them; no mail server is needed.

Each file carries the `Received:` header of iLumen's own mail server (mx.ilumen.be, set as
iLumen's server in its mail settings), dated a few days before the load, so the inbox shows
dates of receipt read from that header. `@@...@@` marks what is filled in at load: the dates
and, for the reply, a real demo request's reference and subject. Loading twice adds nothing
(the intake records each Message-ID once).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from email.utils import format_datetime, formataddr
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Organization, User
from dsr.inbox import services as inbox_services
from dsr.mail.receive import mail_process
from dsr.models import Channel, InboundStatus, MailSettings, Request, Status

FOLDER = Path(__file__).resolve().parent / "mailbox"
ORGANIZATION = "ilumen"
OWN_SERVER = "mx.ilumen.be"
# When each message reached mx.ilumen.be: (days before the load, local time).
RECEIVED = {
    "01-inzage-en-verwijderen.eml": (2, time(8, 47)),
    "02-uitschrijven.eml": (6, time(7, 12)),
    "03-subject-access-request.eml": (4, time(21, 3)),
    "04-iLusmart-account-verwijderen.eml": (3, time(13, 30)),
    "05-objection-marketing.eml": (1, time(18, 55)),
    "06-vraag-installateur.eml": (5, time(10, 4)),
    "07-invoice-question.eml": (8, time(9, 41)),
    "08-adres-onjuist.eml": (2, time(16, 20)),
    "09-productiegegevens-html.eml": (1, time(11, 8)),
    "10-antwoord-op-verzoek.eml": (1, time(9, 26)),
    "11-out-of-office.eml": (3, time(6, 0)),
    "12-beperking-verwerking.eml": (0, time(7, 35)),
    "13-delete-account-english.eml": (7, time(14, 2)),
}
# Decided already, to show the "Decided" list: (file, reason for "not a request").
NOT_A_REQUEST = {
    "07-invoice-question.eml": "Invoice question (VAT rate): forwarded to accounting.",
}


def _replied_request(organization: Organization) -> Request | None:
    """The demo request the subject answers by e-mail: one in progress, asked by e-mail."""
    return (
        Request.objects.filter(
            organization=organization,
            status=Status.IN_PROGRESS,
            channel=Channel.EMAIL,
        )
        .exclude(subject_email="")
        .order_by("received_at", "pk")
        .first()
    )


def message_bytes(name: str, *, now: datetime, request: Request | None = None) -> bytes:
    """The file `name` with its dates (and the replied request) filled in."""
    zone = ZoneInfo("Europe/Brussels")
    days, moment = RECEIVED[name]
    received = datetime.combine(now.astimezone(zone).date() - timedelta(days=days), moment, zone)
    received = min(received, now - timedelta(minutes=5))
    text = (FOLDER / name).read_text(encoding="utf-8")
    text = text.replace("@@RECEIVED@@", format_datetime(received))
    text = text.replace("@@SENT@@", format_datetime(received - timedelta(minutes=2)))
    if "@@REFERENCE@@" in text:
        if request is None:
            return b""
        text = text.replace("@@REFERENCE@@", request.reference)
        text = text.replace("@@FROM@@", formataddr((request.subject_name, request.subject_email)))
        text = text.replace("@@SUBJECT_NAME@@", request.subject_name)
    # RFC 5322 lines end in CRLF, as a mail server delivers them.
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def load() -> dict[str, int]:
    """Deliver iLumen's demo mails to the desk (once); counts of what the intake made."""
    organization = Organization.objects.filter(slug=ORGANIZATION).first()
    if organization is None:
        return {}
    settings, _ = MailSettings.objects.get_or_create(organization=organization)
    if OWN_SERVER not in settings.hostnames:
        settings.own_server_hostnames = "\n".join([*settings.hostnames, OWN_SERVER])
        settings.save(update_fields=["own_server_hostnames", "updated_at"])
    now = timezone.now()
    replied = _replied_request(organization)
    counts: dict[str, int] = {}
    for name in sorted(RECEIVED):
        raw = message_bytes(name, now=now, request=replied)
        if not raw:
            continue
        outcome = mail_process(organization, raw)
        if outcome.duplicate:
            continue
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        reason = NOT_A_REQUEST.get(name)
        if reason and outcome.inbound.status == InboundStatus.NEW:
            officer = (
                User.objects.filter(
                    memberships__organization=organization, memberships__role="officer"
                )
                .order_by("email")
                .first()
            )
            if officer is not None:
                inbox_services.inbox_not_request(item=outcome.inbound, user=officer, reason=reason)
    return counts
