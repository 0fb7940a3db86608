"""Webhooks: tell the controller's systems what happened, signed, retried, logged.

A delivery is a row written in the same transaction as the Event that caused it
(the database is the truth); the worker POSTs it once the transaction commits and
retries with back-off. The body carries the reference and dates, no personal data.

Signature header: `X-DSR-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with the endpoint's secret (shown once when the endpoint is created).

The address is checked by the egress policy (dsr/egress.py) when the endpoint is registered
and again at every delivery, which connects to the address it checked: a name that answers
a public address at registration and a private one later (DNS rebinding) gets nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import Organization
from dsr import audit, broker, crypto, egress
from dsr.models import Event, EventKind, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
Topic = WebhookEndpoint.Topic
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
# A connection the database dropped (a restart, a failover): the task tries again.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# A receiver answers with a status; its body is read (bounded) and not kept.
MAX_ANSWER_BYTES = 1024 * 1024

STATUS_EVENTS = {
    EventKind.EMAIL_CONFIRMED,
    EventKind.IDENTITY_VERIFIED,
    EventKind.INFORMATION_REQUESTED,
    EventKind.INFORMATION_RECEIVED,
    EventKind.COMPLETED,
    EventKind.REFUSED,
    EventKind.WITHDRAWN,
}


class WebhookRejected(ValueError):
    """The endpoint cannot be registered; the message says why."""


def topics_for(event: Event) -> list[str]:
    """Which webhook topics an audit event stands for."""
    topics = []
    if event.kind == EventKind.RECEIVED:
        topics.append(Topic.REQUEST_CREATED)
    if event.kind in STATUS_EVENTS:
        topics.append(Topic.STATUS_CHANGED)
    if event.kind == EventKind.COMPLETED:
        topics.append(Topic.COMPLETED)
    if event.kind == EventKind.REMINDER_SENT:
        overdue = event.data.get("threshold") == "overdue"
        topics.append(Topic.OVERDUE if overdue else Topic.DUE_SOON)
    if event.kind.startswith("letter.") and event.kind.endswith("issued"):
        topics.append(Topic.LETTER_ISSUED)
    return topics


def validate_url(url: str) -> str:
    """HTTPS (plain HTTP only where settings allow it: development and tests) to an address
    the egress policy accepts, so the desk cannot be used to probe the internal network."""
    parts = urlsplit(url)
    allow_http = getattr(settings, "WEBHOOKS_ALLOW_HTTP", False)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise WebhookRejected("The endpoint must use https://.")
    try:
        egress.check_url(url, schemes=_schemes())
    except egress.EgressError as error:
        raise WebhookRejected(f"The endpoint is {error}.") from None
    return url


def _schemes() -> tuple[str, ...]:
    return ("https", "http") if getattr(settings, "WEBHOOKS_ALLOW_HTTP", False) else ("https",)


@transaction.atomic
def webhook_create(
    *, organization: Organization, url: str, topics: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and the one and only copy of its signing secret."""
    unknown = sorted(set(topics) - set(Topic.values))
    if unknown or not topics:
        raise WebhookRejected(f"Choose events from: {', '.join(Topic.values)}.")
    secret = secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=validate_url(url),
        topics=sorted(set(topics)),
        secret=crypto.encrypt(secret.encode()),
    )
    return endpoint, secret


@transaction.atomic
def webhook_set_active(
    *, endpoint: WebhookEndpoint, active: bool, actor: audit.Actor
) -> WebhookEndpoint:
    """Pause (`active` False) or resume deliveries to an endpoint.

    A change of the organisation's integrations, recorded in its audit chain like a
    member's role: an Event without a request (who, when, which endpoint; the address in
    the payload). Setting what the endpoint already is changes and records nothing."""
    endpoint = (
        WebhookEndpoint.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=endpoint.pk)
    )
    if endpoint.active == active:
        return endpoint
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    audit.record(
        organization=endpoint.organization,
        kind=EventKind.WEBHOOK_RESUMED if active else EventKind.WEBHOOK_PAUSED,
        actor=actor,
        data={"endpoint": endpoint.pk, "topics": list(endpoint.topics)},
        payload={"url": endpoint.url},
    )
    return endpoint


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that it is recent (replays fail)."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def _body(event: Event, topic: str) -> str:
    request = event.request
    payload: dict[str, Any] = {
        "topic": topic,
        "event": {
            "sequence": event.sequence,
            "kind": event.kind,
            "at": event.created_at.isoformat(),
        },
        "organization": event.organization.slug,
    }
    if request is not None:
        payload["request"] = {
            "reference": request.reference,
            "right": request.right,
            "status": request.status,
            "channel": request.channel,
            "received_at": request.received_at.isoformat(),
            "due_date": request.due_date.isoformat(),
            "extended_due_date": request.extended_due_date.isoformat()
            if request.extended_due_date
            else None,
            "effective_due_date": request.effective_due_date.isoformat(),
            "outcome": request.outcome or None,
        }
    return json.dumps(payload, separators=(",", ":"))


