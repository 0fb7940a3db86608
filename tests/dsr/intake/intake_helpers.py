"""Helpers for the intake tests: solving the proof of work, reading mail, sample files.

Sample files are made with the libraries that read them (pypdf, Pillow), so they are real.
"""

from __future__ import annotations

import hashlib
import io
import re
from itertools import count

from dsr import emails
from dsr.models import OutboundEmail

_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def solve(challenge: str, bits: int) -> str:
    for nonce in count():
        digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - bits) == 0:
            return str(nonce)
    raise AssertionError("unreachable")


def challenge_on(html: str) -> str:
    match = _CHALLENGE.search(html)
    assert match, "the form carries no challenge"
    return match.group(1)


def send_stored_mail() -> list:
    """Send every stored mail as the worker would; return Django's outbox."""
    from django.core import mail

    for email in OutboundEmail.objects.filter(sent_at__isnull=True).order_by("pk"):
        emails.email_send(email.pk)
    return mail.outbox


# --- sample files, made with the libraries that read them ------------------------------------


def pdf_bytes(*, javascript: str = "", attachment: bytes = b"", open_action: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
        if open_action:
            writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
        else:
            writer.pages[0][NameObject("/AA")] = DictionaryObject(
                {NameObject("/O"): writer._add_object(action)}
            )
    if attachment:
        writer.add_attachment("payload.exe", attachment)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(
    kind: str = "JPEG", *, size: tuple[int, int] = (64, 40), exif_gps: bool = False
) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if kind == "JPEG" and exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"  # Make
        exif[0x8825] = {1: "N", 2: (50.0, 50.0, 0.0)}  # GPS IFD: latitude 50°50'
        image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    elif kind == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Author", "Lotte de Vries, Kerkstraat 1")
        image.save(buffer, "PNG", pnginfo=info)
    else:
        image.save(buffer, kind)
    return buffer.getvalue()
