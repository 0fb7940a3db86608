"""Four eyes on releasing a reviewed data package (issue 18, optional): the release needs a
second officer or manager's approval of the package as reviewed; a decision made after the
approval needs a new one; through the gate (dsr/fulfilment/release_gate.py), the desk's ask
and the API's release."""

from __future__ import annotations

import pytest
from django.urls import reverse
from fulfilment_helpers import started
from rest_framework.test import APIClient

from accounts.models import Role
from dsr import audit, four_eyes
from dsr.api.tokens import api_token_create
from dsr.fulfilment import release_gate, review, runner
from dsr.models import (
    ApprovalKind,
    DecisionKind,
    PackageReview,
    ReviewStatus,
    Right,
    WithholdReason,
)
from tests.conftest import make_user


def _in_review(request, actor) -> PackageReview:
    job = started(request, actor)
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    return PackageReview.objects.get(job=job)


@pytest.fixture
def waiting(organization, platform_source, in_progress, officer_actor):
    organization.four_eyes_release = True
    organization.save()
    item = _in_review(in_progress(Right.ACCESS), officer_actor)
    assert item.status == ReviewStatus.REVIEW
    return item


@pytest.fixture
def colleague(organization):
    return make_user("colleague@openmotics.example", organization, Role.OFFICER)


def test_the_release_waits_for_a_second_pair_of_eyes(waiting, officer_actor, colleague):
    with pytest.raises(four_eyes.ApprovalError, match="approve this release"):
        release_gate.package_release_checked(review=waiting, by=officer_actor)
    approval = release_gate.release_approval_ask(review=waiting, actor=officer_actor)
    assert approval.kind == ApprovalKind.RELEASE and approval.summary["decisions"] == 0
    with pytest.raises(four_eyes.ApprovalError):
        four_eyes.approval_give(approval=approval, actor=officer_actor)
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    released = release_gate.package_release_checked(review=waiting, by=officer_actor)
    assert released.status == ReviewStatus.RELEASED


def test_a_decision_after_the_approval_needs_a_new_one(waiting, officer_actor, colleague):
    approval = release_gate.release_approval_ask(review=waiting, actor=officer_actor)
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    review.decision_add(
        review=waiting, actor=officer_actor, kind=DecisionKind.TEXT, text="Els Bogaert",
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    with pytest.raises(four_eyes.ApprovalError):
        release_gate.package_release_checked(review=waiting, by=officer_actor)
    waiting.refresh_from_db()
    assert waiting.status == ReviewStatus.REVIEW
    second = release_gate.release_approval_ask(review=waiting, actor=officer_actor)
    approval.refresh_from_db()
    assert approval.lapsed_at is not None and second.summary["decisions"] == 1
    # An approval asked before a decision and given after it is refused as stale.
    review.decision_add(
        review=waiting, actor=officer_actor, kind=DecisionKind.TEXT, text="Piet Bogaert",
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    with pytest.raises(four_eyes.ApprovalError) as error:
        four_eyes.approval_give(approval=second, actor=audit.Actor.for_user(colleague))
    assert error.value.code == "lapsed"


def test_without_the_setting_the_gate_releases(
    organization, platform_source, in_progress, officer_actor
):
    item = _in_review(in_progress(Right.ACCESS), officer_actor)
    assert organization.four_eyes_release is False
    assert release_gate.package_release_checked(review=item, by=officer_actor).status == (
        ReviewStatus.RELEASED
    )


def test_the_desk_asks_and_the_api_release_is_gated(
    waiting, desk_client, officer, colleague, viewer, organization, manager
):
    request = waiting.job.request
    page = reverse("desk:request", args=[request.reference])
    ask = reverse("desk:approval_release_ask", args=[request.reference])
    assert ask in desk_client(officer).get(page).content.decode()
    assert desk_client(viewer).post(ask).status_code == 403
    _, secret = api_token_create(
        organization=organization, name="Customer app", scope="write", created_by=manager
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    release = f"/api/v1/requests/{request.reference}/release-package/"
    refused = api.post(release)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "approval_needed"
    assert desk_client(officer).post(ask).status_code == 302
    (approval,) = four_eyes.pending_for(request)
    give = reverse("desk:approval_give", args=[request.reference, approval.pk])
    assert desk_client(officer).post(give).status_code == 403
    assert desk_client(colleague).post(give).status_code == 302
    assert api.post(release).status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == ReviewStatus.RELEASED


def test_the_api_asks_for_the_release_approval(waiting, organization, manager):
    _, secret = api_token_create(
        organization=organization, name="Customer app", scope="write", created_by=manager
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/requests/{waiting.job.request.reference}/ask-release-approval/"
    answer = api.post(url)
    assert answer.status_code == 200 and answer.json()["kind"] == "release"
    assert answer.json()["requested_by"] is None  # a token: any officer may approve
