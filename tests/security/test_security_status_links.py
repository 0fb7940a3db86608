"""A read-only API token, or a desk viewer, must never learn the subject's status-page link.

The link `/r/<token>/` is the subject's key: whoever holds it may answer and withdraw as the
subject, and the audit chain then records "data subject" as the actor. So the link goes only
to callers that act for the subject (a read-write token, an officer or a manager); a read
token and a viewer see `status_page_url: null` and the token nowhere.

The attack, made for real: everything a read token can fetch is searched for the token and for
any `/r/...` address, and each one found is posted to the withdrawal page.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from dsr import audit, crypto, workflow
from dsr.api.tokens import api_token_create
from dsr.models import ActorKind, EventKind, Request, Status, WebhookDelivery, WebhookEndpoint

# What a status-page token looks like (43 URL-safe characters), and any status-page address.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
STATUS_PATH = re.compile(r"/r/([^/\"'\s<>]+)/")


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


def token_client(organization, manager, scope: str) -> APIClient:
    _, secret = api_token_create(
        organization=organization, name=f"{scope} app", scope=scope, created_by=manager
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def busy_request(make_request, officer) -> Request:
    """A request with some history: assigned, a message to the subject, a note."""
    request_obj = make_request(right="erasure")
    actor = audit.Actor.for_user(officer)
    workflow.request_assign(request=request_obj, assignee=officer, actor=actor)
    workflow.request_message_subject(request=request_obj, body="Hello", actor=actor)
    request_obj.refresh_from_db()
    return request_obj


def everything_a_reader_fetches(client, request_obj: Request) -> list[str]:
    base = f"/api/v1/requests/{request_obj.reference}/"
    bodies = []
    for url in (
        "/api/v1/requests/",
        "/api/v1/requests/?status=open",
        base,
        f"{base}events/",
        f"{base}attachments/",
        f"{base}letters/",
        f"{base}jobs/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        bodies.append(response.content.decode())
    return bodies


def test_a_read_token_never_sees_the_status_page(organization, manager, busy_request):
    reader = token_client(organization, manager, "read")
    bodies = everything_a_reader_fetches(reader, busy_request)
    for body in bodies:
        assert busy_request.public_token not in body
        assert "/r/" not in body
    detail = reader.get(f"/api/v1/requests/{busy_request.reference}/").json()
    assert detail["status_page_url"] is None
    listed = reader.get("/api/v1/requests/").json()["results"]
    assert [item["status_page_url"] for item in listed] == [None]


def test_a_write_token_gets_the_status_page(organization, manager, busy_request):
    writer = token_client(organization, manager, "write")
    expected = f"{settings.SITE_URL}/r/{busy_request.public_token}/"
    detail = writer.get(f"/api/v1/requests/{busy_request.reference}/").json()
    assert detail["status_page_url"] == expected
    listed = writer.get("/api/v1/requests/").json()["results"]
    assert listed[0]["status_page_url"] == expected
    created = writer.post(
        "/api/v1/requests/",
        {"right": "access", "language": "en", "subject_name": "Eva", "subject_email": "e@x.be"},
        format="json",
    )
    assert created.status_code == 201
    new = Request.objects.get(reference=created.json()["reference"])
    assert created.json()["status_page_url"] == f"{settings.SITE_URL}/r/{new.public_token}/"
    # An action's answer is the request too, with the link for whoever may act.
    assigned = writer.post(
        f"/api/v1/requests/{new.reference}/assign/", {"assignee": None}, format="json"
    )
    assert assigned.status_code == 200
    assert assigned.json()["status_page_url"] == f"{settings.SITE_URL}/r/{new.public_token}/"


def test_desk_sessions_on_the_api_get_the_link_only_when_they_may_act(
    desk_client, viewer, officer, busy_request
):
    url = f"/api/v1/requests/{busy_request.reference}/"
    as_viewer = desk_client(viewer).get(url)
    assert as_viewer.status_code == 200
    assert as_viewer.json()["status_page_url"] is None
    assert busy_request.public_token not in as_viewer.content.decode()
    as_officer = desk_client(officer).get(url).json()
    assert as_officer["status_page_url"].endswith(f"/r/{busy_request.public_token}/")


def test_the_schema_says_who_gets_the_link(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    field = schema["components"]["schemas"]["Request"]["properties"]["status_page_url"]
    assert field.get("nullable") is True
    assert "read" in field["description"] and "null" in field["description"]


def test_a_viewers_desk_pages_carry_no_link_and_no_token(desk_client, viewer, busy_request):
    client = desk_client(viewer)
    pages = [
        reverse("desk:request", args=[busy_request.reference]),
        reverse("desk:queue") + "?status=all",
        reverse("desk:queue_export") + "?status=all",
        reverse("letters:request", args=[busy_request.pk]),
        reverse("letters:compose", args=[busy_request.pk]) + "?kind=acknowledgement",
        reverse("fulfilment:job", args=[busy_request.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert busy_request.public_token not in text, url
        assert "/r/" not in text, url


def test_the_events_download_and_webhooks_carry_no_token(
    desk_client, manager, organization, make_request, officer
):
    WebhookEndpoint.objects.create(
        organization=organization,
        url="https://hooks.example.com/dsr",
        topics=[choice for choice, _label in WebhookEndpoint.Topic.choices],
        secret=crypto.encrypt(b"secret"),
    )
    request_obj = make_request(right="access")
    actor = audit.Actor.for_user(officer)
    workflow.request_message_subject(request=request_obj, body="Hello", actor=actor)
    request_obj.refresh_from_db()
    workflow.request_withdraw(request=request_obj, reason="r", actor=actor)
    bodies = list(WebhookDelivery.objects.values_list("body", flat=True))
    assert bodies
    for body in bodies:
        assert request_obj.public_token not in body and "/r/" not in body
    events = desk_client(manager).get(reverse("desk:request_events", args=[request_obj.reference]))
    assert events.status_code == 200
    content = b"".join(events.streaming_content) if events.streaming else events.content
    assert request_obj.public_token not in content.decode()


def test_a_read_token_cannot_withdraw_the_request_as_the_subject(
    client, organization, manager, busy_request
):
    """The attack: take every token-shaped string and `/r/…` address a read token can see,
    and post each to the withdrawal page. None may reach the request."""
    reader = token_client(organization, manager, "read")
    seen = "\n".join(everything_a_reader_fetches(reader, busy_request))
    candidates = set(STATUS_PATH.findall(seen)) | set(TOKEN_SHAPE.findall(seen))
    for values in (json.loads(body) for body in seen.split("\n") if body.startswith("{")):
        if isinstance(values, dict) and values.get("status_page_url"):
            candidates.add(values["status_page_url"].rstrip("/").rsplit("/", 1)[-1])
    for candidate in candidates:
        client.post(f"/r/{candidate}/withdraw/", {"reason": "a read token's doing"})
    busy_request.refresh_from_db()
    assert busy_request.status != Status.WITHDRAWN
    assert not busy_request.events.filter(
        kind=EventKind.WITHDRAWN, actor_kind=ActorKind.SUBJECT
    ).exists()
    # The control: the subject, who holds the link, can withdraw. So the attack above was
    # real, and failed only because the read token never learnt the token.
    response = client.post(f"/r/{busy_request.public_token}/withdraw/", {"reason": "mine"})
    assert response.status_code == 302
    busy_request.refresh_from_db()
    assert busy_request.status == Status.WITHDRAWN
