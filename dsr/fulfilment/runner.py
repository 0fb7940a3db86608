"""The step runner: how one fulfilment step is carried out in a controller's system.

    step_run            one attempt at a step, resumable, idempotent  (worker: job_step_run)
    steps_requeue_lost  steps and packages whose lease ran out         (beat: job_sweep)
    step_claim / step_finish / step_fail / step_cancel   what jobs.py's callback, manual
                        task and cancel use to end a step the same way the runner does

A step is claimed with a fresh `claim` id and a lease; every checkpoint (`_Context`) re-checks
the claim and the request, so a step is worked by one worker at a time, a worker that lost
its lease stops quietly, and a running step stops at its next checkpoint once its request is
closed. Terminal transitions (done, failed, impossible, cancelled) happen under the step's
row lock together with their Event, so re-running a finished step records nothing twice;
the job finishes with its last step (`_job_refresh`: an export waits in review, Art. 19
notices go out).

The job's lifecycle (plan, confirm, retry, a person's task, a system's callback, cancel) is
in dsr/fulfilment/jobs.py, which calls this module; this module never calls it. Work goes to
the worker by task name (dsr/broker.py). Lock order as in jobs.py: the runner locks only the
step and the job (`of=("self",)`).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dsr import audit, broker, crypto, emails, storage
from dsr.connectors import connector_for
from dsr.connectors.base import (
    ConfigError,
    ConnectorError,
    Entry,
    LeaseLost,
    Outcome,
    PermanentError,
    RequestClosed,
    Subject,
)
from dsr.fulfilment.notices import notices_send
from dsr.fulfilment.packages import TableExport, parts_delete
from dsr.fulfilment.review import review_open
from dsr.models import (
    ACTIVE_STEP_STATUSES,
    ARTICLE_19_RIGHTS,
    CLOSED_STATUSES,
    EXPORT_RIGHTS,
    FINAL_STEP_STATUSES,
    ConnectorKind,
    EventKind,
    Job,
    JobStatus,
    JobStep,
    Request,
    StepStatus,
)

log = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a claimed step or a package build is held before the sweep hands it on."""
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def subject_of(request: Request) -> Subject:
    return Subject(
        reference=request.reference,
        name=request.subject_name,
        email=request.subject_email,
        customer_number=request.subject_customer_number,
        language=request.language,
    )


def job_corrections(job: Job) -> dict[str, dict[str, Any]]:
    if not job.parameters_encrypted:
        return {}
    return json.loads(crypto.decrypt(job.parameters_encrypted.encode())).get("corrections", {})


def _enqueue_step(step_id: int, countdown: float | None = None) -> None:
    """Hand the step to the broker; if it is down, the sweep finds the row later."""
    broker.enqueue(
        "dsr.tasks.job_step_run",
        step_id,
        countdown=countdown,
        on_unreachable=lambda: JobStep.objects.filter(pk=step_id, status=StepStatus.QUEUED).update(
            enqueue_failed_at=timezone.now()
        ),
    )


def _enqueue_package(job_id: int) -> None:
    broker.enqueue("dsr.tasks.job_package_create", job_id)


# --- running a step ------------------------------------------------------------------------


class _Context:
    """What a connector sees of its step (dsr.connectors.base.StepContext)."""

    def __init__(self, step: JobStep, claim: str) -> None:
        self.step_id = step.pk
        self.job_id = step.job_id
        self.request_id = step.job.request_id
        self.claim = claim
        self.state: dict[str, Any] = json.loads(json.dumps(step.state or {}))
        self.subject = subject_of(step.job.request)
        self.right = step.job.right
        self.corrections = job_corrections(step.job)
        self.token = step.token
        self.callback_url = settings.SITE_URL + reverse("fulfilment:callback", args=[step.token])

    def checkpoint(self, *, rows_done: int | None = None, rows_total: int | None = None) -> None:
        # Before every batch is committed: is the request still open, the job still running?
        carry_on = (
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING)
            .exclude(request__status__in=CLOSED_STATUSES)
            .exists()
        )
        if not carry_on:
            raise RequestClosed(f"step {self.step_id}: its request was closed")
        values: dict[str, Any] = {"state": self.state, "lease_until": timezone.now() + lease()}
        if rows_done is not None:
            values["rows_done"] = rows_done
        if rows_total is not None:
            values["rows_total"] = rows_total
        updated = JobStep.objects.filter(
            pk=self.step_id, claim=self.claim, status=StepStatus.RUNNING
        ).update(**values)
        if not updated:
            raise LeaseLost(f"step {self.step_id} was taken over")

    def export_table(self, *, name: str, label: str, columns: list[str]):
        return TableExport(
            prefix=f"fulfilment/{self.job_id}/{self.step_id}",
            name=name,
            label=label,
            columns=columns,
            on_saved=self._table_saved,
        )

    def _table_saved(self, info: dict[str, Any]) -> None:
        files = [item for item in self.state.get("files", []) if item["name"] != info["name"]]
        self.state["files"] = [*files, info]
        self.checkpoint()


