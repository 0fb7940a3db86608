"""dsr/attachments.py: judged by content, encrypted at rest, destroyed for good."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from dsr import audit, crypto
from dsr.attachments import (
    AttachmentRejected,
    attachment_destroy,
    attachment_read,
    attachment_store,
    clean_file_name,
    file_check,
)
from dsr.models import Attachment, AttachmentKind, EventKind
from tests import builders
from tests.builders import blank_pdf, identity_document, image

PDF = blank_pdf(metadata={"/Subject": "a secret national register number 85.07.30-033.28"})
PNG = image("PNG")
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def store(request, content: bytes, name: str = "scan.pdf") -> Attachment:
    return identity_document(request, content, name)


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
    assert builders.stored_files("attachments") == []
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


# --- the checks of the public form (issue: public intake) ----------------------------------


def _pdf_with_javascript_in_an_object_stream() -> bytes:
    """An /OpenAction whose JavaScript action sits in a compressed object stream: the bytes
    never spell "JavaScript", only parsing the PDF finds it."""
    header, hidden = b"4 0 ", b"<</S/JavaScript/JS(app.alert(1))>>"
    packed = zlib.compress(header + hidden)
    out, offsets = io.BytesIO(), {}
    out.write(b"%PDF-1.5\n")

    def obj(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    obj(1, b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>")
    obj(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
    obj(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>")
    obj(
        5,
        b"<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream"
        % (len(header), len(packed), packed),
    )
    xref_at = out.tell()
    rows = [b"\x00" + struct.pack(">I", 0) + b"\xff\xff"]
    rows += [b"\x01" + struct.pack(">I", offsets[n]) + b"\x00\x00" for n in (1, 2, 3)]
    rows.append(b"\x02" + struct.pack(">I", 5) + b"\x00\x00")  # object 4: inside stream 5
    rows.append(b"\x01" + struct.pack(">I", offsets[5]) + b"\x00\x00")
    rows.append(b"\x01" + struct.pack(">I", xref_at) + b"\x00\x00")
    table = b"".join(rows)
    out.write(
        b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n%s\nendstream\n"
        b"endobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref_at)
    )
    return out.getvalue()


def test_javascript_hidden_in_an_object_stream_is_found_by_walking_the_pdf():
    hidden = _pdf_with_javascript_in_an_object_stream()
    assert b"JavaScript" not in hidden
    for sanitise in (True, False):
        with pytest.raises(AttachmentRejected, match="contains scripts"):
            file_check(hidden, "id.pdf", sanitise=sanitise)


def test_escaped_names_do_not_hide_javascript_from_the_byte_scan():
    escaped = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>>>"
        b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(AttachmentRejected, match="contains scripts"):
        file_check(escaped, "id.pdf", sanitise=False)  # unparseable, so only the scan sees it


def test_a_plain_go_to_open_action_is_not_active_content():
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.open_destination = writer.pages[0]  # what LibreOffice writes: /OpenAction [page /XYZ]
    buffer = io.BytesIO()
    writer.write(buffer)
    assert b"/OpenAction" in buffer.getvalue()
    assert file_check(buffer.getvalue(), "letter.pdf", sanitise=True).content_type == (
        "application/pdf"
    )


def test_subject_images_lose_their_metadata_and_officer_evidence_keeps_every_byte(make_request):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    photo = image("JPEG", exif=exif.tobytes())
    request = make_request()
    from_subject = store(request, photo, name="photo.jpg")
    assert b"SecretCam" not in attachment_read(from_subject)
    assert from_subject.sha256 == hashlib.sha256(attachment_read(from_subject)).hexdigest()

    evidence = attachment_store(
        request=request,
        content=photo,
        original_name="photo.jpg",
        kind=AttachmentKind.EVIDENCE,
        actor=audit.Actor.system(),
    )
    assert attachment_read(evidence) == photo
    assert evidence.sha256 == hashlib.sha256(photo).hexdigest()


def test_an_image_claiming_too_many_pixels_is_refused_before_it_is_decoded():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(buffer, "PNG")  # 60 megapixels in a few kilobytes
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(AttachmentRejected, match="too large in pixels"):
        file_check(buffer.getvalue(), "bomb.png", sanitise=True)


def test_large_photos_are_scaled_to_a_readable_size():
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 4000), (255, 255, 255)).save(buffer, "JPEG")
    checked = file_check(buffer.getvalue(), "big.jpg", sanitise=True)
    assert Image.open(io.BytesIO(checked.content)).size == (4000, 2667)


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt(user_password, owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_password_protected_pdf_is_refused_from_anyone():
    # Nobody at the desk could open it, and nothing in it can be checked (issue 14, item 8).
    for sanitise in (True, False):
        with pytest.raises(AttachmentRejected, match="password-protected"):
            file_check(_encrypted_pdf("secret"), "id.pdf", sanitise=sanitise)


def test_a_pdf_that_only_protects_its_owner_s_rights_is_opened_and_walked():
    assert file_check(_encrypted_pdf(""), "statement.pdf", sanitise=True)


def test_messages_are_in_the_active_language():
    from django.utils import translation

    dutch = pytest.raises(AttachmentRejected, match="Alleen PDF-, JPEG- en PNG-bestanden")
    with translation.override("nl"), dutch:
        file_check(ELF, "x.pdf", sanitise=True)


def test_identity_documents_open_for_officers_only_and_each_showing_is_recorded(
    make_request, officer, viewer
):
    from dsr.attachments import AttachmentDestroyed, AttachmentNotPermitted, attachment_open
    from dsr.models import Event

    request = make_request()
    document = store(request, PNG, "id.png")
    with pytest.raises(AttachmentNotPermitted):
        attachment_open(attachment=document, user=viewer)
    assert not Event.objects.filter(kind=EventKind.ATTACHMENT_VIEWED).exists()

    assert attachment_open(attachment=document, user=officer, shown=False) == attachment_read(
        document
    )
    assert not Event.objects.filter(kind=EventKind.ATTACHMENT_VIEWED).exists()  # not shown
    assert attachment_open(attachment=document, user=officer).startswith(b"\x89PNG")
    viewed = Event.objects.get(kind=EventKind.ATTACHMENT_VIEWED)
    assert viewed.actor_user == officer and viewed.request == request
    assert viewed.data == {"attachment": document.pk, "sha256": document.sha256}

    attachment_destroy(attachment=document, actor=audit.Actor.for_user(officer), reason="decided")
    with pytest.raises(AttachmentDestroyed):
        attachment_open(attachment=document, user=officer)


def test_other_files_open_for_every_member_without_a_record(make_request, viewer):
    from dsr.attachments import attachment_open
    from dsr.models import Event

    request = make_request()
    letter = attachment_store(
        request=request,
        content=PDF,
        original_name="letter.pdf",
        kind=AttachmentKind.CORRESPONDENCE,
        actor=audit.Actor.subject(),
    )
    assert attachment_open(attachment=letter, user=viewer) == PDF
    assert not Event.objects.filter(kind=EventKind.ATTACHMENT_VIEWED).exists()
