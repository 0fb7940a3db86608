"""The request domain: requests, their events, attachments, and the organisation's register.

State changes go through `dsr/workflow.py`; events are written by `dsr/audit.py`.
Foreign keys to people are SET_NULL or PROTECT: deleting a user never deletes a request.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization
from dsr import broker


class Right(models.TextChoices):
    """One request is one right (LEGAL.md, "The rights")."""

    ACCESS = "access", _("Access (Art. 15)")
    RECTIFICATION = "rectification", _("Rectification (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
    PORTABILITY = "portability", _("Data portability (Art. 20)")
    OBJECTION = "objection", _("Objection (Art. 21)")
    AUTOMATED_DECISION = "automated_decision", _("Automated decision-making (Art. 22)")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    API = "api", _("API")


class AnswerChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")


class Status(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for e-mail confirmation")
    IDENTITY_CHECK = "identity_check", _("Identity check")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_SUBJECT = "awaiting_subject", _("Waiting for the subject")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    Status.UNVERIFIED,
    Status.IDENTITY_CHECK,
    Status.IN_PROGRESS,
    Status.AWAITING_SUBJECT,
)
CLOSED_STATUSES = (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN)
# The open statuses as plain strings, for index conditions (stable in migrations).
OPEN_STATUS_VALUES = ["unverified", "identity_check", "in_progress", "awaiting_subject"]


class IdentityStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked yet")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Could not be established")


class EvidenceKind(models.TextChoices):
    """How identity was established (LEGAL.md, "Identity"): a document is the exception."""

    EMAIL_MATCHES_RECORD = "email_matches_record", _("Confirmed e-mail matches the customer record")
    ACCOUNT_SESSION = "account_session", _("Request made from the customer's logged-in account")
    CUSTOMER_DETAILS = "customer_details", _("Customer number and details match the record")
    IDENTITY_DOCUMENT = "identity_document", _("Copy of an identity document")
    IN_PERSON = "in_person", _("Seen in person")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    FULFILLED = "fulfilled", _("Carried out in full")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Carried out in part (partial refusal)")
    NO_DATA = "no_data", _("No personal data held about the subject")


class RefusalGround(models.TextChoices):
    """The fixed list of refusal grounds (LEGAL.md, "Refusal and fees", Art. 17(3), 21)."""

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded", _("Manifestly unfounded (Art. 12(5))")
    EXCESSIVE = "excessive", _("Excessive, in particular repetitive (Art. 12(5))")
    IDENTITY_NOT_ESTABLISHED = (
        "identity_not_established",
        _("Identity could not be established (Art. 11(2), 12(2))"),
    )
    FREEDOM_OF_EXPRESSION = (
        "freedom_of_expression",
        _("Freedom of expression and information (Art. 17(3)(a))"),
    )
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation or public task (Art. 17(3)(b))")
    PUBLIC_HEALTH = "public_health", _("Public interest in public health (Art. 17(3)(c))")
    ARCHIVING_RESEARCH = (
        "archiving_research",
        _("Archiving, scientific or historical research, statistics (Art. 17(3)(d))"),
    )
    LEGAL_CLAIMS = "legal_claims", _("Legal claims (Art. 17(3)(e))")
    COMPELLING_GROUNDS = "compelling_grounds", _("Compelling legitimate grounds (Art. 21(1))")
    OTHER = "other", _("Other (explained)")


# Grounds that only make sense for some rights (an Art. 17(3) ground answers an erasure).
ERASURE_ONLY_GROUNDS = frozenset(
    {
        RefusalGround.FREEDOM_OF_EXPRESSION,
        RefusalGround.LEGAL_OBLIGATION,
        RefusalGround.PUBLIC_HEALTH,
        RefusalGround.ARCHIVING_RESEARCH,
        RefusalGround.LEGAL_CLAIMS,
    }
)
OBJECTION_ONLY_GROUNDS = frozenset({RefusalGround.COMPELLING_GROUNDS})


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


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SUBJECT = "subject", _("Data subject")
    SYSTEM = "system", _("System")
    API = "api", _("API token")


class EventKind(models.TextChoices):
    RECEIVED = "request.received", _("Request received")
    EMAIL_CONFIRMED = "request.email_confirmed", _("E-mail address confirmed")
    ASSIGNED = "request.assigned", _("Assigned")
    IDENTITY_VERIFIED = "identity.verified", _("Identity verified")
    IDENTITY_FAILED = "identity.failed", _("Identity not established")
    INFORMATION_REQUESTED = "information.requested", _("Information asked from the subject")
    INFORMATION_RECEIVED = "information.received", _("Information received from the subject")
    EXTENDED = "request.extended", _("Deadline extended")
    COMPLETED = "request.completed", _("Completed")
    REFUSED = "request.refused", _("Refused")
    WITHDRAWN = "request.withdrawn", _("Withdrawn")
    NOTE = "request.note", _("Internal note")
    REMINDER_SENT = "request.reminder", _("Deadline reminder sent")
    MINIMISED = "request.minimised", _("Reduced to what proof and statistics need")
    RETENTION_RUN = "retention.run", _("Retention run")
    MESSAGE_SENT = "message.sent", _("Message sent to the subject")
    ATTACHMENT_ADDED = "attachment.added", _("Attachment added")
    ATTACHMENT_DESTROYED = "attachment.destroyed", _("Attachment destroyed")
    ATTACHMENT_VIEWED = "attachment.viewed", _("Identity document viewed")
    LETTER_ISSUED = "letter.issued", _("Letter issued")
    LETTER_CORRECTED = "letter.corrected", _("Corrected letter issued (new version)")
    LETTER_READY = "letter.ready", _("Letter rendered and signed")
    LETTER_FAILED = "letter.failed", _("Letter could not be rendered")
    LETTER_EMAILED = "letter.emailed", _("Letter sent by e-mail")
    LETTER_QUEUED_FOR_POST = "letter.queued_for_post", _("Letter queued for post")
    LETTER_POSTED = "letter.posted", _("Letter posted")
    LETTER_DOWNLOADED = "letter.downloaded", _("Letter downloaded")
    SIGNING_CERTIFICATE_SET = "organization.signing_certificate", _("Signing certificate set")
    DATA_SOURCE_SAVED = "fulfilment.source_saved", _("Data source saved")
    FULFILMENT_PLANNED = "fulfilment.planned", _("Fulfilment dry run")
    FULFILMENT_CONFIRMED = "fulfilment.confirmed", _("Fulfilment confirmed and started")
    FULFILMENT_STEP_DONE = "fulfilment.step_done", _("Fulfilment step done")
    FULFILMENT_STEP_FAILED = "fulfilment.step_failed", _("Fulfilment step failed")
    FULFILMENT_STEP_IMPOSSIBLE = "fulfilment.step_impossible", _("Fulfilment step impossible")
    FULFILMENT_STEP_RETRIED = "fulfilment.step_retried", _("Fulfilment step retried")
    FULFILMENT_FINISHED = "fulfilment.finished", _("Fulfilment finished")
    # The request closed (withdrawn, refused, completed) before its job ended.
    FULFILMENT_CANCELLED = "fulfilment.cancelled", _("Fulfilment cancelled")
    FULFILMENT_STEP_CANCELLED = "fulfilment.step_cancelled", _("Fulfilment step stopped")
    PACKAGE_CREATED = "package.created", _("Data package created")
    PACKAGE_DOWNLOADED = "package.downloaded", _("Data package downloaded")
    PACKAGE_DELETED = "package.deleted", _("Data package deleted")
    ART19_NOTICE = "art19.notice", _("Recipient notified (Art. 19)")
    EVENTS_EXPORTED = "audit.events_exported", _("Audit events downloaded")
    REGISTER_EXPORTED = "reports.register_exported", _("Request register downloaded")
    MEMBER_ROLE_CHANGED = "organization.member_role", _("Member's role changed")
    MEMBER_REMOVED = "organization.member_removed", _("Member removed")


class EventQuerySet(models.QuerySet["Event"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Events are append-only and are never deleted")

    def update(self, **kwargs: object) -> int:
        # The only update allowed is minimisation: dropping the personal-data payload.
        if set(kwargs) != {"payload"} or kwargs["payload"] is not None:
            raise PermissionError("Events are append-only; only their payload may be dropped")
        return super().update(payload=None)


class Event(models.Model):
    """One fact in a request's history; append-only and hash-chained per organisation.

    `data` holds what proof and statistics need and is hashed into the chain as is.
    `payload` holds personal data; only its hash is in the chain, so minimisation
    can drop the payload and `audit.verify` still passes (see dsr/audit.py).
    """

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveBigIntegerField()
    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who acted, as text fixed at the time (a user's e-mail, an API token's name, "subject").
    actor_label = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    payload = models.JSONField(null=True, blank=True)
    payload_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        constraints = [
            # Two appends racing for the same place in the chain: one fails instead of forking it.
            models.UniqueConstraint(fields=["organization", "sequence"], name="one_event_per_seq"),
        ]
        indexes = [
            # The request page's timeline.
            models.Index(fields=["request", "sequence"], name="event_timeline"),
        ]
        ordering = ["organization", "sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("Events are append-only and are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Events are append-only and are never deleted")


class AuditHead(models.Model):
    """The end of an organisation's event chain; locked while an event is appended."""

    ORGANIZATION_PATH = "organization"

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="audit_head", primary_key=True
    )
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    verified_sequence = models.PositiveBigIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"chain of {self.organization_id} at #{self.last_sequence}"


