"""Four eyes (issue 18): a second member's approval of an irreversible action.

An `Approval` covers exactly one thing: the dry-run plan of an erasure job, a refusal
(its ground and explanation), or a package's release. `covers` is the SHA-256 of what was
approved; when the thing changes (a new dry run, another ground), the approval no longer
matches and the action needs a new one (dsr/four_eyes.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dsr.models.requests import Request


class ApprovalKind(models.TextChoices):
    ERASURE = "erasure", _("Erasure or anonymisation (dry run)")
    REFUSAL = "refusal", _("Refusal")
    RELEASE = "release", _("Release of the data package")


class Approval(models.Model):
    """Who asked for a second pair of eyes, who gave it, when, and on what exactly."""

    ORGANIZATION_PATH = "request__organization"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=10, choices=ApprovalKind.choices)
    # SHA-256 of the canonical JSON of what is approved (the plan, the refusal, the release).
    covers = models.CharField(max_length=64)
    # What the page shows of it, without personal data (sources and row counts, the ground).
    summary = models.JSONField(default=dict, blank=True)
    # What the action needs to be carried out later (a refusal's ground and explanation).
    parameters = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The thing changed after the request (a new dry run): this approval no longer counts.
    lapsed_at = models.DateTimeField(null=True, blank=True)
    # The approved action was carried out.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["request", "kind"], name="approval_request_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.request_id}"

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None and self.lapsed_at is None and self.used_at is None

    @property
    def is_live(self) -> bool:
        """Approved, still matching, not yet used."""
        return self.approved_at is not None and self.lapsed_at is None and self.used_at is None
