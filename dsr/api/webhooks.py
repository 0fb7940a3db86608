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
from django.db import transaction
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
    broker.enqueue("dsr.tasks.webhook_deliver", delivery_id)  # broker down: the sweep picks it up


def deliver(delivery_id: int) -> bool:
    """POST one delivery. True when delivered (or already done); False to retry later.

    The address is checked again now (and the connection pinned to it); a refusal is
    recorded by its class and counts as an attempt, like an endpoint that does not answer."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at or delivery.failed_at:
        return True
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    secret = crypto.decrypt(bytes(endpoint.secret)).decode()
    code, error = None, ""
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
        error = "the answer was too large"
    except egress.EgressError as exc:
        error = str(exc)
    else:
        code = response.status
        if not 200 <= code < 300:
            error = egress.status_text(response)
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = error
    ok = code is not None and 200 <= code < 300
    if ok:
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.failed_at = timezone.now()
    delivery.save(
        update_fields=["attempts", "response_code", "last_error", "delivered_at", "failed_at"]
    )
    return ok or delivery.failed_at is not None


def pending(older_than_seconds: int = 300):
    """Deliveries neither delivered nor given up whose task seems lost."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return WebhookDelivery.objects.filter(
        delivered_at__isnull=True, failed_at__isnull=True, created_at__lt=cutoff
    )
