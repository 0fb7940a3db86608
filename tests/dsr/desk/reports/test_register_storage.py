"""The signed register PDF in an S3 bucket (a real moto server, tests/builders.S3Server): built
while the bucket does not answer, the export waits (it is neither failed nor lost) and the
sweep's next build stores it, encrypted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dsr import tasks
from dsr.desk.reports import exports
from dsr.desk.reports.period import Period
from dsr.models import RegisterExport
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


def test_a_register_built_while_the_bucket_is_down_waits_and_is_stored_after(
    bucket, organization, manager, make_request
):
    make_request(subject_name="Lotte Janssens")
    today = timezone.localdate()
    export = exports.register_export_request(
        organization=organization,
        period=Period(date(today.year, 1, 1), today, organization.time_zone),
        user=manager,
        language="en",
    )
    bucket.cut()
    try:
        # The task's last retry: the register is not marked failed ...
        outcome = tasks.register_export_build.apply(args=(export.pk,), retries=5).get()
    finally:
        bucket.restore()
    assert outcome == "waiting"
    export.refresh_from_db()
    assert export.building and not export.error and not export.file
    # ... but left for register_export_sweep, which enqueues its build again.
    RegisterExport.objects.filter(pk=export.pk).update(
        requested_at=timezone.now() - timedelta(hours=1)
    )
    assert export.pk in set(exports.exports_lost().values_list("pk", flat=True))

    assert tasks.register_export_build.apply(args=(export.pk,)).get() == "ready"
    export.refresh_from_db()
    (key,) = bucket.objects()
    assert key == f"desk/{export.file.name}" and key.startswith("desk/registers/")
    stored = bucket.objects()[key]
    assert b"%PDF" not in stored and b"Lotte Janssens" not in stored
    assert exports.register_export_read(export).startswith(b"%PDF")
