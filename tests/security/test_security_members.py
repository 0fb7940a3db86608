"""A removed member (issue 14, item 8): once a manager removes someone, or lowers them to
viewer, they are no longer anyone's assignee and no longer hear about the organisation's
requests. Someone removed behind the desk's back (the membership deleted in the admin or the
database) is treated as if their requests were unassigned: the organisation's officers hear
about them instead.

Made as the attack: a manager removes an officer holding three open requests through the
members page, then the real reminder sweep, the morning digest and the subject's answer run
and the outbox (`OutboundEmail`) is read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from dsr import audit, reminders, workflow
from dsr.api.tokens import api_token_create
from dsr.models import Event, EventKind, OutboundEmail, Request, Status
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Received Monday 2 March 2026 (Brussels): due Thursday 2 April 2026.
RECEIVED = datetime(2026, 3, 2, 8, tzinfo=UTC)
DUE = date(2026, 4, 2)
REMOVED_ON = datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.fixture
def colleague(organization) -> User:
    """An officer who stays."""
    return make_user("colleague@openmotics.example", organization, Role.OFFICER)


@pytest.fixture
def held(make_request, officer, officer_actor) -> list[Request]:
    """Three open requests assigned to `officer`, and one closed one."""
    made = []
    with time_machine.travel(RECEIVED, tick=False):
        for _ in range(4):
            request = make_request(received_at=RECEIVED)
            made.append(
                workflow.request_assign(request=request, assignee=officer, actor=officer_actor)
            )
        workflow.request_withdraw(request=made[3], actor=officer_actor, reason="by phone")
    return made


def _membership(user: User, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def _change(client, membership: Membership, data: dict[str, str]):
    with time_machine.travel(REMOVED_ON, tick=False):
        return client.post(reverse("desk:settings_member", args=[membership.pk]), data)


def _sweep_on(day: date) -> int:
    moment = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        return reminders.sweep(now=moment)


def _reminded() -> set[str]:
    return set(
        OutboundEmail.objects.filter(template="deadline_reminder").values_list("to", flat=True)
    )


def test_removing_an_officer_unassigns_their_open_requests_with_an_event_each(
    desk_client, manager, officer, organization, held
):
    response = _change(desk_client(manager), _membership(officer, organization), {"remove": "on"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=officer, organization=organization).exists()
    open_three, closed = held[:3], held[3]
    for request in open_three:
        request.refresh_from_db()
        assert request.assignee is None
        (event,) = request.events.filter(kind=EventKind.ASSIGNED).order_by("-sequence")[:1]
        assert event.data["assignee"] is None
        assert event.actor_user == manager and event.actor_label == manager.email
    closed.refresh_from_db()
    assert closed.status == Status.WITHDRAWN and closed.assignee == officer  # history stays
    (change,) = Event.objects.filter(kind=EventKind.MEMBER_REMOVED)
    assert change.organization == organization and change.actor_user == manager
    assert change.data["user"] == officer.pk and change.data["role"] == Role.OFFICER
    assert change.data["unassigned"] == 3
    assert audit.verify(organization).ok


def test_lowering_an_officer_to_viewer_unassigns_them_too(
    desk_client, manager, officer, organization, held
):
    _change(desk_client(manager), _membership(officer, organization), {"role": "viewer"})
    assert _membership(officer, organization).role == Role.VIEWER
    assert Request.objects.filter(assignee=officer, status=Status.IDENTITY_CHECK).count() == 0
    (change,) = Event.objects.filter(kind=EventKind.MEMBER_ROLE_CHANGED)
    assert change.data["from"] == Role.OFFICER and change.data["to"] == Role.VIEWER
    assert change.data["unassigned"] == 3


def test_a_member_of_two_organisations_keeps_the_other_organisations_requests(
    desk_client, manager, officer, organization, other_organization, held, make_request
):
    Membership.objects.create(user=officer, organization=other_organization, role=Role.OFFICER)
    with time_machine.travel(RECEIVED, tick=False):
        theirs = make_request(organization=other_organization, actor=audit.Actor.for_user(officer))
        theirs = workflow.request_assign(
            request=theirs, assignee=officer, actor=audit.Actor.for_user(officer)
        )
    _change(desk_client(manager), _membership(officer, organization), {"remove": "on"})
    theirs.refresh_from_db()
    assert theirs.assignee == officer


def test_the_removed_officer_gets_no_reminder_and_no_digest(
    desk_client, manager, officer, colleague, organization, held
):
    _change(desk_client(manager), _membership(officer, organization), {"remove": "on"})
    assert _sweep_on(DUE - timedelta(days=7)) == 3
    assert officer.email not in _reminded()
    assert _reminded() == {colleague.email, manager.email}
    with time_machine.travel(datetime(2026, 3, 27, 6, tzinfo=UTC), tick=False):
        assert reminders.digest_send(officer) is False
    assert not OutboundEmail.objects.filter(to=officer.email).exists()


def test_someone_removed_behind_the_desks_back_is_treated_as_unassigned(
    manager, officer, colleague, organization, held
):
    Membership.objects.filter(user=officer, organization=organization).delete()  # admin, SQL
    assert Request.objects.filter(assignee=officer).count() == 4  # still named on them
    assert _sweep_on(DUE - timedelta(days=7)) == 3
    assert officer.email not in _reminded()
    assert _reminded() == {colleague.email, manager.email}
    # The morning digest of the officers who stay lists the orphaned requests.
    with time_machine.travel(datetime(2026, 3, 27, 6, tzinfo=UTC), tick=False):
        assert reminders.digest_send(officer) is False
        listed = reminders.digest_for(colleague, now=datetime(2026, 3, 27, 6, tzinfo=UTC))
    assert {request.pk for request in listed} == {request.pk for request in held[:3]}


def test_the_subjects_answer_is_told_to_current_officers_only(
    manager, officer, colleague, organization, held, officer_actor
):
    with time_machine.travel(RECEIVED + timedelta(days=1), tick=False):
        asked = workflow.request_ask_information(
            request=held[0], message="Your customer number?", actor=officer_actor
        )
    Membership.objects.filter(user=officer, organization=organization).delete()
    with time_machine.travel(RECEIVED + timedelta(days=2), tick=False):
        workflow.request_record_information(
            request=asked, message="OPM-C1", actor=audit.Actor.subject()
        )
    told = set(
        OutboundEmail.objects.filter(template="subject_answered").values_list("to", flat=True)
    )
    assert told == {colleague.email, manager.email}


def test_the_queue_offers_only_current_members_and_shows_orphans_as_unassigned(
    desk_client, manager, officer, colleague, organization, held
):
    Membership.objects.filter(user=officer, organization=organization).delete()
    client = desk_client(manager)
    page = client.get(reverse("desk:queue"), {"status": "open", "assignee": "any"})
    assert page.status_code == 200
    choices = page.context["filter"].form.fields["assignee"].choices
    assert str(officer.pk) not in [str(value) for value, _label in choices]
    assert str(colleague.pk) in [str(value) for value, _label in choices]
    unassigned = client.get(reverse("desk:queue"), {"status": "open", "assignee": "none"})
    listed = {row.request.pk for row in unassigned.context["rows"]}
    assert listed == {request.pk for request in held[:3]}


def test_the_api_refuses_to_assign_a_non_member(manager, officer, organization, outsider, held):
    token = api_token_create(
        organization=organization, name="App", scope="write", created_by=manager
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    Membership.objects.filter(user=officer, organization=organization).delete()
    request = held[1]
    workflow.request_assign(request=request, assignee=None, actor=audit.Actor.for_user(manager))
    for email in (officer.email, outsider.email):
        response = api.post(
            f"/api/v1/requests/{request.reference}/assign/", {"assignee": email}, format="json"
        )
        assert response.status_code == 400, email
        request.refresh_from_db()
        assert request.assignee is None
