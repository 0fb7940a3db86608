"""The manager's integrations page: tokens shown once, revoked; webhooks registered safely."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken
from dsr.api.tokens import api_token_create, api_token_find
from dsr.models import WebhookEndpoint

URL = "/desk/settings/integrations/"


def test_manager_creates_a_token_seen_once_and_it_works(desk_client, manager, organization):
    client = desk_client(manager)
    response = client.post(f"{URL}tokens/", {"name": "Customer <b>app</b>", "scope": "write"})
    assert response.status_code == 200
    html = response.content.decode()
    token = ApiToken.objects.get()
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert api_token_find(secret) == token
    assert "Customer &lt;b&gt;app&lt;/b&gt;" in html
    assert secret not in client.get(URL).content.decode()  # never shown again
    assert token.secret_hash not in html


def test_manager_revokes_a_token(desk_client, manager, organization):
    token, secret = api_token_create(organization=organization, name="Old", scope="read",
                                     created_by=manager)  # fmt: skip
    response = desk_client(manager).post(f"{URL}tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert api_token_find(secret) is None


@pytest.mark.parametrize("user", ["officer", "viewer", "outsider"])
def test_only_managers_of_the_organisation(desk_client, request, user, organization, manager):
    token, secret = api_token_create(organization=organization, name="Keep", scope="read",
                                     created_by=manager)  # fmt: skip
    client = desk_client(request.getfixturevalue(user))
    assert client.get(URL).status_code in (403, 404)
    assert client.post(f"{URL}tokens/{token.pk}/revoke/").status_code in (403, 404)
    assert client.post(f"{URL}tokens/", {"name": "x", "scope": "write"}).status_code in (403, 404)
    assert api_token_find(secret) == token
    assert ApiToken.objects.count() == 1


def test_outsider_manager_cannot_revoke_our_token(desk_client, organization, other_organization,
                                                  manager):  # fmt: skip
    from accounts.models import Role
    from tests.conftest import make_user

    theirs = make_user("boss@maxem.example", other_organization, Role.MANAGER)
    token, secret = api_token_create(organization=organization, name="Ours", scope="read",
                                     created_by=manager)  # fmt: skip
    response = desk_client(theirs).post(f"{URL}tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert api_token_find(secret) == token


def test_webhook_registration_refuses_unsafe_urls_and_shows_the_secret_once(
    desk_client, manager, settings
):
    client = desk_client(manager)
    settings.EGRESS_ALLOW = []
    response = client.post(f"{URL}webhooks/", {"url": "https://10.1.2.3/hook",
                                               "topics": ["request.created"]})  # fmt: skip
    assert response.status_code == 200
    assert "refused: private address" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0
    settings.EGRESS_ALLOW = ["10.1.0.0/16"]  # the operator allows the internal network
    response = client.post(f"{URL}webhooks/", {"url": "https://10.1.2.3/hook",
                                               "topics": ["request.created"]})  # fmt: skip
    assert 'id="new-webhook-secret"' in response.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def _endpoint(organization) -> WebhookEndpoint:
    from dsr import crypto

    return WebhookEndpoint.objects.create(
        organization=organization,
        url="https://hooks.example/dsr",
        topics=["request.created"],
        secret=crypto.encrypt(b"s3cret"),
    )


def test_pausing_and_resuming_a_webhook_is_in_the_organisations_audit_chain(
    desk_client, manager, organization
):
    from dsr import audit
    from dsr.models import Event, EventKind

    endpoint = _endpoint(organization)
    client = desk_client(manager)
    toggle = f"{URL}webhooks/{endpoint.pk}/toggle/"
    assert client.post(toggle).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert client.post(toggle).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active
    changes = list(Event.objects.filter(kind__startswith="organization.webhook_"))
    assert [event.kind for event in changes] == [
        EventKind.WEBHOOK_PAUSED,
        EventKind.WEBHOOK_RESUMED,
    ]
    for event in changes:
        assert event.organization == organization and event.request is None
        assert event.actor_user == manager
        assert event.data["endpoint"] == endpoint.pk
        assert event.payload == {"url": "https://hooks.example/dsr"}
    assert audit.verify(organization).ok


def test_setting_a_webhook_to_what_it_is_records_nothing(manager, organization):
    from dsr import audit
    from dsr.api.webhooks import webhook_set_active
    from dsr.models import Event

    endpoint = _endpoint(organization)
    webhook_set_active(endpoint=endpoint, active=True, actor=audit.Actor.for_user(manager))
    assert not Event.objects.filter(kind__startswith="organization.webhook_").exists()


@pytest.mark.parametrize("user", ["officer", "viewer", "outsider", "outsider_manager"])
def test_only_our_managers_pause_our_webhooks(
    desk_client, request, user, organization, other_organization
):
    from accounts.models import Role
    from dsr.models import Event
    from tests.conftest import make_user

    if user == "outsider_manager":
        someone = make_user("boss@maxem.example", other_organization, Role.MANAGER)
    else:
        someone = request.getfixturevalue(user)
    endpoint = _endpoint(organization)
    response = desk_client(someone).post(f"{URL}webhooks/{endpoint.pk}/toggle/")
    assert response.status_code == (404 if user == "outsider_manager" else 403)
    endpoint.refresh_from_db()
    assert endpoint.active
    assert not Event.objects.filter(kind__startswith="organization.webhook_").exists()
