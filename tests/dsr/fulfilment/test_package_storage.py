"""Data packages in an S3 bucket (a real moto server, tests/builders.S3Server): the parts and
the package are ciphertext under names without personal data, the parts are deleted once the
package exists, the subject's download streams from the bucket, a bucket that does not answer
is a clear page that uses up no download, and an expired package leaves the bucket."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from dsr.fulfilment import delivery, jobs, review, runner
from dsr.models import DataPackage, Right
from tests.builders import S3Server

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    client = s3_server.client()
    for key in s3_server.objects():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings()}
    return s3_server


def fulfil(request, officer_actor, capture) -> DataPackage:
    job = jobs.job_plan(request=request, actor=officer_actor)
    job = jobs.job_confirm(job=job, actor=officer_actor)
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    review.package_release(review=job.review, by=officer_actor)
    with capture(execute=True):
        package = delivery.package_create(job_id=job.pk)
    assert package is not None
    return package


def download_url(package: DataPackage) -> str:
    return reverse(
        "fulfilment:package_download", args=[package.request.public_token, package.token]
    )


def test_the_package_streams_from_the_bucket_and_nothing_readable_is_stored(
    bucket, platform_source, in_progress, officer_actor, client, django_capture_on_commit_callbacks
):
    request = in_progress(Right.ACCESS)
    package = fulfil(request, officer_actor, django_capture_on_commit_callbacks)

    objects = bucket.objects()
    # The parts (JSON, CSV, preview per table) were deleted once the package was saved.
    assert list(objects) == [f"desk/{package.file.name}"]
    key = f"desk/{package.file.name}"
    assert key == f"desk/packages/{request.organization_id}/{package.token}.zip.enc"
    for personal in ("jan", "peeters", request.reference.lower(), "opm-c1"):
        assert personal not in key.lower()
    assert b"Jan Peeters" not in objects[key] and b"PK\x03\x04" not in objects[key]

    response = client.get(download_url(package))
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    (customer,) = json.loads(archive.read("customer-platform/customers.json"))
    assert customer["name"] == "Jan Peeters"
    package.refresh_from_db()
    assert package.downloads == 1


def test_a_bucket_that_does_not_answer_is_a_clear_page_and_uses_up_no_download(
    bucket, platform_source, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    from django.test import Client

    package = fulfil(in_progress(Right.ACCESS), officer_actor, django_capture_on_commit_callbacks)
    client = Client(raise_request_exception=False)
    bucket.cut()
    try:
        response = client.get(download_url(package))
    finally:
        bucket.restore()
    assert response.status_code == 503 and response["Retry-After"]
    assert "could not reach its file storage" in response.content.decode()
    package.refresh_from_db()
    assert package.downloads == 0  # the counted download was rolled back

    response = client.get(download_url(package))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_an_expired_package_leaves_the_bucket(
    bucket, platform_source, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    package = fulfil(in_progress(Right.ACCESS), officer_actor, django_capture_on_commit_callbacks)
    assert bucket.objects()
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.packages_purge(now=timezone.now() + timedelta(days=365)) == 1
    assert bucket.objects() == {}
    package.refresh_from_db()
    assert package.deleted_at is not None


def test_a_package_built_while_the_bucket_is_down_is_built_by_the_sweep_after(
    bucket, platform_source, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from dsr import storage
    from dsr.models import Job

    request = in_progress(Right.ACCESS)
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
    )
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    review.package_release(review=job.review, by=officer_actor)
    parts = set(bucket.objects())
    assert parts  # the steps' encrypted parts

    bucket.cut()
    try:
        with pytest.raises(storage.StorageUnavailable):
            delivery.package_create(job_id=job.pk)
    finally:
        bucket.restore()
    job.refresh_from_db()
    assert job.package_wanted_at is not None and not DataPackage.objects.exists()
    assert set(bucket.objects()) == parts  # nothing half-written left, nothing lost
    # The lease runs out; job_sweep's query finds the job and enqueues the build again.
    Job.objects.filter(pk=job.pk).update(
        package_lease_until=timezone.now() - timedelta(seconds=1),
        package_wanted_at=timezone.now() - timedelta(hours=1),
    )
    assert runner.steps_requeue_lost() >= 1  # the sweep enqueues it; the worker runs:
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(job_id=job.pk)
    assert package is not None
    assert list(bucket.objects()) == [f"desk/{package.file.name}"]


def test_a_step_that_cannot_store_its_export_waits_for_the_bucket_without_giving_up(
    bucket, platform_source, in_progress, officer_actor
):
    from dsr.models import JobStep, StepStatus

    request = in_progress(Right.ACCESS)
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
    )
    (step,) = job.steps.all()
    # Its last attempt by the connector's count (max_attempts, 5 by default) ...
    JobStep.objects.filter(pk=step.pk).update(attempts=4)
    bucket.cut()
    try:
        again_in = runner.step_run(step_id=step.pk)
    finally:
        bucket.restore()
    step.refresh_from_db()
    # ... but the bucket, not the source, failed: tried again later, not failed.
    assert again_in is not None and step.status != StepStatus.FAILED
    assert bucket.objects() == {}
    while runner.step_run(step_id=step.pk) is not None:
        pass
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    assert bucket.objects()  # its parts
