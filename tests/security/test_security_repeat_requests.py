"""Repeat requests (issue 18) compare subjects across requests: the comparison never
crosses organisations. Another organisation's request by the same person (same e-mail,
same customer number, same right) is never flagged, linked or named on the queue or the
request page of either organisation; and a flag is information, never an action."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from dsr import audit
from dsr.models import Status
from tests.conftest import make_user


def test_the_same_person_at_another_organisation_is_never_linked(
    desk_client, make_request, officer, other_organization
):
    other_manager = make_user("boss@maxem.example", other_organization, Role.MANAGER)
    same = {"subject_email": "Jan.Peeters@example.com", "subject_customer_number": "OPM-C1"}
    theirs = make_request(
        organization=other_organization,
        received_at=timezone.now() - timedelta(days=30),
        actor=audit.Actor.system("test"),
        **same,
    )
    ours = make_request(**same)
    for client, request, foreign in (
        (desk_client(officer), ours, theirs),
        (desk_client(other_manager), theirs, ours),
    ):
        queue = client.get("/desk/", {"assignee": "any", "status": "all"}).content.decode()
        page = client.get(reverse("desk:request", args=[request.reference])).content.decode()
        for html in (queue, page):
            assert foreign.reference not in html
            assert "Repeat" not in html
    ours.refresh_from_db()
    assert ours.status == Status.IDENTITY_CHECK
