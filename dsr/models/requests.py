"""The request and what hangs on it: its reference counter, attachments, messages with
the subject, and the managers' reply templates.

State changes go through `dsr/workflow.py`; events are written by `dsr/audit.py`.
Foreign keys to people are SET_NULL or PROTECT: deleting a user never deletes a request.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization
from dsr.models.vocabulary import (
    OPEN_STATUS_VALUES,
    OPEN_STATUSES,
    AnswerChannel,
    Channel,
    EvidenceKind,
    IdentityStatus,
    Outcome,
    RefusalGround,
    Right,
    Status,
)


def new_public_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe: the key to the subject's status page."""
    return secrets.token_urlsafe(32)


class ReferenceCounter(models.Model):
    """The last reference number handed out per organisation and year.

    `dsr.references.allocate` increments it under a row lock, so concurrent
    inserts on PostgreSQL never get the same number and leave no gaps.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_counter_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}: {self.last_number}"


class Request(models.Model):
    """One data-subject request for one right (DESIGN.md, "The request")."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="requests"
    )
    reference = models.CharField(_("reference"), max_length=24, editable=False)
    public_token = models.CharField(
        max_length=64, unique=True, default=new_public_token, editable=False
    )
    submission_id = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text=_("Links the rights asked for together")
    )
    right = models.CharField(_("right"), max_length=24, choices=Right.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    answer_channel = models.CharField(
        _("answer by"), max_length=8, choices=AnswerChannel.choices, default=AnswerChannel.EMAIL
    )

    subject_name = models.CharField(_("name"), max_length=200)
    subject_email = models.EmailField(_("e-mail address"), blank=True)
    subject_postal_address = models.TextField(_("postal address"), blank=True)
    subject_customer_number = models.CharField(_("customer number"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IDENTITY_CHECK
    )
    # Where to return when a pause ends; set only while awaiting the subject or unverified.
    status_before_pause = models.CharField(max_length=20, choices=Status.choices, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("paused days"), default=0)

    due_date = models.DateField(_("statutory due date"))
    extended_due_date = models.DateField(_("extended due date"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    effective_due_date = models.DateField(_("effective due date"))

    identity_status = models.CharField(
        _("identity"),
        max_length=12,
        choices=IdentityStatus.choices,
        default=IdentityStatus.NOT_CHECKED,
    )
    identity_evidence = models.CharField(
        _("identity evidence"), max_length=24, choices=EvidenceKind.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )
    # An objection to direct marketing (Art. 21(2)) is absolute (Art. 21(3)): no ground
    # refuses it (dsr/letters/rules.py). Set when the request is made (desk, API, web form).
    direct_marketing = models.BooleanField(_("objection to direct marketing"), default=False)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    refusal_ground = models.CharField(
        _("refusal ground"), max_length=32, choices=RefusalGround.choices, blank=True
    )
    refusal_explanation = models.TextField(_("refusal explanation"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set when retention reduced the request to what proof and statistics need.
    minimised_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="unique_reference_per_org"
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_ground=""),
                name="refused_has_ground",
            ),
            models.CheckConstraint(
                condition=Q(extended_due_date__isnull=True)
                | Q(extended_due_date__gte=models.F("due_date")),
                name="extension_not_before_due",
            ),
        ]
        indexes = [
            # The queue: an organisation's requests in a status, soonest effective deadline first.
            models.Index(
                fields=["organization", "status", "effective_due_date"], name="queue_by_status"
            ),
            # The queue's default view: my (or unassigned) requests by effective deadline.
            models.Index(
                fields=["organization", "assignee", "effective_due_date"], name="queue_by_assignee"
            ),
            # The reminder sweep, across organisations: requests whose clock runs, due by a date.
            models.Index(
                fields=["effective_due_date"],
                name="running_by_effective_due",
                condition=Q(status__in=["identity_check", "in_progress"]),
            ),
            # Search by e-mail within an organisation, and "other requests by this subject".
            models.Index(fields=["organization", "subject_email"], name="request_subject_email"),
            # The API's list: newest first (cursor on id) within an organisation and status.
            models.Index(fields=["organization", "status", "-id"], name="api_by_status_newest"),
            # Rights asked together in one submission.
            models.Index(fields=["submission_id"], name="request_submission"),
            # Reports and retention: closed requests by closing date.
            models.Index(fields=["organization", "closed_at"], name="request_closed_at"),
            # --- the desk's queue (dsr/desk/filters.py); EXPLAIN in bench/queue.py ---------
            # Open requests by effective deadline: the default view, "overdue", "due within".
            models.Index(
                fields=["organization", "effective_due_date"],
                name="open_by_due",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Open requests of one assignee (or unassigned) by deadline.
            models.Index(
                fields=["organization", "assignee", "effective_due_date"],
                name="open_by_assignee",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Open requests filtered by right, channel or language, by deadline.
            models.Index(
                fields=["organization", "right", "effective_due_date"],
                name="open_by_right",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(
                fields=["organization", "channel", "effective_due_date"],
                name="open_by_channel",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(
                fields=["organization", "language", "effective_due_date"],
                name="open_by_language",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Open requests in order of receipt (sort "received").
            models.Index(
                fields=["organization", "received_at"],
                name="open_by_received",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # One status (closed ones too) in order of receipt.
            models.Index(
                fields=["organization", "status", "received_at"], name="queue_status_by_received"
            ),
            # Every status ("all", "closed") by deadline or by receipt.
            models.Index(fields=["organization", "effective_due_date"], name="queue_all_by_due"),
            models.Index(fields=["organization", "received_at"], name="queue_all_by_received"),
            # The "extended" and "clock paused" filters.
            models.Index(
                fields=["organization", "effective_due_date"],
                name="extended_by_due",
                condition=Q(extended_due_date__isnull=False),
            ),
            models.Index(
                fields=["organization", "effective_due_date"],
                name="paused_by_due",
                condition=Q(paused_since__isnull=False),
            ),
            # Search by reference, name or e-mail: trigram indexes on PostgreSQL only, made by
            # migration dsr/0007 (pg_trgm GIN on UPPER(column), what icontains compiles to).
            # Repeat requests (dsr/desk/repeats.py): the same subject, right and organisation
            # by normalised e-mail or by customer number, within 12 months.
            models.Index(
                models.F("organization"),
                models.F("right"),
                Lower(Trim("subject_email")),
                models.F("received_at"),
                name="repeat_by_email",
            ),
            models.Index(
                fields=["organization", "right", "subject_customer_number", "received_at"],
                name="repeat_by_customer_number",
                condition=~Q(subject_customer_number=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_right_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @property
    def is_extended(self) -> bool:
        return self.extended_due_date is not None

    def days_left(self, today: date) -> int:
        from dsr import deadlines

        return deadlines.days_left(self.effective_due_date, today=today)

    def mail_of_receipt(self):
        """The received e-mail this request was made from (the inbox's "turn into
        requests"), whose date of receipt and its source the request page shows; None for
        a request that did not come by e-mail through the inbox."""
        return self.inbound_mails.filter(status="converted").order_by("pk").first()

    def status_url(self) -> str:
        """The subject's status page, absolute (e-mails, letters, the API). Its address is
        the subject's key: give it only to the subject and to those who may act."""
        return settings.SITE_URL + reverse("intake:status", kwargs={"token": self.public_token})


class AttachmentKind(models.TextChoices):
    IDENTITY_PROOF = "identity_proof", _("Identity proof")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    EVIDENCE = "evidence", _("Evidence")
    # The received e-mail itself (message/rfc822), encrypted: the evidence of an e-mailed
    # request or reply (docs/EMAIL.md). Never checked as an upload; offered as a download.
    ORIGINAL_EMAIL = "original_email", _("Original e-mail")


class Attachment(models.Model):
    """A file on a request, stored encrypted at rest (dsr/attachments.py)."""

    ORGANIZATION_PATH = "request__organization"

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=255, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, help_text=_("Sniffed from the bytes"))
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_subject = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Retention sweep: identity documents not yet destroyed.
            models.Index(
                fields=["kind"],
                name="attachment_not_destroyed",
                condition=Q(destroyed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None


class Message(models.Model):
    """Correspondence with the subject shown on the status page (never internal notes)."""

    ORGANIZATION_PATH = "request__organization"

    class Direction(models.TextChoices):
        TO_SUBJECT = "to_subject", _("To the subject")
        FROM_SUBJECT = "from_subject", _("From the subject")

    class Kind(models.TextChoices):
        INFORMATION_REQUEST = "information_request", _("Request for information")
        ANSWER = "answer", _("Answer to a request for information")
        MESSAGE = "message", _("Message")

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="messages")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} ({self.request_id})"


class ReplyTemplate(models.Model):
    """A manager's canned message to the subject, per right and language."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="reply_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    right = models.CharField(
        _("right"),
        max_length=24,
        choices=Right.choices,
        blank=True,
        help_text=_("Empty: any right"),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "right", "language"], name="unique_reply_template"
            ),
        ]

    def __str__(self) -> str:
        return self.name
