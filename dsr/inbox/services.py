"""The officer's decisions on an inbox item (a received e-mail that is not a reply).

Each decision is one function here, keyword-only, in one transaction that locks the item,
checks that the user may act for its organisation and that nobody decided it already, and
records an Event:

- `inbox_convert`     one request per chosen right (`submission_store`: channel e-mail, the
                      date of receipt of the message, the subject's name and address), the
                      original message attached to each as evidence (kind original_email)
                      with the files that passed the upload checks.
- `inbox_not_request` marks it "not a request" with the officer's reason.
- `inbox_link`        attaches it to an existing request of the same organisation, as a
                      message from the subject on the request's timeline.

Reads for the desk's pages (`inbox_items`, `inbox_item_for`) scope by
`accounts.access.visible_to`, the same function every desk list uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Organization, User
from dsr import audit, crypto
from dsr.attachments import attachment_files_delete, attachment_store
from dsr.models import (
    INBOX_STATUSES,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    InboundAttachment,
    InboundMail,
    InboundStatus,
    Message,
    Request,
    Right,
)
from dsr.submissions import SubmittedFile, submission_store
from dsr.workflow import InvalidInput, NotPermitted

# The request's description keeps the start of the mail (the whole is in the original).
DESCRIPTION_LIMIT = 15_000
REASON_LIMIT = 2_000


class AlreadyDecided(InvalidInput):
    """Somebody decided on this item already (another tab, a colleague)."""

    code = "already_decided"


# --- reads ---------------------------------------------------------------------------------


def inbox_items(user: User, organization: Organization) -> QuerySet[InboundMail]:
    """The inbox items of `organization` that `user` may see, newest first."""
    return (
        access.visible_to(user, InboundMail.objects.all(), organization=organization)
        .filter(status__in=INBOX_STATUSES)
        .order_by("-received_at", "-pk")
    )


def inbox_new_count(user: User, organization: Organization) -> int:
    """How many items wait for a decision (the desk's top bar)."""
    return inbox_items(user, organization).filter(status=InboundStatus.NEW).count()


def inbox_item_for(user: User, item_id: int) -> InboundMail:
    """One inbox item among those `user` may see; 404 otherwise (another organisation's
    item, a reply or an auto-reply that is not an inbox item)."""
    item = (
        access.visible_to(user, InboundMail.objects.all())
        .filter(pk=item_id, status__in=INBOX_STATUSES)
        .select_related("organization", "decided_by")
        .first()
    )
    if item is None:
        raise Http404("No such inbox item")
    return item


def inbox_attachment_for(user: User, item: InboundMail, attachment_id: int) -> InboundAttachment:
    attachment = (
        access.visible_to(user, InboundAttachment.objects.all())
        .filter(pk=attachment_id, inbound=item, accepted=True)
        .first()
    )
    if attachment is None or not attachment.file:
        raise Http404("No such file")
    return attachment


def inbound_original_read(item: InboundMail) -> bytes:
    """The received message as it arrived (RFC 822 bytes), decrypted."""
    with item.original.open("rb") as handle:
        return crypto.decrypt(handle.read())


def inbound_attachment_read(attachment: InboundAttachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return crypto.decrypt(handle.read())


# --- decisions -----------------------------------------------------------------------------


def _lock_new(item: InboundMail, user: User) -> InboundMail:
    locked = (
        InboundMail.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=item.pk)
    )
    if not access.can_act(user, locked.organization):
        raise NotPermitted(_("Only officers and managers of this organisation may do this."))
    if locked.status != InboundStatus.NEW:
        raise AlreadyDecided(
            _("This e-mail was already decided on: %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _decided(item: InboundMail, user: User, status: str) -> None:
    item.status = status
    item.decided_by = user
    item.decided_at = timezone.now()


def original_file_name(item: InboundMail) -> str:
    stamp = timezone.localtime(item.received_at).strftime("%Y-%m-%d")
    return f"e-mail-{stamp}-{item.pk}.eml"


def _original_attach(request: Request, item: InboundMail, actor: audit.Actor) -> Attachment:
    """The received message, still encrypted, copied onto `request` as its evidence."""
    with item.original.open("rb") as handle:
        encrypted = handle.read()
    attachment = Attachment(
        request=request,
        kind=AttachmentKind.ORIGINAL_EMAIL,
        original_name=original_file_name(item),
        content_type="message/rfc822",
        size=item.original_size,
        sha256=item.original_sha256,
        uploaded_by_subject=True,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.enc", ContentFile(encrypted), save=False)
    attachment.save()
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.ATTACHMENT_ADDED,
        actor=actor,
        data={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "inbound": item.pk,
        },
        payload={"name": attachment.original_name},
    )
    return attachment


def _files_of(item: InboundMail) -> list[SubmittedFile]:
    """The message's files that passed the upload checks, to be stored on a request."""
    return [
        SubmittedFile(
            content=inbound_attachment_read(attachment),
            name=attachment.original_name,
            kind=AttachmentKind.CORRESPONDENCE,
        )
        for attachment in item.attachments.filter(accepted=True).exclude(file="")
    ]


def _description(item: InboundMail) -> str:
    text = f"{item.subject}\n\n{item.body_text}".strip()
    if len(text) > DESCRIPTION_LIMIT:
        text = text[:DESCRIPTION_LIMIT].rstrip() + " […]"
    return text


def inbox_convert(
    *,
    item: InboundMail,
    user: User,
    rights: Iterable[str],
    language: str,
    subject_name: str,
    subject_email: str,
    direct_marketing: bool = False,
) -> list[Request]:
    """Turn a new inbox item into one request per right, in one transaction.

    Each request is received when the message was (its date of receipt), by e-mail, and
    carries the original message and the message's accepted files. The item becomes
    CONVERTED with its requests; each request records `inbox.converted`."""
    rights = [right for right in dict.fromkeys(rights) if right]
    if not rights:
        raise InvalidInput(_("Choose at least one right."))
    if any(right not in Right.values for right in rights):
        raise InvalidInput(_("Unknown right."))
    actor = audit.Actor.for_user(user)
    originals: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = _lock_new(item, user)
            subject_email = (subject_email or "").strip() or locked.sender_address

            def attach(requests: list[Request]) -> None:
                for request in requests:
                    originals.append(_original_attach(request, locked, actor))
                    audit.record(
                        organization=locked.organization,
                        request=request,
                        kind=EventKind.INBOX_CONVERTED,
                        actor=actor,
                        data={
                            "inbound": locked.pk,
                            "rights": rights,
                            "requests": [r.reference for r in requests],
                            "received_at": locked.received_at,
                            "received_at_source": locked.received_at_source,
                            "message_sha256": locked.original_sha256,
                        },
                    )

            requests = submission_store(
                organization=locked.organization,
                rights=rights,
                channel=Channel.EMAIL,
                language=language,
                subject_name=subject_name,
                subject_email=subject_email,
                description=_description(locked),
                received_at=locked.received_at,
                direct_marketing=direct_marketing,
                files=_files_of(locked),
                uploaded_by_subject=True,
                actor=actor,
                before_commit=attach,
            )
            _decided(locked, user, InboundStatus.CONVERTED)
            locked.save(update_fields=["status", "decided_by", "decided_at"])
            locked.requests.add(*requests)
    except BaseException:
        attachment_files_delete(originals)
        raise
    item.refresh_from_db()
    return requests


@transaction.atomic
def inbox_not_request(*, item: InboundMail, user: User, reason: str) -> InboundMail:
    """Mark a new inbox item as not a request; the reason is required and recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why this e-mail is not a request."))
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(
            _("The reason is longer than %(limit)s characters.") % {"limit": REASON_LIMIT}
        )
    locked = _lock_new(item, user)
    _decided(locked, user, InboundStatus.NOT_REQUEST)
    locked.not_request_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "not_request_reason"])
    audit.record(
        organization=locked.organization,
        kind=EventKind.INBOX_NOT_REQUEST,
        actor=audit.Actor.for_user(user),
        data={"inbound": locked.pk, "message_sha256": locked.original_sha256},
        payload={"reason": reason, "sender": locked.sender_address, "subject": locked.subject},
    )
    return locked


def inbox_link(*, item: InboundMail, user: User, reference: str) -> Request:
    """Attach a new inbox item to an existing request of the same organisation: the text as
    a message from the subject on its timeline, the original and the accepted files as its
    attachments. A reference of another organisation is refused like an unknown one."""
    reference = (reference or "").strip().upper()
    if not reference:
        raise InvalidInput(_("Choose the request to link this e-mail to."))
    actor = audit.Actor.for_user(user)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = _lock_new(item, user)
            request = (
                Request.objects.select_for_update(of=("self",))
                .select_related("organization")
                .filter(organization=locked.organization, reference=reference[:24])
                .first()
            )
            if request is None:
                raise InvalidInput(
                    _("There is no request %(reference)s in this organisation.")
                    % {"reference": reference[:24]}
                )
            with audit.appended_at_end(locked.organization):
                original = _original_attach(request, locked, actor)
                stored.append(original)
                files = []
                for file in _files_of(locked):
                    files.append(_file_store(request, file, actor))
                    stored.append(files[-1])
                message = Message.objects.create(
                    request=request,
                    direction=Message.Direction.FROM_SUBJECT,
                    kind=Message.Kind.MESSAGE,
                    body=_description(locked),
                )
                message.attachments.set([original, *files])
                audit.record(
                    organization=locked.organization,
                    request=request,
                    kind=EventKind.INBOX_LINKED,
                    actor=actor,
                    data={
                        "inbound": locked.pk,
                        "message": message.pk,
                        "received_at": locked.received_at,
                        "message_sha256": locked.original_sha256,
                    },
                    payload={"message": message.body, "sender": locked.sender_address},
                )
                _decided(locked, user, InboundStatus.LINKED)
                locked.save(update_fields=["status", "decided_by", "decided_at"])
                locked.requests.add(request)
    except BaseException:
        attachment_files_delete(stored)
        raise
    item.refresh_from_db()
    return request


def _file_store(request: Request, file: SubmittedFile, actor: audit.Actor) -> Attachment:
    return attachment_store(
        request=request,
        content=file.content,
        original_name=file.name,
        kind=file.kind,
        actor=actor,
        uploaded_by_subject=True,
    )
