"""The audit chain for managers and auditors: its state, and one request's events as JSON.

A download holds, for every event of the request, exactly what `audit.event_digest` hashes
(organization, sequence, previous, request, created_at, kind, actor_kind, actor_label, data,
payload_hash) and the stored `hash`, plus the chain's head when it was made. Anyone can then
recompute each hash with the standard library (`scripts/verify_events.py`, docs/AUDIT.md):
nothing in a download needs the desk to be checked. Payloads (personal data) are not in it;
their hashes are.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dsr import audit, broker
from dsr.models import AuditHead, Event, EventKind, Request

FORMAT = "dsr-desk-events/1"
# Above this many events the "verify now" button hands the walk to the worker.
INLINE_VERIFY_MAX_EVENTS = 20_000


def exported_event(event: Event) -> dict[str, Any]:
    return {**audit.digest_material(event), "hash": event.hash}


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
        + ", ".join(audit.DIGEST_FIELDS),
        "genesis_previous": audit.GENESIS_HASH,
        "organization": {"id": organization.pk, "slug": organization.slug},
        "request": {"id": request.pk, "reference": request.reference},
        "exported_at": audit.timestamp(timezone.now()),
        "exported_by": actor.label,
        "chain_head": {
            "sequence": head.last_sequence if head else 0,
            "hash": head.last_hash if head else audit.GENESIS_HASH,
            "verified_sequence": head.verified_sequence if head else 0,
            "verified_at": audit.timestamp(head.verified_at) if head and head.verified_at else None,
        },
        "events": [exported_event(event) for event in events.iterator(chunk_size=1000)],
    }


def chain_verify(*, organization: Any) -> audit.Verification | None:
    """A manager's "verify now": a chain of at most INLINE_VERIFY_MAX_EVENTS events is walked
    here and the outcome stored (returned); a longer one is handed to the worker once the
    transaction commits (None), so no web request walks a million events."""
    if chain_state(organization)["inline"]:
        return audit.verify_and_store(organization)
    transaction.on_commit(lambda: broker.enqueue("dsr.tasks.audit_verify", organization.pk))
    return None


def chain_state(organization: Any) -> dict[str, Any]:
    """The organisation's chain as the audit page shows it."""
    head = AuditHead.objects.filter(organization=organization).first()
    return {
        "head": head,
        "last_sequence": head.last_sequence if head else 0,
        "verified_sequence": head.verified_sequence if head else 0,
        "unverified": (head.last_sequence - head.verified_sequence) if head else 0,
        "inline": (head.last_sequence if head else 0) <= INLINE_VERIFY_MAX_EVENTS,
    }
