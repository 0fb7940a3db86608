"""A fulfilment job's lifecycle: carry a request's right out in the controller's systems
(DESIGN.md, "Fulfilment").

    job_plan      dry run per source; nothing changes           (officer)
    job_confirm   steps queued, one Celery task per step         (officer)
    step_retry    a failed step is queued again                   (officer)
    manual_task_complete / step_callback                          (a person / the system)
    job_cancel    the request closed: its job and steps stop        (dsr.workflow, when closing)

Running a step, its checkpoints and outcome, and the lost-step sweep are the step runner's
(dsr/fulfilment/runner.py). The subject's data package (built, downloaded, purged) is in
dsr/fulfilment/delivery.py; what the jobs did, for the desk and the answer letters, in
dsr/fulfilment/records.py.

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
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dsr import audit, crypto, four_eyes
from dsr.connectors import connector_for
from dsr.connectors.base import ConnectorError, Entry, PermanentError
from dsr.connectors.http import DONE_ACTION, HttpConnector, signature_valid
from dsr.fulfilment import review, runner
from dsr.fulfilment.packages import parts_delete
from dsr.fulfilment.runner import lease, subject_of
from dsr.models import (
    CLOSED_STATUSES,
    EXPORT_RIGHTS,
    FINAL_STEP_STATUSES,
    FULFILMENT_RIGHTS,
    ApprovalKind,
    ConnectorKind,
    DataSource,
    EventKind,
    Job,
    JobStatus,
    JobStep,
    RegisterIncomplete,
    Request,
    Right,
    Status,
    StepStatus,
    processing_register,
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


def sources_for(request: Request) -> list[DataSource]:
    """The organisation's active sources that can carry out the request's right."""
    sources = DataSource.objects.filter(organization=request.organization, active=True)
    return [source for source in sources if connector_for(source).supports(request.right)]


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
    if request.right in EXPORT_RIGHTS:
        # The package carries the Art. 15 information in the subject's language: refuse
        # now, naming what the register lacks, rather than fail the build later.
        try:
            processing_register(request.organization, request.language)
        except RegisterIncomplete as error:
            raise JobError(str(error)) from None
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
        if request.right == Right.ERASURE and four_eyes.required(
            request.organization, ApprovalKind.ERASURE
        ):
            # Four eyes: the dry run waits for a second member's approval of this very plan
            # (planning again asks anew; the earlier approval lapses).
            covers, summary = four_eyes.job_covers(job)
            four_eyes.approval_request(
                request=request,
                kind=ApprovalKind.ERASURE,
                covers=covers,
                summary=summary,
                actor=actor,
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
        approval = None
        if job.right == Right.ERASURE:
            try:
                approval = four_eyes.approval_use(
                    request=request,
                    kind=ApprovalKind.ERASURE,
                    covers=four_eyes.job_covers(job)[0],
                )
            except four_eyes.ApprovalError as error:
                raise JobError(error.message) from None
        now = timezone.now()
        job.steps.update(status=StepStatus.QUEUED, lease_until=now + lease(), claim="")
        job.status = JobStatus.RUNNING
        job.confirmed_at = now
        job.confirmed_by = actor.user
        job.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        audit.record(
            organization=job.request.organization,
            kind=EventKind.FULFILMENT_CONFIRMED,
            actor=actor,
            request=job.request,
            data={
                "right": job.right,
                "steps": len(step_ids),
                **(
                    {"approval": approval.pk, "approved_by": approval.approved_by.email}
                    if approval is not None and approval.approved_by is not None
                    else {}
                ),
            },
        )
        for step_id in step_ids:
            transaction.on_commit(lambda step_id=step_id: runner._enqueue_step(step_id))
    return job


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
        step.lease_until = timezone.now() + lease()
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
        transaction.on_commit(lambda: runner._enqueue_step(step.pk))
    return step


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
        runner.step_finish(
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
    claimed = runner.step_claim(step.pk, force=True)
    if claimed is None:
        return JobStep.objects.get(pk=step.pk).status
    step, claim = claimed
    context = runner._Context(step, claim)
    try:
        outcome = connector.result(context, answer)
    except PermanentError as error:
        runner.step_fail(step.pk, claim, str(error))
    else:
        runner.step_finish(step.pk, claim, outcome.entries, state=context.state)
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
                runner.step_cancel(step, state=step.state, actor=actor)
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
            transaction.on_commit(lambda files=files: parts_delete(files))
        audit.record(
            organization=request.organization,
            kind=EventKind.FULFILMENT_CANCELLED,
            actor=actor,
            request=request,
            data={"right": job.right, "request_status": request.status, "package": "not built"},
        )
    # A package still waiting in review is never released; its parts go.
    review.review_drop(request=request, actor=actor)


def job_running(request: Request) -> bool:
    """Whether a confirmed job of the request still has work under way."""
    return Job.objects.filter(request=request, status=JobStatus.RUNNING).exists()
