"""Keeping the desk itself data-minimal (LEGAL.md, "Accountability"; issue: clockwork).

Five purges, run daily by beat for every organisation:
- identity documents still on a request some days after it closed (a safety net: they are
  destroyed at every identity decision and at the latest when the request closes);
- web requests never confirmed: withdrawn after 14 days and their personal data removed;
- closed requests past the organisation's retention period: reduced to what proof and
  statistics need (reference, right, channel, language, dates, outcome, ground);
- print batches: the merged PDF (every letter's name and address, across requests) is a
  working file for the mailroom, removed a week after it was built, posted or not; the
  batch row stays (which letters, when posted, by whom). Letters of a batch never posted
  are still in the print queue and go into a new batch;
- signed register PDFs (dsr/desk/reports/exports.py): removed a week after they were
  built, like print batches; the row and its sha256 stay.

Minimising drops Event payloads, whose hashes stay in the audit chain, so
`audit.verify` still passes afterwards. Letters keep their row (kind, version, dates,
sha256: proof of what was sent) but lose their PDF and the snapshot of what they said;
data packages and the fulfilment steps' working state (the subject's keys, corrections)
go; what each system did (`JobStep.result`: actions, tables, row counts, grounds) stays.
Webhook deliveries carry no personal data (dsr/api/webhooks.py) and are left alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Organization
from dsr import audit, workflow
from dsr.attachments import attachment_destroy
from dsr.fulfilment.streams import storage_delete, storage_delete_on_commit
from dsr.models import (
    CLOSED_STATUSES,
    Attachment,
    AttachmentKind,
    Channel,
    DataPackage,
    Event,
    EventKind,
    Job,
    JobStep,
    Letter,
    OutboundEmail,
    PrintBatch,
    PrintBatchStatus,
    RegisterExport,
    Request,
    Status,
)

UNCONFIRMED_AFTER = timedelta(days=14)
PRINT_BATCH_KEPT = timedelta(days=7)
REGISTER_EXPORT_KEPT = timedelta(days=7)
SYSTEM = audit.Actor.system("retention")
# Fields that identify or describe the subject, emptied by minimisation.
PERSONAL_FIELDS = (
    "subject_name",
    "subject_email",
    "subject_postal_address",
    "subject_customer_number",
    "description",
    "outcome_note",
    "refusal_explanation",
    "extension_reason",
)


@dataclass
class RunCounts:
    identity_documents_destroyed: int = 0
    unconfirmed_withdrawn: int = 0
    requests_minimised: int = 0
    print_batches_cleared: int = 0
    register_exports_cleared: int = 0


@transaction.atomic
def request_minimise(*, request: Request, actor: audit.Actor = SYSTEM) -> Request:
    """Reduce one closed request to what proof and statistics need."""
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=request.pk)
    )
    if request.minimised_at is not None:
        return request
    if request.status not in CLOSED_STATUSES:
        raise workflow.InvalidInput("Only closed requests can be minimised.")
    files = 0
    for attachment in request.attachments.filter(destroyed_at__isnull=True):
        attachment_destroy(attachment=attachment, actor=actor, reason="retention period ended")
        files += 1
    request.attachments.update(original_name="")
    messages = request.messages.count()
    for message in request.messages.all():
        message.attachments.clear()
    request.messages.all().delete()
    emails, _by_kind = OutboundEmail.objects.filter(request=request).delete()
    letter_files = _letters_strip(request)
    packages = _packages_remove(request, now=timezone.now())
    _fulfilment_strip(request)
    payloads = audit.minimise(Event.objects.filter(request=request))
    for field in PERSONAL_FIELDS:
        setattr(request, field, "")
    request.minimised_at = timezone.now()
    request.save()
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.MINIMISED,
        actor=actor,
        data={
            "files": files,
            "messages": messages,
            "emails": emails,
            "letter_files": letter_files,
            "packages": packages,
            "event_payloads": payloads,
        },
    )
    return request


def _storage_delete_on_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            storage_delete(name)

    if names:
        transaction.on_commit(delete)


def _letters_strip(request: Request) -> int:
    """Remove the letters' PDFs and snapshots (names, addresses); keep the rows as proof."""
    letters = Letter.objects.select_for_update().filter(request=request)
    names = [name for name in letters.values_list("file", flat=True) if name]
    letters.update(file="", content={}, error="")
    _storage_delete_on_commit(names)
    return len(names)


def _packages_remove(request: Request, *, now: datetime) -> int:
    """Data packages still on disk (not yet expired or used up) are deleted now."""
    packages = DataPackage.objects.select_for_update().filter(
        request=request, deleted_at__isnull=True
    )
    names = [name for name in packages.values_list("file", flat=True) if name]
    count = packages.update(deleted_at=now, file="")
    _storage_delete_on_commit(names)
    return count


def _fulfilment_strip(request: Request) -> None:
    """The steps' working state holds the subject's keys and the rectification's values;
    export parts a review never released are deleted, and a review's redacted texts and
    explanations (another person's name) go (their Events keep only keyed hashes)."""
    from dsr.fulfilment.review import review_parts_delete
    from dsr.models import ReviewDecision

    steps = list(JobStep.objects.filter(job__request=request))
    transaction.on_commit(lambda: review_parts_delete(steps))
    ReviewDecision.objects.filter(review__job__request=request).update(
        text_encrypted="", reason_text=""
    )
    Job.objects.filter(request=request).update(
        parameters_encrypted="", package_wanted_at=None, package_lease_until=None
    )
    JobStep.objects.filter(job__request=request).update(state={}, plan={}, last_error="")


