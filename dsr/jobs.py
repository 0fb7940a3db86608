"""Fulfilment: carry a request's right out in the controller's systems (DESIGN.md, "Fulfilment").

    job_plan      dry run per source; nothing changes           (officer)
    job_confirm   steps queued, one Celery task per step         (officer)
    step_run      one attempt at a step, resumable, idempotent    (worker, dsr.tasks.job_step_run)
    step_retry    a failed step is queued again                   (officer)
    manual_task_complete / step_callback                          (a person / the system)
    job_cancel    the request closed: its job and steps stop        (dsr.workflow, when closing)
    steps_requeue_lost                                            (beat: the database is the truth)

The subject's data package (built, downloaded, purged) is in dsr/fulfilment/delivery.py;
what the jobs did, for the desk and the answer letters, in dsr/fulfilment/records.py.

A step is claimed with a fresh `claim` id and a lease; every checkpoint re-checks the claim,
so a step is worked by one worker at a time, and a worker that lost its lease stops
quietly. Terminal transitions (done, failed, impossible, cancelled) happen under the step's
row lock together with their Event, so re-running a finished step records nothing twice.

Jobs obey the request (DESIGN.md, "Trust boundaries"): when the request is withdrawn, refused
or completed, `job_cancel` cancels its planned, queued and waiting steps and the job in the
closing transaction; a running step sees the closed request at its next checkpoint, before
its next batch is committed, and ends cancelled with what it did until then as its record.
Nothing is planned, confirmed, retried or completed by hand on a closed request.

Lock order, everywhere: the request, then the job's steps, then the job, then the audit
chain's head. The runner locks only the step and the job (`of=("self",)`).
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
from django.utils.translation import gettext as _

from dsr import audit, broker, crypto, emails
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
from dsr.connectors.http import DONE_ACTION, HttpConnector, signature_valid
from dsr.models import (
    ACTIVE_STEP_STATUSES,
    ARTICLE_19_RIGHTS,
    CLOSED_STATUSES,
    EXPORT_RIGHTS,
    FINAL_STEP_STATUSES,
    FULFILMENT_RIGHTS,
    ConnectorKind,
    DataSource,
    EventKind,
    Job,
    JobStatus,
    JobStep,
    Request,
    Right,
    Status,
    StepStatus,
)

log = logging.getLogger(__name__)


def _already_confirmed() -> str:
    return _("This request's job was confirmed already; follow its progress instead.")


class JobError(Exception):
    """An action on a job that cannot be done now; the message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _closed_message(request: Request) -> str:
    return _(
        "This request is closed (%(status)s): nothing more runs in the systems for a closed "
        "request."
    ) % {"status": request.get_status_display()}


def _request_locked(request_id: int) -> Request:
    """The request under its row lock, taken first (see the lock order above)."""
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=request_id)
    )


def _refuse_if_closed(request: Request) -> None:
    if request.status in CLOSED_STATUSES:
        raise JobError(_closed_message(request))


def _lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def subject_of(request: Request) -> Subject:
    return Subject(
        reference=request.reference,
        name=request.subject_name,
        email=request.subject_email,
        customer_number=request.subject_customer_number,
        language=request.language,
    )


def sources_for(request: Request) -> list[DataSource]:
    """The organisation's active sources that can carry out the request's right."""
    sources = DataSource.objects.filter(organization=request.organization, active=True)
    return [source for source in sources if connector_for(source).supports(request.right)]


def job_corrections(job: Job) -> dict[str, dict[str, Any]]:
    if not job.parameters_encrypted:
        return {}
    return json.loads(crypto.decrypt(job.parameters_encrypted.encode())).get("corrections", {})


def _enqueue_step(step_id: int, countdown: float | None = None) -> None:
    """Hand the step to the broker; if it is down, the sweep finds the row later."""
    from dsr import tasks

    broker.enqueue(
        tasks.job_step_run,
        step_id,
        countdown=countdown,
        on_unreachable=lambda: JobStep.objects.filter(pk=step_id, status=StepStatus.QUEUED).update(
            last_error=broker.UNREACHABLE
        ),
    )


