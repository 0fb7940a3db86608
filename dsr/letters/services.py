"""Letters: issue, render (in the worker), read, send by e-mail, queue for the post.

Each write is a keyword-only function that checks who acts, changes the `Letter`, and
records its Event in the same transaction (dsr/audit.py). Rendering is enqueued with
`transaction.on_commit` and runs in the worker; the row, not the broker, is the truth:
`letters_lost` finds letters whose task was lost and the sweep enqueues them again.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from dsr import audit, broker, crypto, emails
from dsr.fulfilment.streams import storage_delete_on_commit
from dsr.letters import render, rules, signing
from dsr.letters.content import available_kinds, letter_draft

# Reading a stored letter lives a layer down (dsr.emails reads them too); callers keep
# reaching it here.
from dsr.letters.stored import LetterError, LetterIntegrityError, letter_read, removed_message  # noqa: F401
from dsr.models import (
    ActorKind,
    AnswerChannel,
    Channel,
    EventKind,
    Letter,
    LetterKind,
    LetterStatus,
    RegisterIncomplete,
    Request,
)

log = logging.getLogger(__name__)
RENDERER = audit.Actor.system("letter renderer")
# Channels whose subject has a confirmed status page: the letter goes there, and the
# e-mail carries only the link. Others get the PDF as an attachment.
LINK_CHANNELS = frozenset({Channel.WEB, Channel.API})


@lru_cache(maxsize=1)
def transient_errors() -> tuple[type[BaseException], ...]:
    """Failures worth retrying: the time-stamp authority, the network, storage, the database."""
    from django.db import OperationalError
    from pyhanko.sign.timestamps import TimestampRequestError

    return (TimestampRequestError, ConnectionError, TimeoutError, OSError, OperationalError)


def _check_can_act(actor: audit.Actor, request: Request) -> None:
    if actor.kind == ActorKind.USER:
        if not access.can_act(actor.user, request.organization):
            raise LetterError("Only officers and managers of this organisation may do this.")
    elif actor.kind not in (ActorKind.API, ActorKind.SYSTEM):
        raise LetterError("Only the organisation's staff may do this.")


def _enqueue_render(letter_id: int) -> None:
    # Broker down: the row stays "rendering", says so to the panel, and the sweep retries.
    broker.enqueue(
        "dsr.tasks.letter_render",
        letter_id,
        on_unreachable=lambda: Letter.objects.filter(
            pk=letter_id, status=LetterStatus.RENDERING
        ).update(enqueue_failed_at=timezone.now()),
    )


def _record(letter: Letter, kind: str, actor: audit.Actor, **data: Any) -> None:
    audit.record(
        organization=letter.request.organization,
        request=letter.request,
        kind=kind,
        actor=actor,
        data={
            "letter": letter.pk,
            "letter_kind": letter.kind,
            "version": letter.version,
            **data,
        },
    )


# --- issuing ---------------------------------------------------------------------------------


@transaction.atomic
def letter_issue(
    *,
    request: Request,
    kind: str,
    actor: audit.Actor,
    fields: dict[str, Any] | None = None,
    corrects: Letter | None = None,
) -> Letter:
    """Fix what the letter says and hand it to the worker, which renders and signs it.

    `corrects`: an issued letter this one replaces. It stays as it is, in the timeline;
    the new letter is its next version."""
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=request.pk)
    )
    _check_can_act(actor, request)
    if corrects is not None:
        corrects = Letter.objects.select_for_update().get(pk=corrects.pk)
        if corrects.request_id != request.pk:
            raise LetterError("That letter belongs to another request.")
        if corrects.status != LetterStatus.READY:
            raise LetterError("Only an issued letter can be corrected; retry a failed one.")
        if Letter.objects.filter(previous=corrects).exists():
            raise LetterError("This letter was already corrected; correct the newest version.")
        kind = corrects.kind
    if request.minimised_at is not None:
        raise LetterError("The request was reduced to statistics; it has no letters any more.")
    now = timezone.now()
    # The letter rules (dsr/letters/rules.py); a correction repairs a letter already issued.
    blocker = "" if corrects is not None else rules.letter_blocker(request, kind, now=now)
    if blocker:
        raise LetterError(blocker)
    if kind == LetterKind.PARTIAL_REFUSAL:
        problems = rules.withheld_problems(request, (fields or {}).get("withheld"))
        if problems:
            raise LetterError(" ".join(problems))

    try:
        content = letter_draft(
            request=request, kind=kind, now=now, fields=fields, corrects=corrects
        )
    except RegisterIncomplete as error:
        raise LetterError(str(error)) from None
    letter_date = date.fromisoformat(content["letter_date"])
    letter = Letter.objects.create(
        request=request,
        kind=kind,
        language=request.language,
        version=corrects.version + 1 if corrects else 1,
        previous=corrects,
        status=LetterStatus.RENDERING,
        content=content,
        letter_date=letter_date,
        issued_at=now,
        issued_by=actor.user,
    )
    _record(
        letter,
        EventKind.LETTER_CORRECTED if corrects else EventKind.LETTER_ISSUED,
        actor,
        language=letter.language,
        letter_date=letter_date,
        previous=corrects.pk if corrects else None,
    )
    transaction.on_commit(lambda: _enqueue_render(letter.pk))
    return letter


def letter_preview(
    *,
    request: Request,
    kind: str,
    fields: dict[str, Any] | None = None,
    corrects: Letter | None = None,
    urls: dict[str, str],
) -> str:
    """The compose page's preview: the HTML of the letter `letter_issue` would issue now,
    from the same snapshot (`content.letter_draft`). `urls` are the page's own addresses of
    the stylesheet ("css"), and the "logo" and "signature" images where there are any."""
    content = letter_draft(
        request=request, kind=kind, now=timezone.now(), fields=fields, corrects=corrects
    )
    return render.render_html(
        content,
        signed=request.organization.has_signing_certificate,
        preview=True,
        urls=urls,
    )


@transaction.atomic
def letter_retry(*, letter: Letter, actor: audit.Actor) -> Letter:
    """Render a letter that failed again (it never had a file, so nothing changes)."""
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("request__organization")
        .get(pk=letter.pk)
    )
    _check_can_act(actor, letter.request)
    if letter.status != LetterStatus.FAILED:
        raise LetterError("Only a letter that failed can be rendered again.")
    letter.status = LetterStatus.RENDERING
    letter.error = ""
    letter.save(update_fields=["status", "error"])
    _record(letter, EventKind.LETTER_ISSUED, actor, retry=True, language=letter.language)
    transaction.on_commit(lambda: _enqueue_render(letter.pk))
    return letter


# --- rendering (the worker) ------------------------------------------------------------------


def letter_pdf(letter: Letter) -> tuple[bytes, dict[str, Any]]:
    """Render and sign the letter from its content snapshot; no database writes."""
    organization = letter.request.organization
    signer = signing.signer_for(organization)
    files = render.branding_files(organization)
    html = render.render_html(
        letter.content, signed=signer is not None, urls=render.branding_urls(files)
    )
    rendered = render.render_pdf(html, files=files, for_signing=signer is not None)
    facts: dict[str, Any] = {"pages": rendered.page_count, "signed": False, "timestamped": False}
    pdf = rendered.pdf
    if signer is not None:
        if rendered.signature_box is None:
            raise LetterError("The letter layout has no signature box.")
        pdf = signing.sign_for(
            organization,
            rendered,
            signer=signer,
            reason=f"{letter.request.reference}: {letter.get_kind_display()}",
        )
        facts.update(
            signed=True,
            timestamped=bool(organization.timestamp_url),
            certificate=organization.signing_certificate_fingerprint,
        )
    return pdf, facts


def letter_render(letter_id: int) -> str:
    """Render, sign and store one letter; idempotent (returns the letter's status).

    The PDF is made outside any transaction; storing it is a short transaction that only
    succeeds while the row is still "rendering", so a task delivered twice stores once."""
    letter = Letter.objects.select_related("request__organization").filter(pk=letter_id).first()
    if letter is None:
        return "missing"
    if letter.status != LetterStatus.RENDERING:
        return letter.status
    pdf, facts = letter_pdf(letter)
    digest = hashlib.sha256(pdf).hexdigest()
    moment = timezone.now()
    name = default_storage.save(
        f"letters/{moment:%Y/%m}/{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(pdf))
    )
    with transaction.atomic():
        locked = (
            Letter.objects.select_for_update(of=("self",))
            .select_related("request__organization")
            .get(pk=letter_id)
        )
        if locked.status != LetterStatus.RENDERING:
            storage_delete_on_commit(name)
            return locked.status
        locked.file.name = name
        locked.size = len(pdf)
        locked.sha256 = digest
        locked.page_count = facts["pages"]
        locked.signed = facts["signed"]
        locked.timestamped = facts["timestamped"]
        locked.certificate_fingerprint = facts.get("certificate", "")
        locked.rendered_at = moment
        locked.attempts += 1
        locked.error = ""
        locked.enqueue_failed_at = None
        locked.status = LetterStatus.READY
        locked.save()
        _record(
            locked,
            EventKind.LETTER_READY,
            RENDERER,
            sha256=digest,
            size=len(pdf),
            **facts,
        )
    return LetterStatus.READY


@transaction.atomic
def letter_mark_failed(*, letter_id: int, error: str) -> None:
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("request__organization")
        .get(pk=letter_id)
    )
    if letter.status != LetterStatus.RENDERING:
        return
    letter.status = LetterStatus.FAILED
    letter.error = error[:2000]
    letter.enqueue_failed_at = None
    letter.attempts += 1
    letter.save(update_fields=["status", "error", "enqueue_failed_at", "attempts"])
    _record(letter, EventKind.LETTER_FAILED, RENDERER, error=error[:300])


def letters_lost(older_than: timedelta = timedelta(minutes=5)) -> QuerySet[Letter]:
    """Letters still rendering some minutes after they were issued: their task was lost."""
    return Letter.objects.filter(
        status=LetterStatus.RENDERING, issued_at__lt=timezone.now() - older_than
    ).order_by("issued_at")


# --- reading -------------------------------------------------------------------------------


class LetterNotReady(LetterError):
    """The letter has no PDF to give: it is still rendering, or rendering failed."""


class LetterRemoved(LetterError):
    """Retention removed the PDF; the message says when, and the sha256 kept as proof."""


def letter_downloaded(*, letter: Letter, actor: audit.Actor) -> None:
    """DESIGN.md: every download is an Event."""
    _record(letter, EventKind.LETTER_DOWNLOADED, actor, sha256=letter.sha256)


def letter_download(*, letter: Letter, actor: audit.Actor) -> bytes:
    """The signed PDF of a letter, for someone the caller found may have it (the desk, the
    API, the subject's status page): checked against its sha256, and each download is an
    Event. Raises `LetterNotReady` (no PDF yet) or `LetterRemoved` (gone by retention)."""
    if not letter.is_ready:
        raise LetterNotReady("This letter is not ready.")
    if letter.removed_at is not None:
        raise LetterRemoved(removed_message(letter))
    content = letter_read(letter)
    letter_downloaded(letter=letter, actor=actor)
    return content


# --- sending ----------------------------------------------------------------------------------


def delivery_mode(request: Request) -> str:
    """ "link" (to the status page) or "attachment", per the channel the request came in by."""
    return "link" if request.channel in LINK_CHANNELS else "attachment"


@transaction.atomic
def letter_send_email(*, letter: Letter, actor: audit.Actor) -> Letter:
    """E-mail the letter to the subject: as a PDF attachment or as a link to the status page."""
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("request__organization")
        .get(pk=letter.pk)
    )
    request = letter.request
    _check_can_act(actor, request)
    if letter.status != LetterStatus.READY:
        raise LetterError("Only a letter that is ready can be sent.")
    if not request.subject_email:
        raise LetterError("The subject has no e-mail address; send the letter by post.")
    mode = delivery_mode(request)
    email = emails.email_queue(
        template="letter_to_subject",
        to=request.subject_email,
        language=letter.language,
        request=request,
        context={
            "request": request,
            "organization": request.organization,
            "letter": letter,
            "attached": mode == "attachment",
            "status_url": request.status_url(),
        },
    )
    if mode == "attachment":
        email.letter = letter
        email.save(update_fields=["letter"])
    letter.emailed_at = timezone.now()
    letter.save(update_fields=["emailed_at"])
    _record(letter, EventKind.LETTER_EMAILED, actor, mode=mode, email=email.pk)
    return letter


@transaction.atomic
def letter_queue_for_post(*, letter: Letter, actor: audit.Actor) -> Letter:
    """Put the letter in the print queue (/desk/print/)."""
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("request__organization")
        .get(pk=letter.pk)
    )
    request = letter.request
    _check_can_act(actor, request)
    if letter.status != LetterStatus.READY:
        raise LetterError("Only a letter that is ready can be posted.")
    if not letter.content.get("subject", {}).get("postal_address"):
        raise LetterError("The letter has no postal address; send it by e-mail.")
    if letter.posted_at is not None:
        raise LetterError("This letter was posted already.")
    if letter.post_queued_at is not None:
        return letter
    letter.post_queued_at = timezone.now()
    letter.save(update_fields=["post_queued_at"])
    _record(letter, EventKind.LETTER_QUEUED_FOR_POST, actor)
    return letter


def default_delivery(letter: Letter) -> str:
    """What the panel suggests first: the subject's chosen answer channel."""
    return "post" if letter.request.answer_channel == AnswerChannel.POST else "email"


def letter_kinds_for(request: Request) -> list[tuple[str, str]]:
    kinds = available_kinds(request)
    return [(kind, LetterKind(kind).label) for kind in kinds]
