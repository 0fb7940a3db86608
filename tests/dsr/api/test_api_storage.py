"""The API while the bucket does not answer (a real moto server behind a gate that closes,
tests/builders.S3Server): an upload is a 503 with Retry-After in the API's error shape, nothing
half-stored, and the same upload sent again once the bucket answers is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dsr.models import Attachment
from tests.builders import S3Server, blank_pdf

URL = "/api/v1/requests/"


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


@pytest.mark.django_db
def test_an_upload_while_the_bucket_is_down_is_a_503_and_can_be_sent_again(
    bucket, api, make_request
):
    request = make_request()
    url = f"{URL}{request.reference}/attachments/"
    content = blank_pdf()

    def upload():
        document = SimpleUploadedFile("letter.pdf", content, content_type="application/pdf")
        return api.post(url, {"file": document, "kind": "correspondence"}, format="multipart")

    bucket.cut()
    try:
        response = upload()
    finally:
        bucket.restore()
    assert response.status_code == 503 and response["Retry-After"]
    error = response.json()["error"]
    assert error["code"] == "unavailable" and "file storage" in error["message"]
    assert not Attachment.objects.filter(request=request).exists()
    assert bucket.objects() == {}

    response = upload()
    assert response.status_code == 201, response.json()
    (key,) = bucket.objects()
    assert key.startswith("desk/attachments/") and b"%PDF" not in bucket.objects()[key]
