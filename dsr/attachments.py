"""Files on a request: checked by content, encrypted at rest, destroyed when no longer needed.

Every file is judged by its bytes, never by its name: it must be a PDF, JPEG or PNG of at
most 10 MB, a PDF may not carry scripts, automatic actions or embedded files, and no file
may also be another kind of file (a polyglot: a PNG that is also an HTML page, a PDF with
a ZIP archive hidden in its tail).

Every PDF is also parsed and walked object by object, every page of it, so a script hidden
in a compressed object stream or on page 140 is found too; a PDF that needs a password to
open, or has more than MAX_PDF_PAGES pages, is refused. Files from the data subject (the
public form, the status page) are untrusted and are *sanitised* as well: a PDF that cannot
be parsed is refused, and images are decoded and re-encoded, which drops their metadata (EXIF
with GPS position, camera serial, comments, ICC profiles) and anything hiding after the image
data. Decoding has a pixel budget read from the image's header before a pixel is decoded
(MAX_IMAGE_PIXELS per image, MAX_SUBMISSION_PIXELS per submission). Files an officer
uploads are evidence and are kept byte for byte; one that does not parse is checked by the
byte scan only, and the desk offers it as a download, never inline (`pdf_walked`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from accounts import access
from accounts.models import User
from dsr import audit, crypto
from dsr.fulfilment.streams import storage_delete_on_commit
from dsr.models import Attachment, AttachmentKind, EventKind, Request

# What the desk accepts, recognised by the first bytes of the file, never by its name.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
MAX_SIZE = 10 * 1024 * 1024
# Identity documents need to be readable, not poster-sized: larger images are scaled down,
# and an image whose header promises more pixels than this is refused before decoding
# (a "decompression bomb" of a few hundred kilobytes claims 150 MB of pixels; an A4 page
# scanned at 600 dpi is 35 megapixels). Pillow's own bomb check uses the same number.
MAX_IMAGE_SIDE = 4000
MAX_IMAGE_PIXELS = 40_000_000
# All the images of one submission (the form, an answer) together: decoding is sequential,
# this bounds the CPU one post can cost.
MAX_SUBMISSION_PIXELS = 80_000_000
# Every page of a PDF is walked; past this many pages it is refused rather than half-checked.
MAX_PDF_PAGES = 500
# Walking a PDF's object graph stops here; a real scan has a few hundred objects, a
# 500-page document a few thousand.
MAX_PDF_OBJECTS = 200_000
# ... and after this long: a PDF too complex to check in time is refused, never let through.
MAX_PDF_WALK_SECONDS = 5.0

# Pillow refuses on its own above twice this (DecompressionBombError) and warns above it
# (DecompressionBombWarning); `_open_image` makes the warning a refusal too. One number for
# the whole process, so no other code path decodes more than the desk accepts.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# PDF dictionary keys that run code, act on their own or carry other files.
PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
# Action types (the /S of an action) that run code, open other files or send data out.
PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
# A PDF name token; "#xx" escapes (/J#61vaScript) are decoded before comparing.
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Markers of content a browser or an interpreter would run. The patterns are long enough
# that compressed data matches them by chance about once in ten thousand 10 MB files.
_ACTIVE_MARKUP = re.compile(rb"<(?:script|html|iframe|\?php)\b", re.IGNORECASE)
# A ZIP archive is read from its end-of-central-directory record, which sits in the last
# 22 bytes plus an optional comment of up to 65,535 bytes: that is where a ZIP polyglot hides.
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 22 + 65_535


class AttachmentRejected(ValueError):
    """The file cannot be stored; the message says why in words a person understands."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed `file_check`: the bytes to store (re-encoded for images from the
    subject), their sniffed type and a display name safe to show anywhere."""

    content: bytes
    content_type: str
    name: str


def sniff_content_type(content: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def clean_file_name(name: str) -> str:
    """A display name without directories, control or direction-changing characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip(" .")
    stem, extension = os.path.splitext(name)
    return (stem[:150] + extension[:10]) or "file"


