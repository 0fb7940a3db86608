"""Four eyes (issue 18): an erasure's dry run and a refusal need a second officer or
manager's approval of exactly what happens; the planner never approves their own, a viewer,
an API token and another organisation's member never approve; a new dry run lapses the
approval. Through the services, the desk and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from dsr import audit, four_eyes, workflow
from dsr.api.tokens import api_token_create
from dsr.fulfilment import jobs
from dsr.models import (
    Approval,
    ApprovalKind,
    Event,
    EventKind,
    JobStatus,
    RefusalGround,
    Right,
    Status,
)
from tests.conftest import make_user


@pytest.fixture
def colleague(organization):
    return make_user("colleague@openmotics.example", organization, Role.OFFICER)


@pytest.fixture
def write_api(organization, manager) -> APIClient:
    _, secret = api_token_create(
        organization=organization, name="Customer app", scope="write", created_by=manager
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def four_eyes_on(organization):
    organization.four_eyes_erasure = True
    organization.save()
    return organization


@pytest.fixture
def planned(four_eyes_on, platform_source, in_progress, officer_actor):
    request = in_progress(Right.ERASURE)
    job = jobs.job_plan(request=request, actor=officer_actor)
    return request, job


def test_the_planner_cannot_confirm_alone_a_second_officer_approves(
    planned, officer, colleague, officer_actor
):
    request, job = planned
    (approval,) = four_eyes.pending_for(request)
    assert approval.kind == ApprovalKind.ERASURE and approval.requested_by == officer
    assert approval.summary["sources"][0]["rows"] > 0  # counts, never rows
    with pytest.raises(jobs.JobError, match="second officer or manager"):
        jobs.job_confirm(job=job, actor=officer_actor)
    with pytest.raises(four_eyes.ApprovalError, match="another officer or manager"):
        four_eyes.approval_give(approval=approval, actor=officer_actor)
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    job = jobs.job_confirm(job=job, actor=officer_actor)  # the planner confirms, approved
    assert job.status == JobStatus.RUNNING
    confirmed = Event.objects.get(request=request, kind=EventKind.FULFILMENT_CONFIRMED)
    assert confirmed.data["approved_by"] == colleague.email
    given = Event.objects.get(request=request, kind=EventKind.APPROVAL_GIVEN)
    assert given.actor_user == colleague and given.data["requested_by"] == officer.email
    approval.refresh_from_db()
    assert approval.used_at is not None


def test_viewers_tokens_and_outsiders_never_approve(planned, viewer, outsider, manager):
    request, _job = planned
    (approval,) = four_eyes.pending_for(request)
    for actor in (
        audit.Actor.for_user(viewer),
        audit.Actor.for_user(outsider),
        audit.Actor.api("Customer app"),
        audit.Actor.system("sweep"),
    ):
        with pytest.raises(four_eyes.ApprovalError) as error:
            four_eyes.approval_give(approval=approval, actor=actor)
        assert error.value.code == "not_permitted"
    approval.refresh_from_db()
    assert approval.is_pending
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(manager))
    approval.refresh_from_db()
    assert approval.approved_by == manager


def test_a_new_dry_run_lapses_the_approval(planned, colleague, officer_actor):
    request, job = planned
    (first,) = four_eyes.pending_for(request)
    four_eyes.approval_give(approval=first, actor=audit.Actor.for_user(colleague))
    job = jobs.job_plan(request=request, actor=officer_actor)  # the plan changes
    first.refresh_from_db()
    assert first.lapsed_at is not None
    with pytest.raises(jobs.JobError):
        jobs.job_confirm(job=job, actor=officer_actor)
    (second,) = four_eyes.pending_for(request)
    assert second.pk != first.pk and second.covers != first.covers
    with pytest.raises(four_eyes.ApprovalError) as error:  # the old one cannot be reused
        four_eyes.approval_give(approval=first, actor=audit.Actor.for_user(colleague))
    assert error.value.code == "not_pending"


def test_an_approval_of_a_plan_changed_behind_it_is_refused(planned, colleague):
    request, job = planned
    (approval,) = four_eyes.pending_for(request)
    step = job.steps.first()
    step.plan = {**step.plan, "lines": [*step.plan["lines"], {"what": "x", "rows": 1}]}
    step.save()
    with pytest.raises(four_eyes.ApprovalError) as error:
        four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    assert error.value.code == "lapsed"


def test_without_the_setting_one_officer_plans_and_confirms(
    organization, platform_source, in_progress, officer_actor
):
    organization.four_eyes_erasure = False
    organization.save()
    request = in_progress(Right.ERASURE)
    job = jobs.job_plan(request=request, actor=officer_actor)
    assert not Approval.objects.filter(request=request).exists()
    assert jobs.job_confirm(job=job, actor=officer_actor).status == JobStatus.RUNNING


# --- refusals -----------------------------------------------------------------------------


@pytest.fixture
def refusals_on(organization):
    organization.four_eyes_refusal = True
    organization.save()
    return organization


def test_a_refusal_needs_the_approval_of_its_very_ground(
    refusals_on, make_request, officer, colleague, officer_actor
):
    request = make_request()
    ground = RefusalGround.MANIFESTLY_UNFOUNDED
    explanation = "The same question was answered yesterday, with the same data."
    with pytest.raises(workflow.ApprovalNeeded):
        workflow.request_refuse(
            request=request, ground=ground, explanation=explanation, actor=officer_actor
        )
    workflow.refusal_approval_ask(
        request=request, ground=ground, explanation=explanation, actor=officer_actor
    )
    (approval,) = four_eyes.pending_for(request)
    with pytest.raises(four_eyes.ApprovalError):
        four_eyes.approval_give(approval=approval, actor=officer_actor)
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    with pytest.raises(workflow.ApprovalNeeded):  # another explanation is another refusal
        workflow.request_refuse(
            request=request, ground=ground, explanation="Something else", actor=officer_actor
        )
    refused = workflow.request_refuse(
        request=request, ground=ground, explanation=explanation, actor=officer_actor
    )
    assert refused.status == Status.REFUSED
    event = Event.objects.get(request=request, kind=EventKind.REFUSED)
    assert event.data["approved_by"] == colleague.email
    approval.refresh_from_db()
    assert approval.used_at is not None and approval.parameters == {}  # the text is not kept


# --- the desk -----------------------------------------------------------------------------


def test_the_desk_shows_who_planned_and_who_approved(
    planned, desk_client, officer, colleague, viewer, outsider
):
    request, job = planned
    (approval,) = four_eyes.pending_for(request)
    url = reverse("desk:approval_give", args=[request.reference, approval.pk])
    page = desk_client(officer).get(reverse("desk:request", args=[request.reference]))
    html = page.content.decode()
    assert "Dry run planned by" in html and "Waiting for a second officer or manager" in html
    assert url not in html  # no approve button for the planner
    assert desk_client(officer).post(url).status_code == 403
    assert desk_client(viewer).post(url).status_code == 403
    assert desk_client(outsider).post(url).status_code == 404
    approval.refresh_from_db()
    assert approval.is_pending
    page = desk_client(colleague).get(reverse("desk:request", args=[request.reference]))
    assert url in page.content.decode()
    assert desk_client(colleague).post(url).status_code == 302
    approval.refresh_from_db()
    assert approval.approved_by == colleague
    confirm = desk_client(officer).post(reverse("fulfilment:confirm", args=[request.pk]))
    assert confirm.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    html = desk_client(viewer).get(reverse("desk:request", args=[request.reference])).content
    assert f"asked by {officer}, approved by {colleague}".encode() in html


def test_the_desk_refusal_is_asked_approved_and_carried_out(
    refusals_on, make_request, desk_client, officer, colleague
):
    request = make_request()
    page = reverse("desk:request", args=[request.reference])
    version = request.updated_at.isoformat()
    response = desk_client(officer).post(
        reverse("desk:request_refuse", args=[request.reference]),
        {"version": version, "ground": "manifestly_unfounded", "explanation": "Asked daily."},
    )
    assert response.status_code == 400
    assert "approve this refusal first" in response.content.decode()
    response = desk_client(officer).post(
        reverse("desk:request_ask_refusal", args=[request.reference]),
        {"version": version, "ground": "manifestly_unfounded", "explanation": "Asked daily."},
    )
    assert response.status_code == 302
    (approval,) = four_eyes.pending_for(request)
    give = reverse("desk:approval_give", args=[request.reference, approval.pk])
    assert desk_client(officer).post(give).status_code == 403
    assert desk_client(colleague).post(give).status_code == 302
    assert "Refuse now, as approved" in desk_client(officer).get(page).content.decode()
    refuse = reverse("desk:approval_refuse", args=[request.reference, approval.pk])
    assert desk_client(officer).post(refuse).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REFUSED and request.refusal_explanation == "Asked daily."


# --- the API ------------------------------------------------------------------------------


def test_the_api_lists_the_pending_approval_and_approves_with_the_same_rules(
    planned, desk_client, officer, colleague, viewer, organization, manager
):
    request, _job = planned
    base = f"/api/v1/requests/{request.reference}/approvals/"
    listed = desk_client(viewer).get(base).json()
    assert [item["pending"] for item in listed] == [True]
    assert listed[0]["requested_by"] == officer.email and listed[0]["kind"] == "erasure"
    approve = f"{base}{listed[0]['id']}/approve/"
    assert desk_client(officer).post(approve).status_code == 403  # the planner
    assert desk_client(viewer).post(approve).status_code == 403
    token = APIClient()
    _, secret = api_token_create(
        organization=organization, name="CRM", scope="write", created_by=manager
    )
    token.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    refused = token.post(approve)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_permitted"
    assert desk_client(colleague).post(f"{base}999999/approve/").status_code == 404
    answer = desk_client(colleague).post(approve)
    assert answer.status_code == 200 and answer.json()["approved_by"] == colleague.email
    again = desk_client(manager).post(approve)
    assert again.status_code == 409  # given already


def test_the_api_refusal_waits_for_its_approval(refusals_on, make_request, colleague, write_api):
    request = make_request()
    body = {"ground": "manifestly_unfounded", "explanation": "Asked daily."}
    url = f"/api/v1/requests/{request.reference}/"
    response = write_api.post(f"{url}refuse/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "approval_needed"
    assert write_api.post(f"{url}ask-refusal-approval/", body, format="json").status_code == 200
    (approval,) = four_eyes.pending_for(request)
    four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(colleague))
    assert write_api.post(f"{url}refuse/", body, format="json").json()["status"] == "refused"
