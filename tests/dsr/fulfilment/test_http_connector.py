"""The http connector against a local server playing the controller's system: signed calls,
retries with back-off on a real worker, a system that never answers, 202 with a signed
callback or with polling."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from fulfilment_helpers import HTTP_SECRET, FakeSystem, http_source, wait_for

from dsr.connectors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature_valid
from dsr.fulfilment import jobs, runner
from dsr.models import Event, EventKind, JobStatus, JobStep, Right, StepStatus

DONE = (
    200,
    {"status": "done", "entries": [{"action": "erased", "what": "Orders", "rows": 3}]},
)


def _start(request, officer_actor):
    job = jobs.job_plan(request=request, actor=officer_actor)
    return jobs.job_confirm(job=job, actor=officer_actor)


def _signed_post(client, url: str, payload: dict, secret: str = HTTP_SECRET):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    return client.post(
        url,
        data=body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)},
    )


def test_the_call_is_signed_over_timestamp_and_body_and_its_result_recorded(
    organization, in_progress, officer_actor
):
    with FakeSystem(
        [(200, {"plan": [{"what": "Orders", "action": "erase", "rows": 3}]}), DONE]
    ) as system:
        http_source(organization, system.url)
        request = in_progress(Right.ERASURE)
        job = _start(request, officer_actor)
        assert job.steps.get().plan["lines"][0]["rows"] == 3
        step = job.steps.get()
        assert runner.step_run(step_id=step.pk) is None

    dry_run, call = system.calls
    assert dry_run["json"]["dry_run"] is True
    assert call["json"]["action"] == "erase"
    assert call["json"]["reference"] == request.reference
    assert call["json"]["subject"]["email"] == "jan.peeters@example.com"
    assert signature_valid(
        HTTP_SECRET,
        timestamp=call["headers"][TIMESTAMP_HEADER],
        signature=call["headers"][SIGNATURE_HEADER],
        body=call["body"],
    )
    assert not signature_valid(
        "another-secret-000000",
        timestamp=call["headers"][TIMESTAMP_HEADER],
        signature=call["headers"][SIGNATURE_HEADER],
        body=call["body"],
    )
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    assert step.result[0] | {} == {
        "action": "erased", "what": "Orders", "rows": 3, "reason": "", "retention": ""
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_system_failing_twice_then_answering_is_retried_by_the_worker(
    celery_worker, organization, in_progress, officer_actor
):
    with FakeSystem([(200, {}), (500, {"error": "db down"}), (503, {}), DONE]) as system:
        http_source(organization, system.url)
        request = in_progress(Right.ERASURE)
        job = _start(request, officer_actor)
        step = job.steps.get()
        wait_for(
            lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.DONE, what="step done"
        )

    step.refresh_from_db()
    assert len(system.calls) == 4  # the dry run, two failures, the success
    assert step.attempts == 3
    assert step.last_error == ""
    assert step.result[0]["rows"] == 3
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED
    kinds = list(Event.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds.count(EventKind.FULFILMENT_STEP_DONE) == 1
    assert EventKind.FULFILMENT_STEP_FAILED not in kinds


@pytest.mark.django_db(transaction=True)
def test_a_system_that_never_answers_fails_with_the_reason_and_the_officer_can_retry(
    celery_worker, organization, in_progress, officer_actor
):
    with FakeSystem([(200, {}), "hang"]) as system:
        http_source(organization, system.url, timeout_seconds=0.5, max_attempts=3)
        request = in_progress(Right.ERASURE)
        job = _start(request, officer_actor)
        step = job.steps.get()
        wait_for(
            lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.FAILED,
            what="step failed",
        )
        step.refresh_from_db()
        assert "unreachable: no answer within 0.5 s" in step.last_error
        assert "gave up after 3 attempts" in step.last_error
        assert len(system.calls) == 1 + 3
        job.refresh_from_db()
        assert job.status == JobStatus.FINISHED
        failed = Event.objects.get(request=request, kind=EventKind.FULFILMENT_STEP_FAILED)
        assert "no answer" in failed.payload["error"]

        system.answers = [DONE]  # the system is back
        jobs.step_retry(step=step, actor=officer_actor)
        wait_for(
            lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.DONE, what="retry done"
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED
    assert (
        Event.objects.filter(request=request, kind=EventKind.FULFILMENT_STEP_RETRIED).count() == 1
    )
    assert Event.objects.filter(request=request, kind=EventKind.FULFILMENT_FINISHED).count() == 2


def test_accepted_then_a_signed_callback_completes_the_step_once(
    client, organization, in_progress, officer_actor
):
    with FakeSystem([(200, {}), (202, {"status": "accepted"})]) as system:
        http_source(organization, system.url)
        request = in_progress(Right.ERASURE)
        job = _start(request, officer_actor)
        step = job.steps.get()
        assert runner.step_run(step_id=step.pk) is None
    step.refresh_from_db()
    assert step.status == StepStatus.WAITING
    callback_url = system.calls[1]["json"]["callback_url"]
    path = reverse("fulfilment:callback", args=[step.token])
    assert callback_url.endswith(path)

    result = {"status": "done", "entries": [{"action": "erased", "what": "Orders", "rows": 2}]}
    forged = _signed_post(client, path, result, secret="not-the-shared-secret")
    assert forged.status_code == 403
    assert (
        _signed_post(client, reverse("fulfilment:callback", args=["nope"]), result).status_code
        == 404
    )
    assert JobStep.objects.get(pk=step.pk).status == StepStatus.WAITING

    answer = _signed_post(client, path, result)
    assert answer.status_code == 200
    assert answer.json() == {"status": "done"}
    assert _signed_post(client, path, result).json() == {"status": "done"}  # told twice
    step.refresh_from_db()
    assert step.result[0]["rows"] == 2
    assert Event.objects.filter(request=request, kind=EventKind.FULFILMENT_STEP_DONE).count() == 1


def test_accepted_then_polled_until_done(organization, in_progress, officer_actor):
    with FakeSystem([(200, {})]) as system:
        poll_url = system.url + "status/1"
        system.answers = [
            (200, {}),
            (202, {"status": "accepted", "poll_url": poll_url}),
            (200, {"status": "pending"}),
            DONE,
        ]
        http_source(organization, system.url, poll_seconds=5)
        request = in_progress(Right.ERASURE)
        job = _start(request, officer_actor)
        step = job.steps.get()
        assert runner.step_run(step_id=step.pk) == 5
        assert JobStep.objects.get(pk=step.pk).status == StepStatus.WAITING
        assert runner.step_run(step_id=step.pk) == 5
        assert runner.step_run(step_id=step.pk) is None
    assert [call["method"] for call in system.calls] == ["POST", "POST", "GET", "GET"]
    assert system.calls[2]["path"] == "/dsr/status/1"
    assert JobStep.objects.get(pk=step.pk).status == StepStatus.DONE


def test_a_refusal_fails_at_once_with_its_status_not_its_body(
    organization, in_progress, officer_actor
):
    """The body of a 4xx is not shown (the endpoint may be any service: docs/SECURITY.md);
    a system explains a failure with `{"status": "failed", "reason": ...}`."""
    with FakeSystem([(200, {}), (422, {"error": "unknown customer"})]) as system:
        http_source(organization, system.url)
        job = _start(in_progress(Right.ERASURE), officer_actor)
        step = job.steps.get()
        assert runner.step_run(step_id=step.pk) is None
    step.refresh_from_db()
    assert step.status == StepStatus.FAILED
    assert step.attempts == 1
    assert step.last_error == "HTTP 422"