def step_claim(step_id: int, *, force: bool = False) -> tuple[JobStep, str] | None:
    """Take the step for this worker, or None when there is nothing to do or someone has it."""
    now = timezone.now()
    claim = uuid.uuid4().hex
    with transaction.atomic():
        step = (
            JobStep.objects.select_for_update(of=("self",))
            .select_related("job__request__organization", "source")
            .filter(pk=step_id)
            .first()
        )
        if step is None or step.status not in ACTIVE_STEP_STATUSES:
            return None
        if _request_closed(step):
            # Left active by a worker that died after the request closed: end it here.
            step_cancel(step, state=step.state)
            return None
        if step.job.status != JobStatus.RUNNING:
            return None
        if not force:
            if step.status == StepStatus.RUNNING and step.lease_until and step.lease_until > now:
                return None  # another worker holds it
            if step.status == StepStatus.WAITING and step.source.kind == ConnectorKind.MANUAL:
                return None  # a person finishes it
        if step.status != StepStatus.WAITING:
            step.attempts += 1
        step.status = StepStatus.RUNNING
        step.claim = claim
        step.lease_until = now + lease()
        step.started_at = step.started_at or now
        step.enqueue_failed_at = None  # it reached a worker after all
        step.save(
            update_fields=[
                "attempts",
                "status",
                "claim",
                "lease_until",
                "started_at",
                "enqueue_failed_at",
            ]
        )
    return step, claim


def _request_closed(step: JobStep) -> bool:
    return step.job.status == JobStatus.CANCELLED or step.job.request.status in CLOSED_STATUSES


def _locked_if_claimed(step_id: int, claim: str) -> JobStep | None:
    step = (
        JobStep.objects.select_for_update(of=("self",))
        .select_related("job__request__organization", "source")
        .get(pk=step_id)
    )
    if step.claim != claim or step.status != StepStatus.RUNNING:
        return None
    return step


def step_run(*, step_id: int) -> float | None:
    """One attempt at a step. Returns the seconds after which the task should run again
    (a retry with back-off, or the next poll), or None when there is nothing more to do."""
    claimed = step_claim(step_id)
    if claimed is None:
        return None
    step, claim = claimed
    connector = connector_for(step.source)
    context = _Context(step, claim)
    try:
        outcome = connector.run(context)
    except RequestClosed:
        _step_stop(step.pk, claim, context.state)
        return None
    except LeaseLost:
        return None
    except (ConfigError, PermanentError) as error:
        step_fail(step.pk, claim, str(error))
        return None
    except Exception as error:
        if not isinstance(error, ConnectorError):
            log.exception("step %s failed unexpectedly", step.pk)
        message = str(error) if isinstance(error, ConnectorError) else repr(error)
        # A storage outage is no fault of the source: the step waits for the bucket as long
        # as it takes, with the connector's back-off, and never gives up over it.
        if step.attempts >= connector.max_attempts and not storage.bucket_unavailable(error):
            step_fail(step.pk, claim, f"{message} (gave up after {step.attempts} attempts)")
            return None
        delay = connector.retry_delay(step.attempts)
        return delay if _step_requeue(step.pk, claim, message, delay) else None
    return _step_outcome(step.pk, claim, outcome, context)


