"""The print queue (/desk/print/): letters waiting for the post, merged into one PDF.

The mailroom selects letters, the worker merges their stored, signed PDFs into one file
in which every letter starts on an odd page (blank pages are inserted), so the stack can
be printed double-sided and split into envelopes; progress is kept on the `PrintBatch`
row, which the page polls. "Mark posted" then records one Event per letter. The merged
file only duplicates letters that are stored already: it is deleted once posted.
"""

from __future__ import annotations

import io
import logging
import uuid
import warnings
from collections.abc import Iterable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import Organization, User
from dsr import audit, broker, crypto, storage
from dsr.fulfilment.streams import storage_delete_on_commit
from dsr.letters.services import LetterError, letter_read
from dsr.models import (
    ActorKind,
    EventKind,
    Letter,
    LetterStatus,
    PrintBatch,
    PrintBatchStatus,
)

log = logging.getLogger(__name__)
MAX_BATCH = 1000
MERGE_CHUNK = 50
BUILDER = audit.Actor.system("print batch builder")


def waiting_for_post(user: User, organization: Organization | None = None) -> QuerySet[Letter]:
    """Letters queued for post and not posted yet, oldest first, that `user` may see."""
    letters = Letter.objects.filter(
        status=LetterStatus.READY, post_queued_at__isnull=False, posted_at__isnull=True
    )
    return (
        access.visible_to(user, letters, organization=organization)
        .select_related("request__organization")
        .order_by("post_queued_at", "pk")
    )


def _enqueue_build(batch_id: int) -> None:
    broker.enqueue("dsr.tasks.print_batch_build", batch_id)  # broker down: the sweep picks it up


@transaction.atomic
def print_batch_create(
    *, organization: Organization, letters: Iterable[Letter], actor: audit.Actor
) -> PrintBatch:
    """Start building one PDF of these letters (all of `organization`, all waiting)."""
    if actor.kind != ActorKind.USER or not access.can_act(actor.user, organization):
        raise LetterError("Only officers and managers of this organisation may print letters.")
    ids = sorted({letter.pk for letter in letters})
    if not ids:
        raise LetterError("Select at least one letter.")
    if len(ids) > MAX_BATCH:
        raise LetterError(f"Print at most {MAX_BATCH} letters at once.")
    waiting = list(
        Letter.objects.select_for_update(of=("self",))
        .filter(
            pk__in=ids,
            request__organization=organization,
            status=LetterStatus.READY,
            post_queued_at__isnull=False,
            posted_at__isnull=True,
        )
        .values_list("pk", flat=True)
    )
    if len(waiting) != len(ids):
        raise LetterError("Some selected letters are no longer waiting for the post.")
    batch = PrintBatch.objects.create(
        organization=organization, total=len(ids), created_by=actor.user
    )
    batch.letters.set(ids)
    transaction.on_commit(lambda: _enqueue_build(batch.pk))
    return batch


def _progress(batch_id: int, done: int) -> None:
    # Outside any transaction: the page polling the batch sees it move.
    PrintBatch.objects.filter(pk=batch_id, status=PrintBatchStatus.BUILDING).update(done=done)


def merge_letters(pdfs: Iterable[bytes], progress=None) -> tuple[bytes, int]:
    """One PDF of these letters, each starting on an odd page. Returns (pdf, page count).

    Pages are copied as they are (content, fonts, the signature box's appearance) by qpdf
    (pikepdf), which does it in C++ many times faster than a pure-Python library. qpdf keeps
    every source open until the merged file is written, so letters are merged in chunks of
    `MERGE_CHUNK` and the chunks merged at the end: memory follows the chunk, not the batch.
    The letters' own signatures do not survive a merge and need not: the printout is paper.
    """
    parts: list[bytes] = []
    chunk: list[bytes] = []
    count = 0
    for count, pdf in enumerate(pdfs, start=1):
        chunk.append(pdf)
        if len(chunk) == MERGE_CHUNK:
            parts.append(_merge(chunk, pad=True)[0])
            chunk = []
        if progress is not None:
            progress(count)
    if chunk:
        parts.append(_merge(chunk, pad=True)[0])
    # Every part has an even number of pages, so each letter still starts on an odd page.
    return _merge(parts, pad=False, title=f"Print batch of {count} letters")


