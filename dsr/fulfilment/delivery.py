"""The subject's data package after the export: built once by the worker when an officer
released it after review (dsr/fulfilment/review.py; `package_create`), downloaded through an
expiring, counted link (`package_download`), and its file deleted when the link expires or
is used up (`packages_purge`, beat). Each step is an Event. The package's contents are made
in dsr/fulfilment/packages.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dsr import audit, emails
from dsr.fulfilment.review import NO_RELEASE_STATUSES, review_decisions, review_parts_delete
from dsr.fulfilment.runner import lease
from dsr.models import DataPackage, EventKind, Job, PackageReview, Request, ReviewStatus


def _deliverable(job: Job) -> bool:
    """The job's package may go out: released after review, and its request neither
    withdrawn nor refused (re-checked before the build and again before the mail)."""
    review = PackageReview.objects.filter(job=job).first()
    return (
        review is not None
        and review.status == ReviewStatus.RELEASED
        and job.request.status not in NO_RELEASE_STATUSES
        and job.request.minimised_at is None
    )


def package_create(*, job_id: int) -> DataPackage | None:
    """Build the job's released package once (the worker); tell the subject it is ready.

    The build applies the review's decisions to the stored parts (streamed); the request is
    checked before the build and, under its lock, again before the package is saved and the
    subject is mailed."""
    from dsr.fulfilment.packages import package_build

    now = timezone.now()
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.package_wanted_at is None:
            return None
        if not _deliverable(job):
            return None  # not released (yet), or its request closed: job_cancel cleans up
        if job.package_lease_until is not None and job.package_lease_until > now:
            return None  # another worker is building it
        job.package_lease_until = now + lease()
        job.save(update_fields=["package_lease_until"])

    def heartbeat() -> None:
        Job.objects.filter(pk=job_id).update(package_lease_until=timezone.now() + lease())

    job = Job.objects.select_related("request__organization", "review").get(pk=job_id)
    package, _parts = package_build(
        job=job, decisions=review_decisions(job.review), heartbeat=heartbeat
    )
    with transaction.atomic():
        Request.objects.select_for_update().filter(pk=job.request_id).first()
        locked = (
            Job.objects.select_for_update(of=("self",)).select_related("request").get(pk=job_id)
        )
        if locked.package_wanted_at is None or not _deliverable(locked):
            # Someone else finished first, or the request was withdrawn during the build.
            transaction.on_commit(lambda: _storage_delete(package.file.name))
            return None
        # The link's life starts when the package exists, not when its build started.
        package.expires_at = timezone.now() + timedelta(days=settings.PACKAGE_DAYS)
        package.save()
        locked.package_wanted_at = None
        locked.package_lease_until = None
        locked.save(update_fields=["package_wanted_at", "package_lease_until"])
        request = locked.request
        request.organization = job.request.organization
        audit.record(
            organization=request.organization,
            kind=EventKind.PACKAGE_CREATED,
            actor=audit.Actor.system("fulfilment"),
            request=request,
            data={
                "package": package.pk,
                "bytes": package.size,
                "sha256": package.sha256,
                "expires_at": package.expires_at,
                "max_downloads": package.max_downloads,
                "review": job.review.pk,
                "grounds": job.review.grounds(),
            },
        )
        if request.subject_email:
            emails.email_queue(
                template="package_ready",
                to=request.subject_email,
                context={
                    "request_obj": request,
                    "organization": request.organization,
                    "package": package,
                    "download_url": settings.SITE_URL + package_url(package),
                },
                language=request.language,
                request=request,
            )
        steps = list(job.steps.all())
        transaction.on_commit(lambda: review_parts_delete(steps))
    return package


def package_url(package: DataPackage) -> str:
    return reverse(
        "fulfilment:package_download", args=[package.request.public_token, package.token]
    )


def package_download(*, public_token: str, token: str) -> DataPackage | None:
    """Count one download and record it; None when the package is gone, expired or used up."""
    with transaction.atomic():
        package = (
            DataPackage.objects.select_for_update()
            .select_related("request__organization")
            .filter(token=token, request__public_token=public_token)
            .first()
        )
        if package is None or not package.is_available(timezone.now()):
            return None
        package.downloads += 1
        package.save(update_fields=["downloads"])
        audit.record(
            organization=package.request.organization,
            kind=EventKind.PACKAGE_DOWNLOADED,
            actor=audit.Actor.subject(),
            request=package.request,
            data={"package": package.pk, "download": package.downloads},
        )
    return package


def packages_for_subject(request: Request) -> list[DataPackage]:
    """The packages the subject can still download (for the status page)."""
    now = timezone.now()
    packages = DataPackage.objects.filter(request=request, deleted_at__isnull=True)
    return [package for package in packages if package.is_available(now)]


def _storage_delete(name: str) -> None:
    from dsr.fulfilment.streams import storage_delete

    storage_delete(name)


def packages_purge(*, now: datetime | None = None) -> int:
    """Delete the files of packages that expired or were downloaded as often as allowed."""
    from django.db.models import F

    now = now or timezone.now()
    due = DataPackage.objects.filter(deleted_at__isnull=True).filter(
        Q(expires_at__lte=now) | Q(downloads__gte=F("max_downloads"))
    )
    count = 0
    for package_id in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            package = (
                DataPackage.objects.select_for_update()
                .select_related("request__organization")
                .get(pk=package_id)
            )
            if package.deleted_at is not None:
                continue
            package.deleted_at = now
            package.save(update_fields=["deleted_at"])
            audit.record(
                organization=package.request.organization,
                kind=EventKind.PACKAGE_DELETED,
                actor=audit.Actor.system("retention"),
                request=package.request,
                data={
                    "package": package.pk,
                    "reason": "expired" if package.expires_at <= now else "downloads used",
                },
            )
            name = package.file.name
            transaction.on_commit(lambda name=name: _storage_delete(name))
        count += 1
    return count
