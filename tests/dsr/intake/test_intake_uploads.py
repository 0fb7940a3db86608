"""Identity documents on the public form: the same file rules for everyone, nothing partial."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from intake_helpers import image_bytes, pdf_bytes
from PIL import Image

from dsr.attachments import attachment_read
from dsr.models import Attachment, AttachmentKind, Event, EventKind, OutboundEmail, Request
from tests import builders

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03" + b"\x00" * 200


@pytest.fixture
def asking_organization(organization):
    organization.requires_identity_document = True
    organization.save()
    return organization


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings) -> list:
    return builders.stored_files()


def test_upload_is_offered_with_guidance_only_when_the_organisation_asks(
    client, asking_organization
):
    html = client.get("/openmotics/request/?lang=nl").content.decode()
    assert 'type="file" name="documents"' in html
    assert "multiple" in html and 'accept=".pdf,.jpg,.jpeg,.png"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "BSN" in html and "rijksregisternummer" in html


def test_each_request_of_the_submission_gets_its_own_encrypted_copy(
    client, asking_organization, filled_form, settings
):
    scan = pdf_bytes()
    data = filled_form(
        asking_organization,
        rights=["access", "erasure"],
        documents=[upload("id-card.pdf", scan), upload("back.png", image_bytes("PNG"))],
    )
    assert client.post("/openmotics/request/", data).status_code == 302
    for request in Request.objects.all():
        pdf, png = request.attachments.order_by("pk")
        assert (pdf.original_name, png.original_name) == ("id-card.pdf", "back.png")
        assert pdf.kind == png.kind == AttachmentKind.IDENTITY_PROOF
        assert pdf.uploaded_by_subject
        assert attachment_read(pdf) == scan
        assert png.content_type == "image/png"
        event = request.events.get(kind=EventKind.ATTACHMENT_ADDED, data__attachment=pdf.pk)
        assert event.actor_kind == "subject"
    assert len(stored_files(settings)) == 4
    for path in stored_files(settings):
        assert b"%PDF" not in builders.stored_bytes(path)  # encrypted at rest


def test_images_are_re_encoded_without_their_metadata(client, asking_organization, filled_form):
    photo = image_bytes("JPEG", exif_gps=True)
    assert b"SecretCam" in photo and b"taken at home" in photo
    data = filled_form(asking_organization, documents=[upload("IMG_0042.JPG", photo)])
    assert client.post("/openmotics/request/", data).status_code == 302
    stored = attachment_read(Attachment.objects.get())
    assert b"SecretCam" not in stored and b"taken at home" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (64, 40)
    assert not image.getexif()

    png = image_bytes("PNG")
    assert b"Kerkstraat" in png
    data = filled_form(
        asking_organization, subject_email="b@example.com", documents=[upload("scan.png", png)]
    )
    assert client.post("/openmotics/request/", data).status_code == 302
    assert b"Kerkstraat" not in attachment_read(Attachment.objects.order_by("pk").last())


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.sh", "rm -rf ~")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "The file is empty."),
        ("passport.pdf", ELF, "Only PDF, JPEG and PNG files are accepted."),
        ("passport.pdf", MZ, "Only PDF, JPEG and PNG files are accepted."),
        ("id.svg", b"<svg onload=alert(1)></svg>", "Only PDF, JPEG and PNG files are accepted."),
        ("id.pdf", pdf_bytes(javascript="app.alert(1)"), "contains scripts"),
        ("id.pdf", pdf_bytes(javascript="app.alert(1)", open_action=True), "contains scripts"),
        ("id.pdf", pdf_bytes(attachment=ELF), "embedded files"),
        ("id.png", image_bytes("PNG") + b"<script>alert(1)</script>", "not a plain PDF"),
        ("id.jpg", image_bytes("JPEG") + _zip(), "not a plain PDF"),
        ("id.pdf", pdf_bytes() + _zip(), "not a plain PDF"),
        ("id.jpg", image_bytes("JPEG") + pdf_bytes(), "not a plain PDF"),
        ("id.pdf", b"%PDF-1.7\nnot really a pdf\n%%EOF\n", "could not be read"),
        ("id.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image could not be read"),
    ],
)
def test_refused_files_are_explained_and_nothing_is_stored(
    client, asking_organization, filled_form, settings, name, content, message
):
    good = upload("good.pdf", pdf_bytes())
    data = filled_form(
        asking_organization, rights=["access", "erasure"], documents=[good, upload(name, content)]
    )
    response = client.post("/openmotics/request/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="id_documents_error"' in html
    assert not Request.objects.exists()
    assert not Attachment.objects.exists()
    assert not Event.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_file_is_refused_without_being_read(
    client, asking_organization, filled_form, settings
):
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    data = filled_form(asking_organization, lang="nl", documents=[upload("big.pdf", big)])
    html = client.post("/openmotics/request/", data).content.decode()
    assert "big.pdf: Het bestand is groter dan 10 MB." in html
    assert not Request.objects.exists() and stored_files(settings) == []


def test_at_most_three_files(client, asking_organization, filled_form):
    files = [upload(f"page{i}.png", image_bytes("PNG")) for i in range(4)]
    data = filled_form(asking_organization, lang="fr", documents=files)
    html = client.post("/openmotics/request/", data).content.decode()
    assert "Vous pouvez envoyer au plus 3 fichiers." in html
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\lotte\\id.pdf", "id.pdf"),
        ("id\u202efdp.exe.pdf", "idfdp.exe.pdf"),  # the right-to-left override is dropped
        ("e\u0301.pdf", "\u00e9.pdf"),
    ],
)
def test_file_names_with_paths_and_unicode_tricks_are_cleaned(
    client, asking_organization, filled_form, settings, raw, shown
):
    data = filled_form(asking_organization, documents=[upload(raw, pdf_bytes())])
    assert client.post("/openmotics/request/", data).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == shown
    (path,) = stored_files(settings)
    assert path.is_relative_to("attachments")
    assert path.suffix == ".enc" and "passwd" not in path.name


def test_a_database_failure_after_storing_files_leaves_no_file_behind(
    client, asking_organization, filled_form, settings, monkeypatch
):
    from dsr.intake import services

    def broken_mail(requests):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_mail_confirmation", broken_mail)
    data = filled_form(asking_organization, documents=[upload("id.pdf", pdf_bytes())])
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post("/openmotics/request/", data)
    assert not Request.objects.exists()
    assert stored_files(settings) == []