def _step_outcome(step_id: int, claim: str, outcome: Outcome, context: _Context) -> float | None:
    if not outcome.waiting:
        step_finish(step_id, claim, outcome.entries, state=context.state)
        return None
    now = timezone.now()
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is None:
            return None
        if _request_closed(step):
            step_cancel(step, state=context.state)
            return None
        step.status = StepStatus.WAITING
        step.state = context.state
        step.claim = ""
        if outcome.poll_after is not None:
            step.lease_until = now + timedelta(seconds=outcome.poll_after) + lease()
        elif outcome.wait_limit is not None:
            step.lease_until = now + timedelta(seconds=outcome.wait_limit)
        else:
            step.lease_until = None
        if step.source.kind == ConnectorKind.MANUAL and not step.state.get("notified"):
            _manual_task_notify(step)
            step.state["notified"] = True
        step.save(update_fields=["status", "state", "claim", "lease_until"])
    return outcome.poll_after


def _step_requeue(step_id: int, claim: str, error: str, delay: float) -> bool:
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is None:
            return False
        if _request_closed(step):
            step_cancel(step, state=step.state)
            return False
        step.status = StepStatus.QUEUED
        step.claim = ""
        step.last_error = error[:4000]
        step.lease_until = timezone.now() + timedelta(seconds=delay) + lease()
        step.save(update_fields=["status", "claim", "last_error", "lease_until"])
    return True


def _step_stop(step_id: int, claim: str, state: dict[str, Any]) -> None:
    """The runner met the closed request at a checkpoint: the step ends cancelled."""
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is not None:
            step_cancel(step, state=state)


def step_cancel(step: JobStep, *, state: dict[str, Any], actor: audit.Actor | None = None) -> None:
    """End a locked step cancelled, its record what it did until now (from `state`).

    With an `actor`, the request's closing cancels it and `job_cancel` records one Event for
    the job; without, the step stopped on its own (a checkpoint, a claim) and records its own.
    Export files already written are deleted: no package is made for a closed request."""
    entries = (
        connector_for(step.source).record_so_far(state or {}, step.job.right)
        if step.status != StepStatus.PLANNED
        else []
    )
    was = step.status
    step.status = StepStatus.CANCELLED
    step.result = [entry.as_dict() for entry in entries]
    step.state = state
    step.claim = ""
    step.lease_until = None
    step.finished_at = timezone.now()
    step.rows_done = max(step.rows_done, sum(entry.rows or 0 for entry in entries))
    step.save()
    files = list((state or {}).get("files", []))
    if files:
        transaction.on_commit(lambda: parts_delete(files))
    if actor is not None:
        return
    audit.record(
        organization=step.job.request.organization,
        kind=EventKind.FULFILMENT_STEP_CANCELLED,
        actor=audit.Actor.system("fulfilment"),
        request=step.job.request,
        data={
            "source": step.source.name,
            "connector": step.source.kind,
            "was": was,
            "request_status": step.job.request.status,
            "entries": _entries_data(entries),
        },
    )
    _job_refresh(step.job_id)


def _entries_data(entries: list[Entry]) -> list[dict[str, Any]]:
    """What goes in the Event's hashed data: no names, no notes (those go in the payload)."""
    return [{"action": e.action, "what": e.what, "rows": e.rows} for e in entries]


def step_finish(
    step_id: int,
    claim: str,
    entries: list[Entry],
    *,
    state: dict[str, Any] | None = None,
    status: str = StepStatus.DONE,
    actor: audit.Actor | None = None,
    locked: JobStep | None = None,
) -> bool:
    with transaction.atomic():
        step = locked or _locked_if_claimed(step_id, claim)
        if step is None:
            return False
        now = timezone.now()
        step.status = status
        step.result = [entry.as_dict() for entry in entries]
        if state is not None:
            step.state = state
        step.claim = ""
        step.lease_until = None
        step.finished_at = now
        step.last_error = ""
        changed = sum(entry.rows or 0 for entry in entries if entry.action != "kept")
        step.rows_done = max(step.rows_done, changed)
        step.rows_total = max(step.rows_total, step.rows_done)
        step.save()
        audit.record(
            organization=step.job.request.organization,
            kind=EventKind.FULFILMENT_STEP_DONE
            if status == StepStatus.DONE
            else EventKind.FULFILMENT_STEP_IMPOSSIBLE,
            actor=actor or audit.Actor.system("fulfilment"),
            request=step.job.request,
            data={
                "source": step.source.name,
                "connector": step.source.kind,
                "entries": _entries_data(entries),
            },
            payload={"reasons": [entry.reason for entry in entries]},
        )
        _job_refresh(step.job_id)
    return True


