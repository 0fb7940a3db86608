"""Issue 14, item 3: the subject withdraws an erasure on the status page; nothing more is
erased afterwards.

Reproduced on the old main: the officer confirms an erasure of 70,000 readings, the subject
withdraws at `/r/<token>/withdraw/`, the queued steps reach the worker afterwards and erase
every row; the job stays `running`. Now the withdrawal cancels the queued steps and the job
in its own transaction (an Event by the subject), and a step already running stops at its
next checkpoint: the batch in flight is rolled back and the step's record says what was
erased until then."""

from __future__ import annotations

import time

import pytest
from jobs_helpers import (
    BATCH_ROWS,
    OTHER_READINGS,
    OTHER_READINGS_SQL,
    READINGS,
    SUBJECT_NAME,
    SUBJECT_READINGS,
    big_platform,
    confirmed_erasure,
    run_queued_steps,
    scalar,
    sql_source,
    withdraw_on_status_page,
)

from dsr import audit
from dsr.fulfilment import runner
from dsr.models import ActorKind, Event, EventKind, JobStatus, JobStep, Status, StepStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(tmp_path, settings, organization) -> str:
    url = big_platform(tmp_path, settings)
    sql_source(organization, url, batch_rows=BATCH_ROWS)
    return url


def test_queued_steps_erase_nothing_after_the_subject_withdrew(
    platform, organization, make_request, officer_actor
):
    job = confirmed_erasure(make_request, officer_actor)
    assert list(job.steps.values_list("status", flat=True)) == [StepStatus.QUEUED]

    withdraw_on_status_page(job.request)
    # The broker delivers the step's message after the withdrawal.
    run_queued_steps(job)

    assert scalar(platform, SUBJECT_READINGS) == READINGS  # not one row erased
    assert scalar(platform, SUBJECT_NAME) == "Jan Peeters"
    assert scalar(platform, OTHER_READINGS_SQL) == OTHER_READINGS
    job.refresh_from_db()
    step = job.steps.get()
    assert job.request.status == Status.WITHDRAWN
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    assert step.status == StepStatus.CANCELLED and step.result == [] and step.rows_done == 0
    assert step.attempts == 0  # never reached a worker's hands

    cancelled = Event.objects.get(request=job.request, kind=EventKind.FULFILMENT_CANCELLED)
    assert cancelled.actor_kind == ActorKind.SUBJECT  # whoever closed the request
    assert cancelled.data["request_status"] == Status.WITHDRAWN
    assert cancelled.data["sources"] == [
        {"source": "Customer platform", "was": "queued", "status": "cancelled", "rows_done": 0}
    ]
    kinds = list(job.request.events.order_by("sequence").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.WITHDRAWN, EventKind.FULFILMENT_CANCELLED]
    assert EventKind.FULFILMENT_STEP_DONE not in kinds
    assert EventKind.FULFILMENT_FINISHED not in kinds
    # Nothing is left for the sweep to hand to a worker again.
    assert runner.steps_requeue_lost() == 0
    assert audit.verify(organization).ok


def test_a_running_step_stops_at_its_next_checkpoint_and_records_what_it_erased(
    platform, organization, make_request, officer_actor, monkeypatch
):
    """The subject withdraws while the worker is between batches of the 70,000 readings."""
    job = confirmed_erasure(make_request, officer_actor)
    original = runner._Context.checkpoint
    seen: list[int] = []

    def checkpoint(self, *, rows_done=None, rows_total=None):
        # Three batches are committed; the fourth is applied, not yet committed.
        if not seen and (rows_done or 0) >= 3 * BATCH_ROWS:
            assert scalar(platform, SUBJECT_READINGS) == READINGS - 3 * BATCH_ROWS
            seen.append(rows_done)
            withdraw_on_status_page(job.request)
        original(self, rows_done=rows_done, rows_total=rows_total)

    monkeypatch.setattr(runner._Context, "checkpoint", checkpoint)
    step = job.steps.get()
    assert runner.step_run(step_id=step.pk) is None
    monkeypatch.undo()

    assert seen == [3 * BATCH_ROWS]
    # The batch in flight was rolled back; nothing after it ran.
    assert scalar(platform, SUBJECT_READINGS) == READINGS - 3 * BATCH_ROWS
    assert scalar(platform, SUBJECT_NAME) == "Jan Peeters"
    assert scalar(platform, OTHER_READINGS_SQL) == OTHER_READINGS
    step.refresh_from_db()
    assert step.status == StepStatus.CANCELLED and step.claim == "" and step.lease_until is None
    assert step.result == [
        {
            "action": "erased",
            "what": "Power readings (every 15 minutes)",
            "rows": 3 * BATCH_ROWS,
            "reason": "",
            "retention": "",
        }
    ]
    assert step.rows_done == 3 * BATCH_ROWS
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED

    withdrawn = Event.objects.get(request=job.request, kind=EventKind.FULFILMENT_CANCELLED)
    assert withdrawn.actor_kind == ActorKind.SUBJECT
    assert withdrawn.data["sources"][0]["was"] == "running"  # left to stop at its checkpoint
    stopped = Event.objects.get(request=job.request, kind=EventKind.FULFILMENT_STEP_CANCELLED)
    assert stopped.actor_kind == ActorKind.SYSTEM
    assert stopped.data["entries"] == [
        {"action": "erased", "what": "Power readings (every 15 minutes)", "rows": 3 * BATCH_ROWS}
    ]

    # The message delivered again (a retry, the sweep): nothing more happens.
    assert runner.step_run(step_id=step.pk) is None
    assert scalar(platform, SUBJECT_READINGS) == READINGS - 3 * BATCH_ROWS
    assert Event.objects.filter(kind=EventKind.FULFILMENT_STEP_CANCELLED).count() == 1
    assert audit.verify(organization).ok


