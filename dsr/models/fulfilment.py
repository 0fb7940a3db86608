"""Fulfilment: data sources, jobs and their steps, data packages, Art. 19 notices
(dsr/fulfilment/)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from dsr.models.notifications import OutboundEmail
from dsr.models.register import Recipient
from dsr.models.requests import Request, new_public_token
from dsr.models.vocabulary import Right


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
    # Set by a manager: the source holds only the subject's own data (the in-app "download
    # my data" case), so its export may go out without review when the organisation allows it.
    own_data_only = models.BooleanField(
        _("holds only the subject's own data"),
        default=False,
        help_text=_(
            "Nothing about other people (household members, staff, other customers): when the "
            "organisation allows it, a package made only of such sources is released without "
            "review"
        ),
    )
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
    # The task could not be handed to the broker at this moment (dsr/broker.py): the sweep
    # enqueues it again, and its next run clears this.
    enqueue_failed_at = models.DateTimeField(null=True, blank=True)
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
        return self.status == StepStatus.QUEUED and self.enqueue_failed_at is not None

    @property
    def percent(self) -> int:
        if self.status in (StepStatus.DONE, StepStatus.IMPOSSIBLE):
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


# The package's token is made like every other secret token; this name stays because
# migration 0006 names it as the field's default.
new_package_token = new_public_token


class DataPackage(models.Model):
    """The subject's copy of their data (access, portability): a ZIP, encrypted at rest,
    downloadable through an unguessable token until it expires or is used up."""

    ORGANIZATION_PATH = "request__organization"

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="packages")
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="packages")
    token = models.CharField(max_length=64, unique=True, default=new_public_token, editable=False)
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


# --- review before release (Art. 15(4)) -------------------------------------------------------


class ReviewStatus(models.TextChoices):
    REVIEW = "review", _("Waiting for review")
    RELEASED = "released", _("Released to the subject")
    # Withdrawn or refused before release: nothing is built, the parts are deleted.
    DROPPED = "dropped", _("Not released: the request was closed")


class WithholdReason(models.TextChoices):
    """Why a part of the copy is withheld (Art. 15(4), 20(4); LEGAL.md)."""

    THIRD_PARTY = "third_party", _("Another person's personal data")
    TRADE_SECRET = "trade_secret", _("Trade secret or intellectual property")
    LEGAL_PRIVILEGE = "legal_privilege", _("Legal professional privilege")
    OTHER = "other", _("Other (explained)")


class DecisionKind(models.TextChoices):
    TABLE = "table", _("Table excluded")
    COLUMN = "column", _("Column excluded")
    ROW = "row", _("Row excluded")
    CELL = "cell", _("Value redacted")
    TEXT = "text", _("Text redacted everywhere")
    FILE = "file", _("File excluded")


class PackageReview(models.Model):
    """A built export waiting for an officer before anything reaches the subject.

    One per export job; its decisions say what the final package leaves out. `salt` keys the
    HMAC under which a redacted value appears in Events (never the value itself)."""

    ORGANIZATION_PATH = "job__request__organization"

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.REVIEW
    )
    salt = models.CharField(max_length=64, default=new_public_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Released without review: every source holds only the subject's own data and the
    # organisation allows it (Organization.release_unreviewed_own_data).
    automatic = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["status"], name="review_waiting", condition=Q(status="review")),
        ]

    def __str__(self) -> str:
        return f"review of {self.job}"

    @property
    def active_decisions(self):
        return self.decisions.filter(undone_at__isnull=True)

    def grounds(self) -> list[str]:
        """The reasons of the decisions in force, each once, in the list's order."""
        used = set(self.active_decisions.values_list("reason", flat=True))
        return [reason for reason in WithholdReason.values if reason in used]


class ReviewDecision(models.Model):
    """One exclusion or redaction an officer made in a review (undone: `undone_at`).

    `step`/`table`/`column`/`row` say where; a literal text redaction holds its text
    encrypted (`text_encrypted`) and only its HMAC (`value_hash`) in the clear."""

    ORGANIZATION_PATH = "review__job__request__organization"

    review = models.ForeignKey(PackageReview, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    step = models.ForeignKey(
        JobStep, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    table = models.CharField(max_length=200, blank=True)
    column = models.CharField(max_length=200, blank=True)
    row = models.PositiveBigIntegerField(null=True, blank=True)
    text_encrypted = models.TextField(blank=True, editable=False)
    value_hash = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=20, choices=WithholdReason.choices)
    reason_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} in {self.review}"

    @property
    def text(self) -> str:
        from dsr import crypto

        if not self.text_encrypted:
            return ""
        return crypto.decrypt(self.text_encrypted.encode()).decode()