class AttachmentKind(models.TextChoices):
    IDENTITY_PROOF = "identity_proof", _("Identity proof")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    EVIDENCE = "evidence", _("Evidence")


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


class OutboundEmail(models.Model):
    """An e-mail rendered and stored before it is sent: the database, not the broker, is
    the truth, so a lost task message never loses a mail (dsr/emails.py)."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="emails", null=True, blank=True
    )
    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, related_name="emails", null=True, blank=True
    )
    template = models.CharField(max_length=80)
    to = models.EmailField()
    reply_to = models.EmailField(blank=True)
    # A letter sent as a PDF attachment: read (and decrypted) only when the mail is sent.
    letter = models.ForeignKey(
        "Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="emails"
    )
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The recovery sweep: mails not sent yet, oldest first.
            models.Index(
                fields=["created_at"], name="email_unsent", condition=Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to}"


class Reminder(models.Model):
    """A deadline reminder that was sent: the unique constraint makes each (request,
    threshold) go out once, even with two beat processes or a task delivered twice."""

    ORGANIZATION_PATH = "request__organization"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(max_length=12, help_text=_("'days:7', 'days:0' or 'overdue'"))
    effective_due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    # False for a milder threshold passed over because a more urgent one was sent instead.
    notified = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "threshold"], name="one_reminder_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold} for {self.request_id}"


class DigestSent(models.Model):
    """The morning digest went to this user on this date (once a day, guaranteed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_digest_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.date}"