@receiver(post_save, sender=Event, dispatch_uid="webhooks_from_events")
def _on_event(sender: type, instance: Event, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    topics = topics_for(instance)
    if not topics:
        return
    endpoints = WebhookEndpoint.objects.filter(
        organization_id=instance.organization_id, active=True
    )
    for endpoint in endpoints:
        for topic in topics:
            if topic in endpoint.topics:
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, topic=topic, body=_body(instance, topic)
                )
                transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))


def _enqueue(delivery_id: int) -> None:
    """Hand the delivery to the worker; when the broker cannot take it, the row says so
    (`next_attempt_at` empty) and the next sweep sends it, however young."""
    broker.enqueue(
        "dsr.tasks.webhook_deliver",
        delivery_id,
        on_unreachable=lambda: WebhookDelivery.objects.filter(pk=delivery_id).update(
            next_attempt_at=None
        ),
    )


class OutcomeNotRecorded(Exception):
    """The POST was made, and the database dropped the connection before its outcome was
    stored: the task records `outcome` again later and never POSTs the delivery again."""

    def __init__(self, outcome: dict[str, Any]) -> None:
        super().__init__(f"outcome of attempt {outcome['attempt']} not recorded")
        self.outcome = outcome


def retry_in(attempt: int) -> int:
    """Seconds from a failed attempt to the next: the back-off (settings.py)."""
    return min(3600, settings.WEBHOOK_RETRY_SECONDS * 2 ** max(0, attempt - 1))


def deliver(delivery_id: int) -> bool:
    """POST one delivery. True when delivered (or already done, or given up, or another
    worker holds this attempt); False to retry later.

    The attempt is recorded and committed before the POST, as a claim on the attempt's
    number: of two workers at the same delivery (a late retry and a sweep's message) one
    POSTs. A database error before the POST sends nothing; one after it raises
    `OutcomeNotRecorded`, so only the outcome is stored again. The delivery's id, sent as
    X-DSR-Delivery, is the same at every attempt: receivers dedupe on it.

    The address is checked again now (and the connection pinned to it); a refusal is
    recorded by its class and counts as an attempt, like an endpoint that does not answer."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at or delivery.failed_at:
        return True
    attempt = delivery.attempts + 1
    due = timezone.now() + timedelta(seconds=TIMEOUT_SECONDS + retry_in(attempt))
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        attempts=delivery.attempts,
        delivered_at__isnull=True,
        failed_at__isnull=True,
    ).update(attempts=attempt, next_attempt_at=due)
    if not claimed:
        return True  # another worker made this attempt; its task retries if it fails
    code, error = _post(delivery)
    outcome = {"attempt": attempt, "code": code, "error": error}
    try:
        return outcome_record(delivery_id, **outcome)
    except DATABASE_ERRORS as exc:
        raise OutcomeNotRecorded(outcome) from exc


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    secret = crypto.decrypt(bytes(endpoint.secret)).decode()
    try:
        response = egress.request(
            "POST",
            endpoint.url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "DSR-Desk-Webhooks/1",
                "X-DSR-Topic": delivery.topic,
                "X-DSR-Delivery": str(delivery.pk),
                "X-DSR-Signature": sign(secret, int(time.time()), body),
            },
            timeout=TIMEOUT_SECONDS,
            max_bytes=MAX_ANSWER_BYTES,
            schemes=_schemes(),
        )
    except egress.TooLarge:
        return None, "the answer was too large"
    except egress.EgressError as exc:
        return None, str(exc)
    if not 200 <= response.status < 300:
        return response.status, egress.status_text(response)
    return response.status, ""


def outcome_record(delivery_id: int, *, attempt: int, code: int | None, error: str) -> bool:
    """Store what attempt number `attempt` got; True when nothing is left to do."""
    ok = code is not None and 200 <= code < 300
    given_up = not ok and attempt >= MAX_ATTEMPTS
    changes: dict[str, Any] = {"response_code": code, "last_error": error}
    if ok:
        changes["delivered_at"] = timezone.now()
    elif given_up:
        changes["failed_at"] = timezone.now()
    WebhookDelivery.objects.filter(
        pk=delivery_id, delivered_at__isnull=True, failed_at__isnull=True
    ).update(**changes)
    return ok or given_up


def pending(older_than_seconds: int | None = None):
    """Deliveries neither delivered nor given up whose task seems lost: the broker never
    took it, or its attempt is overdue by more than `older_than_seconds` (by default the
    sweep's interval, settings.WEBHOOK_SWEEP_SECONDS, as for mails)."""
    if older_than_seconds is None:
        older_than_seconds = settings.WEBHOOK_SWEEP_SECONDS
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff),
        delivered_at__isnull=True,
        failed_at__isnull=True,
    )


def lost_take(older_than_seconds: int | None = None, *, limit: int = 500) -> list[int]:
    """The sweep's share: pending deliveries, marked as handed over now (so the next sweep
    leaves them to this one's messages unless those are lost too)."""
    ids = list(pending(older_than_seconds).order_by("pk").values_list("pk", flat=True)[:limit])
    WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    return ids