def file_check(content: bytes, original_name: str, *, sanitise: bool) -> CheckedFile:
    """Judge a file by its bytes; raise AttachmentRejected with a message for the uploader.

    `sanitise` is for untrusted uploads (the data subject): the PDF is parsed and walked,
    images are re-encoded without metadata. Messages are in the active language."""
    if not content:
        raise AttachmentRejected(_("The file is empty."))
    if len(content) > MAX_SIZE:
        raise AttachmentRejected(_("The file is larger than 10 MB."))
    content_type = sniff_content_type(content)
    if content_type is None:
        raise AttachmentRejected(_("Only PDF, JPEG and PNG files are accepted."))
    _refuse_polyglot(content, content_type)
    if content_type == "application/pdf":
        _refuse_active_pdf_names(content)
        _refuse_active_pdf_objects(content, strict=sanitise)
    elif sanitise:
        content = _reencode_image(content, content_type)
    return CheckedFile(
        content=content, content_type=content_type, name=clean_file_name(original_name)
    )


def _refuse_polyglot(content: bytes, content_type: str) -> None:
    other_kind = (
        _ACTIVE_MARKUP.search(content) is not None
        or content.rfind(_ZIP_END, max(0, len(content) - _ZIP_TAIL)) != -1
        or (content_type != "application/pdf" and b"%PDF-" in content)
    )
    if other_kind:
        raise AttachmentRejected(
            _(
                "The file is not a plain PDF, JPEG or PNG file: it also contains another "
                "kind of content. Please send a new copy, for example a photo or a scan."
            )
        )


def _active_pdf_refusal() -> AttachmentRejected:
    return AttachmentRejected(
        _(
            "The PDF file contains scripts, automatic actions or embedded files, which we do "
            "not accept. Please save it as a new PDF (for example with “Print to PDF”) or "
            "send a photo of the document instead."
        )
    )


def _decode_pdf_name(raw: bytes) -> str:
    decoded = _PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw)
    return "/" + decoded.decode("latin-1")


def _refuse_active_pdf_names(content: bytes) -> None:
    """Every name written in the clear: catches active content even in a PDF too broken
    to parse, or in objects no longer referenced (old revisions)."""
    dangerous = PDF_ACTIVE_KEYS | PDF_ACTIVE_ACTIONS
    for match in _PDF_NAME.finditer(content):
        if _decode_pdf_name(match.group(1)) in dangerous:
            raise _active_pdf_refusal()


def _encrypted_pdf_refusal() -> AttachmentRejected:
    return AttachmentRejected(
        _("This PDF is password-protected; please send it without a password.")
    )


