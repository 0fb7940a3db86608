"""Issue 14, item 3: a refused (or otherwise closed) request runs nothing more in the systems.

Reproduced on the old main: after the officer refused an erasure, its queued steps still
erased every row; a failed step could be retried on the closed request, and the dry run,
confirmation and manual tasks still worked. Now the refusal cancels the job like a
withdrawal (an Event by the officer), a running step stops at its next checkpoint, and
retry, dry run, confirmation and manual tasks are refused on a closed request with a
message naming the rule; a system's callback for a cancelled step is acknowledged and
changes nothing. Completing a request while its job still runs is refused: the answer must
say what was done."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from jobs_helpers import (
    BATCH_ROWS,
    READINGS,
    SUBJECT_NAME,
    SUBJECT_READINGS,
    big_platform,
    confirmed_erasure,
    run_queued_steps,
    scalar,
    sql_source,
    verified,
    withdraw_on_status_page,
)

from dsr import audit, workflow
from dsr.connectors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from dsr.desk.forms import request_version
from dsr.fulfilment import jobs, runner
from dsr.models import (
    ActorKind,
    ConnectorKind,
    Event,
    EventKind,
    Job,
    JobStatus,
    Right,
    Status,
    StepStatus,
)

pytestmark = pytest.mark.django_db

CLOSED_RULE = "nothing more runs in the systems for a closed request"


@pytest.fixture
def platform(tmp_path, settings, organization) -> str:
    url = big_platform(tmp_path, settings)
    sql_source(organization, url, batch_rows=BATCH_ROWS)
    return url


def _desk_action(client, request_obj, name: str, data: dict):
    request_obj.refresh_from_db()
    url = reverse(f"desk:request_{name}", args=[request_obj.reference])
    return client.post(url, {"version": request_version(request_obj), **data}, follow=True)


def _refuse_in_desk(client, request_obj):
    """The officer refuses the erasure (Art. 17(3)(e): legal claims) on the request page."""
    response = _desk_action(
        client, request_obj, "refuse", {"ground": "legal_claims", "explanation": "Dispute"}
    )
    assert response.status_code == 200
    request_obj.refresh_from_db()
    assert request_obj.status == Status.REFUSED


def _messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_queued_steps_erase_nothing_after_the_officer_refused(
    platform, organization, make_request, officer_actor, desk_client, officer
):
    job = confirmed_erasure(make_request, officer_actor)
    _refuse_in_desk(desk_client(officer), job.request)
    run_queued_steps(job)

    assert scalar(platform, SUBJECT_READINGS) == READINGS
    assert scalar(platform, SUBJECT_NAME) == "Jan Peeters"
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.steps.get().status == StepStatus.CANCELLED
    cancelled = Event.objects.get(request=job.request, kind=EventKind.FULFILMENT_CANCELLED)
    assert cancelled.actor_kind == ActorKind.USER and cancelled.actor_user == officer
    assert cancelled.data["request_status"] == Status.REFUSED

    # The desk's panel and the job page say so.
    client = desk_client(officer)
    panel = client.get(reverse("fulfilment:panel", args=[job.request.pk])).content.decode()
    assert "Cancelled" in panel and 'data-live="true"' not in panel
    page = client.get(reverse("fulfilment:job", args=[job.request.pk])).content.decode()
    assert "Cancelled" in page
    assert audit.verify(organization).ok


def test_a_running_step_stops_when_the_officer_refuses_between_batches(
    platform, make_request, officer_actor, desk_client, officer, monkeypatch
):
    job = confirmed_erasure(make_request, officer_actor)
    original = runner._Context.checkpoint
    client = desk_client(officer)

    def checkpoint(self, *, rows_done=None, rows_total=None):
        if (rows_done or 0) >= 2 * BATCH_ROWS and job.request.status != Status.REFUSED:
            _refuse_in_desk(client, job.request)
        original(self, rows_done=rows_done, rows_total=rows_total)

    monkeypatch.setattr(runner._Context, "checkpoint", checkpoint)
    step = job.steps.get()
    assert runner.step_run(step_id=step.pk) is None
    monkeypatch.undo()

    assert scalar(platform, SUBJECT_READINGS) == READINGS - 2 * BATCH_ROWS
    assert scalar(platform, SUBJECT_NAME) == "Jan Peeters"
    step.refresh_from_db()
    assert step.status == StepStatus.CANCELLED
    assert [(entry["action"], entry["rows"]) for entry in step.result] == [
        ("erased", 2 * BATCH_ROWS)
    ]
    assert job.request.events.filter(kind=EventKind.FULFILMENT_STEP_CANCELLED).count() == 1


def test_a_failed_step_cannot_be_retried_on_a_refused_request(
    tmp_path, platform, organization, make_request, officer_actor, desk_client, officer
):
    broken = sql_source(organization, platform, name="Old CRM", max_attempts=1)
    job = confirmed_erasure(make_request, officer_actor)
    old_crm = job.steps.get(source=broken)
    (tmp_path / "platform.sqlite3").rename(tmp_path / "moved.sqlite3")
    assert runner.step_run(step_id=old_crm.pk) is None
    old_crm.refresh_from_db()
    assert old_crm.status == StepStatus.FAILED
    (tmp_path / "moved.sqlite3").rename(tmp_path / "platform.sqlite3")

    client = desk_client(officer)
    _refuse_in_desk(client, job.request)
    retry = client.post(reverse("fulfilment:retry", args=[old_crm.pk]), follow=True)
    assert retry.status_code == 200
    assert CLOSED_RULE in _messages(retry)
    assert (
        "Retry" not in client.get(reverse("fulfilment:job", args=[job.request.pk])).content.decode()
    )
    with pytest.raises(jobs.JobError, match=CLOSED_RULE):
        jobs.step_retry(step=old_crm, actor=officer_actor)
    run_queued_steps(job)

    old_crm.refresh_from_db()
    assert old_crm.status == StepStatus.FAILED and old_crm.attempts == 1  # not run again
    assert not Event.objects.filter(kind=EventKind.FULFILMENT_STEP_RETRIED).exists()
    assert scalar(platform, SUBJECT_READINGS) == READINGS
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_dry_run_confirmation_and_manual_tasks_are_refused_on_a_closed_request(
    platform, organization, make_request, officer_actor, desk_client, officer
):
    from fulfilment_helpers import manual_source

    manual_source(organization)
    planned = verified(
        make_request(right=Right.ERASURE, subject_customer_number="OPM-C1"), officer_actor
    )
    jobs.job_plan(request=planned, actor=officer_actor)
    withdraw_on_status_page(planned)
    job = Job.objects.get(request=planned)
    assert job.status == JobStatus.CANCELLED  # a dry run nobody confirmed goes too
    assert set(job.steps.values_list("status", flat=True)) == {StepStatus.CANCELLED}

    client = desk_client(officer)
    confirm = client.post(reverse("fulfilment:confirm", args=[planned.pk]), follow=True)
    assert CLOSED_RULE in _messages(confirm)
    plan = client.post(reverse("fulfilment:plan", args=[planned.pk]), follow=True)
    assert CLOSED_RULE in _messages(plan)
    with pytest.raises(jobs.JobError, match=CLOSED_RULE):
        jobs.job_confirm(job=job, actor=officer_actor)

    # A manual task that was waiting for a person when the request was withdrawn.
    running = confirmed_erasure(make_request, officer_actor)
    task = running.steps.get(source__kind=ConnectorKind.MANUAL)
    runner.step_run(step_id=task.pk)
    task.refresh_from_db()
    assert task.status == StepStatus.WAITING
    withdraw_on_status_page(running.request)
    task.refresh_from_db()
    assert task.status == StepStatus.CANCELLED
    done = client.post(
        reverse("fulfilment:task", args=[task.pk]),
        {"outcome": "done", "note": "Shredded the file"},
        follow=True,
    )
    assert CLOSED_RULE in _messages(done)
    task.refresh_from_db()
    assert task.status == StepStatus.CANCELLED and task.completed_by is None
    assert scalar(platform, SUBJECT_READINGS) == READINGS


def test_completing_while_the_job_runs_is_refused(
    platform, make_request, officer_actor, desk_client, officer
):
    job = confirmed_erasure(make_request, officer_actor)
    response = _desk_action(desk_client(officer), job.request, "complete", {"outcome": "fulfilled"})
    assert response.status_code == 409
    assert "still running in the systems" in response.content.decode()
    job.request.refresh_from_db()
    assert job.request.status == Status.IN_PROGRESS
    with pytest.raises(workflow.TransitionNotAllowed, match="still running"):
        workflow.request_complete(request=job.request, outcome="fulfilled", actor=officer_actor)

    run_queued_steps(job)
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED and scalar(platform, SUBJECT_READINGS) == 0
    workflow.request_complete(request=job.request, outcome="fulfilled", actor=officer_actor)
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED  # a finished job is left as it is


def test_a_callback_for_a_cancelled_step_is_acknowledged_and_changes_nothing(
    client, organization, make_request, officer_actor
):
    from fulfilment_helpers import HTTP_SECRET, FakeSystem, http_source

    with FakeSystem([(200, {}), (202, {"status": "accepted"})]) as system:
        http_source(organization, system.url)
        request = verified(make_request(right=Right.ERASURE), officer_actor)
        job = jobs.job_confirm(
            job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
        )
        step = job.steps.get()
        runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    assert step.status == StepStatus.WAITING
    withdraw_on_status_page(request)

    body = json.dumps(
        {"status": "done", "entries": [{"action": "erased", "what": "Orders", "rows": 2}]}
    ).encode()
    timestamp = str(int(time.time()))
    answer = client.post(
        reverse("fulfilment:callback", args=[step.token]),
        data=body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(HTTP_SECRET, timestamp, body)},
    )
    assert answer.status_code == 200 and answer.json() == {"status": "cancelled"}
    step.refresh_from_db()
    assert step.status == StepStatus.CANCELLED and step.result == []
    assert not Event.objects.filter(kind=EventKind.FULFILMENT_STEP_DONE).exists()