def destroy_leftover_identity_documents(organization: Organization, *, now: datetime) -> int:
    cutoff = now - timedelta(days=organization.identity_document_retention_days)
    leftovers = Attachment.objects.filter(
        request__organization=organization,
        request__closed_at__lt=cutoff,
        kind=AttachmentKind.IDENTITY_PROOF,
        destroyed_at__isnull=True,
    ).select_related("request__organization")
    count = 0
    for attachment in leftovers.iterator(chunk_size=200):
        attachment_destroy(
            attachment=attachment,
            actor=SYSTEM,
            reason=f"{organization.identity_document_retention_days} days after closing",
        )
        count += 1
    return count


def withdraw_unconfirmed(organization: Organization, *, now: datetime) -> int:
    """Web requests whose e-mail was never confirmed: withdrawn, then their data removed."""
    stale = Request.objects.filter(
        organization=organization,
        status=Status.UNVERIFIED,
        received_at__lt=now - UNCONFIRMED_AFTER,
    )
    count = 0
    for request in stale.iterator(chunk_size=200):
        try:
            request = workflow.request_withdraw(
                request=request, actor=SYSTEM, reason="e-mail address never confirmed"
            )
        except workflow.TransitionNotAllowed:
            continue  # confirmed or withdrawn meanwhile
        request_minimise(request=request)
        count += 1
    # Requests withdrawn unconfirmed by another path (e.g. the intake's own sweep).
    never_confirmed = Request.objects.filter(
        organization=organization,
        channel=Channel.WEB,
        status=Status.WITHDRAWN,
        minimised_at__isnull=True,
        received_at__lt=now - UNCONFIRMED_AFTER,
    ).exclude(Exists(Event.objects.filter(request=OuterRef("pk"), kind=EventKind.EMAIL_CONFIRMED)))
    for request in never_confirmed.iterator(chunk_size=200):
        request_minimise(request=request)
        count += 1
    return count


def minimise_expired(organization: Organization, *, now: datetime) -> int:
    cutoff = now - timedelta(days=organization.request_retention_days)
    expired = Request.objects.filter(
        organization=organization,
        status__in=CLOSED_STATUSES,
        closed_at__lt=cutoff,
        minimised_at__isnull=True,
    )
    count = 0
    for request in expired.iterator(chunk_size=200):
        request_minimise(request=request)
        count += 1
    return count


def clear_print_batches(organization: Organization, *, now: datetime) -> int:
    """Remove merged print PDFs a week after they were built (index: the batch's pk)."""
    batches = PrintBatch.objects.filter(
        organization=organization, built_at__lt=now - PRINT_BATCH_KEPT
    ).exclude(file="")
    count = 0
    for batch in batches.iterator(chunk_size=200):
        with transaction.atomic():
            batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
            if not batch.file:
                continue
            name = batch.file.name
            batch.file = ""
            fields = ["file"]
            if batch.status == PrintBatchStatus.READY:  # never posted: build a new one
                batch.status = PrintBatchStatus.FAILED
                batch.error = (
                    f"The merged PDF was removed {PRINT_BATCH_KEPT.days} days after it was "
                    "built. The letters not yet posted are still in the print queue."
                )
                fields += ["status", "error"]
            batch.save(update_fields=fields)
            storage_delete_on_commit(name)
        count += 1
    return count


def clear_register_exports(organization: Organization, *, now: datetime) -> int:
    """Remove signed register PDFs a week after they were built; the row keeps its sha256."""
    exports = RegisterExport.objects.filter(
        organization=organization, built_at__lt=now - REGISTER_EXPORT_KEPT
    ).exclude(file="")
    count = 0
    for export in exports.iterator(chunk_size=200):
        with transaction.atomic():
            export = RegisterExport.objects.select_for_update().get(pk=export.pk)
            if not export.file:
                continue
            name = export.file.name
            export.file = ""
            export.removed_at = now
            export.save(update_fields=["file", "removed_at"])
            storage_delete_on_commit(name)
        count += 1
    return count


def run(organization: Organization, *, now: datetime | None = None) -> RunCounts:
    """One retention run for one organisation, recorded as an Event with its counts."""
    now = now or timezone.now()
    counts = RunCounts(
        identity_documents_destroyed=destroy_leftover_identity_documents(organization, now=now),
        unconfirmed_withdrawn=withdraw_unconfirmed(organization, now=now),
        requests_minimised=minimise_expired(organization, now=now),
        print_batches_cleared=clear_print_batches(organization, now=now),
        register_exports_cleared=clear_register_exports(organization, now=now),
    )
    audit.record(
        organization=organization, kind=EventKind.RETENTION_RUN, actor=SYSTEM, data=asdict(counts)
    )
    return counts


def next_run(now: datetime) -> datetime:
    """When the beat runs the purges next. Read from the beat's own crontab (config/settings.py:
    once a day, in the desk's time zone), so the managers' page cannot disagree with it."""
    schedule = settings.CELERY_BEAT_SCHEDULE["retention"]["schedule"]
    local = timezone.localtime(now)
    candidate = local.replace(
        hour=min(schedule.hour), minute=min(schedule.minute), second=0, microsecond=0
    )
    return candidate if candidate > local else candidate + timedelta(days=1)


def last_run(organization: Organization) -> Event | None:
    return (
        Event.objects.filter(organization=organization, kind=EventKind.RETENTION_RUN)
        .order_by("-sequence")
        .first()
    )