class IdempotencyKey(models.Model):
    """An API create that may be retried: the same key returns the same requests."""

    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64, help_text=_("sha256 of the request body"))
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="one_use_per_idempotency_key"),
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """An HTTPS endpoint of the controller told about chosen events (dsr/api/webhooks.py)."""

    ORGANIZATION_PATH = "organization"

    class Topic(models.TextChoices):
        REQUEST_CREATED = "request.created", _("Request created")
        STATUS_CHANGED = "request.status_changed", _("Status changed")
        DUE_SOON = "request.due_soon", _("Due soon")
        OVERDUE = "request.overdue", _("Overdue")
        COMPLETED = "request.completed", _("Completed")
        LETTER_ISSUED = "letter.issued", _("Letter issued")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    topics = models.JSONField(_("events"), default=list)
    secret = models.BinaryField(help_text=_("Encrypted signing secret"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One signed POST to one endpoint, retried from the worker, with its outcome."""

    ORGANIZATION_PATH = "endpoint__organization"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    topic = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The recovery sweep: deliveries neither delivered nor given up.
            models.Index(
                fields=["created_at"],
                name="webhook_pending",
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} to {self.endpoint_id}"


class Recipient(models.Model):
    """A processor or third party that receives personal data (Art. 15(1)(c), Art. 19)."""

    ORGANIZATION_PATH = "organization"

    class Kind(models.TextChoices):
        PROCESSOR = "processor", _("Processor")
        THIRD_PARTY = "third_party", _("Third party")
        JOINT_CONTROLLER = "joint_controller", _("Joint controller")
        GROUP_COMPANY = "group_company", _("Group company")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="recipients"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    purpose = models.CharField(_("what they do with the data"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact for Art. 19 notices"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    data_categories = models.JSONField(_("data categories received"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_recipient_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProcessingActivity(models.Model):
    """One line of the organisation's register (Art. 30), the source of the access answer."""

    ORGANIZATION_PATH = "organization"

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent (Art. 6(1)(a))")
        CONTRACT = "contract", _("Contract (Art. 6(1)(b))")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c))")
        VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d))")
        PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e))")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Art. 6(1)(f))")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="processing_activities"
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    data_categories = models.JSONField(_("categories of personal data"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    retention = models.CharField(_("retention period or its criteria"), max_length=300)
    source = models.CharField(
        _("source of the data"),
        max_length=300,
        default=_("The data subject"),
        help_text=_("Art. 15(1)(g): where the data came from when not from the subject"),
    )
    automated_decision_logic = models.TextField(
        _("automated decision-making and its logic"),
        blank=True,
        help_text=_("Art. 15(1)(h); leave empty when there is none"),
    )
    recipients = models.ManyToManyField(Recipient, blank=True, related_name="activities")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing register")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_activity_name"),
        ]

    def __str__(self) -> str:
        return self.name


