"""Hostile uploads made for real: PNG headers that promise tens of megapixels in a few hundred
kilobytes, long and password-protected PDFs, and a watch on every place Pillow and pypdf
would open or decode a file (the real libraries, wrapped, never replaced)."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from functools import cache

import pytest
from django.test import Client

from accounts.models import Organization
from tests.dsr.intake.intake_helpers import challenge_on, solve


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@cache
def png_claiming(width: int, height: int, *, colour: bool = True) -> bytes:
    """A valid PNG of `width` x `height` black pixels (RGB or grey), written row by row
    without ever holding the image in memory: a 7000 x 7000 RGB one is about 150 KB but
    decodes to 147 MB."""
    channels, colour_type = (3, 2) if colour else (1, 0)
    row = b"\x00" * (1 + width * channels)  # filter byte "none", then the pixels
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def pdf_pages(count: int, *, javascript_on_page: int | None = None) -> bytes:
    """A PDF of `count` blank pages; with `javascript_on_page` (1-based), that page runs a
    script when it is opened (an /AA /O JavaScript action), deep in the page tree."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=200, height=200)
    if javascript_on_page is not None:
        action = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.launchURL('http://evil.example/')"),
            }
        )
        page = writer.pages[javascript_on_page - 1]
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_encrypted(user_password: str, *, with_script: bool = False) -> bytes:
    """A one-page PDF encrypted with AES-256; opening it needs `user_password` ("" means
    anyone may open it, only the owner's rights are protected). `with_script`: the page runs
    a script when opened (its code encrypted; the names around it are not)."""
    from pypdf import PdfReader, PdfWriter

    if with_script:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_pages(1, javascript_on_page=1))))
    else:
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password, owner_password="owner-only", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class DecodeWatch:
    """Counts every call of Pillow's `Image.open` and of the `load` that decodes pixels
    (`ImageFile.load` for files, `Image.load` for the rest), and every PDF parsed."""

    opened: list[str] = field(default_factory=list)
    decoded: list[tuple[int, int]] = field(default_factory=list)
    pdfs_parsed: int = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> DecodeWatch:
        import pypdf
        from PIL import Image, ImageFile

        real_open, real_file_load, real_load = (
            Image.open,
            ImageFile.ImageFile.load,
            Image.Image.load,
        )
        real_reader_init = pypdf.PdfReader.__init__
        watch = self

        def watched_open(fp, *args, **kwargs):
            watch.opened.append(type(fp).__name__)
            return real_open(fp, *args, **kwargs)

        def watched_file_load(image):
            if image._im is None:  # the first load is the one that decodes
                watch.decoded.append(image.size)
            return real_file_load(image)

        def watched_load(image):
            # A file's `ImageFile.load` calls this one first: count it there only.
            if image._im is None and not isinstance(image, ImageFile.ImageFile):
                watch.decoded.append(image.size)
            return real_load(image)

        def watched_reader_init(reader, *args, **kwargs):
            watch.pdfs_parsed += 1
            return real_reader_init(reader, *args, **kwargs)

        monkeypatch.setattr(Image, "open", watched_open)
        monkeypatch.setattr(ImageFile.ImageFile, "load", watched_file_load)
        monkeypatch.setattr(Image.Image, "load", watched_load)
        monkeypatch.setattr(pypdf.PdfReader, "__init__", watched_reader_init)
        return self

    @property
    def decoded_pixels(self) -> int:
        return sum(width * height for width, height in self.decoded)


def form_data(
    client: Client, organization: Organization, *, bits: int, work: bool = True, **overrides
) -> dict:
    """The public form as a person fills it in (the challenge from the page, the work done)."""
    page = client.get(f"/{organization.slug}/request/")
    assert page.status_code == 200
    challenge = challenge_on(page.content.decode())
    data = {
        "lang": "en",
        "challenge": challenge,
        "pow_nonce": solve(challenge, bits) if work else "",
        "rights": ["access"],
        "subject_name": "Lotte de Vries",
        "subject_email": "lotte.de.vries@example.com",
        "subject_customer_number": "",
        "answer_channel": "email",
        "subject_postal_address": "",
        "description": "",
        "fax": "",
    }
    data.update(overrides)
    return data
