"""Abuse of the public form: honeypot, proof of work, the no-JavaScript path, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone
from intake_helpers import challenge_on, solve

from dsr.intake import challenge, limits
from dsr.models import OutboundEmail, Request

pytestmark = pytest.mark.django_db


def old_challenge(client, organization, seconds: int) -> str:
    """A challenge from a form that was opened `seconds` ago."""
    with time_machine.travel(timezone.now() - timedelta(seconds=seconds)):
        return challenge_on(client.get(f"/{organization.slug}/request/").content.decode())


def test_a_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(
    client, organization, filled_form
):
    data = filled_form(organization, fax="+32 2 555 01 01")
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/openmotics/request/sent/")
    assert not Request.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_wrong_work_is_refused_with_a_fresh_challenge(client, organization, filled_form, settings):
    data = filled_form(organization)
    bad_nonce = next(
        str(n) for n in range(10_000) if not challenge.work_is_done(data["challenge"], str(n), 8)
    )
    response = client.post("/openmotics/request/", {**data, "pow_nonce": bad_nonce})
    html = response.content.decode()
    assert response.status_code == 400
    assert "security check did not pass" in html
    assert challenge_on(html) != data["challenge"]
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "not-a-challenge",
        # A challenge signed with another key (another site, or guessed).
        "eyJpZCI6IngiLCJvcmciOjEsImJpdHMiOjAsImF0IjoxfQ:1u:abcdefghijklmnop",
    ],
)
def test_a_missing_or_forged_challenge_is_refused(client, organization, filled_form, forged):
    data = filled_form(organization)
    response = client.post("/openmotics/request/", {**data, "challenge": forged, "pow_nonce": "1"})
    assert response.status_code == 400
    assert "security check did not pass" in response.content.decode()
    assert not Request.objects.exists()


def test_a_challenge_for_another_organisation_is_refused(
    client, organization, other_organization, filled_form
):
    data = filled_form(other_organization)
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_a_challenge_is_used_once(client, organization, filled_form):
    data = filled_form(organization)
    assert client.post("/openmotics/request/", data).status_code == 302
    replay = client.post("/openmotics/request/", data)
    assert replay.status_code == 400
    assert "This form was already sent" in replay.content.decode()
    assert Request.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_an_expired_challenge_asks_to_send_again(client, organization, filled_form, settings):
    data = filled_form(organization)
    data["challenge"] = old_challenge(client, organization, 5 * 3600)
    data["pow_nonce"] = solve(data["challenge"], settings.INTAKE_POW_BITS)
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not Request.objects.exists()


def test_without_javascript_a_form_sent_instantly_is_refused(client, organization, filled_form):
    data = filled_form(organization, work=False)
    response = client.post("/openmotics/request/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "sent very quickly" in html
    assert challenge_on(html) == data["challenge"]  # the time already spent keeps counting
    assert not Request.objects.exists()


def test_without_javascript_a_form_open_long_enough_is_accepted_under_stricter_limits(
    client, organization, filled_form, settings
):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "submission_nojs_ip": (2, 3600)}
    for number in range(2):
        data = filled_form(organization, work=False, subject_email=f"p{number}@example.com")
        data["challenge"] = old_challenge(client, organization, 30)
        assert client.post("/openmotics/request/", data).status_code == 302
    data = filled_form(organization, work=False, subject_email="p3@example.com")
    data["challenge"] = old_challenge(client, organization, 30)
    refused = client.post("/openmotics/request/", data)
    assert refused.status_code == 429
    assert "many requests from your connection" in refused.content.decode()
    assert Request.objects.count() == 2
    # With the proof of work done, the same connection may still send.
    assert client.post("/openmotics/request/", filled_form(organization)).status_code == 302


def test_rate_limit_per_ip_address(client, organization, filled_form, settings):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "submission_ip": (3, 3600)}
    for number in range(3):
        data = filled_form(organization, subject_email=f"p{number}@example.com")
        assert client.post("/openmotics/request/", data).status_code == 302
    data = filled_form(organization, subject_email="p4@example.com")
    assert client.post("/openmotics/request/", data).status_code == 429
    # Another address is counted on its own.
    data = filled_form(organization, subject_email="p5@example.com")
    assert client.post("/openmotics/request/", data, REMOTE_ADDR="192.0.2.7").status_code == 302
    assert Request.objects.count() == 4


def test_rate_limit_per_email_address_whatever_the_connection(
    client, organization, filled_form, settings
):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "submission_email": (2, 86400)}
    for number in range(2):
        data = filled_form(organization, subject_email="Victim@Example.com")
        address = f"198.51.100.{number + 1}"
        assert client.post("/openmotics/request/", data, REMOTE_ADDR=address).status_code == 302
    data = filled_form(organization, subject_email="victim@example.com", lang="nl")
    refused = client.post("/openmotics/request/", data, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert "voor dit e-mailadres" in refused.content.decode()
    assert OutboundEmail.objects.count() == 2  # the victim's mailbox is not flooded


def test_many_posts_from_one_connection_are_stopped_before_parsing(client, organization, settings):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "form_post_ip": (2, 3600)}
    for _ in range(2):
        assert client.post("/openmotics/request/", {}).status_code == 400
    response = client.post("/openmotics/request/", {})
    assert response.status_code == 429
    assert "Please wait a moment" in response.content.decode()


@pytest.mark.parametrize(
    ("remote", "forwarded", "header", "expected"),
    [
        ("192.0.2.1", "", "", "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", "", "192.0.2.1"),  # no proxy trusted: header ignored
        ("10.0.0.2", "198.51.100.1, 203.0.113.5", "X-Forwarded-For", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "", "", "2001:db8:1:2::/64"),  # one household = one /64
        ("10.0.0.2", "2001:db8:1:2::99", "X-Forwarded-For", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.9", "", "", "192.0.2.9"),
        ("garbage", "", "", "unknown"),
    ],
)
def test_client_network_for_rate_limits(settings, remote, forwarded, header, expected):
    settings.CLIENT_IP_HEADER = header
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert limits.client_network(request) == expected


def test_the_cache_never_holds_an_address_in_the_clear(settings):
    from django.core.cache import cache

    limits.take("submission_email", "lotte@example.com")
    keys = list(cache._cache.keys())  # LocMemCache: the test's own private cache
    assert keys and not any("lotte" in key for key in keys)


@pytest.mark.redis
def test_limits_on_redis_count_atomically_in_one_round_trip(settings):
    """Production's cache: the pipelined path, against a real Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "intake-test",
        }
    }
    settings.INTAKE_RATE_LIMITS = {"submission_email": (2, 3600), "submission_ip": (5, 3600)}
    from django.core.cache import cache

    def forget() -> None:
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter("intake-test:*"):
            client.delete(key)

    forget()
    try:
        uses = (("submission_email", "a@example.com"), ("submission_ip", "192.0.2.1"))
        assert limits.take_all(*uses) and limits.take_all(*uses)
        assert not limits.take_all(*uses)  # the third for this address is over
        assert limits.take("submission_ip", "192.0.2.1")  # the fourth for this IP is not
        assert not limits.take("submission_email", "a@example.com")
        key = next(iter(cache._cache.get_client().scan_iter("intake-test:*submission_email*")))
        assert 3600 < cache._cache.get_client().ttl(key) <= 3660
    finally:
        forget()
