"""A manager registers a webhook whose host name later answers a loopback address (DNS
rebinding): registration passed, so every delivery must be checked again and go only to
the address that was checked."""

from __future__ import annotations

import pytest
from egress_helpers import FakeDNS, LoggingServer

from dsr.api import webhooks
from dsr.models import WebhookDelivery

PUBLIC = "93.184.215.14"  # any public address: what the name answers at registration


@pytest.fixture
def plain_http(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True  # the attack needs no TLS; the policy is the same
    settings.EGRESS_ALLOW = []


def test_a_host_that_rebinds_to_loopback_after_registration_gets_no_delivery(
    organization, plain_http, monkeypatch
):
    dns = FakeDNS({"hooks.rebind.test": [PUBLIC, "127.0.0.1"]})
    monkeypatch.setattr("socket.getaddrinfo", dns)
    with LoggingServer() as internal:
        endpoint, _secret = webhooks.webhook_create(
            organization=organization,
            url=f"http://hooks.rebind.test:{internal.port}/hook",
            topics=["request.created"],
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, topic="request.created", body="{}"
        )
        assert webhooks.deliver(delivery.pk) is False  # tried again later, checked again
    delivery.refresh_from_db()
    assert len(dns.queries) == 2  # registration and delivery each asked
    assert internal.calls == []
    assert delivery.delivered_at is None
    assert delivery.attempts == 1  # a refused delivery counts as an attempt
    assert delivery.last_error == "refused: loopback address"
    assert delivery.response_code is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/hook", "refused: loopback address"),
        ("http://[::ffff:10.0.0.1]/hook", "refused: private address"),
        ("http://169.254.169.254/latest/", "refused: link-local address"),
    ],
)
def test_a_non_public_endpoint_is_refused_at_registration(organization, plain_http, url, message):
    with pytest.raises(webhooks.WebhookRejected, match=message):
        webhooks.webhook_create(organization=organization, url=url, topics=["request.created"])


def test_an_allow_listed_endpoint_is_delivered_to_but_its_redirect_is_not_followed(
    organization, plain_http, settings
):
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    with LoggingServer() as target:
        redirect = (307, {"Location": f"{target.url}elsewhere"}, b"")
        with LoggingServer(answer=redirect) as receiver:
            endpoint, _secret = webhooks.webhook_create(
                organization=organization, url=f"{receiver.url}hook", topics=["request.created"]
            )
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, topic="request.created", body="{}"
            )
            webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert len(receiver.calls) == 1 and target.calls == []
    assert delivery.response_code == 307 and delivery.delivered_at is None
    assert delivery.last_error == "HTTP 307 (redirects are not followed)"
