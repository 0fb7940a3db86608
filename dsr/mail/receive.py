"""One received message, recorded exactly once and put where it belongs (docs/EMAIL.md).

`mail_process(organization, raw, ...)` is the one entry for both ways mail arrives (the
IMAP poll, dsr/mail/imap.py, and the MTA pipe, `manage.py receive_email`). It:

1. reads the message (dsr/mail/parse.py; malformed MIME is noted, never raised);
2. returns at once if the message is already recorded (same Message-ID in this
   organisation, or same mailbox UID): the caller just moves it to the processed folder;
3. dates its receipt: the topmost `Received:` header added by one of the organisation's
   own servers (MailSettings.own_server_hostnames), else the IMAP internal date, else
   (the pipe) the moment of delivery;
4. classifies it, in this order: a mail loop (our own Message-ID or our X-DSR-Desk
   header), a bounce (a delivery report or a mailer-daemon failure), an auto-reply
   (Auto-Submitted, Precedence bulk/junk/list, X-Autoreply, an out-of-office subject), a
   reply on a request (In-Reply-To/References naming a mail the desk sent for one of
   this organisation's requests, or the organisation's request reference in the subject
   line, in both cases from the request's own subject address), otherwise a new inbox
   item with the inbox's guesses (dsr/inbox/guess.py);
5. stores the original encrypted and the files it carries, checked like uploads
   (dsr/attachments.file_check, as from a subject); refused files stay only in the
   original;
6. inserts the InboundMail row under its unique constraints and makes the changes that
   follow (the reply on the request's timeline, the bounce on the sent mail) in the same
   transaction, with their Events. A concurrent second insert fails on the constraint
   and is reported as a duplicate, its files removed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.models import Organization
from dsr import audit, crypto, emails, workflow
from dsr.attachments import AttachmentRejected, attachment_store, file_check
from dsr.mail.parse import ParsedMail, is_auto_reply, is_bounce, mail_parse, received_by_own_server
from dsr.models import (
    Attachment,
    AttachmentKind,
    EventKind,
    InboundAttachment,
    InboundMail,
    InboundStatus,
    Mailbox,
    MailSettings,
    Message,
    OutboundEmail,
    ReceivedAtSource,
    Request,
    Status,
)

log = logging.getLogger(__name__)

SUBJECT = audit.Actor.subject()
SYSTEM = audit.Actor.system("mail intake")


@dataclass
class MailOutcome:
    """What became of a message: its row (None only for a duplicate raced away) and
    whether it had been recorded before this call."""

    inbound: InboundMail | None
    status: str
    duplicate: bool = False


def message_key(parsed: ParsedMail, raw: bytes) -> str:
    return parsed.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def _already(
    organization: Organization, key: str, mailbox: Mailbox | None, uidvalidity, uid
) -> InboundMail | None:
    same = Q(organization=organization, message_key=key)
    if mailbox is not None and uid is not None:
        same |= Q(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
    return InboundMail.objects.filter(same).order_by("pk").first()


def own_hostnames(organization: Organization) -> list[str]:
    """The organisation's own mail servers (MailSettings), for `mail_process(hostnames=)`."""
    mail_settings = MailSettings.objects.filter(organization=organization).first()
    return mail_settings.hostnames if mail_settings else []


def _received_at(
    organization: Organization,
    parsed: ParsedMail,
    internal_date: datetime | None,
    hostnames: list[str] | None,
) -> tuple[datetime, str, str]:
    if hostnames is None:
        hostnames = own_hostnames(organization)
    found = received_by_own_server(parsed.received, hostnames)
    if found is not None:
        return found[0], ReceivedAtSource.RECEIVED_HEADER, found[1]
    if internal_date is not None:
        return internal_date, ReceivedAtSource.IMAP_INTERNAL_DATE, ""
    return timezone.now(), ReceivedAtSource.PIPE, ""


def _our_mail(organization: Organization, ids: list[str]) -> OutboundEmail | None:
    if not ids:
        return None
    return (
        OutboundEmail.objects.filter(organization=organization, message_id__in=ids)
        .select_related("request")
        .order_by("-created_at")
        .first()
    )