def _merge(pdfs: list[bytes], *, pad: bool, title: str = "") -> tuple[bytes, int]:
    import pikepdf

    merged = pikepdf.Pdf.new()
    sources = []  # qpdf copies lazily: each source stays open until the merged file is saved
    try:
        for pdf in pdfs:
            source = pikepdf.Pdf.open(io.BytesIO(pdf))
            sources.append(source)
            for page in source.pages:
                # The signature's widget is for PDF readers, not for paper: the visible box
                # is part of the page itself, and a widget without its form would dangle.
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
            with warnings.catch_warnings():
                # "Form fields are not preserved": deliberately so, see above.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                merged.pages.extend(source.pages)
            if pad and len(merged.pages) % 2:
                box = [float(value) for value in merged.pages[-1].mediabox]
                merged.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
        if title:
            merged.docinfo["/Title"] = title
            merged.docinfo["/Producer"] = "DSR Desk"
        output = io.BytesIO()
        merged.save(output)
        return output.getvalue(), len(merged.pages)
    finally:
        for source in sources:
            source.close()
        merged.close()


def print_batch_build(batch_id: int) -> str:
    """Merge the batch's letters (in the worker); idempotent, like letter_render."""
    batch = PrintBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "missing"
    if batch.status != PrintBatchStatus.BUILDING:
        return batch.status
    letters = list(batch.letters.select_related("request").order_by("post_queued_at", "pk"))
    step = max(1, len(letters) // 50)

    def progress(done: int) -> None:
        if done % step == 0 or done == len(letters):
            _progress(batch_id, done)

    try:
        merged, pages = merge_letters((letter_read(letter) for letter in letters), progress)
    except Exception as exc:
        if storage.bucket_unavailable(exc):
            raise  # still building: letter_sweep enqueues it again (batches_lost)
        PrintBatch.objects.filter(pk=batch_id, status=PrintBatchStatus.BUILDING).update(
            status=PrintBatchStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    name = default_storage.save(
        f"print/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(merged))
    )
    with transaction.atomic():
        locked = PrintBatch.objects.select_for_update().get(pk=batch_id)
        if locked.status != PrintBatchStatus.BUILDING:
            storage_delete_on_commit(name)
            return locked.status
        locked.file.name = name
        locked.page_count = pages
        locked.done = locked.total
        locked.status = PrintBatchStatus.READY
        locked.built_at = timezone.now()
        locked.save()
    return PrintBatchStatus.READY


def print_batch_read(batch: PrintBatch) -> bytes:
    if batch.status != PrintBatchStatus.READY or not batch.file:
        raise LetterError("This print batch is not ready.")
    with batch.file.open("rb") as handle:
        return crypto.decrypt(handle.read())


@transaction.atomic
def print_batch_mark_posted(*, batch: PrintBatch, actor: audit.Actor) -> int:
    """The letters went into the post: one Event per letter. Returns how many."""
    batch = (
        PrintBatch.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=batch.pk)
    )
    if actor.kind != ActorKind.USER or not access.can_act(actor.user, batch.organization):
        raise LetterError("Only officers and managers of this organisation may do this.")
    if batch.status != PrintBatchStatus.READY:
        raise LetterError("Only a printed batch can be marked as posted.")
    now = timezone.now()
    letters = list(
        Letter.objects.select_for_update(of=("self",))
        .filter(print_batches=batch, posted_at__isnull=True)
        .select_related("request__organization")
        .order_by("post_queued_at", "pk")
    )
    for letter in letters:
        letter.posted_at = now
        letter.save(update_fields=["posted_at"])
        audit.record(
            organization=batch.organization,
            request=letter.request,
            kind=EventKind.LETTER_POSTED,
            actor=actor,
            data={
                "letter": letter.pk,
                "letter_kind": letter.kind,
                "version": letter.version,
                "print_batch": batch.pk,
                "sha256": letter.sha256,
            },
        )
    name = batch.file.name
    batch.status = PrintBatchStatus.POSTED
    batch.posted_at = now
    batch.posted_by = actor.user
    batch.file = ""
    batch.save(update_fields=["status", "posted_at", "posted_by", "file"])
    storage_delete_on_commit(name)
    return len(letters)


def batches_lost(older_than: timedelta = timedelta(minutes=10)) -> QuerySet[PrintBatch]:
    return PrintBatch.objects.filter(
        status=PrintBatchStatus.BUILDING, created_at__lt=timezone.now() - older_than
    )
