"""Four eyes (issue 18): whoever tries to be their own second pair of eyes, or to approve
from outside, is refused the same way through the desk and the API: the planner or asker,
a viewer, an API token (write or read), another organisation's manager (session or token),
anyone signed out; an approval is bound to its request and to exactly what it approved."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dsr" / "fulfilment"))
from fulfilment_helpers import platform_build, sql_source, sqlite_url

from accounts.models import Role
from dsr import audit, four_eyes
from dsr.api.tokens import api_token_create
from dsr.fulfilment import jobs
from dsr.models import Approval, JobStatus, Right
from tests.builders import verified
from tests.conftest import make_user


@pytest.fixture
def setup(organization, make_request, officer, tmp_path, settings):
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path
    organization.four_eyes_erasure = True
    organization.save()
    url = sqlite_url(tmp_path / "platform.sqlite3")
    platform_build(url)
    sql_source(organization, url)
    request = verified(make_request(right=Right.ERASURE, subject_customer_number="OPM-C1"), officer)
    job = jobs.job_plan(request=request, actor=audit.Actor.for_user(officer))
    (approval,) = four_eyes.pending_for(request)
    return request, job, approval


def _token(organization, manager, scope: str) -> APIClient:
    _, secret = api_token_create(
        organization=organization, name=f"{scope} token", scope=scope, created_by=manager
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_nobody_but_a_second_member_approves(
    setup, desk_client, client, officer, viewer, outsider, manager, organization,
    other_organization,
):  # fmt: skip
    request, job, approval = setup
    desk_url = reverse("desk:approval_give", args=[request.reference, approval.pk])
    api_url = f"/api/v1/requests/{request.reference}/approvals/{approval.pk}/approve/"
    other_manager = make_user("boss@maxem.example", other_organization, Role.MANAGER)
    attempts = [
        (desk_client(officer).post(desk_url), 403),  # the planner, desk
        (desk_client(officer).post(api_url), 403),  # the planner, API session
        (desk_client(viewer).post(desk_url), 403),
        (desk_client(viewer).post(api_url), 403),
        (desk_client(outsider).post(desk_url), 404),
        (desk_client(other_manager).post(desk_url), 404),
        (desk_client(other_manager).post(api_url), 404),
        (_token(organization, manager, "write").post(api_url), 403),  # no person behind it
        (_token(organization, manager, "read").post(api_url), 403),
        (_token(other_organization, other_manager, "write").post(api_url), 404),
        (client.post(api_url), 401),  # signed out
    ]
    assert [response.status_code for response, _ in attempts] == [code for _, code in attempts]
    assert client.post(desk_url).status_code == 302  # signed out: to the sign-in page
    approval.refresh_from_db()
    assert approval.is_pending and approval.approved_by is None
    with pytest.raises(jobs.JobError):
        jobs.job_confirm(job=job, actor=audit.Actor.for_user(manager))
    # Nor can the planner confirm through the desk.
    desk_client(officer).post(reverse("fulfilment:confirm", args=[request.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.PLANNED


def test_an_approval_is_bound_to_its_request_and_to_what_it_approved(
    setup, desk_client, make_request, officer, manager, officer_actor
):
    request, job, approval = setup
    other = make_request()
    # Approving through another request's address finds nothing.
    wrong = reverse("desk:approval_give", args=[other.reference, approval.pk])
    assert desk_client(manager).post(wrong).status_code == 404
    api_wrong = f"/api/v1/requests/{other.reference}/approvals/{approval.pk}/approve/"
    assert desk_client(manager).post(api_wrong).status_code == 404
    # Approved, then the planner plans again (a different dry run): the approval lapses.
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(manager))
    job = jobs.job_plan(request=request, actor=officer_actor)
    with pytest.raises(jobs.JobError):
        jobs.job_confirm(job=job, actor=officer_actor)
    # The lapsed approval cannot be given again either.
    assert (
        desk_client(manager)
        .post(reverse("desk:approval_give", args=[request.reference, approval.pk]))
        .status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.lapsed_at is not None
    assert Approval.objects.filter(request=request, approved_at__isnull=False).count() == 1


def test_the_asker_is_whoever_planned_last(setup, officer, manager):
    """Asking again (a new plan) by a second person does not make the first planner an
    approver of their own plan: the approval's asker is whoever planned last."""
    request, _job, _approval = setup
    jobs.job_plan(request=request, actor=audit.Actor.for_user(manager))
    (pending,) = four_eyes.pending_for(request)
    assert pending.requested_by == manager
    with pytest.raises(four_eyes.ApprovalError):
        four_eyes.approval_give(approval=pending, actor=audit.Actor.for_user(manager))
    four_eyes.approval_give(approval=pending, actor=audit.Actor.for_user(officer))
