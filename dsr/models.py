"""The request domain: requests, their events, attachments, and the organisation's register.

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
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization


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
            # Rights asked together in one submission.
            models.Index(fields=["submission_id"], name="request_submission"),
            # Reports and retention: closed requests by closing date.
            models.Index(fields=["organization", "closed_at"], name="request_closed_at"),
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
