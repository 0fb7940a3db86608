"""The controller's own systems talking to the desk: API idempotency keys and webhooks
(dsr/api/)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


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


class FormSubmission(models.Model):
    """A desk form that was sent (its one-time token) and where its result is: the same form
    sent again (a double click, a retry after an error page) lands there instead of doing
    its work twice (dsr/desk/once.py)."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"form {self.token}"


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
    # When the worker should next be at it: set when the delivery is made, and before each
    # POST to when its retry is due should it fail. Empty when the broker could not take the
    # task: the next sweep sends it whatever its age (dsr/api/webhooks.py, `pending`).
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The recovery sweep: deliveries neither delivered nor given up, by when due.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_pending",
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} to {self.endpoint_id}"
