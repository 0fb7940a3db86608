"""/api/v1/inbox/: read-only inbox items, scoped to the token's organisation."""

from __future__ import annotations

import pytest

from dsr.models import InboundStatus
from tests.builders import blank_pdf
from tests.dsr.api.conftest import client_for
from tests.dsr.inbox.inbox_helpers import inbound_item

pytestmark = pytest.mark.django_db


def test_a_token_lists_its_organisations_inbox_newest_first(
    read_api, organization, other_organization
):
    older = inbound_item(organization, subject="Opt-out", body="Graag uitschrijven.")
    newer = inbound_item(organization, files=[("id.pdf", blank_pdf())])
    inbound_item(other_organization, subject="Maxem")
    inbound_item(organization, subject="Out of office", status=InboundStatus.AUTO_REPLY)
    response = read_api.get("/api/v1/inbox/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [newer.pk, older.pk]
    first = results[0]
    assert first["sender_address"] == "sanne.devries@example.nl"
    assert first["language_guess"] == "nl"
    assert first["suggested_rights"] == [
        {"right": "access", "words": ["Inzage"], "direct_marketing": False},
        {"right": "erasure", "words": ["verwijderen"], "direct_marketing": False},
    ]
    assert first["attachments"][0]["original_name"] == "id.pdf"
    assert results[1]["suggested_rights"][0]["direct_marketing"] is True


def test_another_organisations_item_is_a_404(outsider_token, read_api, organization):
    item = inbound_item(organization)
    assert client_for(outsider_token).get(f"/api/v1/inbox/{item.pk}/").status_code == 404
    assert client_for(outsider_token).get("/api/v1/inbox/").json()["results"] == []
    assert read_api.get(f"/api/v1/inbox/{item.pk}/").status_code == 200


def test_the_inbox_is_read_only(api, organization):
    item = inbound_item(organization)
    assert api.post("/api/v1/inbox/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/inbox/{item.pk}/").status_code == 405
    assert (
        api.patch(f"/api/v1/inbox/{item.pk}/", {"status": "converted"}, format="json").status_code
        == 405
    )
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW


def test_no_credentials_no_inbox(client, organization):
    inbound_item(organization)
    assert client.get("/api/v1/inbox/").status_code == 401
