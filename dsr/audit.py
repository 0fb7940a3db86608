"""The append-only, hash-chained event log and its verifier (DESIGN.md, "The request").

Each organisation has one chain. An event's hash covers its place in the chain
(sequence, previous hash), what happened (kind, actor, time, request, `data`) and
the sha256 of its personal-data `payload`. The payload itself is not in the chain,
so retention can drop it (`minimise`) and the chain still verifies; any other change,
a removed row or a reordering is found by `verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from dsr.models import ActorKind, AuditHead, Event, Request

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something: a desk user, the data subject, the system, or an API token."""

    kind: str
    label: str
    user: User | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(ActorKind.USER, user.email, user)

    @classmethod
    def subject(cls) -> Actor:
        return cls(ActorKind.SUBJECT, "data subject")

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, what)

    @classmethod
    def api(cls, token_name: str, user: User | None = None) -> Actor:
        return cls(ActorKind.API, f"API token: {token_name}", user)


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode()


def _plain(value: Any) -> Any:
    """Dates, decimals and UUIDs as the strings the database will give back."""
    return json.loads(canonical_json(value))


def payload_digest(payload: Any) -> str:
    return "" if payload is None else hashlib.sha256(canonical_json(payload)).hexdigest()


def timestamp(moment: datetime) -> str:
    """A moment as the chain hashes it: UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# What an event's hash covers, in the names it is hashed under (`digest_material`).
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


def digest_material(event: Event) -> dict[str, Any]:
    """Everything in the chain about `event` (its payload only by hash), in the names and
    forms that are hashed. An events download carries exactly this (docs/AUDIT.md)."""
    return {
        "organization": event.organization_id,
        "sequence": event.sequence,
        "previous": event.previous_hash,
        "request": event.request_id,
        "created_at": timestamp(event.created_at),
        "kind": event.kind,
        "actor_kind": event.actor_kind,
        # The label (e-mail, token name) proves who acted; the user link is a convenience
        # that becomes NULL if the account is ever deleted, so it is not hashed.
        "actor_label": event.actor_label,
        "data": event.data,
        "payload_hash": event.payload_hash,
    }


def event_digest(event: Event) -> str:
    """The hash of `digest_material(event)`."""
    return hashlib.sha256(canonical_json(digest_material(event))).hexdigest()


def record(
    *,
    organization: Organization,
    kind: str,
    actor: Actor,
    request: Request | None = None,
    data: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the organisation's chain.

    Call it inside the transaction that makes the change it records, so the
    change and its event are committed together or not at all. `data` must hold
    no personal data (it can never be removed); put names, addresses and message
    texts in `payload`.

    Inside `appended_at_end(organization)` the event is only prepared here and
    appended (saved) when that block ends; the returned event has no primary key yet.
    """
    plain_payload = None if payload is None else _plain(payload)
    event = Event(
        organization=organization,
        request=request,
        created_at=timezone.now(),
        kind=kind,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_label=actor.label[:200],
        data=_plain(data or {}),
        payload=plain_payload,
        payload_hash=payload_digest(plain_payload),
    )
    waiting = _waiting(organization)
    if waiting is not None:
        waiting.append(event)
    else:
        _append(organization, [event])
    return event


def _append(organization: Organization, events: list[Event]) -> None:
    """Chain and save `events` behind the organisation's head, under the head's row lock.

    The lock is held until the surrounding transaction ends: appends to one chain are
    serialised, which is what keeps it a single line without forks."""
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            organization=organization, defaults={"last_hash": GENESIS_HASH}
        )
        for event in events:
            event.sequence = head.last_sequence + 1
            event.previous_hash = head.last_hash
            event.hash = event_digest(event)
            event.save()
            head.last_sequence = event.sequence
            head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])


def _waiting(organization: Organization) -> list[Event] | None:
    blocks = getattr(transaction.get_connection(), "dsr_audit_waiting", None)
    return blocks.get(organization.pk) if blocks else None


@contextmanager
def appended_at_end(organization: Organization) -> Iterator[None]:
    """Record the block's events of `organization` and append them all when it ends.

    Appending takes the chain head's row lock, held until the transaction commits.
    Work that records an event early and then does more (render an e-mail, store
    files) would hold the lock, and make every other writer of the organisation
    wait, for all of that time. Inside this block the lock is taken only at its
    end: put the block last in the transaction, as the public intake does. If the
    block raises, nothing is appended (the transaction is rolling back anyway).
    """
    # On the thread's own connection object (`django.db.connection` is a proxy that
    # all threads share): each thread's blocks belong to its own transaction.
    current = transaction.get_connection()
    if not current.in_atomic_block:
        raise RuntimeError("appended_at_end() must run inside the transaction it records")
    blocks = current.__dict__.setdefault("dsr_audit_waiting", {})
    if organization.pk in blocks:  # nested: the outer block appends
        yield
        return
    blocks[organization.pk] = waiting = []
    try:
        yield
    finally:
        del blocks[organization.pk]
    if waiting:
        _append(organization, waiting)


@dataclass(frozen=True)
class Verification:
    organization: Organization
    checked: int
    broken_sequence: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None

    def __str__(self) -> str:
        if self.ok:
            return f"{self.organization.slug}: {self.checked} events verified"
        return f"{self.organization.slug}: event #{self.broken_sequence}: {self.reason}"


def _events(organization: Organization) -> Iterator[Event]:
    return (
        Event.objects.filter(organization=organization)
        .order_by("sequence")
        .iterator(chunk_size=2000)
    )


def verify(organization: Organization) -> Verification:
    """Walk the organisation's chain and report the first event that breaks it."""
    head = AuditHead.objects.filter(organization=organization).first()
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in _events(organization):
        if event.sequence != expected_sequence:
            return Verification(
                organization,
                checked,
                expected_sequence,
                f"missing: the chain jumps from #{expected_sequence - 1} to #{event.sequence} "
                "(events removed)",
            )
        if event.previous_hash != previous_hash:
            return Verification(
                organization,
                checked,
                event.sequence,
                "does not follow its predecessor (events reordered, or the predecessor replaced)",
            )
        if event_digest(event) != event.hash:
            return Verification(
                organization,
                checked,
                event.sequence,
                f"altered ({event.kind}): its hash does not match",
            )
        if event.payload is not None and payload_digest(event.payload) != event.payload_hash:
            return Verification(
                organization,
                checked,
                event.sequence,
                f"altered ({event.kind}): its payload does not match",
            )
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1

    last_sequence = head.last_sequence if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if checked != last_sequence or previous_hash != last_hash:
        return Verification(
            organization,
            checked,
            checked + 1,
            f"missing: the chain ends at #{checked} but {last_sequence} events were written "
            "(events removed from the end)",
        )
    return Verification(organization, checked)


def verify_and_store(organization: Organization) -> Verification:
    """Verify and remember the outcome on the chain head (shown to managers)."""
    result = verify(organization)
    AuditHead.objects.filter(organization=organization).update(
        verified_sequence=result.checked,
        verified_at=timezone.now(),
        verification_error="" if result.ok else str(result),
    )
    return result


def minimise(events: Any) -> int:
    """Drop the personal-data payload of these events; the chain keeps verifying."""
    return events.filter(payload__isnull=False).update(payload=None)
