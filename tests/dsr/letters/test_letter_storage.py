"""Letters and print batches in an S3 bucket (a real moto server, tests/builders.S3Server):
stored encrypted under names without personal data, read back, deleted when posted; a bucket
that is down makes the work wait, not fail, and it is finished once the bucket answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from letter_helpers import issue, make_state

from dsr import audit, storage, tasks
from dsr.letters import printing, services
from dsr.models import Letter, LetterKind, LetterStatus, PrintBatch, PrintBatchStatus, Right
from tests.builders import S3Server


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    if s3_server.process is None:
        s3_server.start()
    client = s3_server.client()
    for key in s3_server.objects():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings()}
    return s3_server


def _letter(make_request, officer, officer_actor) -> Letter:
    request = make_state(
        make_request,
        officer_actor,
        right=Right.ACCESS,
        state="open",
        language="en",
        subject_name="Lotte Janssens",
    )
    return issue(request, LetterKind.ACKNOWLEDGEMENT, officer)


@pytest.mark.django_db
def test_a_letter_rendered_while_the_bucket_is_down_waits_and_is_finished_after(
    bucket, signed_organization, make_request, officer, officer_actor
):
    letter = _letter(make_request, officer, officer_actor)
    bucket.stop()  # the S3 server itself is down
    try:
        # The task's last retry (Celery's back-off spent): the letter is not failed ...
        outcome = tasks.letter_render.apply(args=(letter.pk,), retries=5).get()
    finally:
        bucket.start()  # a new, empty bucket (moto keeps nothing across a restart)
    assert outcome == "waiting"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERING and not letter.file
    # ... but left to letter_sweep, which enqueues exactly this task again.
    lost = services.letters_lost(older_than=timedelta(0))
    assert letter.pk in set(lost.values_list("pk", flat=True))

    assert tasks.letter_render.apply(args=(letter.pk,)).get() == "ready"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY
    (key,) = bucket.objects()
    stored = bucket.objects()[key]
    assert key == f"desk/{letter.file.name}" and key.startswith("desk/letters/")
    assert "lotte" not in key.lower() and letter.request.reference.lower() not in key.lower()
    assert b"%PDF" not in stored and b"Lotte Janssens" not in stored
    assert services.letter_read(letter).startswith(b"%PDF")


@pytest.mark.django_db
def test_a_print_batch_waits_for_the_bucket_and_its_file_is_deleted_once_posted(
    bucket,
    signed_organization,
    make_request,
    officer,
    officer_actor,
    django_capture_on_commit_callbacks,
):
    actor = audit.Actor.for_user(officer)
    letters = []
    for _ in range(2):
        letter = _letter(make_request, officer, officer_actor)
        assert services.letter_render(letter.pk) == "ready"
        letter.refresh_from_db()
        services.letter_queue_for_post(letter=letter, actor=actor)
        letters.append(letter)
    batch = printing.print_batch_create(
        organization=signed_organization, letters=letters, actor=actor
    )

    bucket.cut()  # the bucket does not answer (its objects stay)
    try:
        with pytest.raises(storage.StorageUnavailable):
            printing.print_batch_build(batch.pk)
    finally:
        bucket.restore()
    batch.refresh_from_db()
    assert batch.status == PrintBatchStatus.BUILDING and not batch.error  # not failed
    PrintBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert batch.pk in set(printing.batches_lost().values_list("pk", flat=True))  # the sweep's

    assert printing.print_batch_build(batch.pk) == PrintBatchStatus.READY
    batch.refresh_from_db()
    assert f"desk/{batch.file.name}" in bucket.objects()
    assert printing.print_batch_read(batch).startswith(b"%PDF")
    assert b"%PDF" not in bucket.objects()[f"desk/{batch.file.name}"]

    with django_capture_on_commit_callbacks(execute=True):
        printing.print_batch_mark_posted(batch=batch, actor=actor)
    assert not [key for key in bucket.objects() if key.startswith("desk/print/")]
