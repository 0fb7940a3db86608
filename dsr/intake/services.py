"""What the subject's pages do, as plain functions the views call after validating input.

State changes go through `dsr.workflow` (actor: the subject, or the system for the
automatic withdrawal); this module adds what is particular to the web channel: the
signed confirmation link, the confirmation and acknowledgement e-mails, storing a
submission's files, and the reads of the status page.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Organization
from dsr import audit, deadlines, emails, workflow
from dsr.attachments import CheckedFile, attachment_files_delete, attachment_store
from dsr.models import (
    Attachment,
    AttachmentKind,
    Channel,
    Event,
    EventKind,
    Message,
    Request,
    Status,
)
from dsr.submissions import SubmittedFile, submission_store

log = logging.getLogger(__name__)

CONFIRMATION_SALT = "dsr.intake.confirmation"
CONFIRMATION_VALID = timedelta(days=7)
# A web request nobody confirmed is withdrawn after this long (the issue; LEGAL.md's pause
# means its clock never ran). Issue 8's retention later removes its personal data.
UNCONFIRMED_WITHDRAW_AFTER = timedelta(days=14)
# `new_public_token()` makes 43 URL-safe characters; anything else is not a token.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

SUBJECT = audit.Actor.subject()


# --- the confirmation link -----------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """A confirmation link whose signature is ours; `expired` after CONFIRMATION_VALID."""

    submission_id: uuid.UUID
    expired: bool


def confirmation_token(submission_id: uuid.UUID) -> str:
    """Signed with the site's key and a salt of its own: valid for one submission only."""
    return signing.dumps(str(submission_id), salt=CONFIRMATION_SALT)


def confirmation_read(token: str) -> Confirmation | None:
    """The submission a link confirms, or None when the link was not made by us."""
    try:
        value = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_VALID)
        expired = False
    except signing.SignatureExpired:
        value = signing.loads(token, salt=CONFIRMATION_SALT)
        expired = True
    except signing.BadSignature:
        return None
    try:
        return Confirmation(submission_id=uuid.UUID(str(value)), expired=expired)
    except ValueError:
        return None


def confirmation_url(organization: Organization, submission_id: uuid.UUID) -> str:
    path = reverse(
        "intake:confirm",
        kwargs={"organization_slug": organization.slug, "token": confirmation_token(submission_id)},
    )
    return settings.SITE_URL + path


# --- receiving a submission ----------------------------------------------------------------


def submission_receive(
    *,
    organization: Organization,
    rights: list[str],
    language: str,
    subject_name: str,
    subject_email: str,
    subject_customer_number: str = "",
    subject_postal_address: str = "",
    description: str = "",
    answer_channel: str,
    direct_marketing: bool = False,
    documents: Sequence[CheckedFile] = (),
) -> list[Request]:
    """Register a web submission, store its identity documents, mail the confirmation link.

    All or nothing (`submissions.submission_store`): the requests, every copy of every
    file and the e-mail are written in one transaction, and files already written are
    removed if it rolls back. Each request of the submission gets its own copy of each
    document."""
    return submission_store(
        organization=organization,
        rights=rights,
        channel=Channel.WEB,
        language=language,
        actor=SUBJECT,
        subject_name=subject_name,
        subject_email=subject_email,
        subject_customer_number=subject_customer_number,
        subject_postal_address=subject_postal_address,
        description=description,
        answer_channel=answer_channel,
        direct_marketing=direct_marketing,
        files=[
            SubmittedFile(content=document, name=document.name, kind=AttachmentKind.IDENTITY_PROOF)
            for document in documents
        ],
        uploaded_by_subject=True,
        before_commit=_mail_confirmation,
    )


def _mail_confirmation(requests: list[Request]) -> None:
    first = requests[0]
    emails.email_queue(
        template="intake_confirm",
        to=first.subject_email,
        language=first.language,
        request=first,
        context={
            "organization": first.organization,
            "requests": requests,
            "subject_name": first.subject_name,
            "confirm_url": confirmation_url(first.organization, first.submission_id),
            "valid_days": CONFIRMATION_VALID.days,
            "withdraw_days": UNCONFIRMED_WITHDRAW_AFTER.days,
        },
    )


def submission_requests(organization: Organization, submission_id: uuid.UUID) -> list[Request]:
    """The requests of one submission, in reference order (index `request_submission`)."""
    return list(
        Request.objects.filter(organization=organization, submission_id=submission_id)
        .select_related("organization")
        .order_by("reference")
    )


def submission_was_confirmed(requests: list[Request]) -> bool:
    return Event.objects.filter(request__in=requests, kind=EventKind.EMAIL_CONFIRMED).exists()


@transaction.atomic
def submission_confirm(*, requests: list[Request]) -> list[Request]:
    """Confirm every request of the submission still waiting, and acknowledge them.

    Returns the requests confirmed now (none when the link was used before: a replay)."""
    confirmed = []
    for request in requests:
        if request.status != Status.UNVERIFIED:
            continue
        try:
            confirmed.append(workflow.request_confirm_email(request=request, actor=SUBJECT))
        except workflow.TransitionNotAllowed:
            continue  # confirmed (or withdrawn) a moment ago by another click
    if confirmed:
        _mail_acknowledgement(confirmed)
    return confirmed


