"""Letters to the subject, the mailroom's print batches, and the signed register exports
(dsr/letters/, dsr/desk/reports/exports.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization
from dsr.models.requests import Request


class LetterKind(models.TextChoices):
    """The letters the desk writes (issue 6); the answer's template depends on the right."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
    INFORMATION_REQUEST = "information_request", _("Request for identity or information")
    EXTENSION_NOTICE = "extension_notice", _("Extension notice")
    ANSWER = "answer", _("Answer")
    REFUSAL = "refusal", _("Refusal")
    PARTIAL_REFUSAL = "partial_refusal", _("Partial refusal")
    WITHDRAWAL_CONFIRMATION = "withdrawal_confirmation", _("Confirmation of withdrawal")


class LetterStatus(models.TextChoices):
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Letter(models.Model):
    """A dated, signed PDF letter to the subject (dsr/letters/).

    The web request creates the row in status "rendering" with `content`, everything the
    letter says, fixed at that moment; the worker renders, signs and stores the PDF
    (encrypted) and records its sha256. A stored letter never changes: a correction is a
    new letter whose `previous` is the one it corrects.
    """

    ORGANIZATION_PATH = "request__organization"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("kind"), max_length=24, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        help_text=_("The letter this version corrects"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.RENDERING
    )
    content = models.JSONField(default=dict, help_text=_("What the letter says, fixed at issue"))
    letter_date = models.DateField(_("date of the letter"))
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    file = models.FileField(upload_to="letters/%Y/%m/", max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(default=0)
    signed = models.BooleanField(default=False)
    timestamped = models.BooleanField(default=False)
    certificate_fingerprint = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # The task could not be handed to the broker at this moment (dsr/broker.py): the sweep
    # enqueues it again, and its next run clears this.
    enqueue_failed_at = models.DateTimeField(null=True, blank=True)

    emailed_at = models.DateTimeField(_("sent by e-mail"), null=True, blank=True)
    post_queued_at = models.DateTimeField(_("queued for post"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["issued_at", "pk"]
        indexes = [
            # The request page's letters, in order.
            models.Index(fields=["request", "issued_at"], name="letter_by_request"),
            # The print queue: letters queued for post and not posted yet, oldest first.
            models.Index(
                fields=["post_queued_at"],
                name="letter_waiting_for_post",
                condition=Q(post_queued_at__isnull=False, posted_at__isnull=True),
            ),
            # The sweep: letters whose rendering task was lost.
            models.Index(
                fields=["issued_at"], name="letter_rendering", condition=Q(status="rendering")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.request_id})"

    @property
    def is_ready(self) -> bool:
        return self.status == LetterStatus.READY

    @property
    def is_delivered(self) -> bool:
        """Sent to the subject (by e-mail or post) and still stored: the status page may
        offer it."""
        delivered = self.emailed_at is not None or self.posted_at is not None
        return self.is_ready and self.removed_at is None and delivered

    @property
    def removed_at(self) -> datetime | None:
        """When retention removed the PDF: minimising the request removes its letters' files
        in the same transaction (dsr/retention.py). The row, with its sha256, stays as proof
        of what was sent."""
        return self.request.minimised_at if self.status == LetterStatus.READY else None

    @property
    def waits_for_worker(self) -> bool:
        """Issued while the broker was unreachable: the sweep will hand it to the worker."""
        return self.status == LetterStatus.RENDERING and self.enqueue_failed_at is not None

    @property
    def file_name(self) -> str:
        reference = self.request.reference
        return f"{reference}-{self.kind.replace('_', '-')}-v{self.version}.pdf"


class PrintBatchStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready to print")
    FAILED = "failed", _("Failed")
    POSTED = "posted", _("Posted")


class PrintBatch(models.Model):
    """Letters merged into one PDF for the mailroom, each starting on an odd page."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="print_batches"
    )
    letters = models.ManyToManyField(Letter, related_name="print_batches")
    status = models.CharField(
        max_length=10, choices=PrintBatchStatus.choices, default=PrintBatchStatus.BUILDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="print/%Y/%m/", max_length=255, blank=True)
    page_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    built_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep: batches whose building task was lost.
            models.Index(
                fields=["created_at"], name="print_batch_building", condition=Q(status="building")
            ),
        ]

    def __str__(self) -> str:
        return f"print batch {self.pk} ({self.total} letters)"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class RegisterExport(models.Model):
    """The signed register PDF of one period (dsr/desk/reports/exports.py): asked for by a
    member, laid out, signed and stored encrypted by the worker, downloaded as a file.

    Building: `built_at` and `error` empty. Ready: `built_at` set and a file. Failed: an
    `error`. Retention removes the file a week after it was built; the row and its sha256
    stay, so a PDF handed to a regulator can still be matched with the record."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="register_exports"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    # The register's words (headers, outcomes) are in the language of the member who asked.
    language = models.CharField(max_length=2)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    built_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="registers/%Y/%m/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    signed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The reports page and the request: this period's exports of one organisation.
            models.Index(
                fields=["organization", "period_start", "period_end", "requested_at"],
                name="register_export_period",
            ),
            # The sweep and the per-organisation cap: exports still being built.
            models.Index(
                fields=["requested_at"],
                name="register_export_building",
                condition=Q(built_at__isnull=True, error=""),
            ),
        ]

    def __str__(self) -> str:
        return f"register {self.period_start} to {self.period_end} ({self.organization_id})"

    @property
    def building(self) -> bool:
        return self.built_at is None and not self.error

    @property
    def ready(self) -> bool:
        return self.built_at is not None and bool(self.file)
