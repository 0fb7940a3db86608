"""Anyone on the network may call /readyz/: it must tell them nothing but four words.

A load balancer cannot sign in and must not be rate-limited away, so the endpoint is open;
what it says is therefore public. Driver errors carry host names, ports, user names and
sometimes passwords: none of it may reach the body, whatever is down.
"""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from dsr import readiness
from tests.private_services import private_redis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settled() -> None:
    from tests.test_readiness import settle

    settle()
    readiness.forget()


PASSWORD = "pw-9f3c-never-shown"


def test_a_down_part_reveals_no_host_port_credential_or_error_text(client):
    with private_redis(password=PASSWORD) as server:
        url = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
        with override_settings(
            CELERY_BROKER_URL=url,
            CELERY_BROKER_TRANSPORT_OPTIONS={},
            CACHES={"default": {"BACKEND": "dsr.cache.ResilientRedisCache", "LOCATION": url}},
        ):
            readiness.forget()
            assert client.get("/readyz/").status_code == 200  # the password is right
            server.stop()
            readiness.forget()
            response = client.get("/readyz/")
    readiness.forget()
    assert response.status_code == 503
    body = response.content.decode()
    for secret in (PASSWORD, "127.0.0.1", str(server.port), "redis", "Error", "refused"):
        assert secret not in body
    assert set(json.loads(body)) == {"status", "checks"}
    assert set(json.loads(body)["checks"].values()) <= {"ok", "unavailable", "timeout"}


def test_wrong_credentials_read_as_unavailable_not_as_the_servers_words(client):
    with private_redis(password=PASSWORD) as server:
        url = f"redis://:wrong-password@127.0.0.1:{server.port}/0"
        with override_settings(
            CELERY_BROKER_URL=url,
            CELERY_BROKER_TRANSPORT_OPTIONS={},
            CACHES={"default": {"BACKEND": "dsr.cache.ResilientRedisCache", "LOCATION": url}},
        ):
            readiness.forget()
            response = client.get("/readyz/")
    readiness.forget()
    assert response.json()["checks"]["broker"] == "unavailable"
    assert response.json()["checks"]["cache"] == "unavailable"
    assert "wrong-password" not in response.content.decode()
    assert "WRONGPASS" not in response.content.decode()


def test_open_without_sign_in_and_sets_no_cookie(client):
    readiness.forget()
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Location" not in response.headers


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_not_redirected_but_pages_are(client):
    readiness.forget()
    assert client.get("/readyz/").status_code == 200
    assert client.get("/healthz/").status_code == 200
    assert client.get("/desk/").status_code == 301


def test_no_query_string_or_header_changes_what_is_checked(client, monkeypatch):
    """The endpoint takes no input: nothing a caller sends selects a check or a target."""
    seen = []
    monkeypatch.setattr(
        readiness, "CHECKS", {name: (lambda n=name: seen.append(n)) for name in readiness.CHECKS}
    )
    readiness.forget()
    response = client.get(
        "/readyz/?check=http://169.254.169.254/&verbose=1", HTTP_X_FORWARDED_HOST="evil.example"
    )
    assert response.status_code == 200
    assert sorted(seen) == sorted(readiness.CHECKS)
    assert response.json() == {
        "status": "ready",
        "checks": dict.fromkeys(readiness.CHECKS, "ok"),
    }
