"""The audit log: events, append-only and hash-chained per organisation (dsr/audit.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organization
from dsr.models.requests import Request
from dsr.models.vocabulary import ActorKind, EventKind


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
