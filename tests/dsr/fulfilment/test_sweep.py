"""The database is the truth: steps whose task was lost are found by the beat sweep."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from fulfilment_helpers import manual_source, scalar, started, wait_for

from dsr import tasks
from dsr.fulfilment import runner
from dsr.models import JobStep, Right, StepStatus


def test_beat_runs_the_sweep_and_the_package_purge():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["requeue-lost-job-steps"]["task"] == "dsr.tasks.job_sweep"
    assert schedule["delete-expired-packages"]["task"] == "dsr.tasks.package_purge"


def test_only_steps_past_their_lease_are_enqueued_again(
    organization, platform_source, in_progress, officer_actor, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        runner, "_enqueue_step", lambda step_id, countdown=None: sent.append(step_id)
    )
    manual_source(organization)
    job = started(in_progress(Right.ERASURE), officer_actor)
    manual = job.steps.get(source__kind="manual")
    runner.step_run(step_id=manual.pk)  # now waiting for a person, with no lease
    platform = job.steps.get(source=platform_source)
    sent.clear()

    assert runner.steps_requeue_lost() == 0  # leases still run
    later = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    assert runner.steps_requeue_lost(now=later) == 1
    assert sent == [platform.pk]
    assert runner.steps_requeue_lost(now=later) == 0  # its lease was renewed
    assert JobStep.objects.get(pk=manual.pk).status == StepStatus.WAITING


@pytest.mark.django_db(transaction=True)
def test_a_step_whose_message_was_lost_is_finished_after_the_sweep(
    celery_worker, settings, platform_source, platform_url, in_progress, officer_actor, monkeypatch
):
    settings.JOB_LEASE_SECONDS = 2
    monkeypatch.setattr(runner, "_enqueue_step", lambda step_id, countdown=None: None)  # lost
    job = started(in_progress(Right.ERASURE), officer_actor)
    step = job.steps.get()
    monkeypatch.undo()
    time.sleep(0.5)
    assert JobStep.objects.get(pk=step.pk).status == StepStatus.QUEUED  # nothing happened

    wait_for(lambda: JobStep.objects.get(pk=step.pk).lease_until < timezone.now(), 10)
    tasks.job_sweep.delay()
    wait_for(lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.DONE, what="done")
    assert scalar(platform_url, "SELECT count(*) FROM power_readings WHERE gateway_id = 1") == 0