_REFERENCE = r"\b{prefix}-(\d{{4}})-(\d{{5,}})\b"


def _request_by_subject_line(organization: Organization, parsed: ParsedMail) -> Request | None:
    pattern = re.compile(_REFERENCE.format(prefix=re.escape(organization.reference_prefix)))
    match = pattern.search(parsed.subject.upper())
    if not match or not parsed.sender_address:
        return None
    reference = f"{organization.reference_prefix}-{match.group(1)}-{match.group(2)}"
    return Request.objects.filter(
        organization=organization,
        reference=reference,
        subject_email__iexact=parsed.sender_address,
    ).first()


def _classify(
    organization: Organization, parsed: ParsedMail
) -> tuple[str, Request | None, OutboundEmail | None]:
    """(status, request, the desk's mail it refers to)."""
    # Our own Message-IDs end in "@<the desk's host>>" (emails.new_message_id).
    ours = "@" + emails.new_message_id().rsplit("@", 1)[1]
    if parsed.loop_marker or (
        parsed.message_id.endswith(ours)
        and OutboundEmail.objects.filter(message_id=parsed.message_id).exists()
    ):
        return InboundStatus.LOOP, None, None
    if is_bounce(parsed):
        sent = _our_mail(organization, parsed.bounced_message_ids)
        return InboundStatus.BOUNCE, (sent.request if sent else None), sent
    referred = _our_mail(organization, parsed.in_reply_to + parsed.references)
    if is_auto_reply(parsed):
        return InboundStatus.AUTO_REPLY, None, referred
    if referred is not None and referred.request is not None:
        request = referred.request
        if request.subject_email and request.subject_email.lower() == parsed.sender_address:
            return InboundStatus.REPLY, request, referred
        # Someone else answers a mail we sent to the subject: the officer decides.
        return InboundStatus.NEW, None, referred
    request = _request_by_subject_line(organization, parsed)
    if request is not None:
        return InboundStatus.REPLY, request, None
    return InboundStatus.NEW, None, referred


def _store_encrypted(content: bytes, field_file) -> None:
    field_file.save(f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(content)), save=False)


def _guess(inbound: InboundMail) -> None:
    from dsr.inbox.guess import guess_message

    guess = guess_message(subject=inbound.subject, text=inbound.body_text)
    inbound.language_guess = guess.language.language
    inbound.rights_guess = list(dict.fromkeys(str(s.right) for s in guess.rights))
    inbound.guess_detail = guess.as_dict()


