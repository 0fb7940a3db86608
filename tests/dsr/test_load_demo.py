"""`manage.py load_demo`: true demo data, created through the workflow, loadable twice."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization, User
from dsr import audit
from dsr.models import Channel, ProcessingActivity, Request, Right, Status


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_four_organisations_from_the_seeds_with_register_and_staff(demo):
    organizations = {o.slug: o for o in Organization.objects.all()}
    assert set(organizations) == {"openmotics", "ilumen", "maxem", "zensor"}
    assert organizations["openmotics"].legal_name == "OpenMotics BV"  # no BVBA since 2019
    assert organizations["openmotics"].country == "BE"
    assert organizations["maxem"].legal_name == "Cohere Energy Solutions B.V."
    assert organizations["maxem"].time_zone == "Europe/Amsterdam"
    for organization in organizations.values():
        assert ProcessingActivity.objects.filter(organization=organization).count() >= 4
        roles = sorted(organization.memberships.values_list("role", flat=True))
        assert roles == ["manager", "officer", "officer"]


def test_about_two_hundred_requests_covering_every_right_channel_language_and_state(demo):
    requests = Request.objects.all()
    assert 180 <= requests.count() <= 260
    assert set(requests.values_list("right", flat=True)) == set(Right.values)
    assert set(requests.values_list("channel", flat=True)) == set(Channel.values)
    assert set(requests.values_list("language", flat=True)) == {"en", "nl", "fr"}
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    today = timezone.localdate()
    running = requests.filter(status__in=[Status.IDENTITY_CHECK, Status.IN_PROGRESS])
    assert running.filter(effective_due_date__lt=today).count() >= 4, "overdue"
    assert running.filter(
        effective_due_date__range=(today, today + datetime.timedelta(days=7))
    ).exists(), "due this week"
    assert requests.filter(extended_due_date__isnull=False).count() >= 4, "extended"
    assert requests.filter(status=Status.AWAITING_SUBJECT, paused_since__isnull=False).exists()
    assert requests.exclude(effective_due_date=F("due_date")).exists(), "effective differs"


def test_every_chain_verifies_and_every_request_has_its_history(demo):
    for organization in Organization.objects.all():
        assert audit.verify(organization).ok
    assert not Request.objects.filter(events__isnull=True).exists()
    closed = Request.objects.filter(status__in=[Status.COMPLETED, Status.REFUSED])
    assert all(r.events.count() >= 3 for r in closed)


def test_loading_twice_changes_nothing(demo):
    before = (Request.objects.count(), User.objects.count(), ProcessingActivity.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = (Request.objects.count(), User.objects.count(), ProcessingActivity.objects.count())
    assert before == after


def test_demo_logins_work(demo, client):
    from dsr.demo.loader import DEMO_PASSWORD, logins

    for _, _, email in logins():
        assert client.login(email=email, password=DEMO_PASSWORD), email


def test_every_demo_register_speaks_every_offered_language(demo):
    from dsr.demo import register_texts
    from dsr.models.register import register_gaps

    for organization in Organization.objects.all():
        assert register_gaps(organization) == {}, organization.slug
    refused = Request.objects.filter(status=Status.REFUSED).exclude(refusal_explanation="")
    assert refused.exists()
    for request in refused:
        assert request.refusal_explanation == register_texts.REFUSAL_EXPLANATION[request.language]


def test_a_data_package_waits_in_review_for_a_newcomer_to_see(demo):
    """Nothing of it was sent: the package is built only once an officer releases it."""
    from dsr.models import DataPackage, OutboundEmail, PackageReview, ReviewStatus

    waiting = PackageReview.objects.select_related("job__request__organization").get()
    assert waiting.status == ReviewStatus.REVIEW
    assert waiting.job.request.organization.slug == "maxem"
    assert sum(step.rows_done for step in waiting.job.steps.all()) > 0
    assert not DataPackage.objects.exists()
    assert not OutboundEmail.objects.filter(template="package_ready").exists()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PackageReview.objects.count() == 1
