"""What a request's fulfilment did, for the desk's panel and the answer letters: per source,
what was erased, anonymised, restricted, rectified, exported or kept and why
(`fulfilment_record`), and how far the job is (`job_progress`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dsr.connectors.base import Entry
from dsr.models import FINAL_STEP_STATUSES, Job, JobStatus, JobStep, Request, StepStatus


@dataclass
class SourceRecord:
    """What one source did for a request: the answer letter lists these."""

    source: str
    connector: str
    status: str
    entries: list[Entry] = field(default_factory=list)
    error: str = ""
    finished_at: datetime | None = None


def fulfilment_record(request: Request) -> list[SourceRecord]:
    """Per source: what was erased, anonymised, restricted, rectified or kept and why.

    For any right a job carried out (erasure, rectification, restriction; access and
    portability list what was exported). Empty when no job was confirmed."""
    job = (
        Job.objects.filter(request=request)
        .exclude(status=JobStatus.PLANNED)
        .order_by("-planned_at")
        .first()
    )
    if job is None:
        return []
    return [
        SourceRecord(
            source=step.source.name,
            connector=step.source.kind,
            status=step.status,
            entries=[Entry.from_dict(entry) for entry in step.result],
            error=step.last_error if step.status == StepStatus.FAILED else "",
            finished_at=step.finished_at,
        )
        for step in job.steps.select_related("source").order_by("position", "pk")
    ]


@dataclass
class Progress:
    job: Job | None
    steps: list[JobStep]
    done: int
    total: int

    @property
    def percent(self) -> int:
        if not self.steps:
            return 0
        return round(sum(step.percent for step in self.steps) / len(self.steps))

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.status == JobStatus.RUNNING


def job_progress(request: Request) -> Progress:
    job = Job.objects.filter(request=request, right=request.right).first()
    if job is None:
        return Progress(None, [], 0, 0)
    steps = list(job.steps.select_related("source").order_by("position", "pk"))
    done = sum(1 for step in steps if step.status in FINAL_STEP_STATUSES)
    return Progress(job, steps, done, len(steps))