def test_a_step_whose_worker_died_is_cancelled_when_the_sweep_hands_it_over(
    platform, organization, make_request, officer_actor, monkeypatch
):
    """The worker dies mid-erasure, the subject withdraws, the lease runs out: the next
    worker does not resume the erasure; the step ends cancelled with its bookmark's rows."""
    job = confirmed_erasure(make_request, officer_actor)
    step = job.steps.get()
    original = runner._Context.checkpoint

    class Killed(BaseException):
        pass

    def checkpoint(self, *, rows_done=None, rows_total=None):
        original(self, rows_done=rows_done, rows_total=rows_total)
        if (rows_done or 0) >= 2 * BATCH_ROWS:
            raise Killed  # after a committed checkpoint, as SIGKILL would

    monkeypatch.setattr(runner._Context, "checkpoint", checkpoint)
    with pytest.raises(Killed):
        runner.step_run(step_id=step.pk)
    monkeypatch.undo()
    left = scalar(platform, SUBJECT_READINGS)
    assert left < READINGS
    withdraw_on_status_page(job.request)
    step.refresh_from_db()
    assert step.status == StepStatus.RUNNING  # its worker would stop at the next checkpoint

    JobStep.objects.filter(pk=step.pk).update(lease_until=step.lease_until.replace(year=2000))
    assert runner.steps_requeue_lost() == 1
    assert runner.step_run(step_id=step.pk) is None

    assert scalar(platform, SUBJECT_READINGS) == left
    step.refresh_from_db()
    assert step.status == StepStatus.CANCELLED
    assert step.result[0]["action"] == "erased" and step.result[0]["rows"] >= 2 * BATCH_ROWS
    assert runner.steps_requeue_lost() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stops_the_erasure_when_the_subject_withdraws(
    tmp_path, settings, organization, make_request, officer_actor, celery_worker, monkeypatch
):
    """The worker (Celery's test worker, in a thread, on the configured broker) is erasing
    the 70,000 readings when the subject withdraws on the status page."""
    from fulfilment_helpers import wait_for

    url = big_platform(tmp_path, settings)
    sql_source(organization, url, batch_rows=500)
    original = runner._Context.checkpoint

    def unhurried(self, **progress):
        time.sleep(0.02)  # a production database's batch takes longer than this file's
        original(self, **progress)

    monkeypatch.setattr(runner._Context, "checkpoint", unhurried)
    job = confirmed_erasure(make_request, officer_actor)  # enqueued on commit
    step = job.steps.get()
    wait_for(
        lambda: JobStep.objects.get(pk=step.pk).rows_done >= 5 * 500,
        timeout=60,
        what="the worker to be erasing",
    )
    withdraw_on_status_page(job.request)
    wait_for(
        lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.CANCELLED,
        timeout=60,
        what="the worker to stop",
    )

    left = scalar(url, SUBJECT_READINGS)
    step.refresh_from_db()
    assert 0 < left < READINGS
    assert step.result[0]["action"] == "erased"
    assert step.result[0]["rows"] == READINGS - left == step.rows_done
    time.sleep(1)
    assert scalar(url, SUBJECT_READINGS) == left  # and nothing after
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert audit.verify(organization).ok


@pytest.mark.parametrize("released", [False, True], ids=["in review", "released, not built"])
def test_no_data_package_is_built_or_mailed_after_the_subject_withdrew(
    tmp_path,
    settings,
    organization,
    make_request,
    officer_actor,
    django_capture_on_commit_callbacks,
    released,
):
    """An access job finished; its package waits in review, or was released and is still to
    be built, when the subject withdraws."""
    from django.core.files.storage import default_storage
    from fulfilment_helpers import platform_build, sqlite_url, started, verified

    from dsr.fulfilment import delivery, review
    from dsr.models import DataPackage, OutboundEmail, PackageReview, ReviewStatus, Right

    settings.SQL_SOURCE_SQLITE_DIR = tmp_path
    url = sqlite_url(tmp_path / "small.sqlite3")
    platform_build(url)
    sql_source(organization, url)
    request = verified(
        make_request(right=Right.ACCESS, subject_customer_number="OPM-C1"), officer_actor
    )
    job = started(request, officer_actor)
    run_queued_steps(job)
    job.refresh_from_db()
    waiting = PackageReview.objects.get(job=job)
    assert job.status == JobStatus.FINISHED and waiting.status == ReviewStatus.REVIEW
    if released:
        review.package_release(review=waiting, by=officer_actor)
        job.refresh_from_db()
        assert job.package_wanted_at is not None
    parts = [info[kind] for info in job.steps.get().state["files"] for kind in ("json", "csv")]
    assert parts and all(default_storage.exists(name) for name in parts)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_on_status_page(request)
    assert delivery.package_create(job_id=job.pk) is None  # the worker's task, delivered late
    assert not DataPackage.objects.exists()
    assert not OutboundEmail.objects.filter(template="package_ready").exists()
    assert not any(default_storage.exists(name) for name in parts)
    event = request.events.get(kind=EventKind.FULFILMENT_CANCELLED)
    assert event.actor_kind == ActorKind.SUBJECT
    assert event.data["package"] == ("not built" if released else "not released")
    waiting.refresh_from_db()
    assert waiting.status == (ReviewStatus.RELEASED if released else ReviewStatus.DROPPED)
    assert runner.steps_requeue_lost() == 0