def mail_process(
    organization: Organization,
    raw: bytes,
    *,
    mailbox: Mailbox | None = None,
    uid: int | None = None,
    uidvalidity: int | None = None,
    internal_date: datetime | None = None,
    full_size: int | None = None,
    hostnames: list[str] | None = None,
) -> MailOutcome:
    """Record one received message once, classify it and act on it (module docstring).

    `raw` is the message as received. From IMAP, pass the `mailbox`, the message's `uid`,
    the folder's `uidvalidity` and the server's `internal_date`; from the pipe, none of
    them. `full_size` is set when `raw` holds only the headers of a message larger than
    settings.MAIL_MAX_BYTES: it is recorded as a new inbox item that says so. `hostnames`
    (from `own_hostnames`) saves a query per message when the caller reads many."""
    parsed = mail_parse(raw)
    key = message_key(parsed, raw)
    existing = _already(organization, key, mailbox, uidvalidity, uid)
    if existing is not None:
        return MailOutcome(existing, existing.status, duplicate=True)

    received_at, source, host = _received_at(organization, parsed, internal_date, hostnames)
    status, request, referred = _classify(organization, parsed)
    problems: list[dict] = []
    if full_size is not None:
        status, request = InboundStatus.NEW, None
        problems.append({"code": "too_large", "size": full_size})
    if parsed.defects:
        problems.append({"code": "malformed", "defects": parsed.defects})

    inbound = InboundMail(
        organization=organization,
        mailbox=mailbox,
        message_id=parsed.message_id,
        message_key=key,
        uidvalidity=uidvalidity if uid is not None else None,
        uid=uid,
        received_at=received_at,
        received_at_source=source,
        received_at_host=host,
        sender_address=parsed.sender_address,
        sender_name=parsed.sender_name,
        reply_address=parsed.reply_address,
        to_addresses="\n".join(parsed.to_addresses),
        subject=parsed.subject,
        body_text=parsed.text,
        body_from_html=parsed.from_html,
        in_reply_to=" ".join(parsed.in_reply_to)[:998],
        references=" ".join(parsed.references),
        original_size=full_size if full_size is not None else len(raw),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        original_truncated=full_size is not None,
        status=status,
        in_reply_to_email=referred,
    )
    if status == InboundStatus.NEW:
        try:
            _guess(inbound)
        except Exception:  # a guess is a suggestion: never a reason to lose a message
            log.exception("guessing failed for a message of organisation %s", organization.pk)

    files: list[InboundAttachment] = []
    if status in (InboundStatus.NEW, InboundStatus.REPLY):
        for mail_file in parsed.files:
            record = InboundAttachment(
                original_name=mail_file.name[:200],
                declared_type=mail_file.declared_type[:100],
                size=len(mail_file.content),
                sha256=hashlib.sha256(mail_file.content).hexdigest(),
            )
            try:
                checked = file_check(mail_file.content, mail_file.name, sanitise=True)
            except AttachmentRejected as refusal:
                record.refusal = str(refusal)
                problems.append({"code": "attachment_refused", "name": record.original_name})
            else:
                record.accepted = True
                record.original_name = checked.name
                record.content_type = checked.content_type
                _store_encrypted(checked.content, record.file)
            files.append(record)
    inbound.problems = problems
    _store_encrypted(raw, inbound.original)

    try:
        with transaction.atomic():
            inbound.save()
            for record in files:
                record.inbound = inbound
                record.save()
            if status == InboundStatus.NEW:
                audit.record(
                    organization=organization,
                    kind=EventKind.MAIL_RECEIVED,
                    actor=SYSTEM,
                    data={"inbound": inbound.pk, "received_at_source": source},
                    payload={"from": inbound.sender_address, "subject": inbound.subject},
                )
            elif status == InboundStatus.REPLY and request is not None:
                _reply_record(inbound, request, files)
            elif status == InboundStatus.BOUNCE and referred is not None:
                _bounce_record(inbound, referred, parsed.bounce_status)
    except IntegrityError:
        # Another process recorded it first (the unique constraints): nothing of ours stays.
        _files_delete(inbound, files)
        existing = _already(organization, key, mailbox, uidvalidity, uid)
        if existing is None:
            raise
        return MailOutcome(existing, existing.status, duplicate=True)
    except BaseException:
        _files_delete(inbound, files)
        raise
    return MailOutcome(inbound, status)


def _files_delete(inbound: InboundMail, files: list[InboundAttachment]) -> None:
    for field_file in [inbound.original, *(record.file for record in files)]:
        if field_file:
            field_file.storage.delete(field_file.name)


# -- what an inbound message puts on a request


def inbound_read(inbound: InboundMail) -> bytes:
    """The original message as received, decrypted."""
    with inbound.original.open("rb") as handle:
        return crypto.decrypt(handle.read())


def inbound_attachment_read(record: InboundAttachment) -> bytes:
    with record.file.open("rb") as handle:
        return crypto.decrypt(handle.read())


