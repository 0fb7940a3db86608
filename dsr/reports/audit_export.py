"""The audit chain for managers and auditors: its state, and one request's events as JSON.

A download holds, for every event of the request, exactly what `audit.event_digest` hashes
(organization, sequence, previous, request, created_at, kind, actor_kind, actor_label, data,
payload_hash) and the stored `hash`, plus the chain's head when it was made. Anyone can then
recompute each hash with the standard library (`scripts/verify_events.py`, docs/AUDIT.md):
nothing in a download needs the desk to be checked. Payloads (personal data) are not in it;
their hashes are.

Events not yet appended to the chain (no sequence, no hash) are exported as they are and
marked "pending": they can only be checked once they are chained.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dsr import audit
from dsr.models import AuditHead, Event, EventKind, Request

FORMAT = "dsr-desk-events/1"
# The fields of an event that its hash covers, in the names the hash uses.
DIGEST_FIELDS = (
    "organization",
    "sequence",
    "previous",
    "request",
    "created_at",
    "kind",
    "actor_kind",
    "actor_label",
    "data",
    "payload_hash",
)
# Above this many events the "verify now" button hands the walk to the worker.
INLINE_VERIFY_MAX_EVENTS = 20_000


def timestamp(moment: datetime) -> str:
    """An event's time as it is hashed: UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest_material(event: Event) -> dict[str, Any]:
    """What `audit.event_digest` hashes about `event`, in the same names and forms.

    (A copy of the dictionary built inside `audit.event_digest`, which does not expose it;
    `tests/dsr/reports/test_audit_export.py` proves that hashing this gives `event.hash`.)"""
    return {
        "organization": event.organization_id,
        "sequence": event.sequence,
        "previous": event.previous_hash,
        "request": event.request_id,
        "created_at": timestamp(event.created_at),
        "kind": event.kind,
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "data": event.data,
        "payload_hash": event.payload_hash,
    }


def exported_event(event: Event) -> dict[str, Any]:
    pending = event.sequence is None or not event.hash
    return {**digest_material(event), "hash": event.hash or None, "pending": pending}


@transaction.atomic
def request_events_export(*, request: Request, actor: audit.Actor) -> dict[str, Any]:
    """Record the download, then every event of the request (that record included) with
    the organisation's chain head: one JSON document."""
    organization = request.organization
    audit.record(
        organization=organization,
        request=request,
        kind=EventKind.EVENTS_EXPORTED,
        actor=actor,
        data={"reference": request.reference},
    )
    events = Event.objects.filter(request=request).order_by("sequence", "pk")
    head = AuditHead.objects.filter(organization=organization).first()
    return {
        "format": FORMAT,
        "hash": "sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the fields "
        + ", ".join(DIGEST_FIELDS),
        "genesis_previous": audit.GENESIS_HASH,
        "organization": {"id": organization.pk, "slug": organization.slug},
        "request": {"id": request.pk, "reference": request.reference},
        "exported_at": timestamp(timezone.now()),
        "exported_by": actor.label,
        "chain_head": {
            "sequence": head.last_sequence if head else 0,
            "hash": head.last_hash if head else audit.GENESIS_HASH,
            "verified_sequence": head.verified_sequence if head else 0,
            "verified_at": timestamp(head.verified_at) if head and head.verified_at else None,
        },
        "events": [exported_event(event) for event in events.iterator(chunk_size=1000)],
    }


def chain_state(organization: Any) -> dict[str, Any]:
    """The organisation's chain as the audit page shows it."""
    head = AuditHead.objects.filter(organization=organization).first()
    pending = Event.objects.filter(organization=organization, sequence__isnull=True).count()
    return {
        "head": head,
        "last_sequence": head.last_sequence if head else 0,
        "verified_sequence": head.verified_sequence if head else 0,
        "unverified": (head.last_sequence - head.verified_sequence) if head else 0,
        "pending": pending,
        "inline": (head.last_sequence if head else 0) <= INLINE_VERIFY_MAX_EVENTS,
    }
