"""Files on a request: checked by content, encrypted at rest, destroyed when no longer needed."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dsr import audit, crypto
from dsr.models import Attachment, AttachmentKind, EventKind, Request

# What the desk accepts, recognised by the first bytes of the file, never by its name.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
MAX_SIZE = 10 * 1024 * 1024


class AttachmentRejected(ValueError):
    """The file cannot be stored; the message says why in words a person understands."""


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


def attachment_store(
    *,
    request: Request,
    content: bytes,
    original_name: str,
    kind: str,
    actor: audit.Actor,
    uploaded_by_subject: bool = False,
) -> Attachment:
    if not content:
        raise AttachmentRejected("The file is empty.")
    if len(content) > MAX_SIZE:
        raise AttachmentRejected("The file is larger than 10 MB.")
    content_type = sniff_content_type(content)
    if content_type is None:
        raise AttachmentRejected("Only PDF, JPEG and PNG files are accepted.")
    if kind not in AttachmentKind.values:
        raise AttachmentRejected(f"Unknown attachment kind {kind!r}.")

    attachment = Attachment(
        request=request,
        kind=kind,
        original_name=clean_file_name(original_name),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_subject=uploaded_by_subject,
    )
    # The stored name says nothing about the file; the bytes are encrypted.
    attachment.file.save(
        f"{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(content)), save=False
    )
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
                    "content_type": content_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                },
                payload={"name": attachment.original_name},
            )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_read(attachment: Attachment) -> bytes:
    if attachment.is_destroyed:
        raise FileNotFoundError("This file was destroyed")
    with attachment.file.open("rb") as handle:
        return crypto.decrypt(handle.read())


def attachment_destroy(*, attachment: Attachment, actor: audit.Actor, reason: str) -> None:
    """Remove the file for good, keeping its hash and the fact that it existed."""
    if attachment.is_destroyed:
        return
    storage, name = attachment.file.storage, attachment.file.name
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
        transaction.on_commit(lambda: storage.delete(name) if name else None)