def step_fail(step_id: int, claim: str, error: str) -> bool:
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is None:
            return False
        step.status = StepStatus.FAILED
        step.claim = ""
        step.lease_until = None
        step.finished_at = timezone.now()
        step.last_error = error[:4000]
        step.save()
        audit.record(
            organization=step.job.request.organization,
            kind=EventKind.FULFILMENT_STEP_FAILED,
            actor=audit.Actor.system("fulfilment"),
            request=step.job.request,
            data={"source": step.source.name, "attempts": step.attempts},
            payload={"error": step.last_error},
        )
        _job_refresh(step.job_id)
    return True


def _job_refresh(job_id: int) -> None:
    """Finish the job when its last step ended (inside the step's transaction)."""
    job = (
        Job.objects.select_for_update(of=("self",))
        .select_related("request__organization")
        .get(pk=job_id)
    )
    statuses = list(job.steps.values_list("status", flat=True))
    if job.status != JobStatus.RUNNING or not all(s in FINAL_STEP_STATUSES for s in statuses):
        return
    now = timezone.now()
    if job.request.status in CLOSED_STATUSES or StepStatus.CANCELLED in statuses:
        # Closed without `job_cancel` (or a step stopped on its own): no package, no notices.
        job.status = JobStatus.CANCELLED
        job.finished_at = now
        job.save(update_fields=["status", "finished_at"])
        audit.record(
            organization=job.request.organization,
            kind=EventKind.FULFILMENT_CANCELLED,
            actor=audit.Actor.system("fulfilment"),
            request=job.request,
            data={
                "right": job.right,
                "request_status": job.request.status,
                **{status: statuses.count(status) for status in sorted(set(statuses))},
            },
        )
        return
    job.status = JobStatus.FINISHED
    job.finished_at = now
    job.save(update_fields=["status", "finished_at"])
    audit.record(
        organization=job.request.organization,
        kind=EventKind.FULFILMENT_FINISHED,
        actor=audit.Actor.system("fulfilment"),
        request=job.request,
        data={status: statuses.count(status) for status in sorted(set(statuses))},
    )
    if job.right in EXPORT_RIGHTS and StepStatus.DONE in statuses:
        # The package waits for an officer's review (Art. 15(4)); nothing reaches the
        # subject before its release (dsr/fulfilment/review.py).
        review_open(job)
    if job.right in ARTICLE_19_RIGHTS:
        notices_send(job=job)


def _manual_task_notify(step: JobStep) -> None:
    connector = connector_for(step.source)
    email = connector.config.get("assignee_email", "")
    if not email:
        return
    request = step.job.request
    emails.email_queue(
        template="manual_task",
        to=email,
        context={
            "request_obj": request,
            "organization": request.organization,
            "source": step.source,
            "right": request.get_right_display(),
            "assignee_name": connector.config.get("assignee_name", ""),
            "instructions": connector.config.get("instructions", ""),
            "task_url": settings.SITE_URL + reverse("fulfilment:task", args=[step.pk]),
        },
        language=request.organization.default_language,
        request=request,
    )


# --- the sweep ------------------------------------------------------------------------------


def steps_requeue_lost(*, now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue again the steps and packages whose lease ran out; returns how many."""
    now = now or timezone.now()
    count = 0
    lost = JobStep.objects.filter(status__in=ACTIVE_STEP_STATUSES, lease_until__lt=now)
    for step_id, status in lost.values_list("pk", "status")[:limit]:
        # A running step whose lease ran out was abandoned (its worker died or hung): hand it
        # to the next worker; the old one, if alive, fails its next checkpoint and stops.
        new_status = StepStatus.QUEUED if status == StepStatus.RUNNING else status
        updated = JobStep.objects.filter(pk=step_id, status=status, lease_until__lt=now).update(
            status=new_status, claim="", lease_until=now + lease()
        )
        if updated:
            _enqueue_step(step_id)
            count += 1
    packages = Job.objects.filter(
        package_wanted_at__lt=now - lease(),
    ).filter(Q(package_lease_until__isnull=True) | Q(package_lease_until__lt=now))
    for job_id in packages.values_list("pk", flat=True)[:limit]:
        _enqueue_package(job_id)
        count += 1
    return count