def inbound_attach_to_request(
    *, inbound: InboundMail, request: Request, actor: audit.Actor, kind: str = ""
) -> list[Attachment]:
    """Put the original message (kind ORIGINAL_EMAIL, message/rfc822, encrypted) and its
    accepted files (`kind`, correspondence by default) on `request`, each with its
    `attachment.added` Event. Call inside the transaction of the decision (the inbox's
    "turn into requests" and "link", a reply); returns the files (not the original)."""
    if request.organization_id != inbound.organization_id:
        raise PermissionError("The message belongs to another organisation.")
    raw = inbound_read(inbound)
    original = Attachment(
        request=request,
        kind=AttachmentKind.ORIGINAL_EMAIL,
        original_name=f"message-{inbound.pk}.eml",
        content_type="message/rfc822",
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        uploaded_by_subject=True,
    )
    _store_encrypted(raw, original.file)
    original.save()
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.ATTACHMENT_ADDED,
        actor=actor,
        data={
            "attachment": original.pk,
            "kind": original.kind,
            "content_type": original.content_type,
            "size": original.size,
            "sha256": original.sha256,
            "inbound": inbound.pk,
        },
        payload={"name": original.original_name},
    )
    stored: list[Attachment] = []
    for record in inbound.attachments.filter(accepted=True):
        content = inbound_attachment_read(record)
        from dsr.attachments import CheckedFile

        stored.append(
            attachment_store(
                request=request,
                content=CheckedFile(
                    content=content, content_type=record.content_type, name=record.original_name
                ),
                original_name=record.original_name,
                kind=kind or AttachmentKind.CORRESPONDENCE,
                actor=actor,
                uploaded_by_subject=True,
            )
        )
    return stored


def _reply_record(inbound: InboundMail, request: Request, files: list[InboundAttachment]) -> None:
    """The subject wrote back: on the request's timeline as a message from the subject, with
    its files; if the request waits for the subject, as the answer (the clock resumes)
    through the status page's own workflow function."""
    inbound.requests.add(request)
    awaiting = request.status == Status.AWAITING_SUBJECT
    kind = (
        AttachmentKind.IDENTITY_PROOF
        if awaiting and request.status_before_pause == Status.IDENTITY_CHECK
        else AttachmentKind.CORRESPONDENCE
    )
    stored = inbound_attach_to_request(inbound=inbound, request=request, actor=SUBJECT, kind=kind)
    text = inbound.body_text or inbound.subject or "(e-mail without text)"
    if awaiting:
        workflow.request_record_information(
            request=request, message=text, actor=SUBJECT, attachments=stored
        )
        return
    message = Message.objects.create(
        request=request,
        direction=Message.Direction.FROM_SUBJECT,
        kind=Message.Kind.MESSAGE,
        body=text,
    )
    message.attachments.set(stored)
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.MAIL_REPLY_RECEIVED,
        actor=SUBJECT,
        data={"inbound": inbound.pk, "message": message.pk, "files": len(stored)},
        payload={"subject": inbound.subject},
    )
    for officer in _officers_to_tell(request):
        emails.email_queue(
            template="subject_mailed",
            to=officer.email,
            language=request.organization.default_language,
            request=request,
            context={"request": request, "organization": request.organization, "officer": officer},
        )


def _officers_to_tell(request: Request):
    if request.assignee is not None and access.can_act(request.assignee, request.organization):
        return [request.assignee]
    return list(access.officers_of(request.organization).order_by("email"))


def _bounce_record(inbound: InboundMail, sent: OutboundEmail, status_text: str) -> None:
    """A mail the desk sent came back undeliverable: marked on that mail, on the request's
    timeline, and the assignee (or every officer) is told."""
    OutboundEmail.objects.filter(pk=sent.pk, undeliverable_at__isnull=True).update(
        undeliverable_at=timezone.now(), undeliverable_reason=status_text[:300]
    )
    request = sent.request
    if request is None:
        return
    inbound.requests.add(request)
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.MAIL_BOUNCED,
        actor=SYSTEM,
        data={"email": sent.pk, "inbound": inbound.pk, "template": sent.template},
        payload={"to": sent.to, "status": status_text[:300]},
    )
    for officer in _officers_to_tell(request):
        emails.email_queue(
            template="email_bounced",
            to=officer.email,
            language=request.organization.default_language,
            request=request,
            context={
                "request": request,
                "organization": request.organization,
                "officer": officer,
                "to": sent.to,
            },
        )


def mail_max_bytes() -> int:
    return int(getattr(settings, "MAIL_MAX_BYTES", 40 * 1024 * 1024))