def _enqueue_package(job_id: int) -> None:
    from dsr import tasks

    broker.enqueue(tasks.job_package_create, job_id)


# --- planning and confirming ----------------------------------------------------------------


def job_plan(
    *,
    request: Request,
    actor: audit.Actor,
    corrections: dict[str, dict[str, Any]] | None = None,
) -> Job:
    """Dry-run the request's right against every source and store the plan; change nothing.

    Planning again (before confirming) replaces the previous dry run."""
    if request.right not in FULFILMENT_RIGHTS:
        raise JobError(
            _("The right '%(right)s' is answered by letter, not carried out in the systems.")
            % {"right": request.get_right_display()}
        )
    _refuse_if_closed(request)
    if request.status != Status.IN_PROGRESS:
        raise JobError(
            _("Fulfilment starts once identity is verified and the request is in progress.")
        )
    if request.right == Right.RECTIFICATION and not corrections:
        raise JobError(_("Say what to correct before the dry run of a rectification."))
    existing = Job.objects.filter(request=request, right=request.right).first()
    if existing is not None and existing.status != JobStatus.PLANNED:
        raise JobError(_already_confirmed())

    subject = subject_of(request)
    plans: list[tuple[DataSource, dict[str, Any]]] = []
    for source in sources_for(request):
        try:
            lines = connector_for(source).dry_run(subject=subject, right=request.right)
            plans.append((source, {"lines": [line.as_dict() for line in lines], "error": ""}))
        except ConnectorError as error:
            plans.append((source, {"lines": [], "error": str(error)}))
        except Exception as error:  # a source must not break the whole dry run
            log.exception("dry run of source %s failed", source.pk)
            plans.append((source, {"lines": [], "error": f"{type(error).__name__}: {error}"}))

    now = timezone.now()
    with transaction.atomic():
        locked = _request_locked(request.pk)
        if locked.status != Status.IN_PROGRESS:
            _refuse_if_closed(locked)
            raise JobError(
                _("Fulfilment starts once identity is verified and the request is in progress.")
            )
        job, _created = Job.objects.select_for_update().get_or_create(
            request=request, right=request.right, defaults={"planned_at": now}
        )
        if job.status != JobStatus.PLANNED:
            raise JobError(_already_confirmed())
        job.planned_at = now
        job.planned_by = actor.user
        job.parameters_encrypted = (
            crypto.encrypt(json.dumps({"corrections": corrections}).encode()).decode()
            if corrections
            else ""
        )
        job.save()
        job.steps.exclude(source__in=[source for source, _plan in plans]).delete()
        for position, (source, plan) in enumerate(plans):
            JobStep.objects.update_or_create(
                job=job,
                source=source,
                defaults={"position": position, "plan": plan, "status": StepStatus.PLANNED},
            )
        audit.record(
            organization=request.organization,
            kind=EventKind.FULFILMENT_PLANNED,
            actor=actor,
            request=request,
            data={
                "right": request.right,
                "sources": [
                    {
                        "source": source.name,
                        "rows": sum(line.get("rows") or 0 for line in plan["lines"]),
                        "error": bool(plan["error"]),
                    }
                    for source, plan in plans
                ],
            },
        )
    return job


