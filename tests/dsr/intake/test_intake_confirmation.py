"""The confirmation link, the acknowledgement, and the withdrawal of unconfirmed requests."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.utils import timezone
from intake_helpers import send_stored_mail

from dsr import tasks
from dsr.intake import services
from dsr.models import ActorKind, EventKind, OutboundEmail, Request, Status

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def submitted(client, organization, filled_form):
    """A Dutch submission of two rights, as sent through the form; returns its confirm path."""

    def submit(**overrides):
        data = filled_form(organization, rights=["access", "erasure"], lang="nl", **overrides)
        assert client.post("/openmotics/request/", data).status_code == 302
        email = OutboundEmail.objects.filter(template="intake_confirm").latest("pk")
        url = re.search(r"https://desk\.example\.org(/\S+/confirm/\S+/)", email.text_body)
        return url.group(1)

    return submit


def test_opening_the_link_asks_and_only_the_button_confirms(client, organization, submitted):
    path = submitted()
    page = client.get(path)
    content = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="nl">' in content
    assert "Ja, bevestig mijn verzoek" in content
    assert all(request.status == Status.UNVERIFIED for request in Request.objects.all())

    response = client.post(path, {"lang": "nl"})
    assert response.status_code == 302
    first = Request.objects.order_by("reference").first()
    assert response["Location"] == f"/r/{first.public_token}/?notice=confirmed&lang=nl"
    for request in Request.objects.all():
        assert request.status == Status.IDENTITY_CHECK
        assert request.paused_since is None
        event = request.events.get(kind=EventKind.EMAIL_CONFIRMED)
        assert event.actor_kind == ActorKind.SUBJECT


def test_acknowledgement_has_references_dates_in_the_subjects_language_and_the_status_link(
    client, organization, submitted
):
    received = datetime(2026, 1, 31, 10, 0, tzinfo=BRUSSELS)
    with time_machine.travel(received, tick=False):
        path = submitted()
    with time_machine.travel(received + timedelta(days=3, hours=1), tick=False):
        client.post(path)
    access, erasure = Request.objects.order_by("reference")
    ack = OutboundEmail.objects.get(template="intake_acknowledgement")
    assert access.reference in ack.subject and erasure.reference in ack.subject
    text = ack.text_body
    assert "Recht van inzage (art. 15)" in text and access.reference in text
    assert "31 januari 2026" in text  # date received, in Dutch
    # LEGAL.md: 31 January 2026 -> 28 February is a Saturday -> Monday 2 March 2026.
    assert "maandag 2 maart 2026" in text
    # Three days waiting for the confirmation are added (LEGAL.md, "Pause").
    assert access.effective_due_date.isoformat() == "2026-03-05"
    assert "donderdag 5 maart 2026" in text
    assert f"https://desk.example.org/r/{access.public_token}/" in text
    assert f'href="https://desk.example.org/r/{access.public_token}/"' in ack.html_body
    (_confirm, sent_ack) = send_stored_mail()
    assert sent_ack.to == ["lotte.de.vries@example.com"]


def test_french_acknowledgement_formats_dates_in_french(client, organization, filled_form):
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=BRUSSELS), tick=False):
        data = filled_form(organization, lang="fr")
        client.post("/openmotics/request/", data)
        email = OutboundEmail.objects.get()
        path = re.search(r"https://desk\.example\.org(/\S+/confirm/\S+/)", email.text_body)[1]
        client.post(path)
    ack = OutboundEmail.objects.get(template="intake_acknowledgement")
    assert "5 mars 2026" in ack.text_body
    # 5 April 2026 is Easter Sunday and the 6th Easter Monday, a Belgian holiday.
    assert "mardi 7 avril 2026" in ack.text_body
    assert "Droit d'accès (art. 15)" in html.unescape(ack.html_body)


def test_a_replayed_link_says_already_confirmed_and_points_to_the_status_page(
    client, organization, submitted
):
    path = submitted()
    client.post(path)
    for replay in (client.get(path), client.post(path)):
        page = replay.content.decode()
        assert replay.status_code == 200
        assert "al bevestigd" in page
        first = Request.objects.order_by("reference").first()
        assert f'href="/r/{first.public_token}/"' in page
    assert OutboundEmail.objects.filter(template="intake_acknowledgement").count() == 1
    assert Request.objects.first().events.filter(kind=EventKind.EMAIL_CONFIRMED).count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps("00000000-0000-0000-0000-000000000000", salt="another.salt"),
        signing.dumps("00000000-0000-0000-0000-000000000000", salt=services.CONFIRMATION_SALT)[:-3]
        + "abc",
    ],
)
def test_a_forged_link_gets_a_clear_message_in_the_visitors_language(
    client, organization, submitted, token
):
    submitted()
    for response in (
        client.get(f"/openmotics/request/confirm/{token}/", HTTP_ACCEPT_LANGUAGE="fr"),
        client.post(f"/openmotics/request/confirm/{token}/", HTTP_ACCEPT_LANGUAGE="fr"),
    ):
        assert response.status_code == 400
        assert "Ce lien n'est pas valable" in html.unescape(response.content.decode())
    assert all(request.status == Status.UNVERIFIED for request in Request.objects.all())


def test_a_link_for_another_organisations_submission_is_not_valid(
    client, organization, other_organization, submitted
):
    path = submitted()
    response = client.post(path.replace("/openmotics/", "/maxem/"))
    assert response.status_code == 400
    assert all(request.status == Status.UNVERIFIED for request in Request.objects.all())


def test_an_expired_link_does_not_confirm_and_offers_a_new_one(client, organization, submitted):
    path = submitted()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        page = client.get(path)
        assert page.status_code == 410
        assert "Deze link is verlopen" in page.content.decode()
        response = client.post(path)
        assert response.status_code == 200
        assert all(request.status == Status.UNVERIFIED for request in Request.objects.all())
        new_mail = OutboundEmail.objects.filter(template="intake_confirm").latest("pk")
        new_path = re.search(r"https://desk\.example\.org(/\S+/confirm/\S+/)", new_mail.text_body)[
            1
        ]
        assert new_path != path
        assert client.post(new_path).status_code == 302
    assert all(request.status == Status.IDENTITY_CHECK for request in Request.objects.all())


def test_new_links_are_limited_per_submission(client, organization, submitted, settings):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "confirmation_resend": (1, 86400)}
    path = submitted()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.post(path).status_code == 200
        assert client.post(path).status_code == 429
    assert OutboundEmail.objects.filter(template="intake_confirm").count() == 2


def test_unconfirmed_requests_are_withdrawn_after_fourteen_days_by_the_system(
    client, organization, submitted, make_request
):
    path = submitted()
    confirmed_path = submitted(subject_email="other@example.com")
    client.post(confirmed_path)
    by_email = make_request()  # logged by an officer: never waits for a confirmation

    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert tasks.intake_withdraw_unconfirmed() == 0
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        assert tasks.intake_withdraw_unconfirmed() == 2
        assert tasks.intake_withdraw_unconfirmed() == 0

    unconfirmed = Request.objects.filter(subject_email="lotte.de.vries@example.com")
    for request in unconfirmed:
        assert request.status == Status.WITHDRAWN
        event = request.events.get(kind=EventKind.WITHDRAWN)
        assert event.actor_kind == ActorKind.SYSTEM
    others = Request.objects.exclude(subject_email="lotte.de.vries@example.com")
    assert all(request.status == Status.IDENTITY_CHECK for request in others)
    by_email.refresh_from_db()
    assert by_email.status == Status.IDENTITY_CHECK

    response = client.get(path)
    assert response.status_code == 410
    assert "ingetrokken" in response.content.decode()


def test_the_withdrawal_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["withdraw-unconfirmed"]
    assert entry["task"] == "dsr.tasks.intake_withdraw_unconfirmed"
    assert entry["schedule"] <= 3600
