"""Files in an S3 bucket (docs/SECURITY.md, "Files in object storage"): the bucket is private
and never linked to; a subject's token downloads only that subject's package, streamed
through the desk, which checks it; anyone on the network learns nothing from the bucket's
names or bytes. A real moto server on 127.0.0.1 (tests/builders.S3Server)."""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from jobs_helpers import platform_build, sql_source, sqlite_url, verified

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
def bucket(s3_server, settings, tmp_path):
    client = s3_server.client()
    for key in s3_server.objects():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings()}
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path
    return s3_server


@pytest.fixture
def packages(
    bucket, organization, make_request, officer_actor, tmp_path, django_capture_on_commit_callbacks
):
    """Two subjects of one organisation, each with a ready data package in the bucket."""
    url = sqlite_url(tmp_path / "platform.sqlite3")
    platform_build(url)
    sql_source(organization, url)
    made = []
    for number in ("OPM-C1", "OPM-C2"):
        request = verified(
            make_request(right=Right.ACCESS, subject_customer_number=number), officer_actor
        )
        job = jobs.job_confirm(
            job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
        )
        for step in job.steps.all():
            while runner.step_run(step_id=step.pk) is not None:
                pass
        with django_capture_on_commit_callbacks(execute=True):
            review.package_release(review=job.review, by=officer_actor)
            made.append(delivery.package_create(job_id=job.pk))
    return made


def test_a_subject_token_downloads_only_its_own_package(packages):
    mine, theirs = packages
    client = Client()
    # My status-page token with the other subject's package token: nothing.
    response = client.get(f"/r/{mine.request.public_token}/package/{theirs.token}/")
    assert response.status_code == 404
    # A guessed package token: nothing.
    response = client.get(f"/r/{mine.request.public_token}/package/{'A' * len(mine.token)}/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.downloads == 0
    # My own: streamed by the desk from the bucket.
    response = client.get(f"/r/{mine.request.public_token}/package/{mine.token}/")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_no_page_links_to_the_bucket_and_no_link_can_be_made(packages, bucket):
    mine, _ = packages
    page = Client().get(f"/r/{mine.request.public_token}/").content.decode()
    assert mine.token in page  # the desk's own download link is there ...
    gate = str(bucket.gate.port)
    for leak in (f"127.0.0.1:{gate}", bucket.bucket, "X-Amz-", "Signature=", "AWSAccessKeyId"):
        assert leak not in page  # ... and nothing that reaches the bucket
    with pytest.raises(NotImplementedError):
        default_storage.url(mine.file.name)


def test_the_bucket_alone_tells_nothing(packages, bucket):
    objects = bucket.objects()
    assert len(objects) == 2
    for key, body in objects.items():
        assert re.fullmatch(r"desk/packages/\d+/[A-Za-z0-9_-]{20,}\.zip\.enc", key), key
        assert b"Jan Peeters" not in body and b"OPM-C" not in body
        assert not body.startswith(b"PK")
    # Unsigned requests (anyone on the network who finds the endpoint) are refused.
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    anonymous = boto3.client(
        "s3",
        endpoint_url=bucket.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    key = next(iter(objects))
    with pytest.raises(Exception) as refused:
        anonymous.get_object(Bucket=bucket.bucket, Key=key)
    assert "AccessDenied" in str(refused.value) or "403" in str(refused.value)
    assert DataPackage.objects.count() == 2