def job_confirm(*, job: Job, actor: audit.Actor) -> Job:
    """The officer saw the dry run and confirms: every step is queued."""
    with transaction.atomic():
        request = _request_locked(job.request_id)
        _refuse_if_closed(request)
        job = Job.objects.select_for_update(of=("self",)).select_related("request").get(pk=job.pk)
        if job.status != JobStatus.PLANNED:
            raise JobError(_("This job was confirmed already."))
        if request.status != Status.IN_PROGRESS:
            raise JobError(_("The request is no longer in progress."))
        step_ids = list(job.steps.values_list("pk", flat=True))
        if not step_ids:
            raise JobError(
                _("No data source can carry out this right; record what was done on the request.")
            )
        now = timezone.now()
        job.steps.update(status=StepStatus.QUEUED, lease_until=now + _lease(), claim="")
        job.status = JobStatus.RUNNING
        job.confirmed_at = now
        job.confirmed_by = actor.user
        job.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        audit.record(
            organization=job.request.organization,
            kind=EventKind.FULFILMENT_CONFIRMED,
            actor=actor,
            request=job.request,
            data={"right": job.right, "steps": len(step_ids)},
        )
        for step_id in step_ids:
            transaction.on_commit(lambda step_id=step_id: _enqueue_step(step_id))
    return job


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
        values: dict[str, Any] = {"state": self.state, "lease_until": timezone.now() + _lease()}
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
        from dsr.fulfilment.packages import TableExport

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