# --- letters (dsr/letters/) --------------------------------------------------------------------


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
        return self.status == LetterStatus.RENDERING and self.error == broker.UNREACHABLE

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


# --- Fulfilment: data sources, jobs, data packages, Art. 19 notices (dsr/jobs.py) ----------


class ConnectorKind(models.TextChoices):
    SQL = "sql", _("Database (SQL)")
    HTTP = "http", _("Web endpoint (HTTP, signed)")
    MANUAL = "manual", _("Manual task for a person")


# The rights a Job carries out in the controller's systems; the others are answered by letter.
FULFILMENT_RIGHTS = (
    Right.ACCESS,
    Right.PORTABILITY,
    Right.ERASURE,
    Right.RECTIFICATION,
    Right.RESTRICTION,
)
EXPORT_RIGHTS = (Right.ACCESS, Right.PORTABILITY)
# Rights after which the recipients of the data are told (Art. 19).
ARTICLE_19_RIGHTS = (Right.ERASURE, Right.RECTIFICATION, Right.RESTRICTION)


class DataSource(models.Model):
    """One system of the controller and how the desk reaches it (dsr/connectors/).

    `config` holds what is not secret (the SQL map, the endpoint's options, the manual
    task's instructions); `secrets_encrypted` holds a Fernet token of a JSON object
    (database URL with its password, HMAC secret, keyed-hash key).
    """

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="data_sources"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("connector"), max_length=10, choices=ConnectorKind.choices)
    description = models.TextField(_("description"), blank=True)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    data_categories = models.JSONField(
        _("data categories held"),
        default=list,
        blank=True,
        help_text=_("As named in the register; recipients of these categories get Art. 19 notices"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_source_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def secrets(self) -> dict:
        import json

        from dsr import crypto

        if not self.secrets_encrypted:
            return {}
        return json.loads(crypto.decrypt(self.secrets_encrypted.encode()))

    def set_secrets(self, values: dict) -> None:
        import json

        from dsr import crypto

        self.secrets_encrypted = crypto.encrypt(json.dumps(values).encode()).decode()


class JobStatus(models.TextChoices):
    PLANNED = "planned", _("Dry run, waiting for confirmation")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class StepStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Waiting for the system or a person")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    IMPOSSIBLE = "impossible", _("Impossible")
    # The request closed: never started, or stopped at its next checkpoint (its record says
    # what it did until then).
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STEP_STATUSES = (StepStatus.QUEUED, StepStatus.RUNNING, StepStatus.WAITING)
FINAL_STEP_STATUSES = (
    StepStatus.DONE,
    StepStatus.FAILED,
    StepStatus.IMPOSSIBLE,
    StepStatus.CANCELLED,
)


class Job(models.Model):
    """One right carried out against every relevant data source: one step per source."""

    ORGANIZATION_PATH = "request__organization"

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="jobs")
    right = models.CharField(max_length=24, choices=Right.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PLANNED)
    # Rectification: the corrections, encrypted (personal data).
    parameters_encrypted = models.TextField(blank=True, editable=False)
    planned_at = models.DateTimeField()
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a data package must be (re)built; cleared with the package's creation.
    package_wanted_at = models.DateTimeField(null=True, blank=True)
    package_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "right"], name="one_job_per_right"),
        ]
        indexes = [
            # The sweep: packages wanted whose build was lost.
            models.Index(
                fields=["package_lease_until"],
                name="job_package_wanted",
                condition=Q(package_wanted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_right_display()} job for {self.request_id}"


class JobStep(models.Model):
    """One source's part of a job; run by a Celery task, idempotent, resumable.

    `state` is the step's bookmark (the subject's keys found at the start, per-table
    cursors, the batch being applied), committed after every batch, so a killed worker's
    successor resumes where it stopped and counts every row once. `lease_until` says when
    the sweep may enqueue the step again; `claim` is who holds it now.
    """

    ORGANIZATION_PATH = "job__request__organization"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.PLANNED)
    token = models.CharField(max_length=64, unique=True, default=new_public_token, editable=False)
    plan = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=list, blank=True)
    rows_total = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["job", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "source"], name="one_step_per_source"),
        ]
        indexes = [
            # The sweep: active steps whose lease ran out (their task was lost or killed).
            models.Index(
                fields=["lease_until"],
                name="step_lease",
                condition=Q(status__in=["queued", "running", "waiting"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.status})"

    @property
    def waits_for_worker(self) -> bool:
        """Queued while the broker was unreachable: the sweep will hand it to the worker."""
        return self.status == StepStatus.QUEUED and self.last_error == broker.UNREACHABLE

    @property
    def percent(self) -> int:
        if self.status in (StepStatus.DONE, StepStatus.IMPOSSIBLE):
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


def new_package_token() -> str:
    return secrets.token_urlsafe(32)


class DataPackage(models.Model):
    """The subject's copy of their data (access, portability): a ZIP, encrypted at rest,
    downloadable through an unguessable token until it expires or is used up."""

    ORGANIZATION_PATH = "request__organization"

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="packages")
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="packages")
    token = models.CharField(max_length=64, unique=True, default=new_package_token, editable=False)
    file = models.FileField(upload_to="packages/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveSmallIntegerField()
    downloads = models.PositiveSmallIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The purge: packages still on disk, by expiry.
            models.Index(
                fields=["expires_at"],
                name="package_on_disk",
                condition=Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"package {self.pk} of {self.request_id}"

    def is_available(self, now) -> bool:
        return (
            self.deleted_at is None
            and self.expires_at > now
            and self.downloads < self.max_downloads
        )


class Art19Notice(models.Model):
    """A recipient told of an erasure, rectification or restriction (Art. 19)."""

    ORGANIZATION_PATH = "job__request__organization"

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="notices")
    recipient = models.ForeignKey(
        Recipient, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    recipient_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    data_categories = models.JSONField(default=list)
    email = models.ForeignKey(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "recipient_name"], name="one_notice_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"Art. 19 notice to {self.recipient_name}"