def _refuse_active_pdf_objects(content: bytes, *, strict: bool) -> None:
    """Parse the PDF and walk every object reachable from its trailer — every page, however
    many, and the objects packed in compressed object streams, which a byte scan cannot see.

    Whoever sent it, a PDF that parses is walked to the end or refused: one that needs a
    password to open (one that only protects the owner's rights is opened with the empty
    password and walked), one with more than MAX_PDF_PAGES pages, or one too large to walk
    within MAX_PDF_OBJECTS objects and MAX_PDF_WALK_SECONDS. `strict` (the subject's files):
    a PDF that cannot be parsed, or has no page, is refused too. Otherwise (an officer's
    evidence) such a file is kept as it is, checked by the byte scan only, and the desk
    offers it as a download, never inline (`pdf_walked`)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    unreadable = AttachmentRejected(
        _("The PDF file could not be read. It may be damaged; please send a new copy.")
    )
    too_complex = AttachmentRejected(
        _(
            "The PDF file is too large for us to check. Please send only the pages we "
            "need, or save it as a new PDF (for example with “Print to PDF”)."
        )
    )
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:  # an encryption pypdf cannot open is no better than a password
                opened = False
            if not opened:
                raise _encrypted_pdf_refusal()
        pages = len(reader.pages)
    except AttachmentRejected:
        raise
    except Exception as exc:  # hostile input: any parser failure means "unreadable"
        if b"/Encrypt" in content:  # too broken to parse, and encrypted: say the latter
            raise _encrypted_pdf_refusal() from exc
        if strict:
            raise unreadable from exc
        return
    if pages > MAX_PDF_PAGES:
        raise AttachmentRejected(
            _("The PDF file has more than %(count)d pages.") % {"count": MAX_PDF_PAGES}
        )
    if pages == 0:
        if strict:
            raise unreadable
        return

    deadline = time.monotonic() + MAX_PDF_WALK_SECONDS
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    walked = 0
    try:
        while pending:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                item = item.get_object()
            walked += 1
            if walked > MAX_PDF_OBJECTS or (walked % 256 == 0 and time.monotonic() > deadline):
                raise too_complex
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if key in PDF_ACTIVE_KEYS:
                        raise _active_pdf_refusal()
                    if key == "/S" and value in PDF_ACTIVE_ACTIONS:
                        raise _active_pdf_refusal()
                    pending.append(value)
            elif isinstance(item, ArrayObject):
                pending.extend(item)
    except AttachmentRejected:
        raise
    except Exception as exc:  # a broken object deep in the file: as if it did not parse
        if strict:
            raise unreadable from exc


def pdf_walked(content: bytes) -> bool:
    """Whether a stored PDF passes every check a subject's PDF passes today: parsed, every
    page and object walked in time, nothing active. Only such a PDF is shown inline in the
    desk; any other (an officer's unparseable evidence, a file stored before these checks)
    is offered as a download. The verdict is kept in the cache by the file's hash."""
    key = f"attachments:pdf-walked:1:{hashlib.sha256(content).hexdigest()}"
    verdict = cache.get(key)
    if verdict is None:
        try:
            _refuse_active_pdf_names(content)
            _refuse_active_pdf_objects(content, strict=True)
            verdict = True
        except AttachmentRejected:
            verdict = False
        cache.set(key, verdict, timeout=30 * 86400)
    return bool(verdict)


def _pixel_refusal() -> AttachmentRejected:
    return AttachmentRejected(
        _(
            "The image is too large in pixels: we accept at most %(megapixels)d megapixels "
            "(for example 8000 × 5000). Please send a smaller photo or scan."  # noqa: RUF001
        )
        % {"megapixels": MAX_IMAGE_PIXELS // 1_000_000}
    )


def submission_pixels_refusal() -> AttachmentRejected:
    """All the images of one submission together promise more pixels than the budget."""
    return AttachmentRejected(
        _(
            "Together, the images are too large in pixels: we accept at most %(megapixels)d "
            "megapixels in one message. Please send fewer or smaller photos or scans."
        )
        % {"megapixels": MAX_SUBMISSION_PIXELS // 1_000_000}
    )


def _open_image(content: bytes, content_type: str) -> Image.Image:
    """Open an image lazily (Pillow reads the header, not the pixels) and refuse it if the
    header promises more than the pixel budget, before anything is decoded."""
    unreadable = AttachmentRejected(
        _("The image could not be read. It may be damaged; please send a new copy.")
    )
    expected_format = "JPEG" if content_type == "image/jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[expected_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pixel_refusal() from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise unreadable from exc
    width, height = image.size
    if image.format != expected_format or width <= 0 or height <= 0:
        image.close()
        raise unreadable
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise _pixel_refusal()
    return image


def image_pixels(content: bytes) -> int:
    """How many pixels decoding this file would make, from its header only: 0 for a file
    that is not a JPEG or PNG. An image over the budget for one image is refused here."""
    content_type = sniff_content_type(content)
    if content_type not in ("image/jpeg", "image/png"):
        return 0
    with _open_image(content, content_type) as image:
        width, height = image.size
    return width * height


def _reencode_image(content: bytes, content_type: str) -> bytes:
    """Decode and encode again: only pixels survive, no metadata, no trailing payload."""
    unreadable = AttachmentRejected(
        _("The image could not be read. It may be damaged; please send a new copy.")
    )
    try:
        with _open_image(content, content_type) as opened:
            if opened.format == "JPEG":
                # Let the JPEG decoder scale down while decoding: far less memory and time.
                opened.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            opened.load()
            image = opened
            if image.mode == "P":  # palette and 1-bit images scale well only as colours
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            elif image.mode == "1":
                image = image.convert("L")
            # Scale down first (in place), so the copies below are of the small image.
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            upright = ImageOps.exif_transpose(image)
    except AttachmentRejected:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise unreadable from exc

    if content_type == "image/jpeg":
        mode = "L" if upright.mode in ("1", "L", "LA", "I", "I;16") else "RGB"
    else:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        grey = upright.mode in ("1", "L", "LA", "I", "I;16")
        mode = ("LA" if has_alpha else "L") if grey else ("RGBA" if has_alpha else "RGB")
    upright = upright.convert(mode)
    # A fresh image from the raw pixels: no `info` (EXIF, XMP, comments, ICC) to carry over.
    pixels_only = Image.frombytes(mode, upright.size, upright.tobytes())
    output = io.BytesIO()
    if content_type == "image/jpeg":
        pixels_only.save(output, "JPEG", quality=90, optimize=True)
    else:
        pixels_only.save(output, "PNG")
    return output.getvalue()


def attachment_store(
    *,
    request: Request,
    content: bytes | CheckedFile,
    original_name: str,
    kind: str,
    actor: audit.Actor,
    uploaded_by_subject: bool = False,
) -> Attachment:
    """Check, encrypt and store a file on a request, and record it in the audit chain.

    `content` may be a `CheckedFile` already checked by the caller (the public form checks
    each file once, then stores it on every request of the submission); raw bytes are
    checked here, sanitised when they come from the subject."""
    if kind not in AttachmentKind.values:
        raise AttachmentRejected(f"Unknown attachment kind {kind!r}.")
    checked = (
        content
        if isinstance(content, CheckedFile)
        else file_check(content, original_name, sanitise=uploaded_by_subject)
    )
    data = checked.content

    attachment = Attachment(
        request=request,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_subject=uploaded_by_subject,
    )
    # The stored name says nothing about the file; the bytes are encrypted.
    attachment.file.save(f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(data)), save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit.record(
                organization=request.organization,
                request=request,
                kind=EventKind.ATTACHMENT_ADDED,
                actor=actor,
                data={
                    "attachment": attachment.pk,
                    "kind": kind,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                },
                payload={"name": attachment.original_name},
            )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_files_delete(attachments: list[Attachment]) -> None:
    """Remove the stored files of attachments whose rows were rolled back.

    A file is written before its row, so a transaction that fails after storing files
    (a later file refused, a database error) calls this to leave nothing on disk."""
    for attachment in attachments:
        if attachment.file:
            attachment.file.storage.delete(attachment.file.name)


def attachment_read(attachment: Attachment) -> bytes:
    if attachment.is_destroyed:
        raise FileNotFoundError("This file was destroyed")
    with attachment.file.open("rb") as handle:
        return crypto.decrypt(handle.read())


class AttachmentNotPermitted(PermissionError):
    """The user may not see this file; the message says why."""


class AttachmentDestroyed(FileNotFoundError):
    """The file was destroyed (its hash and `destroyed_at` are kept)."""


def attachment_open(*, attachment: Attachment, user: User, shown: bool = True) -> bytes:
    """A request's file, decrypted, for a member of its organisation to see.

    Identity documents only to its officers and managers (viewers raise
    `AttachmentNotPermitted`), and who saw one, and when, is part of the record (LEGAL.md):
    each showing is an `attachment.viewed` Event. `shown` is False when nothing is shown
    (an HTTP HEAD): nothing is recorded then. A destroyed file raises `AttachmentDestroyed`.
    The caller has found `attachment` through `accounts.access.visible_to`."""
    request = attachment.request
    identity = attachment.kind == AttachmentKind.IDENTITY_PROOF
    if identity and not access.can_act(user, request.organization):
        raise AttachmentNotPermitted("Identity documents are shown to officers only.")
    if attachment.is_destroyed:
        raise AttachmentDestroyed("This file was destroyed")
    content = attachment_read(attachment)
    if identity and shown:
        audit.record(
            organization=request.organization,
            request=request,
            kind=EventKind.ATTACHMENT_VIEWED,
            actor=audit.Actor.for_user(user),
            data={"attachment": attachment.pk, "sha256": attachment.sha256},
        )
    return content


def attachment_destroy(*, attachment: Attachment, actor: audit.Actor, reason: str) -> None:
    """Remove the file for good, keeping its hash and the fact that it existed."""
    if attachment.is_destroyed:
        return
    name = attachment.file.name
    with transaction.atomic():
        attachment.destroyed_at = timezone.now()
        attachment.file = ""
        attachment.save(update_fields=["destroyed_at", "file"])
        audit.record(
            organization=attachment.request.organization,
            request=attachment.request,
            kind=EventKind.ATTACHMENT_DESTROYED,
            actor=actor,
            data={
                "attachment": attachment.pk,
                "kind": attachment.kind,
                "sha256": attachment.sha256,
                "reason": reason,
            },
        )
        storage_delete_on_commit(name)


# --- branding images (the organisation's logo and signature image) ----------------------------


def branding_content(content: bytes) -> ContentFile:
    """An uploaded logo or signature image as stored: encrypted like every other file, under a
    random name (the upload's own name may be a person's)."""
    return ContentFile(crypto.encrypt(content), name=f"{uuid.uuid4().hex}.enc")


def branding_read(image: Any, limit: int) -> bytes | None:
    """A stored logo or signature image's bytes; None if larger than `limit`. Images stored
    before they were encrypted are read as they are."""
    with image.open("rb") as handle:
        stored = handle.read(2 * limit + 4096)  # the ciphertext is about 4/3 the image
    if stored.startswith(b"gAAAA"):
        try:
            stored = crypto.decrypt(stored)
        except crypto.InvalidToken:
            return None
    return stored if len(stored) <= limit else None