def _claim(step_id: int, *, force: bool = False) -> tuple[JobStep, str] | None:
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
            _step_cancel(step, state=step.state)
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
        step.lease_until = now + _lease()
        step.started_at = step.started_at or now
        if step.last_error == broker.UNREACHABLE:
            step.last_error = ""  # it reached a worker after all
        step.save(
            update_fields=["attempts", "status", "claim", "lease_until", "started_at", "last_error"]
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
    claimed = _claim(step_id)
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
        _step_fail(step.pk, claim, str(error))
        return None
    except Exception as error:
        if not isinstance(error, ConnectorError):
            log.exception("step %s failed unexpectedly", step.pk)
        message = str(error) if isinstance(error, ConnectorError) else repr(error)
        if step.attempts >= connector.max_attempts:
            _step_fail(step.pk, claim, f"{message} (gave up after {step.attempts} attempts)")
            return None
        delay = connector.retry_delay(step.attempts)
        return delay if _step_requeue(step.pk, claim, message, delay) else None
    return _step_outcome(step.pk, claim, outcome, context)


def _step_outcome(step_id: int, claim: str, outcome: Outcome, context: _Context) -> float | None:
    if not outcome.waiting:
        _step_finish(step_id, claim, outcome.entries, state=context.state)
        return None
    now = timezone.now()
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is None:
            return None
        if _request_closed(step):
            _step_cancel(step, state=context.state)
            return None
        step.status = StepStatus.WAITING
        step.state = context.state
        step.claim = ""
        if outcome.poll_after is not None:
            step.lease_until = now + timedelta(seconds=outcome.poll_after) + _lease()
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
            _step_cancel(step, state=step.state)
            return False
        step.status = StepStatus.QUEUED
        step.claim = ""
        step.last_error = error[:4000]
        step.lease_until = timezone.now() + timedelta(seconds=delay) + _lease()
        step.save(update_fields=["status", "claim", "last_error", "lease_until"])
    return True


def _step_stop(step_id: int, claim: str, state: dict[str, Any]) -> None:
    """The runner met the closed request at a checkpoint: the step ends cancelled."""
    with transaction.atomic():
        step = _locked_if_claimed(step_id, claim)
        if step is not None:
            _step_cancel(step, state=state)


def _step_cancel(step: JobStep, *, state: dict[str, Any], actor: audit.Actor | None = None) -> None:
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
        from dsr.fulfilment.packages import parts_delete

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


def _step_finish(
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


def _step_fail(step_id: int, claim: str, error: str) -> bool:
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
    if job.right in EXPORT_RIGHTS and StepStatus.DONE in statuses:
        job.package_wanted_at = now
        job.package_lease_until = None
        transaction.on_commit(lambda: _enqueue_package(job.pk))
    job.save(update_fields=["status", "finished_at", "package_wanted_at", "package_lease_until"])
    audit.record(
        organization=job.request.organization,
        kind=EventKind.FULFILMENT_FINISHED,
        actor=audit.Actor.system("fulfilment"),
        request=job.request,
        data={status: statuses.count(status) for status in sorted(set(statuses))},
    )
    if job.right in ARTICLE_19_RIGHTS:
        from dsr.fulfilment.notices import notices_send

        notices_send(job=job)


# --- officers, people and systems finishing steps ------------------------------------------


def step_retry(*, step: JobStep, actor: audit.Actor) -> JobStep:
    """Queue a failed step again; a SQL step resumes where it stopped, an HTTP one calls anew.

    Refused once the request is closed: nothing more runs for it."""
    with transaction.atomic():
        request = _request_locked(step.job.request_id)
        _refuse_if_closed(request)
        step = (
            JobStep.objects.select_for_update(of=("self",))
            .select_related("source", "job__request")
            .get(pk=step.pk)
        )
        if step.job.status == JobStatus.CANCELLED:
            raise JobError(_closed_message(request))
        if step.status != StepStatus.FAILED:
            raise JobError(_("Only a failed step can be retried."))
        step.status = StepStatus.QUEUED
        step.attempts = 0
        step.claim = ""
        step.finished_at = None
        step.lease_until = timezone.now() + _lease()
        if step.source.kind == ConnectorKind.HTTP:
            step.state = {}
        step.save()
        job = Job.objects.select_for_update(of=("self",)).get(pk=step.job_id)
        if job.status == JobStatus.FINISHED:
            job.status = JobStatus.RUNNING
            job.finished_at = None
            job.save(update_fields=["status", "finished_at"])
        audit.record(
            organization=step.job.request.organization,
            kind=EventKind.FULFILMENT_STEP_RETRIED,
            actor=actor,
            request=step.job.request,
            data={"source": step.source.name},
        )
        transaction.on_commit(lambda: _enqueue_step(step.pk))
    return step


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


def manual_task_complete(*, step: JobStep, actor: audit.Actor, done: bool, note: str) -> JobStep:
    """The named person did the task (with a note), or found it impossible (with a reason)."""
    note = (note or "").strip()
    if not note:
        raise JobError(_("Write a note: what was done, or why it is impossible."))
    with transaction.atomic():
        _refuse_if_closed(_request_locked(step.job.request_id))
        locked = (
            JobStep.objects.select_for_update(of=("self",))
            .select_related("source", "job__request__organization")
            .get(pk=step.pk)
        )
        if locked.source.kind != ConnectorKind.MANUAL or locked.status != StepStatus.WAITING:
            raise JobError(_("This task is not waiting for a person."))
        right = locked.job.right
        entry = (
            Entry(DONE_ACTION[right] if right not in EXPORT_RIGHTS else "provided",
                  locked.source.name, None, reason=note[:4000])
            if done
            else Entry("impossible", locked.source.name, None, reason=note[:4000])
        )  # fmt: skip
        locked.completed_by = actor.user
        _step_finish(
            locked.pk,
            "",
            [entry],
            status=StepStatus.DONE if done else StepStatus.IMPOSSIBLE,
            actor=actor,
            locked=locked,
        )
    return locked


class CallbackRefused(Exception):
    """The callback is not signed right, or not for a step that can take it."""


def step_callback(*, token: str, body: bytes, timestamp: str, signature: str) -> str:
    """A system that answered 202 posts its result. Returns the step's status afterwards."""
    step = JobStep.objects.select_related("source").filter(token=token).first()
    if step is None or step.source.kind != ConnectorKind.HTTP:
        raise CallbackRefused("no such step")
    connector = connector_for(step.source)
    assert isinstance(connector, HttpConnector)
    if not signature_valid(connector.secret, timestamp=timestamp, signature=signature, body=body):
        raise CallbackRefused("bad signature")
    if step.status in FINAL_STEP_STATUSES:
        return step.status  # told twice: the first time counted
    try:
        answer = json.loads(body)
    except ValueError:
        raise CallbackRefused("the body is not JSON") from None
    claimed = _claim(step.pk, force=True)
    if claimed is None:
        return JobStep.objects.get(pk=step.pk).status
    step, claim = claimed
    context = _Context(step, claim)
    try:
        outcome = connector.result(context, answer)
    except PermanentError as error:
        _step_fail(step.pk, claim, str(error))
    else:
        _step_finish(step.pk, claim, outcome.entries, state=context.state)
    return JobStep.objects.get(pk=step.pk).status


# --- the request closes ---------------------------------------------------------------------


def job_cancel(*, request: Request, actor: audit.Actor) -> list[Job]:
    """The request is being closed (withdrawn, refused, completed): stop its jobs.

    Called by dsr.workflow inside the closing transaction, with the request locked. Planned,
    queued and waiting steps end cancelled (each with what it did so far as its record) and
    the job with them; one Event per job, by whoever closed the request, lists per source
    what was done until then. A running step is left to its worker, which stops at its next
    checkpoint (before its next batch is committed) and records the rest. Withdrawn or
    refused after the job finished, the data package not yet built is not built."""
    cancelled = []
    for job_id in Job.objects.filter(
        request=request, status__in=[JobStatus.PLANNED, JobStatus.RUNNING]
    ).values_list("pk", flat=True):
        steps = list(
            JobStep.objects.select_for_update(of=("self",))
            .select_related("source", "job__request__organization")
            .filter(job_id=job_id)
            .order_by("pk")
        )
        job = Job.objects.select_for_update(of=("self",)).get(pk=job_id)
        if job.status not in (JobStatus.PLANNED, JobStatus.RUNNING):
            continue
        confirmed = job.status == JobStatus.RUNNING
        sources = []
        for step in steps:
            was = step.status
            if was in (StepStatus.PLANNED, StepStatus.QUEUED, StepStatus.WAITING):
                _step_cancel(step, state=step.state, actor=actor)
            sources.append(
                {"source": step.source.name, "was": was, "status": step.status,
                 "rows_done": step.rows_done}
            )  # fmt: skip
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        statuses = [item["status"] for item in sources]
        audit.record(
            organization=request.organization,
            kind=EventKind.FULFILMENT_CANCELLED,
            actor=actor,
            request=request,
            data={
                "right": job.right,
                "confirmed": confirmed,
                "request_status": request.status,
                "sources": sources,
                **{status: statuses.count(status) for status in sorted(set(statuses))},
            },
        )
        cancelled.append(job)
    if request.status != Status.COMPLETED:
        _package_drop(request, actor)
    return cancelled


def _package_drop(request: Request, actor: audit.Actor) -> None:
    """Withdrawn or refused after its job finished: the data package still wanted is not
    built (a build under way is discarded, see delivery.package_create) and its parts go."""
    for job in Job.objects.select_for_update(of=("self",)).filter(
        request=request, package_wanted_at__isnull=False
    ):
        job.package_wanted_at = None
        job.package_lease_until = None
        job.save(update_fields=["package_wanted_at", "package_lease_until"])
        files = [file for step in job.steps.all() for file in step.state.get("files", [])]
        if files:
            from dsr.fulfilment.packages import parts_delete

            transaction.on_commit(lambda files=files: parts_delete(files))
        audit.record(
            organization=request.organization,
            kind=EventKind.FULFILMENT_CANCELLED,
            actor=actor,
            request=request,
            data={"right": job.right, "request_status": request.status, "package": "not built"},
        )


def job_running(request: Request) -> bool:
    """Whether a confirmed job of the request still has work under way."""
    return Job.objects.filter(request=request, status=JobStatus.RUNNING).exists()


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
            status=new_status, claim="", lease_until=now + _lease()
        )
        if updated:
            _enqueue_step(step_id)
            count += 1
    packages = Job.objects.filter(
        package_wanted_at__lt=now - _lease(),
    ).filter(Q(package_lease_until__isnull=True) | Q(package_lease_until__lt=now))
    for job_id in packages.values_list("pk", flat=True)[:limit]:
        _enqueue_package(job_id)
        count += 1
    return count