def _mail_acknowledgement(requests: list[Request]) -> None:
    """LEGAL.md: references, date received, statutory (and effective) due date, status page."""
    first = requests[0]
    organization = first.organization
    emails.email_queue(
        template="intake_acknowledgement",
        to=first.subject_email,
        language=first.language,
        request=first,
        context={
            "organization": organization,
            "requests": requests,
            "subject_name": first.subject_name,
            "received_on": deadlines.receipt_date(
                first.received_at, time_zone=organization.time_zone
            ),
            "due_date": first.due_date,
            "effective_due_date": max(request.effective_due_date for request in requests),
            "status_url": first.status_url(),
        },
    )


def confirmation_resend(*, requests: list[Request]) -> bool:
    """A new link (valid another 7 days) for a submission still unconfirmed."""
    waiting = [request for request in requests if request.status == Status.UNVERIFIED]
    if not waiting:
        return False
    with transaction.atomic():
        _mail_confirmation(waiting)
    return True


def unconfirmed_withdraw(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Withdraw web requests nobody confirmed within 14 days (the system is the actor)."""
    cutoff = (now or timezone.now()) - UNCONFIRMED_WITHDRAW_AFTER
    actor = audit.Actor.system("intake: not confirmed within 14 days")
    stale = list(
        Request.objects.filter(status=Status.UNVERIFIED, received_at__lt=cutoff)
        .select_related("organization")
        .order_by("received_at")[:limit]
    )
    withdrawn = 0
    for request in stale:
        try:
            workflow.request_withdraw(
                request=request,
                actor=actor,
                reason=f"The e-mail address was not confirmed within "
                f"{UNCONFIRMED_WITHDRAW_AFTER.days} days.",
            )
        except workflow.WorkflowError:
            continue  # confirmed in the meantime
        withdrawn += 1
    if withdrawn:
        log.info("withdrew %d unconfirmed web requests", withdrawn)
    return withdrawn


# --- the status page -----------------------------------------------------------------------


def request_by_token(token: str) -> Request | None:
    """The request a status-page token opens, or None.

    Looked up by the unique index on `public_token` only, never by reference, so neither
    the answer nor its timing says anything about which references exist. A token expires
    when retention has reduced its request to statistics (`minimised_at`)."""
    if not _TOKEN.match(token or ""):
        return None
    return (
        Request.objects.select_related("organization")
        .filter(public_token=token, minimised_at__isnull=True)
        .first()
    )


def status_page_requests(request: Request) -> list[Request]:
    """Every request of the token's submission, with what the page shows of each."""
    messages = Message.objects.order_by("created_at", "pk").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    queryset = (
        Request.objects.filter(
            organization_id=request.organization_id,
            submission_id=request.submission_id,
            minimised_at__isnull=True,
        )
        .select_related("organization")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("reference")
    )
    for optional in ("letters", "packages"):  # present once those features are installed
        if hasattr(Request, optional):
            queryset = queryset.prefetch_related(optional)
    return list(queryset)


def subject_letters(request: Request) -> list[dict[str, Any]]:
    """The letters of a request the subject may download.

    A deliberately small hook into the letters feature (dsr/letters): used only if
    `Request.letters` exists; lists the letters that were delivered to the subject
    (`Letter.is_delivered`), each linked to `letters:subject_download`, which checks the
    token and the letter's public id itself."""
    if not hasattr(Request, "letters"):
        return []
    listed = []
    for letter in request.letters.all():
        if not getattr(letter, "is_delivered", False):
            continue
        try:
            url = reverse(
                "letters:subject_download",
                kwargs={"token": request.public_token, "letter_id": letter.public_id},
            )
        except NoReverseMatch:
            return []
        listed.append({"title": letter.get_kind_display(), "date": letter.letter_date, "url": url})
    return listed


def subject_packages(request: Request, *, now: datetime) -> list[dict[str, Any]]:
    """The data packages (access, portability) the subject can download now.

    The same small kind of hook as the letters: used only if `Request.packages` exists
    (dsr/fulfilment); a package is offered while its link is valid (not expired, not
    deleted, downloads left), through `fulfilment:package_download`."""
    if not hasattr(Request, "packages"):
        return []
    offered = []
    for package in request.packages.all():
        if not package.is_available(now):
            continue
        try:
            url = reverse(
                "fulfilment:package_download",
                kwargs={"public_token": request.public_token, "token": package.token},
            )
        except NoReverseMatch:
            return []
        offered.append(
            {
                "url": url,
                "expires_at": package.expires_at,
                "downloads_left": package.max_downloads - package.downloads,
                "size": package.size,
            }
        )
    return offered


def answer_record(*, request: Request, message: str, files: Sequence[CheckedFile]) -> Request:
    """The subject answered an officer's question on the status page.

    Files sent while the officer is checking identity are identity proof (so the identity
    decision destroys them, LEGAL.md); later ones are correspondence. All or nothing."""
    kind = (
        AttachmentKind.IDENTITY_PROOF
        if request.status_before_pause == Status.IDENTITY_CHECK
        else AttachmentKind.CORRESPONDENCE
    )
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            for file in files:
                stored.append(
                    attachment_store(
                        request=request,
                        content=file,
                        original_name=file.name,
                        kind=kind,
                        actor=SUBJECT,
                        uploaded_by_subject=True,
                    )
                )
            request = workflow.request_record_information(
                request=request, message=message, actor=SUBJECT, attachments=stored
            )
    except BaseException:
        attachment_files_delete(stored)
        raise
    return request


def request_withdraw_by_subject(*, request: Request, reason: str) -> Request:
    return workflow.request_withdraw(request=request, actor=SUBJECT, reason=reason)
