"""dsr/attachments.py: judged by content, encrypted at rest, destroyed for good."""

from __future__ import annotations

import pytest

from dsr import audit, crypto
from dsr.attachments import (
    AttachmentRejected,
    attachment_destroy,
    attachment_read,
    attachment_store,
    clean_file_name,
)
from dsr.models import Attachment, AttachmentKind, EventKind

PDF = b"%PDF-1.7\n% a secret national register number 85.07.30-033.28\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def store(request, content: bytes, name: str = "scan.pdf") -> Attachment:
    return attachment_store(
        request=request,
        content=content,
        original_name=name,
        kind=AttachmentKind.IDENTITY_PROOF,
        actor=audit.Actor.subject(),
        uploaded_by_subject=True,
    )


def test_stored_encrypted_and_read_back(make_request):
    request = make_request()
    attachment = store(request, PDF)
    with attachment.file.open("rb") as handle:
        on_disk = handle.read()
    assert b"85.07.30" not in on_disk
    assert b"%PDF" not in on_disk
    assert crypto.decrypt(on_disk) == PDF
    assert attachment_read(attachment) == PDF
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert "scan" not in attachment.file.name  # the stored name says nothing


def test_content_type_comes_from_the_bytes_not_the_name(make_request):
    request = make_request()
    assert store(request, PNG, name="passport.pdf").content_type == "image/png"
    with pytest.raises(AttachmentRejected, match="Only PDF, JPEG and PNG"):
        store(request, ELF, name="passport.pdf")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB")],
)
def test_empty_and_oversized_files_are_rejected_and_nothing_is_kept(make_request, content, message):
    request = make_request()
    with pytest.raises(AttachmentRejected, match=message):
        store(request, content)
    assert not Attachment.objects.exists()
    assert not request.events.filter(kind=EventKind.ATTACHMENT_ADDED).exists()


def test_file_is_removed_when_the_database_write_fails(make_request, settings, monkeypatch):
    request = make_request()

    def fail(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        store(request, PDF)
    media = settings.MEDIA_ROOT / "attachments"
    leftovers = [path for path in media.rglob("*") if path.is_file()] if media.exists() else []
    assert leftovers == []
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jan\\id.pdf", "id.pdf"),
        ("id\u202egpj.pdf", "idgpj.pdf"),  # right-to-left override removed
        ("scan\x00.pdf", "scan.pdf"),
        ("", "file"),
        ("...", "file"),
        ("e\u0301.pdf", "\u00e9.pdf"),  # normalised to one code point
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert clean_file_name(raw) == clean


def test_destroy_removes_the_file_and_keeps_the_hash(
    make_request, django_capture_on_commit_callbacks
):
    request = make_request()
    attachment = store(request, PDF)
    name = attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        attachment_destroy(attachment=attachment, actor=audit.Actor.system(), reason="retention")
    attachment.refresh_from_db()
    assert attachment.is_destroyed
    assert not attachment.file
    assert not attachment.file.storage.exists(name)
    with pytest.raises(FileNotFoundError):
        attachment_read(attachment)
    event = request.events.get(kind=EventKind.ATTACHMENT_DESTROYED)
    assert event.data["sha256"] == attachment.sha256
    # Destroying twice is harmless and records nothing more.
    attachment_destroy(attachment=attachment, actor=audit.Actor.system(), reason="again")
    assert request.events.filter(kind=EventKind.ATTACHMENT_DESTROYED).count() == 1


def test_wrong_key_cannot_read(make_request, settings):
    request = make_request()
    attachment = store(request, PDF)
    settings.ENCRYPTION_KEYS = ["QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="]
    with pytest.raises(crypto.InvalidToken):
        attachment_read(attachment)


def test_key_rotation_reads_old_files(make_request, settings):
    request = make_request()
    attachment = store(request, PDF)
    settings.ENCRYPTION_KEYS = [
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
        *settings.ENCRYPTION_KEYS,
    ]
    assert attachment_read(attachment) == PDF
