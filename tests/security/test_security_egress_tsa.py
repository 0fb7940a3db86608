"""A manager sets the organisation's time-stamp authority (TSA) to an internal address: the
settings form refuses it, and a URL stored before the policy makes no call when letters
are signed (the worker) — the error names the refusal, not what answered."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from egress_helpers import LoggingServer, verified

from dsr.letters import services
from dsr.models import LetterKind, Right
from tests.builders import organization_signed

PASSWORD = "egress-tsa-test-password"


@pytest.fixture
def signed_organization(organization, manager):
    return organization_signed(organization, manager, password=PASSWORD)


def test_the_settings_form_refuses_a_loopback_tsa(desk_client, manager, organization, settings):
    settings.EGRESS_ALLOW = []
    with LoggingServer() as internal:
        response = desk_client(manager).post(
            reverse("letters:settings", args=[organization.pk]),
            {"letter_window": "left", "timestamp_url": internal.url},
        )
    assert response.status_code == 200  # the form again, with the reason
    assert "refused: loopback address" in response.content.decode()
    organization.refresh_from_db()
    assert organization.timestamp_url == ""
    assert internal.calls == []


def test_a_stored_loopback_tsa_is_not_called_when_a_letter_is_signed(
    signed_organization, make_request, officer_actor, settings
):
    settings.EGRESS_ALLOW = []
    request = verified(
        make_request(right=Right.ACCESS, subject_postal_address="Kerkstraat 12\n9000 Gent"),
        officer_actor,
    )
    with LoggingServer() as internal:
        signed_organization.timestamp_url = internal.url  # saved before the policy existed
        signed_organization.save(update_fields=["timestamp_url"])
        with transaction.atomic():
            letter = services.letter_issue(
                request=request, kind=LetterKind.ACKNOWLEDGEMENT, actor=officer_actor
            )
        with pytest.raises(services.transient_errors()) as refused:
            services.letter_render(letter.pk)
    assert internal.calls == []
    assert "refused: loopback address" in str(refused.value)
    assert "127.0.0.1" not in str(refused.value)
