"""Files in an S3-compatible bucket (dsr/storage.py, DSR_STORAGE_URL): a real moto server on
127.0.0.1 reached through boto3. What the bucket holds is read back with boto3, never through
the desk: ciphertext only, names without personal data, gone once deleted, large objects in
parts; an outage is a clear page and the file is there again when the bucket answers."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import reverse

from config import settings as config_settings
from dsr import audit, storage
from dsr.attachments import attachment_destroy, attachment_read
from dsr.fulfilment.streams import EncryptedUpload, storage_delete, stored_chunks
from tests import builders
from tests.builders import S3Server, blank_pdf, identity_document

SECRET = "85.07.30-033.28"
PDF = blank_pdf(metadata={"/Subject": f"national register number {SECRET}"})


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    """The default storage is the test server's bucket, emptied first."""
    client = s3_server.client()
    for key in s3_server.objects():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings()}
    assert storage.is_s3()
    return s3_server


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DSR_STORAGE_URL": "https://bucket/prefix"}, "must look like s3://bucket/prefix"),
        ({"DSR_STORAGE_URL": "s3://"}, "is not a bucket name"),
        ({"DSR_STORAGE_URL": "s3://My_Bucket"}, "is not a bucket name"),
        ({"DSR_STORAGE_URL": "s3://key:secret@bucket"}, "must look like"),
        ({"DSR_STORAGE_URL": "s3://bucket/a/../b"}, "not a clean path"),
        ({"DSR_STORAGE_URL": "s3://bucket?x=1"}, "must look like"),
        ({"DSR_S3_ENDPOINT_URL": "127.0.0.1:9000"}, "must be an http(s):// URL"),
        ({"DSR_S3_ACCESS_KEY_ID": "only-the-id"}, "Set both"),
        ({"DSR_S3_ADDRESSING_STYLE": "sideways"}, "path, virtual or auto"),
        ({"DSR_S3_CA_BUNDLE": "/nonexistent/ca.pem"}, "no such file"),
        ({"DSR_S3_TIMEOUT": "0"}, "at least 1"),
    ],
)
def test_a_storage_setting_it_cannot_read_stops_the_start_with_a_clear_message(
    monkeypatch, env, message
):
    for name in list(os.environ):
        if name.startswith("DSR_S3_"):  # the S3 leg's own
            monkeypatch.delenv(name)
    monkeypatch.setenv("DSR_STORAGE_URL", "s3://dsr-files/desk")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        config_settings._storage_from_env()


