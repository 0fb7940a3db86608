"""Webhooks: registered safely, signed, retried, delivered by a real worker."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from dsr import workflow
from dsr.api import webhooks
from dsr.models import WebhookDelivery


class Receiver:
    """A local HTTPS-less test endpoint that verifies each signature it gets."""

    def __init__(self, secret: str = "", fail_first: int = 0) -> None:
        self.secret, self.fail_first = secret, fail_first
        self.calls: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = webhooks.verify(receiver.secret, self.headers["X-DSR-Signature"], body)
                receiver.calls.append(
                    {"body": json.loads(body), "valid": valid, "topic": self.headers["X-DSR-Topic"]}
                )
                failing = len(receiver.calls) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def local_hooks(settings):
    """Plain HTTP to this machine: the test suite's egress allow-list (pyproject.toml)
    lets the desk reach 127.0.0.1, as DSR_EGRESS_ALLOW does for an operator's network."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "https"),
        ("https://127.0.0.1/x", "refused: loopback address"),
        ("https://10.0.0.8/x", "refused: private address"),
        ("https://user:pw@example.com/x", "credentials"),
        ("https://nonexistent.invalid/x", "does not resolve"),
    ],
)
def test_endpoints_must_be_public_https(organization, settings, url, message):
    settings.EGRESS_ALLOW = []  # production: no network allow-listed
    with pytest.raises(webhooks.WebhookRejected, match=message):
        webhooks.webhook_create(organization=organization, url=url, topics=["request.created"])


def test_unknown_topics_are_refused(organization, local_hooks):
    with pytest.raises(webhooks.WebhookRejected):
        webhooks.webhook_create(organization=organization, url="http://127.0.0.1/", topics=["x"])


def test_signature_verifies_and_rejects_tampering_and_replay():
    body = b'{"topic":"request.created"}'
    now = int(time.time())
    header = webhooks.sign("s3cret", now, body)
    assert webhooks.verify("s3cret", header, body)
    assert not webhooks.verify("s3cret", header, body + b" ")
    assert not webhooks.verify("other", header, body)
    assert not webhooks.verify("s3cret", webhooks.sign("s3cret", now - 3600, body), body)
    assert not webhooks.verify("s3cret", "garbage", body)


def test_events_become_deliveries_for_subscribed_topics_only(
    organization, local_hooks, make_request, officer_actor, django_capture_on_commit_callbacks
):
    endpoint, _ = webhooks.webhook_create(
        organization=organization, url="http://127.0.0.1:9/", topics=["request.completed"]
    )
    other, _ = webhooks.webhook_create(
        organization=organization, url="http://127.0.0.1:9/", topics=["request.created"]
    )
    request = make_request()
    workflow.request_withdraw(request=request, actor=officer_actor)
    assert list(endpoint.deliveries.values_list("topic", flat=True)) == []
    (created,) = other.deliveries.all()
    body = json.loads(created.body)
    assert body["request"]["reference"] == request.reference
    assert "subject_name" not in created.body and "jan" not in created.body.lower()


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_signed_and_retries_after_failures(
    organization, local_hooks, celery_worker, make_request, settings
):
    settings.WEBHOOK_RETRY_SECONDS = 0  # the back-off's base; production waits 15 s, 30 s, ...
    server = Receiver(fail_first=2)
    try:
        endpoint, secret = webhooks.webhook_create(
            organization=organization, url=server.url, topics=["request.created"]
        )
        server.secret = secret
        request = make_request()
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.delivered_at:
                break
            time.sleep(0.2)
    finally:
        server.close()
    assert delivery.delivered_at is not None, delivery.last_error
    assert delivery.attempts == 3 and delivery.response_code == 204
    assert [call["valid"] for call in server.calls] == [True, True, True]
    assert server.calls[0]["body"]["request"]["reference"] == request.reference


def test_endpoint_that_never_answers_is_given_up_with_its_reason(organization, local_hooks):
    endpoint, _ = webhooks.webhook_create(
        organization=organization, url="http://127.0.0.1:9/", topics=["request.created"]
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, topic="request.created", body="{}")
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.failed_at is not None and delivery.delivered_at is None
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert delivery.last_error == "unreachable: connection refused"
    assert webhooks.deliver(delivery.pk)  # given up: nothing more is sent
    delivery.refresh_from_db()
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