def test_unset_is_the_local_file_system_and_set_is_the_private_s3_backend(monkeypatch):
    monkeypatch.delenv("DSR_STORAGE_URL", raising=False)
    assert config_settings._storage_from_env()["BACKEND"].endswith("FileSystemStorage")
    monkeypatch.setenv("DSR_STORAGE_URL", "s3://dsr-files/desk/files/")
    monkeypatch.setenv("DSR_S3_ENDPOINT_URL", "https://s3.example.net")
    monkeypatch.setenv("DSR_S3_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("DSR_S3_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("DSR_S3_ADDRESSING_STYLE", "path")
    monkeypatch.delenv("DSR_S3_CA_BUNDLE", raising=False)
    chosen = config_settings._storage_from_env()
    assert chosen["BACKEND"] == "dsr.storage.PrivateS3Storage"
    assert chosen["OPTIONS"]["bucket_name"] == "dsr-files"
    assert chosen["OPTIONS"]["location"] == "desk/files"
    assert chosen["OPTIONS"]["endpoint_url"] == "https://s3.example.net"


# --- what the bucket holds -------------------------------------------------------------------


def test_an_identity_document_is_ciphertext_in_the_bucket_named_without_personal_data(
    bucket, make_request, django_capture_on_commit_callbacks
):
    request = make_request(subject_name="Lotte Janssens", subject_email="lotte@example.com")
    attachment = identity_document(request, PDF, name="Lotte Janssens passport.pdf")

    (key,) = bucket.objects()
    body = bucket.objects()[key]
    assert key == f"desk/{attachment.file.name}" and key.startswith("desk/attachments/")
    for personal in ("lotte", "janssens", "passport", request.reference.lower()):
        assert personal not in key.lower()
    assert SECRET.encode() not in body and b"%PDF" not in body
    assert attachment_read(attachment) == PDF

    with django_capture_on_commit_callbacks(execute=True):
        attachment_destroy(attachment=attachment, actor=audit.Actor.subject(), reason="test")
    assert bucket.objects() == {}


def test_a_large_object_goes_up_in_parts_and_streams_back(bucket):
    plaintext_hash = hashlib.sha256()
    upload = EncryptedUpload()
    for _ in range(20):  # 20 MiB of incompressible data (27 encrypted)
        block = os.urandom(1 << 20)
        plaintext_hash.update(block)
        upload.stream.write(block)
    name = upload.save("packages/1/large.zip.enc")

    keys = bucket.objects().keys()
    assert list(keys) == ["desk/packages/1/large.zip.enc"]  # the pending part is gone
    assert upload._writer.multipart  # written as a multipart upload, one part in memory
    head = bucket.client().head_object(Bucket=bucket.bucket, Key="desk/" + name)
    parts = -(-head["ContentLength"] // storage.PART_BYTES)
    assert parts >= 3 and head["ETag"].strip('"').endswith(f"-{parts}")  # and stored in parts
    back = hashlib.sha256()
    for chunk in stored_chunks(name):
        back.update(chunk)
    assert back.hexdigest() == plaintext_hash.hexdigest()


def test_a_discarded_upload_leaves_no_object_and_no_open_multipart_upload(bucket):
    upload = EncryptedUpload()
    upload.stream.write(os.urandom(12 << 20))
    upload.discard()
    assert bucket.objects() == {}
    uploads = bucket.client().list_multipart_uploads(Bucket=bucket.bucket)
    assert uploads.get("Uploads", []) == []


def test_the_bucket_is_never_linked_to(bucket):
    upload = EncryptedUpload()
    upload.stream.write(b"x")
    name = upload.save("letters/x.enc")
    with pytest.raises(NotImplementedError):
        default_storage.url(name)


def test_the_tests_see_the_bucket_through_the_storage(bucket, make_request):
    identity_document(make_request())
    (name,) = builders.stored_files()
    assert str(name).startswith("attachments/") and name.suffix == ".enc"
    assert SECRET.encode() not in builders.stored_bytes(name)


# --- an outage --------------------------------------------------------------------------------


def test_a_bucket_that_does_not_answer_gives_the_officer_a_clear_page_and_the_file_is_there_after(
    bucket, make_request, officer, desk_client
):
    request = make_request()
    attachment = identity_document(request, PDF)
    client = desk_client(officer, raise_request_exception=False)
    url = reverse("desk:request_file", args=[request.reference, attachment.pk])
    bucket.cut()
    try:
        response = client.get(url)
    finally:
        bucket.restore()
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "could not reach its file storage" in page and "Nothing was lost" in page

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_a_deletion_the_bucket_missed_is_done_once_it_answers(bucket, make_request, caplog):
    from dsr import tasks

    attachment = identity_document(make_request(), PDF)
    name = attachment.file.name
    bucket.cut()
    try:
        storage_delete(name)  # does not raise: the worker is handed the deletion
    finally:
        bucket.restore()
    assert "left to the worker" in caplog.text
    assert f"desk/{name}" in bucket.objects()
    tasks.storage_delete.apply(args=(name,)).get()  # what the worker runs
    assert bucket.objects() == {}


def test_an_outage_is_told_apart_from_a_missing_file_and_a_bug(bucket):
    with pytest.raises(FileNotFoundError):
        default_storage.open("attachments/none.enc")
    assert not storage.unavailable(FileNotFoundError())
    assert not storage.bucket_unavailable(ConnectionError("a mail server"))
    assert storage.unavailable(storage.StorageUnavailable("down"))


@pytest.mark.s3
def test_the_service_leg_keeps_its_files_in_the_configured_bucket(make_request):
    """On the S3 leg of .ci/run (DSR_STORAGE_URL set) every test's files go to the bucket."""
    assert storage.is_s3()
    attachment = identity_document(make_request(), PDF)
    keys = default_storage.keys()
    assert default_storage.key(attachment.file.name) in keys
    with default_storage.connection.meta.client.get_object(
        Bucket=default_storage.bucket_name, Key=default_storage.key(attachment.file.name)
    )["Body"] as body:
        assert SECRET.encode() not in body.read()


def test_branding_images_are_encrypted_under_a_random_name_and_still_used(
    bucket, desk_client, manager, organization
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dsr.letters.render import _stored_image
    from tests.builders import png

    signature = png(size=(120, 40), colour=(0, 0, 0))
    response = desk_client(manager).post(
        reverse("desk:settings_signatory"),
        {
            "signatory_name": "Griet Van Wesemael",
            "signatory_title": "Data protection officer",
            "signature_image": SimpleUploadedFile(
                "Griet Van Wesemael signature.png", signature, "image/png"
            ),
            "logo": SimpleUploadedFile("logo.png", png(), "image/png"),
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    objects = bucket.objects()
    assert len(objects) == 2
    for key, body in objects.items():
        assert key.startswith("desk/branding/") and key.endswith(".enc")
        assert "griet" not in key.lower() and "signature" not in key.lower()
        assert not body.startswith(b"\x89PNG") and b"IHDR" not in body
    shown = desk_client(manager).get(reverse("desk:settings_signature_image"))
    assert shown.status_code == 200 and shown.content == signature
    assert _stored_image(organization.signature_image.name) == (signature, "image/png")
